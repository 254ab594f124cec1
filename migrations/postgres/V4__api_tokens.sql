-- Tokens of `orch serve`'s API and dashboard (DESIGN §15), as SQLite's V9.
--
-- Only a SHA-256 hash of each token is kept: the token itself is printed once, by
-- `orch token create`, and never stored. A revoked token keeps its row (who had
-- access, and until when); its name may be given to a new token, which replaces it.
CREATE TABLE api_tokens (
    name        TEXT COLLATE "C" PRIMARY KEY,
    role        TEXT COLLATE "C" NOT NULL CHECK (role IN ('read', 'operate')),
    hash        TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at  TEXT COLLATE "C" NOT NULL,
    created_by  TEXT COLLATE "C" NOT NULL,
    revoked_at  TEXT COLLATE "C"
);
