-- 0005: what acsd accepted from a CPE although it was wrong (common/cwmp/README.md,
-- "Leniency"): the kinds per session, and per device a running count of such messages and
-- every kind ever seen, so a NOC can find the devices (and firmware) that need it.
ALTER TABLE sessions ADD COLUMN lenient text[] NOT NULL DEFAULT '{}';
ALTER TABLE devices ADD COLUMN lenient_messages bigint NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN lenient_kinds text[] NOT NULL DEFAULT '{}';
