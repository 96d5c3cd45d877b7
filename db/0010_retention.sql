-- 0010: retention (acsd's housekeeper deletes old rows) and revocation of an issuing CA.

-- acsd prunes ended sessions, faults and finished tasks ([retention]); never audit_log.
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_cwmp') THEN
        EXECUTE 'GRANT DELETE ON sessions, faults, tasks TO acs_cwmp';
    END IF;
END $$;

-- acs-ca issuer revoke NAME. Its serial joins every
-- verifier's revoked set (the UPDATE fires ca_authorities_notify), so every chain through it
-- is refused and acsd ends the sessions that depend on it.
ALTER TABLE ca_authorities ADD COLUMN revoked_at timestamptz;
ALTER TABLE ca_authorities ADD COLUMN revoked_reason smallint
    CHECK (revoked_reason BETWEEN 0 AND 10 AND revoked_reason <> 7);
ALTER TABLE ca_authorities ADD CONSTRAINT ca_authorities_root_not_revoked
    CHECK (kind = 'issuer' OR revoked_at IS NULL);

-- acsd's verifier reads an issuer's revocation (db/0006 grants ca_authorities column by column).
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_cwmp') THEN
        EXECUTE 'GRANT SELECT (revoked_at, revoked_reason) ON ca_authorities TO acs_cwmp';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_readonly') THEN
        EXECUTE 'GRANT SELECT (revoked_at, revoked_reason) ON ca_authorities TO acs_readonly';
    END IF;
END $$;
