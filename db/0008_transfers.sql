-- 0008: transfers (Download, Upload) carry a CommandKey of acsd's own, so that a
-- TransferComplete names exactly one task; a transfer the CPE is still doing is in_progress.

-- in_progress: the CPE answered Download/Upload with Status 1; its TransferComplete follows.
-- Not taken, not expired: the CPE keeps a TransferComplete until it is acknowledged.
ALTER TABLE tasks DROP CONSTRAINT tasks_state_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_state_check
    CHECK (state IN ('pending', 'sent', 'in_progress', 'done', 'fault', 'expired', 'cancelled'));

-- The operator's CommandKey (args.commandKey) of a transfer or cancelTransfer task; for these
-- kinds command_key is the key acsd sends. NULL for the other kinds (their key is sent as given).
ALTER TABLE tasks ADD COLUMN operator_command_key text;

-- 'acs-<id>-<random hex>': at most 32 characters (the CWMP schema's CommandKey limit): the
-- id (at most 19 digits) makes it unique, the random part (at least 8 hex digits) keeps a
-- TransferComplete of a task from before a restore of the database from matching a new one.
CREATE FUNCTION tasks_transfer_key(id bigint) RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT 'acs-' || id || '-' || left(replace(gen_random_uuid()::text, '-', ''), 27 - length(id::text))
$$;

-- Every insert path (acs_task_create, acsctl, an operator's psql) gets the key: a transfer its
-- own; a cancelTransfer the key acsd sent for the device's newest transfer with the operator's
-- key (or with that acsd key), else the operator's key as given.
CREATE FUNCTION tasks_command_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind IN ('download', 'upload') THEN
        NEW.operator_command_key := coalesce(NEW.args->>'commandKey', '');
        NEW.command_key := tasks_transfer_key(NEW.id);
    ELSIF NEW.kind = 'cancelTransfer' THEN
        NEW.operator_command_key := coalesce(NEW.args->>'commandKey', '');
        NEW.command_key := coalesce((SELECT t.command_key FROM tasks t WHERE t.device_pk = NEW.device_pk
            AND t.kind IN ('download', 'upload') AND NEW.operator_command_key IN (t.operator_command_key, t.command_key)
            ORDER BY t.id DESC LIMIT 1), NEW.operator_command_key);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tasks_command_key BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION tasks_command_key();

-- Transfers queued before this migration: the operator's key moves over, each gets its own. A
-- TransferComplete still on its way for one of them carries the old key: it is acknowledged and
-- recorded as unmatched (log line, a faults row when it failed).
UPDATE tasks SET operator_command_key = coalesce(args->>'commandKey', command_key),
                 command_key = tasks_transfer_key(id)
 WHERE kind IN ('download', 'upload');
UPDATE tasks SET operator_command_key = coalesce(args->>'commandKey', command_key) WHERE kind = 'cancelTransfer';

CREATE UNIQUE INDEX tasks_transfer_command_key ON tasks (command_key) WHERE kind IN ('download', 'upload');

-- As 0006 does for every function: no EXECUTE for PUBLIC. The trigger fires without it; the
-- function it calls runs with the inserting role's rights: the NBI's.
REVOKE ALL ON FUNCTION tasks_transfer_key(bigint), tasks_command_key() FROM PUBLIC;

-- acs_cwmp (SELECT, UPDATE) and acs_nbi (SELECT, INSERT) hold tasks as a whole table, which
-- covers the new column; acs_readonly is granted column by column (0006).
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_readonly') THEN
        EXECUTE 'GRANT SELECT (operator_command_key) ON tasks TO acs_readonly';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_nbi') THEN
        EXECUTE 'GRANT EXECUTE ON FUNCTION tasks_transfer_key(bigint) TO acs_nbi';
    END IF;
END $$;
