-- Each order belongs to exactly one user: the `sub` of the token that created it.
-- The limits repeat the API's checks (src/routes/orders.rs), so that no other writer can store
-- what the API would refuse; change both together.

CREATE TABLE "orders" (
    -- Insertion order; the cursor of paginated lists.
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id UUID NOT NULL UNIQUE,
    owner_id TEXT NOT NULL,
    "title" TEXT NOT NULL CHECK (char_length("title") BETWEEN 1 AND 200),
    "description" TEXT CHECK (char_length("description") BETWEEN 1 AND 2000),
    "completed" BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX "orders_owner_seq" ON "orders" (owner_id, seq);
