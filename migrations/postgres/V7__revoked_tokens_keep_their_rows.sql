-- A revoked token keeps its row when its name goes to a new token (V4 replaced it),
-- as SQLite's V13: a row is found by its hash, and a name is unique among the live
-- tokens only.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_pkey;
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_hash_key;
ALTER TABLE api_tokens ADD PRIMARY KEY (hash);
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;
