-- 0013: EST left acsd for the signer (acs-ca sign-serve, the CA's role acs_ca): acsd's role loses
-- what enrollment needed (db/0006's three EST lines). It keeps reading the certificate columns its
-- verifier and revocation sweep use.
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_cwmp') THEN
        EXECUTE 'REVOKE SELECT (key_file) ON ca_authorities FROM acs_cwmp';
        -- a table-level REVOKE takes the column grants with it: give back the four columns
        EXECUTE 'REVOKE INSERT, SELECT ON certificates FROM acs_cwmp';
        EXECUTE 'GRANT SELECT (serial, issuer_id, device_id, not_after) ON certificates TO acs_cwmp';
        EXECUTE 'REVOKE SELECT, UPDATE ON enrollment_tokens FROM acs_cwmp';
    END IF;
END $$;
