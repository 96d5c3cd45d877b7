-- 0001: certificate authority state (pki-ca owns these tables).

CREATE TABLE ca_authorities (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('root', 'issuer')),
    parent_id   int REFERENCES ca_authorities(id),
    subject     text NOT NULL,
    serial      text NOT NULL UNIQUE,        -- lowercase hex
    key_type    text NOT NULL,               -- 'ec-p256', 'ec-p384', 'rsa-3072'...
    key_file    text NOT NULL,               -- file name under [ca] key_dir (encrypted PEM)
    cert_der    bytea NOT NULL,
    not_before  timestamptz NOT NULL,
    not_after   timestamptz NOT NULL,
    path_len    int,
    crl_number  bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'root') = (parent_id IS NULL))
);
CREATE UNIQUE INDEX ca_authorities_one_root ON ca_authorities ((kind)) WHERE kind = 'root';

CREATE TABLE certificates (
    serial      text PRIMARY KEY,            -- lowercase hex, 128 random bits
    issuer_id   int NOT NULL REFERENCES ca_authorities(id),
    device_id   text,                        -- OUI-ProductClass-SerialNumber, NULL for server certs
    subject     text NOT NULL,
    profile     text NOT NULL CHECK (profile IN ('device', 'server')),
    not_before  timestamptz NOT NULL,
    not_after   timestamptz NOT NULL,
    cert_der    bytea NOT NULL,
    issued_via  text NOT NULL,               -- cli, batch, est-enroll, est-reenroll, server
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX certificates_device ON certificates (device_id);
CREATE INDEX certificates_issuer ON certificates (issuer_id);

CREATE TABLE revocations (
    serial      text PRIMARY KEY REFERENCES certificates(serial),
    reason      smallint NOT NULL CHECK (reason BETWEEN 0 AND 10 AND reason <> 7),
    revoked_at  timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL
);

CREATE TABLE enrollment_tokens (
    id          bigserial PRIMARY KEY,
    token_hash  bytea NOT NULL UNIQUE,       -- SHA-256 of the token; the token itself is never stored
    device_id   text NOT NULL,
    issuer_id   int NOT NULL REFERENCES ca_authorities(id),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    used_serial text,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Append-only, hash-chained: row_hash = SHA-256(prev_hash || canonical row text).
CREATE TABLE audit_log (
    id          bigint PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    subject     text NOT NULL DEFAULT '',
    result      text NOT NULL CHECK (result IN ('ok', 'refused', 'error')),
    details     text NOT NULL DEFAULT '',
    prev_hash   bytea NOT NULL,
    row_hash    bytea NOT NULL
);
-- The chain's head: appends lock this row, so they serialise, and a deleted
-- last row is detected too.
CREATE TABLE audit_head (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_id     bigint NOT NULL,
    last_hash   bytea NOT NULL
);
INSERT INTO audit_head VALUES (true, 0, '\x0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Revocations are announced to every running verifier (LISTEN ca_revocation).
CREATE FUNCTION revocations_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ca_revocation', NEW.serial);
    RETURN NEW;
END $$;
CREATE TRIGGER revocations_notify AFTER INSERT ON revocations
    FOR EACH ROW EXECUTE FUNCTION revocations_notify();

-- New or changed authorities make verifiers reload their trust store.
CREATE FUNCTION ca_authorities_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ca_authority', NEW.name);
    RETURN NEW;
END $$;
CREATE TRIGGER ca_authorities_notify AFTER INSERT OR UPDATE ON ca_authorities
    FOR EACH ROW EXECUTE FUNCTION ca_authorities_notify();
