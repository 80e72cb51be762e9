-- Each task belongs to exactly one user: the `sub` of the token that created it.
CREATE TABLE tasks (
    -- Insertion order; the cursor of paginated lists.
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL UNIQUE,
    owner_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    completed INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX tasks_owner_seq ON tasks (owner_id, seq);
