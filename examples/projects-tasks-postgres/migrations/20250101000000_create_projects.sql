-- Each project belongs to exactly one user: the `sub` of the token that created it.
-- The limits repeat the API's checks (src/routes/projects.rs), so that no other writer can store
-- what the API would refuse; change both together.

CREATE TABLE "projects" (
    -- Insertion order; the cursor of paginated lists.
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id UUID NOT NULL UNIQUE,
    owner_id TEXT NOT NULL,
    "name" TEXT NOT NULL CHECK (char_length("name") BETWEEN 1 AND 120),
    "archived" BOOLEAN NOT NULL,
    "budget" DOUBLE PRECISION,
    "starts_on" DATE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX "projects_owner_seq" ON "projects" (owner_id, seq);
