-- Each note belongs to exactly one user: the `sub` of the token that created it.
-- The limits repeat the API's checks (src/routes/notes.rs), so that no other writer can store
-- what the API would refuse; change both together.

CREATE TABLE "notes" (
    -- Insertion order; the cursor of paginated lists.
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL UNIQUE,
    owner_id TEXT NOT NULL,
    "title" TEXT NOT NULL CHECK (length("title") BETWEEN 1 AND 200),
    "description" TEXT CHECK (length("description") BETWEEN 1 AND 2000),
    "completed" INTEGER NOT NULL CHECK ("completed" IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX "notes_owner_seq" ON "notes" (owner_id, seq);
