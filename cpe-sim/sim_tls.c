/* cpe-sim/sim_tls.c — the simulator's TLS client (FACTS.md, "Client-side TLS"): one shared
 * GnuTLS credential whose retrieve callback hands out the certificate and key of the device
 * that owns the session (gnutls_session_get_ptr); the ACS certificate is verified against
 * --ca with the host name. TLS 1.3 with X25519 first by default; --tls12 behaves like an
 * older CPE stack (TLS 1.2, ECDHE P-256). */
#define _GNU_SOURCE /* asprintf */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

static const char PRIO_DEFAULT[] =
    "NORMAL:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1";
static const char PRIO_TLS12[] = "NORMAL:-VERS-ALL:+VERS-TLS1.2:-GROUP-ALL:+GROUP-SECP256R1";

static int retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca, int nreq, const gnutls_pk_algorithm_t *algos,
                    int nalgos, gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *key)
{
    (void)req_ca;
    (void)nreq;
    (void)algos;
    (void)nalgos;
    struct sim_ident *id = gnutls_session_get_ptr(s);
    if (!id) {
        *pcert_length = 0;
        return 0;
    }
    *pcert = &id->pcert;
    *pcert_length = 1;
    *key = id->key;
    return 0;
}

int sim_tls_init(struct sim_tls *t, const char *ca_file, const char *host, bool tls12, char **errmsg)
{
    memset(t, 0, sizeof *t);
    snprintf(t->host, sizeof t->host, "%s", host);
    unsigned char tmp[16];
    t->host_is_ip = inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;
    const char *where = "credentials";
    int rc = gnutls_certificate_allocate_credentials(&t->cred);
    if (rc >= 0) {
        where = ca_file;
        rc = gnutls_certificate_set_x509_trust_file(t->cred, ca_file, GNUTLS_X509_FMT_PEM);
        if (rc == 0)
            rc = GNUTLS_E_NO_CERTIFICATE_FOUND;
    }
    if (rc >= 0) {
        gnutls_certificate_set_retrieve_function2(t->cred, retrieve);
        where = "priority";
        rc = gnutls_priority_init(&t->prio, tls12 ? PRIO_TLS12 : PRIO_DEFAULT, NULL);
    }
    if (rc < 0) {
        if (asprintf(errmsg, "TLS %s: %s", where, gnutls_strerror(rc)) < 0)
            *errmsg = NULL;
        sim_tls_cleanup(t);
        return -ERR_TLS;
    }
    return 0;
}

void sim_tls_cleanup(struct sim_tls *t)
{
    if (t->prio)
        gnutls_priority_deinit(t->prio);
    if (t->cred)
        gnutls_certificate_free_credentials(t->cred);
    t->prio = NULL;
    t->cred = NULL;
}

int sim_tls_session(struct sim_tls *t, int fd, struct sim_ident *ident, gnutls_session_t *out)
{
    gnutls_session_t s = NULL;
    if (gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) < 0)
        return -ERR_TLS;
    if (gnutls_priority_set(s, t->prio) < 0 || gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, t->cred) < 0 ||
        (!t->host_is_ip && gnutls_server_name_set(s, GNUTLS_NAME_DNS, t->host, strlen(t->host)) < 0)) {
        gnutls_deinit(s);
        return -ERR_TLS;
    }
    gnutls_session_set_verify_cert(s, t->host, 0);
    gnutls_session_set_ptr(s, ident);
    gnutls_transport_set_int(s, fd);
    *out = s;
    return 0;
}
