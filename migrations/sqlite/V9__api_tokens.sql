-- Tokens of `orch serve`'s API and dashboard (DESIGN §15).
--
-- Only a SHA-256 hash of each token is kept: the token itself is printed once, by
-- `orch token create`, and never stored. A revoked token keeps its row (who had
-- access, and until when); its name may be given to a new token, which replaces it.
CREATE TABLE api_tokens (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('read', 'operate')),
    hash        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    revoked_at  TEXT
);
