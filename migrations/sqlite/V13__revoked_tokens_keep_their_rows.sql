-- A revoked token keeps its row when its name goes to a new token (V9 replaced it):
-- who had access, and until when, stays listed. A row is now found by its hash, and a
-- name is unique among the live tokens only.
CREATE TABLE api_tokens_v13 (
    hash        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('read', 'operate')),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    revoked_at  TEXT
);
INSERT INTO api_tokens_v13 (hash, name, role, created_at, created_by, revoked_at)
    SELECT hash, name, role, created_at, created_by, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_v13 RENAME TO api_tokens;
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;
