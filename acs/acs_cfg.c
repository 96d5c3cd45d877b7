/* acs/acs_cfg.c — [acs] schema table and the shared list of every configuration schema. */
#define _GNU_SOURCE
#include "acs_cfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca.h"
#include "ca_anchor.h"
#include "ca_signer.h"
#include "cwmp.h"
#include "db.h"
#include "acs_nbi.h"
#include "acs_retention.h"
#include "acs_secret_params.h"
#include "log.h"
#include "ratelimit.h"

const struct cfg_key acs_cfg_schema[] = {
    {"acs", "listen_address", CFG_STR, "0.0.0.0", 0, 0, 0, NULL,
     "numeric IPv4 or IPv6 address the CWMP listener binds"},
    {"acs", "port", CFG_INT, "7547", 0, 65535, 0, NULL, "CWMP (HTTPS) port; 0 picks a free port (tests)"},
    {"acs", "cert_file", CFG_PATH, "", 0, 0, 0, NULL,
     "PEM server certificate (chain) of the CWMP listener, e.g. from acs-ca server-cert"},
    {"acs", "key_file", CFG_PATH, "", 0, 0, 0, NULL, "PEM private key of the server certificate"},
    {"acs", "event_loop", CFG_STR, "epoll", 0, 0, 0, NULL,
     "libmicrohttpd's loop over the plaintext connections: epoll (scales with idle connections) or poll; "
     "TLS runs in its own edge-triggered loops either way"},
    {"acs", "threads", CFG_INT, "4", 1, 256, 0, NULL, "HTTP worker threads (each has one DB connection)"},
    {"acs", "tls_threads", CFG_INT, "2", 1, 64, 0, NULL,
     "TLS threads (handshakes, encryption); about one per core"},
    {"acs", "max_sessions", CFG_INT, "10000", 1, 1000000, 0, NULL,
     "concurrent CWMP sessions; a new session beyond it gets 503 with Retry-After"},
    {"acs", "max_connections", CFG_INT, "10000", 1, 1000000, 0, NULL,
     "open connections; beyond it requests get 503 with Retry-After (hard cap a little higher)"},
    {"acs", "per_ip_connections", CFG_INT, "1024", 0, 1000000, 0, NULL,
     "open connections per client address (0: no limit)"},
    {"acs", "max_body_bytes", CFG_INT, "1048576", 1024, 1048576, 0, NULL,
     "largest SOAP request body; larger ones get 413"},
    {"acs", "request_timeout", CFG_INT, "30", 1, 3600, 0, NULL,
     "seconds one HTTP request may take to arrive in full; slower clients are dropped"},
    {"acs", "session_timeout", CFG_INT, "300", 5, 86400, 0, NULL, "seconds a whole CWMP session may last"},
    {"acs", "session_idle_timeout", CFG_INT, "30", 1, 3600, 0, NULL,
     "seconds between two requests of a session (also the idle keep-alive limit)"},
    {"acs", "verify_cache_entries", CFG_INT, "65536", 0, 4194304, 0, NULL,
     "client chains whose verdict is remembered (a device reconnecting skips the chain check; "
     "validity and revocation are checked every time); about 0.6 KB each; size it to the fleet"},
    {"acs", "handshake_timeout_ms", CFG_INT, "3000", 100, 60000, 0, NULL,
     "deadline of a TLS handshake in milliseconds"},
    {"acs", "retry_after", CFG_INT, "60", 1, 86400, 0, NULL, "Retry-After seconds sent with 503"},
    {"acs", "shutdown_grace", CFG_INT, "5", 0, 300, 0, NULL,
     "seconds open sessions may take to finish after SIGTERM"},
    {"acs", "connection_memory", CFG_INT, "32768", 8192, 1048576, 0, NULL,
     "bytes of request-header memory per connection (libmicrohttpd pool)"},
    {"acs", "legacy_mode", CFG_BOOL, "false", 0, 0, 0, NULL,
     "allow devices whose auth_mode is legacy (acsctl device set-auth) to authenticate with HTTP Digest or "
     "Basic over server-authenticated TLS instead of a client certificate"},
    {"acs", "legacy_realm", CFG_STR, "acs", 0, 0, 0, NULL,
     "HTTP authentication realm of legacy mode; the stored Digest HA1 depends on it (acsctl device set-legacy)"},
    {"acs", "dump_dir", CFG_PATH, "", 0, 0, 0, NULL,
     "debugging: write every SOAP envelope acsd sends into this directory (values included, the "
     "connection-request password and task secrets masked); empty = off"},
    {"acs", "secret_key_file", CFG_PATH, "", 0, 0, 0, NULL,
     "file with 64 hex digits: AES-256-GCM key sealing connection-request passwords and task secrets "
     "(without it the NBI refuses a task carrying a secret)"},
    {"acs", "secret_param_patterns", CFG_STR, ACS_SECRET_DEFAULT_PATTERNS, 0, 0, 0, NULL,
     "secret parameters besides the data model's secured ones: patterns (case-insensitive) split by spaces "
     "or commas; * any text, {i} an instance; no dot: the last name part; ! excludes"},
    {"acs", "transfer_timeout", CFG_INT, "86400", 0, 31536000, 0, NULL,
     "seconds a Download/Upload answered with Status 1 (in_progress) waits for its TransferComplete, "
     "counted from when it was sent plus its delaySeconds; then it becomes a fault (0: wait forever)"},
    CFG_END,
};

/* [cr]: where connection requests may go (acs_cr_policy.h); here, not in acs_cr_policy.c, so that
 * acs-ca (which links acs_cfg.o only) accepts and documents the section of the shared acs.ini. */
const struct cfg_key acs_cr_cfg_schema[] = {
    {"cr", "allow_ranges", CFG_STR, "", 0, 0, 0, NULL,
     "CIDR ranges or addresses (comma or blank separated) a ConnectionRequestURL may resolve to even if "
     "refused below; checked first (a lab CPE on loopback: 127.0.0.1/32)"},
    {"cr", "deny_ranges", CFG_STR, "", 0, 0, 0, NULL,
     "CIDR ranges or addresses connection requests never go to (management networks); loopback, link-local, "
     "unspecified, multicast, broadcast and acsd's own addresses are refused anyway"},
    CFG_END,
};

const struct cfg_key *const acs_all_schemas[] = {db_cfg_schema,        ca_cfg_schema,        ca_audit_cfg_schema,
                                                 ca_signer_cfg_schema, acs_cfg_schema,       acs_cr_cfg_schema,
                                                 acs_nbi_cfg_schema,   acs_retention_cfg_schema, ratelimit_cfg_schema,
                                                 log_cfg_schema,       NULL};


int acs_limits_load(const struct cfg *cfg, struct acs_limits *o, char **errmsg)
{
    memset(o, 0, sizeof *o);
    o->listen_address = cfg_str(cfg, "acs", "listen_address");
    o->port = (int)cfg_int(cfg, "acs", "port");
    o->cert_file = cfg_str(cfg, "acs", "cert_file");
    o->key_file = cfg_str(cfg, "acs", "key_file");
    o->secret_key_file = cfg_str(cfg, "acs", "secret_key_file");
    const char *loop = cfg_str(cfg, "acs", "event_loop");
    if (!strcmp(loop, "epoll"))
        o->loop = ACS_LOOP_EPOLL;
    else if (!strcmp(loop, "poll"))
        o->loop = ACS_LOOP_POLL;
    else
        return err_fail(errmsg, -ERR_CONFIG, "[acs] event_loop must be epoll or poll, not \"%s\"", loop);
    o->threads = (int)cfg_int(cfg, "acs", "threads");
    o->tls_threads = (int)cfg_int(cfg, "acs", "tls_threads");
    o->max_sessions = (int)cfg_int(cfg, "acs", "max_sessions");
    o->max_connections = (int)cfg_int(cfg, "acs", "max_connections");
    o->per_ip_connections = (int)cfg_int(cfg, "acs", "per_ip_connections");
    o->max_body = (size_t)cfg_int(cfg, "acs", "max_body_bytes");
    o->request_timeout = (int)cfg_int(cfg, "acs", "request_timeout");
    o->session_timeout = (int)cfg_int(cfg, "acs", "session_timeout");
    o->session_idle_timeout = (int)cfg_int(cfg, "acs", "session_idle_timeout");
    o->handshake_timeout_ms = (int)cfg_int(cfg, "acs", "handshake_timeout_ms");
    o->verify_cache_entries = (size_t)cfg_int(cfg, "acs", "verify_cache_entries");
    o->retry_after = (int)cfg_int(cfg, "acs", "retry_after");
    o->shutdown_grace = (int)cfg_int(cfg, "acs", "shutdown_grace");
    o->connection_memory = (size_t)cfg_int(cfg, "acs", "connection_memory");
    o->legacy_mode = cfg_bool(cfg, "acs", "legacy_mode");
    o->legacy_realm = cfg_str(cfg, "acs", "legacy_realm");
    o->dump_dir = cfg_str(cfg, "acs", "dump_dir");
    o->secret_param_patterns = cfg_str(cfg, "acs", "secret_param_patterns");
    o->transfer_timeout = (int)cfg_int(cfg, "acs", "transfer_timeout");
    if (o->max_body > CWMP_MAX_ENVELOPE)
        return err_fail(errmsg, -ERR_CONFIG, "[acs] max_body_bytes is above the codec's cap");
    return 0;
}
