-- 0009: audit chain v2 (length-prefixed row encoding) and signed anchors of its head.

-- Rows written so far keep their newline-joined hash (version 1); pki-ca writes 2.
-- Adding a column with a constant default rewrites no row, so the append-only
-- trigger is not involved.
ALTER TABLE audit_log ADD COLUMN hash_version smallint NOT NULL DEFAULT 1
    CHECK (hash_version IN (1, 2));
ALTER TABLE audit_log ALTER COLUMN hash_version SET DEFAULT 2;

-- Signed checkpoints of the chain (acs-ca audit anchor): the head id and hash at a
-- time, signed with [audit] anchor_key_file, a key no online process holds. audit
-- verify checks each one against the chain, so a chain rewritten end to end (every
-- hash recomputed) no longer matches an anchor taken before.
CREATE TABLE audit_anchors (
    id          bigserial PRIMARY KEY,
    head_id     bigint NOT NULL CHECK (head_id >= 0),
    head_hash   bytea NOT NULL CHECK (length(head_hash) = 32),
    at          timestamptz NOT NULL,
    key_id      text NOT NULL,               -- SHA-256 (hex) of the anchor public key, DER
    signature   bytea NOT NULL,
    actor       text NOT NULL
);
CREATE TRIGGER audit_anchors_no_change BEFORE UPDATE OR DELETE ON audit_anchors
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_ca') THEN
        EXECUTE 'GRANT SELECT, INSERT ON audit_anchors TO acs_ca';
        EXECUTE 'GRANT USAGE ON SEQUENCE audit_anchors_id_seq TO acs_ca';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_readonly') THEN
        EXECUTE 'GRANT SELECT ON audit_anchors TO acs_readonly';
    END IF;
END $$;
