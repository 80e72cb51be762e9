-- Each task belongs to exactly one user: the `sub` of the token that created it,
-- and lives in one of that user's projects: deleting the project deletes it.
-- The limits repeat the API's checks (src/routes/tasks.rs), so that no other writer can store
-- what the API would refuse; change both together.

-- A task's project must have the same owner: the foreign key names both.
CREATE UNIQUE INDEX IF NOT EXISTS "projects_owner_id_id" ON "projects" (owner_id, id);

CREATE TABLE "tasks" (
    -- Insertion order; the cursor of paginated lists.
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id UUID NOT NULL UNIQUE,
    owner_id TEXT NOT NULL,
    project_id UUID NOT NULL,
    "title" TEXT NOT NULL CHECK (char_length("title") BETWEEN 1 AND 200),
    "done" BOOLEAN NOT NULL,
    "due" DATE,
    "priority" TEXT NOT NULL CHECK ("priority" IN ('low', 'normal', 'high')),
    "estimate_minutes" BIGINT,
    "notes" TEXT CHECK (char_length("notes") <= 100000),
    "remind_at" TIMESTAMPTZ,
    "assignee" UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (owner_id, project_id) REFERENCES "projects" (owner_id, id) ON DELETE CASCADE
);

CREATE INDEX "tasks_owner_seq" ON "tasks" (owner_id, seq);
CREATE INDEX "tasks_owner_project_id_seq" ON "tasks" (owner_id, project_id, seq);
