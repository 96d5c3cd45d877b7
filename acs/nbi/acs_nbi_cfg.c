/* acs/nbi/acs_nbi_cfg.c — the [nbi] schema table, alone so that acs-ca (which documents and accepts
 * every section of the shared acs.ini) can link it without the NBI itself. */
#include "acs_nbi.h"

const struct cfg_key acs_nbi_cfg_schema[] = {
    {"nbi", "enabled", CFG_BOOL, "true", 0, 0, 0, NULL, "run the northbound REST API (and /metrics) in acsd"},
    {"nbi", "listen_address", CFG_STR, "127.0.0.1", 0, 0, 0, NULL,
     "numeric IPv4 or IPv6 address of the NBI listener (0.0.0.0 for the NOC network)"},
    {"nbi", "port", CFG_INT, "7557", 0, 65535, 0, NULL, "NBI (HTTPS) port; 0 picks a free port (tests)"},
    {"nbi", "cert_file", CFG_PATH, "", 0, 0, 0, NULL, "PEM server certificate of the NBI; empty: [acs] cert_file"},
    {"nbi", "key_file", CFG_PATH, "", 0, 0, 0, NULL, "PEM private key of the NBI; empty: [acs] key_file"},
    {"nbi", "conninfo", CFG_STR, "", 0, 0, CFG_SECRET, "ACS_NBI_CONNINFO",
     "libpq connection string of the NBI and acsctl (role acs_nbi); empty: [db] conninfo"},
    {"nbi", "threads", CFG_INT, "2", 1, 64, 0, NULL, "NBI worker threads (each has one DB connection)"},
    {"nbi", "max_body_bytes", CFG_INT, "65536", 1024, 1048576, 0, NULL, "largest request body; larger ones get 413"},
    {"nbi", "request_timeout", CFG_INT, "30", 1, 3600, 0, NULL,
     "seconds a connection may stay idle or take to send a request"},
    {"nbi", "handshake_timeout_ms", CFG_INT, "3000", 100, 60000, 0, NULL, "deadline of a TLS handshake"},
    {"nbi", "max_connections", CFG_INT, "256", 1, 100000, 0, NULL, "open NBI connections"},
    {"nbi", "per_ip_connections", CFG_INT, "32", 0, 100000, 0, NULL, "open NBI connections per client address"},
    {"nbi", "metrics_public", CFG_BOOL, "false", 0, 0, 0, NULL,
     "serve GET /metrics without a token (for a Prometheus on a trusted network)"},
    {"nbi", "cr_threads", CFG_INT, "2", 1, 64, 0, NULL, "connection-request worker threads"},
    {"nbi", "cr_timeout_ms", CFG_INT, "3000", 100, 60000, 0, NULL, "time limit of one connection request"},
    {"nbi", "cr_attempts", CFG_INT, "3", 1, 10, 0, NULL, "tries of a connection request (busy CPE, time-out)"},
    CFG_END,
};
