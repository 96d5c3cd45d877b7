-- 0014: SIP provisioning (provisioning/README.md): providers of a tenant, lines (an E.164 number
-- on a device's line index) and the line's sealed SIP password (common/secret, AAD bound to the
-- line: provisioning/prov_vault.h). A line is desired state; its state is the convergence.

CREATE TABLE sip_providers (
    id                      serial PRIMARY KEY,
    tenant_id               int NOT NULL REFERENCES tenants(id),
    name                    text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    sip_domain              text NOT NULL CHECK (sip_domain ~ '^[A-Za-z0-9.-]{1,253}$'),
    registrar_host          text NOT NULL CHECK (registrar_host ~ '^[A-Za-z0-9.:-]{1,253}$'),
    registrar_port          int NOT NULL DEFAULT 5061 CHECK (registrar_port BETWEEN 1 AND 65535),
    proxy_host              text NOT NULL DEFAULT '' CHECK (proxy_host ~ '^[A-Za-z0-9.:-]{0,253}$'),
    proxy_port              int NOT NULL DEFAULT 5061 CHECK (proxy_port BETWEEN 1 AND 65535),
    outbound_proxy_host     text NOT NULL DEFAULT '' CHECK (outbound_proxy_host ~ '^[A-Za-z0-9.:-]{0,253}$'),
    outbound_proxy_port     int NOT NULL DEFAULT 5061 CHECK (outbound_proxy_port BETWEEN 1 AND 65535),
    transport               text NOT NULL DEFAULT 'TLS' CHECK (transport IN ('TLS', 'TCP', 'UDP')),
    -- a cleartext transport is never a default: the row says so explicitly
    allow_insecure_transport boolean NOT NULL DEFAULT false,
    srtp                    text NOT NULL DEFAULT 'mandatory' CHECK (srtp IN ('mandatory', 'optional', 'off')),
    registration_period     int NOT NULL DEFAULT 3600 CHECK (registration_period BETWEEN 60 AND 86400),
    max_sessions_per_line   int NOT NULL DEFAULT 2 CHECK (max_sessions_per_line BETWEEN 1 AND 64),
    created_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name),
    UNIQUE (id, tenant_id), -- the target of sip_lines' (provider_id, tenant_id)
    CONSTRAINT sip_providers_transport_allowed CHECK (transport = 'TLS' OR allow_insecure_transport)
);

CREATE TABLE sip_lines (
    id              bigserial PRIMARY KEY,
    tenant_id       int NOT NULL REFERENCES tenants(id),
    e164            text NOT NULL UNIQUE CHECK (e164 ~ '^\+[1-9][0-9]{7,14}$'),
    device_pk       bigint NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    line_index      int NOT NULL CHECK (line_index BETWEEN 1 AND 16),
    -- a line's provider is of the line's own tenant (the composite key), and stays while it has lines
    provider_id     int NOT NULL,
    display_name    text NOT NULL DEFAULT '' CHECK (length(display_name) <= 64),
    -- the call limit pushed as SIP.Client.{i}.MaxSessions; NULL: the provider's max_sessions_per_line.
    -- Never above the provider's (checked by prov_line.c when the line is written).
    max_sessions    int CHECK (max_sessions BETWEEN 1 AND 64),
    auth_username   text NOT NULL CHECK (auth_username ~ '^[A-Za-z0-9+._-]{1,64}$'),
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'applied', 'verified', 'drifted', 'failed', 'removing')),
    fault_code      int,
    fault_string    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (device_pk, line_index),
    FOREIGN KEY (provider_id, tenant_id) REFERENCES sip_providers (id, tenant_id)
);
CREATE INDEX sip_lines_tenant ON sip_lines (tenant_id, e164);
CREATE INDEX sip_lines_provider ON sip_lines (provider_id);

-- the SIP password of a line, sealed (common/secret.h) under the key key_id names
CREATE TABLE sip_credentials (
    line_id     bigint PRIMARY KEY REFERENCES sip_lines(id) ON DELETE CASCADE,
    key_id      bigint NOT NULL,
    ciphertext  bytea NOT NULL,
    rotated_at  timestamptz NOT NULL DEFAULT now()
);

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_nbi') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON sip_providers, sip_lines TO acs_nbi';
        -- the NBI seals and re-seals, and reads which key a row is under, never the ciphertext
        EXECUTE 'GRANT INSERT, UPDATE ON sip_credentials TO acs_nbi';
        EXECUTE 'GRANT SELECT (line_id, key_id, rotated_at) ON sip_credentials TO acs_nbi';
        EXECUTE 'GRANT USAGE ON SEQUENCE sip_providers_id_seq, sip_lines_id_seq TO acs_nbi';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_cwmp') THEN
        -- acsd pushes the lines (it opens the credentials to build the SOAP body) and records their state
        EXECUTE 'GRANT SELECT ON sip_providers, sip_lines, sip_credentials TO acs_cwmp';
        EXECUTE 'GRANT UPDATE (state, fault_code, fault_string, updated_at) ON sip_lines TO acs_cwmp';
        -- the role holding the key re-seals: acsctl vault rotate-key runs with [db] conninfo
        EXECUTE 'GRANT UPDATE (key_id, ciphertext, rotated_at) ON sip_credentials TO acs_cwmp';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_readonly') THEN
        EXECUTE 'GRANT SELECT ON sip_providers, sip_lines TO acs_readonly';
        EXECUTE 'GRANT SELECT (line_id, key_id, rotated_at) ON sip_credentials TO acs_readonly';
    END IF;
END $$;
