-- 0003: the NBI's API tokens: who created a token and when it was last used.
ALTER TABLE api_tokens ADD COLUMN created_by text NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN last_used_at timestamptz;
