/* common/conn_count.h — open connections per source address, bounded by a limit: what a
 * listener checks at accept (tls_front), before any TLS work. IPv4 addresses are kept as
 * IPv4-mapped IPv6; an entry lives while its source has connections open.
 * Owns: struct conn_count and its entries. Thread-safety: every call takes its mutex. */
#ifndef COMMON_CONN_COUNT_H
#define COMMON_CONN_COUNT_H

#include <stddef.h>
#include <sys/socket.h>

struct conn_count;

/* At most limit open connections per source (0: no limit, nothing counted). NULL on ENOMEM. */
struct conn_count *conn_count_new(unsigned int limit);
void conn_count_free(struct conn_count *cc);
/* Count a new connection from a: 1, or 0 when that source is at its limit (nothing counted;
 * also 0 when out of memory). */
int conn_count_take(struct conn_count *cc, const struct sockaddr_storage *a);
/* A connection counted by conn_count_take closed. */
void conn_count_release(struct conn_count *cc, const struct sockaddr_storage *a);

#endif
