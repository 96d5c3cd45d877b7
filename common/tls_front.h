/* common/tls_front.h — TLS termination in front of libmicrohttpd. Edge-triggered GnuTLS loops
 * (one epoll per thread) accept, enforce per-source and global connection caps before any
 * TLS work, run each handshake under a deadline without spending CPU while the client waits,
 * then hand the plaintext to an MHD daemon (MHD_USE_NO_LISTEN_SOCKET) over a socketpair and
 * relay both ways. libmicrohttpd's own TLS spins a thread on a stalled handshake (FACTS.md).
 * Owns: the listening socket, client sockets, GnuTLS sessions, relay buffers, peer objects
 * until claimed. Raises the process' soft descriptor limit to its hard limit (three descriptors
 * per connection). Thread-safety: start/quiesce/detach/stop from one thread; claim from any. */
#ifndef COMMON_TLS_FRONT_H
#define COMMON_TLS_FRONT_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "err.h"

struct httpd_tickets;

/* A completed handshake, as passed to on_handshake: the client's chain as sent (leaf first,
 * DER, borrowed for the duration of the call) and whether the session was resumed. */
struct tls_front_peer {
    const unsigned char *const *ders;
    const size_t *lens;
    size_t n;
    int resumed;
    const struct sockaddr *addr;
    socklen_t addrlen;
};

struct tls_front_conf {
    const char *listen_address; /* numeric IPv4 or IPv6 */
    int port;                   /* 0 = any free port (tls_front_port tells which) */
    const char *cert_pem, *key_pem, *trust_pem, *priorities;
    unsigned int threads;
    unsigned int handshake_timeout_ms;
    unsigned int max_connections;    /* open client connections in all; beyond: closed at accept */
    unsigned int per_ip_connections; /* per source address; 0 = no limit */
    struct httpd_tickets *tickets;   /* session tickets (NULL: none) */
    /* Called on a front thread after each handshake; returns the object MHD's connection
     * claims with tls_front_claim (NULL: nothing to claim). free_peer frees one never claimed. */
    void *(*on_handshake)(void *cls, const struct tls_front_peer *p);
    void (*free_peer)(void *peer);
    /* Called at accept, before any TLS work: 0 closes the connection at once (e.g. a source
     * over its budget of new connections). NULL admits everyone within the caps above. */
    int (*admit_source)(void *cls, const struct sockaddr *addr, socklen_t addrlen);
    void *cls;
    const char *log_component; /* "http" by default */
    int guard_http; /* the plaintext is HTTP/1.1: refuse unframable sizes with 400 (http_guard.h) */
};

struct tls_front;

/* Bind, listen and start the threads; plaintext goes to d, which must have been started with
 * MHD_USE_NO_LISTEN_SOCKET and without MHD_USE_TLS. NULL with *errmsg on failure. */
struct tls_front *tls_front_start(const struct tls_front_conf *conf, struct MHD_Daemon *d, char **errmsg);

/* MHD_OPTION_EXTERNAL_LOGGER for the daemon behind a front: httpd_mhd_log, less the warnings
 * about TCP options that a socketpair cannot take. */
void tls_front_mhd_log(void *cls, const char *fmt, va_list ap);

/* The bound port. */
int tls_front_port(const struct tls_front *f);

/* For MHD's MHD_CONNECTION_NOTIFY_STARTED: take the on_handshake object of the connection whose
 * socket is mhd_fd (MHD_CONNECTION_INFO_CONNECTION_FD), caller-owned, NULL if none; remote
 * (n bytes) gets the client's address as text ("-" if unknown). MHD itself only knows a local
 * socket (MHD_CONNECTION_INFO_CLIENT_ADDRESS is AF_UNIX): take the address from here. Once. */
void *tls_front_claim(struct tls_front *f, int mhd_fd, char *remote, size_t n);

/* Open client connections, handshaking or relaying. */
size_t tls_front_connections(struct tls_front *f);

/* Stop accepting (the listening socket is closed); open connections go on. */
void tls_front_quiesce(struct tls_front *f);

/* Stop the threads and close every connection. Only without a running daemon behind it (a
 * failed start); otherwise tls_front_shutdown. NULL is a no-op. */
void tls_front_stop(struct tls_front *f);

/* Take down a front and the daemon behind it, in the one safe order: stop accepting, hand d
 * nothing more, stop d (its connections claim nothing after that), stop the front. Either
 * may be NULL. */
void tls_front_shutdown(struct tls_front *f, struct MHD_Daemon *d);

#endif
