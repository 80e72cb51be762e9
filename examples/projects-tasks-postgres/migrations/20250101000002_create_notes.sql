-- Each note belongs to exactly one user: the `sub` of the token that created it.
-- The limits repeat the API's checks (src/routes/notes.rs), so that no other writer can store
-- what the API would refuse; change both together.

CREATE TABLE "notes" (
    -- Insertion order; the cursor of paginated lists.
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id UUID NOT NULL UNIQUE,
    owner_id TEXT NOT NULL,
    "body" TEXT NOT NULL CHECK (char_length("body") <= 100000),
    "pinned" BOOLEAN NOT NULL,
    "tag" TEXT CHECK ("tag" IN ('work', 'home', 'someday')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX "notes_owner_seq" ON "notes" (owner_id, seq);
