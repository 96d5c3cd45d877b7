/* acs/acs_cfg.h — the [acs] configuration schema, the list of every schema a shared
 * acs.ini may hold (acsd and acs-ca both read it), and the limits acsd runs with.
 * Owns: static tables only. Thread-safety: read-only data; acs_limits is a plain value. */
#ifndef ACS_CFG_H
#define ACS_CFG_H

#include "cfg.h"

extern const struct cfg_key acs_cfg_schema[];
extern const struct cfg_key acs_cr_cfg_schema[]; /* [cr], read by acs_cr_policy_from_cfg */
/* Every section of the project's configuration file, NULL-terminated: [db], [ca], [acs],
 * [nbi], [preauth], [log]. Both binaries load and document this one list, so a file is valid for all. */
extern const struct cfg_key *const acs_all_schemas[];

enum acs_event_loop { ACS_LOOP_EPOLL, ACS_LOOP_POLL };

/* [acs] values, checked and converted once at start-up. Strings are borrowed from cfg. */
struct acs_limits {
    const char *listen_address;
    int port;
    const char *cert_file, *key_file, *secret_key_file;
    enum acs_event_loop loop;
    int threads, tls_threads;
    int max_sessions, max_connections, per_ip_connections;
    size_t max_body;
    int request_timeout, session_timeout, session_idle_timeout; /* seconds */
    int handshake_timeout_ms;
    size_t verify_cache_entries;
    int retry_after, shutdown_grace;
    size_t connection_memory;
    int legacy_mode;
    const char *legacy_realm;
    const char *dump_dir; /* "" = off */
    const char *secret_param_patterns; /* acs_secret_params_configure() */
    int transfer_timeout;              /* seconds; 0: in_progress transfers wait forever */
};

/* Read and cross-check [acs]; fills *out. -ERR_CONFIG with *errmsg (caller frees). */
int acs_limits_load(const struct cfg *cfg, struct acs_limits *out, char **errmsg) WARN_UNUSED;

#endif
