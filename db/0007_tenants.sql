-- 0007: tenants (providers sharing the platform; docs/ARCHITECTURE.md, "Tenants"). Each has
-- its issuing CAs under the shared root (tenant NULL); a device belongs to the tenant of the
-- issuer of its certificate (set at its first Inform); an API token of a tenant sees only
-- that tenant's devices and what hangs off them (tasks, faults, sessions, parameters); a token
-- with tenant NULL is a platform administrator's and sees all.
CREATE TABLE tenants (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tenants (name) VALUES ('default');

ALTER TABLE ca_authorities ADD COLUMN tenant_id int REFERENCES tenants(id);
ALTER TABLE ca_authorities ADD CHECK (kind = 'issuer' OR tenant_id IS NULL); -- the root is shared
ALTER TABLE devices ADD COLUMN tenant_id int REFERENCES tenants(id);
ALTER TABLE api_tokens ADD COLUMN tenant_id int REFERENCES tenants(id);
-- existing issuers and devices belong to the default tenant; existing tokens stay platform-wide
UPDATE ca_authorities SET tenant_id = (SELECT id FROM tenants WHERE name = 'default') WHERE kind = 'issuer';
UPDATE devices SET tenant_id = (SELECT id FROM tenants WHERE name = 'default');
CREATE INDEX devices_tenant ON devices (tenant_id, device_id);

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_ca') THEN
        EXECUTE 'GRANT SELECT, INSERT ON tenants TO acs_ca';
        EXECUTE 'GRANT USAGE ON SEQUENCE tenants_id_seq TO acs_ca';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_cwmp') THEN
        EXECUTE 'GRANT SELECT (tenant_id) ON ca_authorities TO acs_cwmp';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_nbi') THEN
        EXECUTE 'GRANT SELECT ON tenants TO acs_nbi';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_readonly') THEN
        EXECUTE 'GRANT SELECT ON tenants TO acs_readonly';
        EXECUTE 'GRANT SELECT (tenant_id) ON ca_authorities, devices, api_tokens TO acs_readonly';
    END IF;
END $$;
