-- 0015: the E.164 directory (provisioning/README.md): per tenant, a number prefix and the SIP
-- URI calls to numbers under it are routed to; a lookup takes the longest prefix a number has.

CREATE TABLE e164_directory (
    id          bigserial PRIMARY KEY,
    tenant_id   int NOT NULL REFERENCES tenants(id),
    -- "+" and 1..15 digits (E.164: at most 15); a country code alone is a prefix too
    prefix      text NOT NULL CHECK (prefix ~ '^\+[0-9]{1,15}$'),
    sip_uri     text NOT NULL CHECK (sip_uri ~ '^sips?:[^[:space:][:cntrl:]"<>\\]{1,250}$'),
    ttl_s       int NOT NULL DEFAULT 300 CHECK (ttl_s BETWEEN 1 AND 86400),
    source      text NOT NULL DEFAULT 'operator' CHECK (source IN ('operator', 'line')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, prefix)
);

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_nbi') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON e164_directory TO acs_nbi';
        EXECUTE 'GRANT USAGE ON SEQUENCE e164_directory_id_seq TO acs_nbi';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_cwmp') THEN
        EXECUTE 'GRANT SELECT ON e164_directory TO acs_cwmp';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_readonly') THEN
        EXECUTE 'GRANT SELECT ON e164_directory TO acs_readonly';
    END IF;
END $$;
