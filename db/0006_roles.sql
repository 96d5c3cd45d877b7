-- 0006: a database role per component, with exactly the rights its SQL needs
-- (docs/ARCHITECTURE.md, "Database roles").
--   acs_ca        acs-ca: the CLI, the signer, the OCSP responder; the only writer of CA tables
--   acs_cwmp      acsd's CWMP side (sessions, Informs, tasks, its chain verifier)
--   acs_nbi       the NBI inside acsd (its own [nbi] conninfo) and acsctl's direct commands
--   acs_readonly  reports: SELECT on everything but secrets
-- Roles are cluster-wide and created once (LOGIN, no password: how they authenticate is the
-- cluster's pg_hba.conf, peer or scram, and set by whoever runs the cluster). Grants are per
-- database, made here. No role owns a table: the tables stay owned by the migrating user, so
-- no daemon can ALTER (disable audit_log's trigger), DROP or TRUNCATE them.
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['acs_ca', 'acs_cwmp', 'acs_nbi', 'acs_readonly'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', r);
        END IF;
    END LOOP;
END $$;

-- PostgreSQL's defaults for PUBLIC: USAGE on schema public and EXECUTE on every function.
-- Only our roles may use the schema; nobody but the owner runs our functions (triggers fire
-- without EXECUTE).
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO acs_ca, acs_cwmp, acs_nbi, acs_readonly;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;

-- ---- acs_ca: every CA table (keys are files under [ca] key_dir, never in the database) ----
GRANT SELECT, INSERT, UPDATE ON ca_authorities TO acs_ca;      -- issuer create, crl_number
GRANT SELECT, INSERT ON certificates, revocations TO acs_ca;    -- issue (COPY), revoke
GRANT UPDATE (serial) ON certificates TO acs_ca;               -- revoke locks the row (FOR UPDATE)
GRANT SELECT, INSERT, UPDATE ON enrollment_tokens TO acs_ca;   -- token create, EST use
GRANT SELECT, INSERT ON audit_log TO acs_ca;                   -- append (COPY), verify
GRANT SELECT, UPDATE ON audit_head TO acs_ca;                  -- the chain's head
GRANT USAGE ON SEQUENCE ca_authorities_id_seq, enrollment_tokens_id_seq TO acs_ca;

-- ---- acs_cwmp: acsd's sessions ----
GRANT SELECT, INSERT, UPDATE ON devices, sessions TO acs_cwmp;
GRANT SELECT, INSERT, UPDATE, DELETE ON device_params TO acs_cwmp; -- a full Inform replaces the cache
GRANT SELECT, UPDATE ON tasks TO acs_cwmp;                     -- take, finish, expire; never create
GRANT SELECT, INSERT ON faults TO acs_cwmp;
GRANT USAGE ON SEQUENCE devices_id_seq, sessions_id_seq, faults_id_seq TO acs_cwmp;
-- its verifier: the trust store and the revoked set (LISTEN needs no grant)
GRANT SELECT (id, name, kind, parent_id, subject, serial, key_type, cert_der, not_before, not_after, path_len,
              crl_number, created_at) ON ca_authorities TO acs_cwmp;
GRANT SELECT ON revocations TO acs_cwmp;
GRANT SELECT (serial, issuer_id, device_id, not_after) ON certificates TO acs_cwmp;
-- audit rows for refused sessions: append only (the trigger refuses UPDATE and DELETE to
-- everybody, and only the owner could disable it)
GRANT INSERT ON audit_log TO acs_cwmp;
GRANT SELECT, UPDATE ON audit_head TO acs_cwmp;
-- EST on :7547 ran inside acsd until the signer (db/0013 revokes these three lines): it read the key file
-- name, recorded the certificate and spent the enrollment token.
GRANT SELECT (key_file) ON ca_authorities TO acs_cwmp;
GRANT INSERT, SELECT ON certificates TO acs_cwmp;
GRANT SELECT, UPDATE ON enrollment_tokens TO acs_cwmp;

-- ---- acs_nbi: the NBI and acsctl ----
GRANT SELECT, INSERT, UPDATE ON api_tokens TO acs_nbi;         -- lookup (last_used_at), create, revoke
GRANT SELECT ON devices, device_params, faults, sessions TO acs_nbi;
GRANT SELECT, INSERT ON tasks TO acs_nbi;
GRANT UPDATE (auth_mode, legacy_username, legacy_ha1, legacy_password_hash, updated_at) ON devices
    TO acs_nbi;                                                -- acsctl device set-auth / set-legacy
GRANT INSERT (device_id, oui, product_class, serial_number, manufacturer) ON devices TO acs_nbi; -- set-legacy
GRANT USAGE ON SEQUENCE api_tokens_id_seq, tasks_id_seq, devices_id_seq TO acs_nbi;

-- ---- acs_readonly: reports; never a secret column (hashes, sealed passwords, task args) ----
GRANT SELECT (id, device_id, oui, product_class, serial_number, manufacturer, root_object, cwmp_version,
              software_version, hardware_version, connection_request_url, cr_credentials_set, auth_mode,
              periodic_interval, first_seen, last_inform, last_boot, last_events, session_row,
              session_lease_until, updated_at, lenient_messages, lenient_kinds) ON devices TO acs_readonly;
GRANT SELECT ON device_params, faults, sessions, revocations, audit_log, audit_head, schema_migrations
    TO acs_readonly;
GRANT SELECT (id, device_pk, kind, state, attempts, max_attempts, command_key, created_by, created_at, expires_at,
              sent_at, finished_at, fault_code, fault_string) ON tasks TO acs_readonly;
GRANT SELECT (id, name, kind, parent_id, subject, serial, key_type, cert_der, not_before, not_after, path_len,
              crl_number, created_at) ON ca_authorities TO acs_readonly;
GRANT SELECT (serial, issuer_id, device_id, subject, profile, not_before, not_after, issued_via, created_at)
    ON certificates TO acs_readonly;
GRANT SELECT (id, device_id, issuer_id, expires_at, used_at, used_serial, created_by, created_at)
    ON enrollment_tokens TO acs_readonly;
GRANT SELECT (id, name, role, created_at, expires_at, revoked_at, created_by, last_used_at) ON api_tokens
    TO acs_readonly;
