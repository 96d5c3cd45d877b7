#!/usr/bin/env bash
# The Debian packages and `make install`, as an operator gets them: dpkg-buildpackage
# in a copy of the tree (it writes into the parent directory), each .deb unpacked with
# dpkg -x into a scratch root (the host's dpkg database is not touched), the files and
# their modes, lintian without errors, systemd-analyze verify of the installed units,
# the units' ExecStartPre (--check-config) run from the scratch root, the installed
# binaries with the packaged configuration (a CA, acsd started, stopped by SIGTERM with
# exit 0 and started again, the OCSP/CRL server), the installed acs-ca finding the
# installed migrations; then make install with DESTDIR and PREFIX.
. "$(dirname "$0")/lib.sh"
for tool in dpkg-buildpackage dh lintian fakeroot dpkg-deb; do
    command -v "$tool" >/dev/null || t_skip "$tool not installed (scripts/install-deps)"
done
t_init packages
SRC=$WORK/src/acs
ROOT=$WORK/root
mkdir -p "$SRC" "$ROOT"

# A copy of what is committed or would be (not build/, not var/).
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$TOP" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf -) | tar -xf - -C "$SRC"
else
    tar -C "$TOP" --exclude=./build --exclude=./var --exclude=./.git -cf - . | tar -xf - -C "$SRC"
fi
check "dpkg-buildpackage -us -uc (source and binaries) in a copy of the tree" \
    sh -c "cd '$SRC' && dpkg-buildpackage -us -uc >'$WORK/dpkg-build.log' 2>&1" ||
    { tail -n 30 "$WORK/dpkg-build.log" | sed 's/^/# /'; t_done; }
for p in acs-common acs-server acs-ca acs-cpe-sim; do
    deb=$(ls "$WORK"/src/${p}_*.deb 2>/dev/null | head -n 1)
    if [ -n "$deb" ] && dpkg -x "$deb" "$ROOT"; then ok "$p built and unpacked"; else not_ok "$p built and unpacked"; fi
done
check "a source package too" test -s "$(ls "$WORK"/src/acs_*.dsc 2>/dev/null | head -n 1)"
check "no build products left in the source tree" test ! -e "$TOP/debian/tmp" -a ! -e "$TOP/debian/files"

# --- lintian -----------------------------------------------------------------
t_run lintian "$WORK"/src/acs_*.changes
if [ "$T_RC" -eq 0 ] && ! grep -q '^E:' "$WORK/last.out"; then
    ok "lintian: no errors (warnings: $(grep -c "^W:" "$WORK/last.out"))"
else
    not_ok "lintian: no errors"; t_show_output lintian
fi

# --- the files and their modes -------------------------------------------------
mode() { stat -c %a "$ROOT/$1" 2>/dev/null; }
for b in acsd acs-ca acsctl cpe-sim; do
    check "a manual page for $b" sh -c "ls '$ROOT'/usr/share/man/man[18]/$b.[18].gz"
    check "usr/bin/$b installed 0755" test "$(mode "usr/bin/$b")" = 755
done
nmig=$(ls "$TOP"/db/*.sql | wc -l)
check "every migration in usr/share/acs/db ($nmig)" test "$(ls "$ROOT"/usr/share/acs/db/*.sql | wc -l)" -eq "$nmig"
check "the deployment guide in acs-common's docs" test -s "$ROOT/usr/share/doc/acs-common/deploy.md"
has_lines() { # has_lines FILE LINE...: every LINE is a whole line of FILE
    local f=$1 l; shift
    for l in "$@"; do grep -qxF -- "$l" "$f" || { echo "missing: $l"; return 1; }; done
}
for u in acsd:acsd acs-signer:acs-ca acs-ocsp:acs-ca; do
    f=$ROOT/lib/systemd/system/${u%%:*}.service
    check "${u%%:*}.service installed 0644" test "$(mode "lib/systemd/system/${u%%:*}.service")" = 644
    check "${u%%:*}.service: user ${u#*:}, read-only system, no privileges, no capabilities" \
        has_lines "$f" "User=${u#*:}" ProtectSystem=strict ProtectHome=yes NoNewPrivileges=yes PrivateTmp=yes \
        PrivateDevices=yes CapabilityBoundingSet= Restart=on-failure ExecStart=/usr/bin/"$(sed -n 's|^ExecStart=/usr/bin/||p' "$f")"
    check_fail "${u%%:*}.service: no build-time placeholder left" grep -q '@[A-Z]*@' "$f"
done
check_output "the signer's socket directory is shared with acsd's group" 'RuntimeDirectoryMode=0750' \
    grep -E '^RuntimeDirectory(Mode)?=' "$ROOT/lib/systemd/system/acs-signer.service"
check "... and the signer still reads its configuration (group acs-ca)" \
    has_lines "$ROOT/lib/systemd/system/acs-signer.service" Group=acs-signer SupplementaryGroups=acs-ca
check_output "acsd is in that group" '^SupplementaryGroups=acs-signer$' cat "$ROOT/lib/systemd/system/acsd.service"
for c in acsd.ini acs-ca.ini acs.ini.sample; do
    check "etc/acs/$c installed" test -s "$ROOT/etc/acs/$c"
done
check_output "the configuration files are conffiles (an upgrade keeps the operator's)" '/etc/acs/acsd.ini' \
    sh -c "dpkg-deb --ctrl-tarfile '$WORK'/src/acs-server_*.deb | tar -xOf - ./conffiles"
check_output "acs-ca's postinst creates its user and a 0700 key directory" \
    'install -d -o acs-ca -g acs-ca -m 0700 /var/lib/acs-ca /var/lib/acs-ca/keys' \
    sh -c "dpkg-deb --ctrl-tarfile '$WORK'/src/acs-ca_*.deb | tar -xOf - ./postinst"
check_output "acs-server's postinst creates acsd in group acs-signer" 'adduser --quiet acsd acs-signer' \
    sh -c "dpkg-deb --ctrl-tarfile '$WORK'/src/acs-server_*.deb | tar -xOf - ./postinst"

# --- the units, pointed at the scratch root ------------------------------------------
mkdir -p "$WORK/units"
# the directories as the postinst scripts make them
install -d -m 0700 "$ROOT/var/lib/acsd" "$ROOT/var/lib/acsd/tls" "$ROOT/var/lib/acs-ca" "$ROOT/var/lib/acs-ca/keys"
for u in "$ROOT"/lib/systemd/system/*.service; do
    sed -e "s|/usr/bin/|$ROOT/usr/bin/|g" -e "s|/etc/acs/|$ROOT/etc/acs/|g" "$u" >"$WORK/units/${u##*/}"
done
if command -v systemd-analyze >/dev/null; then
    t_run systemd-analyze verify "$WORK"/units/*.service
    if [ "$T_RC" -eq 0 ] && [ ! -s "$WORK/last.out" ]; then ok "systemd-analyze verify: clean"
    else not_ok "systemd-analyze verify: clean"; t_show_output systemd-analyze verify; fi
    # exposure 0 (locked down) .. 10 (none); ours are about 1.5
    for u in "$WORK"/units/*.service; do
        check "systemd-analyze security: ${u##*/} exposure at most 2.0" \
            systemd-analyze security --offline=yes --threshold=20 "$u"
    done
else
    echo "# systemd-analyze not installed: unit verification skipped"
fi
# the packaged configuration with its paths moved into the scratch root
for c in acsd.ini acs-ca.ini; do
    sed -i -e "s|/var/lib/|$ROOT/var/lib/|g" -e "s|/etc/acs/|$ROOT/etc/acs/|g" "$ROOT/etc/acs/$c"
done
for u in acsd acs-signer acs-ocsp; do
    pre=$(sed -n 's/^ExecStartPre=//p' "$WORK/units/$u.service")
    # shellcheck disable=SC2086 # the unit's command line, word-split as systemd does
    check_output "$u.service's ExecStartPre (check-config) passes" \
        'configuration ok' $pre
done
printf '[acs]\nno_such_key = 1\n' >>"$ROOT/etc/acs/acsd.ini"
check_fail_output "... and fails on a bad configuration" 'no_such_key' \
    "$ROOT/usr/bin/acsd" -c "$ROOT/etc/acs/acsd.ini" --check-config

# --- the installed daemons, run from the scratch root with the packaged configuration ---
sed -i '/^no_such_key/d' "$ROOT/etc/acs/acsd.ini"
for c in acsd.ini acs-ca.ini; do # this test's database; free ports
    sed -i -e "s|^conninfo = .*|conninfo = dbname=$DBNAME|" -e 's|^port = .*|port = 0|' \
        -e 's|^listen_address = .*|listen_address = 127.0.0.1|' "$ROOT/etc/acs/$c"
done
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$ROOT/etc/acs/ca.passphrase" &&
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$ROOT/var/lib/acsd/secret.key")
ACS_CA_ROOT_PASSPHRASE=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') # the root's own, typed at the ceremony
export ACS_CA_ROOT_PASSPHRASE
ICA=("$ROOT/usr/bin/acs-ca" -c "$ROOT/etc/acs/acs-ca.ini")
check "installed acs-ca: init and issuer create" \
    sh -c "env -u ACS_DB_CONNINFO ${ICA[*]} init --cn 'Pkg Root' && env -u ACS_DB_CONNINFO ${ICA[*]} issuer create devices"
check_output "the CA keys are 0600" '^600$' sh -c "stat -c %a '$ROOT'/var/lib/acs-ca/keys/* | sort -u"
check "installed acs-ca: server certificate for acsd" env -u ACS_DB_CONNINFO "${ICA[@]}" server-cert --cn localhost \
    --ip 127.0.0.1 --out-cert "$ROOT/var/lib/acsd/tls/server.crt" --out-key "$ROOT/var/lib/acsd/tls/server.key"
env -u ACS_DB_CONNINFO "${ICA[@]}" cacerts --issuer devices --out "$WORK/chain.pem" >/dev/null 2>&1
acsd_up() { # acsd_up N: start the installed acsd as its unit does; sets port from its ports file
    rm -f "$WORK/acsd.ports"
    start_bg "acsd$1" env -u ACS_DB_CONNINFO -u ACS_CONFIG "$ROOT/usr/bin/acsd" -c "$ROOT/etc/acs/acsd.ini" \
        --ports-file "$WORK/acsd.ports"
    for _ in $(seq 100); do [ -s "$WORK/acsd.ports" ] && break; sleep 0.1; done
    port=$(sed -n 's/^cwmp=//p' "$WORK/acsd.ports" 2>/dev/null)
}
for n in 1 2; do
    acsd_up $n
    pid=${T_PID_OF[acsd$n]}
    check_output "installed acsd (start $n) serves TLS with its certificate; no client certificate: 401" '^401$' \
        curl -sS -o /dev/null -w '%{http_code}' --cacert "$WORK/chain.pem" "https://127.0.0.1:$port/"
    kill -TERM "$pid" 2>/dev/null
    rc=0; wait "$pid" || rc=$?
    check "SIGTERM: acsd exits 0 (start $n; Restart=on-failure leaves it stopped)" test "$rc" -eq 0
done
OPORT=$(free_port)
start_bg ocsp env -u ACS_DB_CONNINFO "${ICA[@]}" ocsp-serve --port "$OPORT"
wait_port "$OPORT"
check "installed acs-ca ocsp-serve serves the CRL" curl -sS --fail -o "$WORK/devices.crl" "http://127.0.0.1:$OPORT/crl/devices.crl"
stop_bg ocsp

# --- the installed acs-ca finds the installed migrations --------------------------
EMPTY_DB=${DBNAME}_empty
createdb "$EMPTY_DB" || not_ok "createdb $EMPTY_DB"
printf '[db]\nconninfo = dbname=%s\n' "$EMPTY_DB" >"$WORK/migrate0.ini"
check_fail_output "with migrations_dir empty, the installed acs-ca reads /usr/share/acs/db" \
    '/usr/share/acs/db' env -u ACS_DB_CONNINFO "$ROOT/usr/bin/acs-ca" -c "$WORK/migrate0.ini" db migrate
{ cat "$WORK/migrate0.ini"; printf 'migrations_dir = %s\n' "$ROOT/usr/share/acs/db"; } >"$WORK/migrate.ini"
check "the installed migrations apply to an empty database" \
    env -u ACS_DB_CONNINFO "$ROOT/usr/bin/acs-ca" -c "$WORK/migrate.ini" db migrate
check_output "... all $nmig of them" "^$nmig\$" psql -d "$EMPTY_DB" -tAc 'SELECT count(*) FROM schema_migrations'

# --- make install (PREFIX, DESTDIR) in the same copy -------------------------------
MI=$WORK/mi
check "make install DESTDIR PREFIX=/opt/acs" make -C "$SRC" -j2 install DESTDIR="$MI" PREFIX=/opt/acs
check "binaries in PREFIX/bin" test -x "$MI/opt/acs/bin/acsd" -a -x "$MI/opt/acs/bin/acs-ca" -a -x "$MI/opt/acs/bin/cpe-sim"
check_output "units in PREFIX/lib/systemd/system run PREFIX/bin" '^ExecStart=/opt/acs/bin/acsd ' \
    cat "$MI/opt/acs/lib/systemd/system/acsd.service"
check_fail_output "its acs-ca reads PREFIX/share/acs/db" '/opt/acs/share/acs/db' \
    env -u ACS_DB_CONNINFO "$MI/opt/acs/bin/acs-ca" -c "$WORK/migrate0.ini" db migrate
dropdb --if-exists "$EMPTY_DB"
check "configuration installed 0640" test "$(stat -c %a "$MI/etc/acs/acs-ca.ini")" = 640
echo "; the operator's edit" >>"$MI/etc/acs/acsd.ini"
check "a second make install" make -C "$SRC" install DESTDIR="$MI" PREFIX=/opt/acs
check_output "... keeps the operator's configuration" "the operator's edit" cat "$MI/etc/acs/acsd.ini"
check "make uninstall" make -C "$SRC" uninstall DESTDIR="$MI" PREFIX=/opt/acs
check_output "... removes the binaries and keeps the configuration" '^acs-ca.ini acsd.ini $' \
    sh -c "test ! -e '$MI/opt/acs/bin/acsd' && ls '$MI/etc/acs' | tr '\n' ' '"
t_done
