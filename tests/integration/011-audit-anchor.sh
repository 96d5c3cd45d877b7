#!/usr/bin/env bash
# acs-ca audit: rows of both hash versions verify; anchors (signed checkpoints of the head)
# catch a chain rewritten end to end with every hash recomputed, which the chain check alone
# cannot; a forged anchor (another key, a bad signature) is refused and named.
. "$(dirname "$0")/lib.sh"
t_init audit-anchor
A=$ACS_CA
q() { psql -v ON_ERROR_STOP=1 -qAtX -d "$DBNAME" "$@"; }
"$A" init >/dev/null && "$A" issuer create devices >/dev/null
# [audit] after init, which would make the anchor key itself (tested at the end)
cat >>"$WORK/acs.ini" <<EOF2

[audit]
anchor_key_file = $WORK/anchor.key
anchor_pub_file = $WORK/anchor.pub
EOF2
for i in 1 2 3; do "$A" token create --device "00D09E-Box-SN000$i" >/dev/null; done

# --- hash versions ---------------------------------------------------------------
check_output "new rows are hash version 2" '^0$' q -c "SELECT count(*) FROM audit_log WHERE hash_version <> 2"
# a row as the code before 0009 wrote it: the fields joined by newlines (version 1)
q -c "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change" -c "
WITH h AS (SELECT last_id + 1 AS id, last_hash FROM audit_head),
     r AS (SELECT id, last_hash, sha256(last_hash || convert_to(id::text || E'\n' ||
             '2026-01-01 00:00:00.000000+00' || E'\n' || 'legacy' || E'\n' || 'old.action' || E'\n' ||
             'subj' || E'\n' || 'ok' || E'\n' || 'a=1' || E'\n', 'UTF8')) AS hash FROM h),
     i AS (INSERT INTO audit_log (id, at, actor, action, subject, result, details, prev_hash, row_hash,
             hash_version) SELECT id, '2026-01-01 00:00:00+00', 'legacy', 'old.action', 'subj', 'ok', 'a=1',
             last_hash, hash, 1 FROM r RETURNING id, row_hash)
UPDATE audit_head SET last_id = i.id, last_hash = i.row_hash FROM i" \
    -c "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"
"$A" token create --device 00D09E-Box-SN0009 >/dev/null
check_output "a version-1 row between version-2 rows verifies" 'audit log intact: 7 rows' "$A" audit verify
check_output "the two versions are both there" "^1 1,2 6$" q -F" " -c \
    "SELECT count(*) FILTER (WHERE hash_version = 1), string_agg(DISTINCT hash_version::text, ','),
            count(*) FILTER (WHERE hash_version = 2) FROM audit_log"
q -c "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change" \
    -c "UPDATE audit_log SET hash_version = 2 WHERE hash_version = 1" \
    -c "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"
check_fail_output "a row verified by the wrong version is an edit" 'audit row 6: content does not match' \
    "$A" audit verify
q -c "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change" \
    -c "UPDATE audit_log SET hash_version = 1 WHERE id = 6" \
    -c "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"
# the two encodings differ where newline-joining was ambiguous: moving a newline between
# two fields keeps the version-1 hash, not the version-2 one
q -c "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change" \
    -c "UPDATE audit_log SET actor = actor || E'\n' || action, action = '' WHERE id = 7" \
    -c "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"
check_fail_output "a newline moved between fields of a version-2 row is caught" \
    'audit row 7: content does not match' "$A" audit verify
q -c "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change" \
    -c "UPDATE audit_log SET action = split_part(actor, E'\n', 2), actor = split_part(actor, E'\n', 1) WHERE id = 7" \
    -c "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"
check_output "restored" 'intact' "$A" audit verify

# --- anchor key ----------------------------------------------------------------------
check_fail_output "anchor without a key names the key file" 'anchor private key' "$A" audit anchor
check_output "anchor-key writes the pair" 'anchor key written' "$A" audit anchor-key
check "the private key is 0600" test "$(stat -c %a "$WORK/anchor.key")" = 600
check_fail_output "anchor-key never overwrites" 'anchor.pub already exists' "$A" audit anchor-key

# --- anchors ---------------------------------------------------------------------------
check "audit anchor --out writes the checkpoint" "$A" audit anchor --out "$WORK/a1.anchor"
check_output "the file names the head" '^head_id=7$' cat "$WORK/a1.anchor"
check_output "the file carries head id, hash and signature" '^signature=[0-9a-f]{128}$' cat "$WORK/a1.anchor"
check_output "the anchor is stored" '^1 7$' q -F' ' -c "SELECT count(*), max(head_id) FROM audit_anchors"
check_output "and audited" '^anchor 1$' q -c "SELECT subject FROM audit_log WHERE action = 'audit.anchor'"
"$A" token create --device 00D09E-Box-SN0010 >/dev/null
check_output "an untouched chain verifies with its anchors" 'audit log intact: 9 rows, 2 anchors match' \
    "$A" audit verify --anchor "$WORK/a1.anchor"
check_fail_output "audit_anchors is append-only" 'append-only' q -c "DELETE FROM audit_anchors"

# --- the end-to-end rewrite ---------------------------------------------------------
# as the superuser: edit row 3, recompute every hash after it (version 2 encoding) and the head
cat >"$WORK/rewrite.sql" <<'SQL'
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;
UPDATE audit_log SET details = details || ' (rewritten)' WHERE id = 3;
DO $$
DECLARE r record; prev bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'; h bytea;
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
    SELECT sha256(prev || '\x02'::bytea || string_agg(int4send(length(f)) || f, ''::bytea ORDER BY n)) INTO h
      FROM unnest(ARRAY[convert_to(r.id::text, 'UTF8'),
                        convert_to(to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00', 'UTF8'),
                        convert_to(r.actor, 'UTF8'), convert_to(r.action, 'UTF8'), convert_to(r.subject, 'UTF8'),
                        convert_to(r.result, 'UTF8'), convert_to(r.details, 'UTF8')]) WITH ORDINALITY AS t(f, n);
    UPDATE audit_log SET prev_hash = prev, row_hash = h, hash_version = 2 WHERE id = r.id;
    prev := h;
  END LOOP;
  UPDATE audit_head SET last_hash = prev;
END $$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change;
SQL
check "the superuser rewrites the chain" q -f "$WORK/rewrite.sql"
check_output "the chain alone cannot tell" 'audit log intact: 9 rows \(anchors not checked\)' \
    "$A" audit verify --chain-only
check_fail_output "the anchor catches it and is named" 'anchor 1 \(head row 7\): the chain does not match it' \
    "$A" audit verify
check_exit "that is an integrity failure (exit 5)" 5 "$A" audit verify
check_fail_output "the anchor file catches it too" 'anchor file .*a1.anchor \(head row 7\): the chain does not match' \
    "$A" audit verify --anchor "$WORK/a1.anchor"
check_output "the rewrite left only the one row's content changed" '^1$' q -c \
    "SELECT count(*) FROM audit_log WHERE details LIKE '% (rewritten)'"

# --- forged anchors ----------------------------------------------------------------------
# an anchor file doctored to match the rewritten chain: the right key id, the signature no longer fits
H6=$(q -c "SELECT encode(row_hash, 'hex') FROM audit_log WHERE id = 7")
sed "s/^head_hash=.*/head_hash=$H6/" "$WORK/a1.anchor" >"$WORK/doctored.anchor"
check_fail_output "a doctored anchor file is refused on its signature" \
    'anchor file .*doctored.anchor \(head row 7\): bad signature' "$A" audit verify --anchor "$WORK/doctored.anchor"
# on a clean database: our anchor, then one the attacker signs with a key of their own
createdb -T "$TEMPLATE_DB" "${DBNAME}_b"
DBB=${DBNAME}_b
sed "s#$WORK/anchor\.#$WORK/forger.#" "$WORK/acs.ini" >"$WORK/forger.ini"
B() { ACS_DB_CONNINFO="dbname=$DBB" "$A" "$@"; } # the clean database, our key
check_output "a clean database anchored" '^head_id=0$' B audit anchor
check_output "its anchor verifies" '1 anchor match' B audit verify
B -c "$WORK/forger.ini" audit anchor-key >/dev/null
check_output "the forger anchors with their own key" '^head_id=1$' B -c "$WORK/forger.ini" audit anchor
check_fail_output "the forged anchor is refused: another key" 'anchor 2 \(head row 1\): signed by another key' \
    B audit verify
check_output "an unreadable anchor file is an integrity failure" '^5$' bash -c \
    "echo junk >'$WORK/junk.anchor'; ACS_DB_CONNINFO=dbname=$DBB '$A' audit verify --anchor '$WORK/junk.anchor' 2>/dev/null; echo \$?"
dropdb "$DBB"

# --- init makes the anchor key when it is configured ------------------------------------
createdb -T "$TEMPLATE_DB" "${DBNAME}_c"
sed "s#$WORK/anchor\.#$WORK/initkey.#" "$WORK/acs.ini" | sed "s#key_dir = .*#key_dir = $WORK/keys_c#" >"$WORK/c.ini"
check_output "acs-ca init writes the anchor key too" 'anchor key written' \
    env ACS_DB_CONNINFO="dbname=${DBNAME}_c" "$A" -c "$WORK/c.ini" init
check "its private key is 0600" test "$(stat -c %a "$WORK/initkey.key")" = 600
dropdb "${DBNAME}_c"

# --- configuration -------------------------------------------------------------------------
check_output "docs/config.md documents [audit]" 'anchor_pub_file' cat "$TOP/docs/config.md"
t_done
