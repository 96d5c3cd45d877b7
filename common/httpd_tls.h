/* common/httpd_tls.h — helpers shared by the project's libmicrohttpd + GnuTLS servers (acsd
 * and its NBI, acs-ca est-serve and ocsp-serve): daemon start-up and listen address, peer
 * chain, handshake deadline, client address, bounded request bodies.
 * Owns: nothing long-lived (struct httpd_body owns its buffer). Thread-safety: reentrant. */
#ifndef COMMON_HTTPD_TLS_H
#define COMMON_HTTPD_TLS_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "buf.h"

#define HTTPD_MAX_PEER_CHAIN 8 /* longest client chain passed on (leaf + issuers) */
/* GnuTLS priorities of the mutual-TLS listeners (acsd :7547 and its benchmark reference) */
#define HTTPD_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* A numeric IPv4 or IPv6 listen address and a port as a socket address (*len its size).
 * -ERR_CONFIG with *errmsg for anything else (no host names: a listener binds what it is told). */
int httpd_listen_addr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len, char **errmsg);

/* How one listener's libmicrohttpd daemon is started: every server's MHD_start_daemon is
 * httpd_start. Fields left 0/NULL are not passed to MHD (its defaults). */
struct httpd_start_conf {
    const char *name;           /* log component ("est", "ocsp", "http", "nbi") */
    unsigned int flags;         /* MHD_USE_* threading (and MHD_USE_TLS); ERROR_LOG is added */
    const char *listen_address; /* numeric IPv4/IPv6, port below (MHD_USE_IPv6 added as needed);
                                 * NULL: MHD_USE_NO_LISTEN_SOCKET|MHD_USE_ITC, tls_front hands over
                                 * the connections */
    int port;                   /* 0: any free port (httpd_start's *port tells which) */
    MHD_AccessHandlerCallback handler;
    void *cls;                    /* handler's */
    MHD_LogCallback logger;       /* NULL: httpd_mhd_log (with name) */
    unsigned int threads;         /* MHD_OPTION_THREAD_POOL_SIZE */
    unsigned int timeout_s;       /* MHD_OPTION_CONNECTION_TIMEOUT */
    unsigned int max_connections; /* MHD_OPTION_CONNECTION_LIMIT */
    unsigned int per_ip_connections;
    size_t connection_memory; /* MHD_OPTION_CONNECTION_MEMORY_LIMIT */
    MHD_NotifyConnectionCallback on_connection;
    MHD_RequestCompletedCallback on_completed;
    void *notify_cls;                                        /* on_connection's and on_completed's */
    const char *cert_pem, *key_pem, *trust_pem, *priorities; /* with MHD_USE_TLS */
    const void *digest_random; /* MHD_OPTION_DIGEST_AUTH_RANDOM (digest_random_len bytes) */
    size_t digest_random_len;
    unsigned int nonce_nc_size; /* MHD_OPTION_NONCE_NC_SIZE */
};
/* Start the daemon; *port (may be NULL) gets the bound port (c->port without a listen
 * socket). NULL with *errmsg when the address is bad or MHD refuses (port in use, TLS
 * credentials MHD cannot load). */
struct MHD_Daemon *httpd_start(const struct httpd_start_conf *c, int *port, char **errmsg);

/* Client IP address of a connection as text ("-" when unknown). */
void httpd_remote_text(struct MHD_Connection *c, char *out, size_t n);

/* Bound the TLS handshake of a new connection (call on MHD_CONNECTION_NOTIFY_STARTED):
 * a client stalled mid-handshake is closed after ms milliseconds (FACTS.md). */
void httpd_set_handshake_timeout(struct MHD_Connection *c, unsigned int ms);

/* TLS session tickets (RFC 5077 / TLS 1.3 resumption): one process-wide master key from
 * gnutls_session_ticket_key_generate, copied into each new GnuTLS server session by
 * httpd_tickets_enable_session (tls_front does, before the handshake); GnuTLS derives time-rotated
 * ticket keys from it, valid lifetime_s seconds. httpd_tickets_rotate replaces the master key
 * (tickets under the old one fall back to a full handshake). A resumed session still carries
 * the client's chain: verify it (revocation included) on every connection as for a full one.
 * Thread-safety: enable and rotate may run concurrently (a mutex guards the key). */
struct httpd_tickets;
struct httpd_tickets *httpd_tickets_new(unsigned int lifetime_s);
int httpd_tickets_rotate(struct httpd_tickets *t) WARN_UNUSED;
/* session: a gnutls_session_t (void * keeps GnuTLS out of this header); t NULL: no tickets. */
void httpd_tickets_enable_session(struct httpd_tickets *t, void *session);
void httpd_tickets_free(struct httpd_tickets *t);

/* The client's certificate chain as sent (leaf first, DER, borrowed from the TLS session,
 * valid while the connection lives). Returns the count, 0 when the client sent none or is
 * not TLS (never trust GnuTLS' "no certificate" verify status: the caller verifies the chain
 * itself, e.g. with ca_verify_peer). At most max entries. */
size_t httpd_peer_chain(struct MHD_Connection *c, const unsigned char **ders, size_t *lens, size_t max);

/* The connection's socket (for shutdown() by a watchdog), -1 if unknown. */
int httpd_connection_fd(struct MHD_Connection *c);

/* MHD_OPTION_EXTERNAL_LOGGER callback: one warning line, component name in cls (a string). */
void httpd_mhd_log(void *cls, const char *fmt, va_list ap);

/* Declared Content-Length: 1 and *len when present and numeric, 0 when absent/invalid. */
int httpd_content_length(struct MHD_Connection *c, unsigned long long *len);

/* Queue an answer: status, body (copied; may be NULL when len is 0) and headers given as
 * name/value pairs ending with a NULL name (a NULL value skips that header). MHD_YES/MHD_NO. */
enum MHD_Result httpd_respond(struct MHD_Connection *c, unsigned int status, const char *body, size_t len,
                              const char *const *headers);

/* A request body read under a cap. Past the cap the rest is discarded (too_big set) up to
 * discard_max bytes, then the caller should hang up. */
struct httpd_body {
    struct buf data;
    int too_big;
    size_t discarded;
    size_t discard_max;
};
void httpd_body_init(struct httpd_body *b, size_t max, size_t discard_max);
void httpd_body_cleanup(struct httpd_body *b);
/* Take one upload chunk. 0 = go on, -1 = over discard_max: close the connection. */
int httpd_body_feed(struct httpd_body *b, const char *data, size_t len);

#endif
