/* pki-ca/ca_trust.c — the CA certificates as one PEM trust list for TLS listeners. */
#include <stdlib.h>

#include "buf.h"
#include "ca.h"
#include "ca_util.h"

char *ca_trust_pem(struct ca_ctx *ca, char **errmsg)
{
    int rc = ca_authorities_load_all(ca, errmsg);
    if (rc < 0)
        return NULL;
    if (ca_authority_count(ca) == 0) {
        err_fail(errmsg, -ERR_NOENT, "no CA yet (run acs-ca init)");
        return NULL;
    }
    struct buf b;
    buf_init(&b, CA_PEM_MAX * 4);
    for (size_t i = 0; i < ca_authority_count(ca) && rc == 0; i++) {
        char *pem = ca_cert_pem(ca_authority_at(ca, i)->cert);
        rc = pem ? buf_append_str(&b, pem) : -ERR_NOMEM;
        free(pem);
    }
    if (rc < 0) {
        buf_cleanup(&b);
        err_fail(errmsg, rc, "cannot encode the CA certificates");
        return NULL;
    }
    return buf_take(&b);
}
