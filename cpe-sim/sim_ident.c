/* cpe-sim/sim_ident.c — device identities from an `acs-ca batch` bundle (identities.pem:
 * per device a "# <id> <serial>" line, its private key PEM, its certificate PEM), parsed
 * once into GnuTLS objects (~3 KB per device) and sorted by id for the CR lookup. */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MAX_BUNDLE (4ull << 30)

static char *read_file(const char *path, size_t *len, char **errmsg)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    if (!f) {
        if (asprintf(errmsg, "%s: %s", path, strerror(errno)) < 0)
            *errmsg = NULL;
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0) {
        long sz = ftell(f);
        if (sz >= 0 && (unsigned long long)sz < MAX_BUNDLE && fseek(f, 0, SEEK_SET) == 0 &&
            (data = malloc((size_t)sz + 1)) && fread(data, 1, (size_t)sz, f) == (size_t)sz) {
            data[sz] = '\0';
            *len = (size_t)sz;
        } else {
            free(data);
            data = NULL;
        }
    }
    fclose(f);
    if (!data && asprintf(errmsg, "%s: cannot read", path) < 0)
        *errmsg = NULL;
    return data;
}

/* The PEM block "-----BEGIN <label>-----" ... "-----END <label>-----" starting in [p, end). */
static bool pem_block(const char *p, const char *end, const char *label, gnutls_datum_t *out)
{
    char begin[64], fin[64];
    snprintf(begin, sizeof begin, "-----BEGIN %s-----", label);
    snprintf(fin, sizeof fin, "-----END %s-----", label);
    const char *b = strstr(p, begin);
    if (!b || b >= end)
        return false;
    const char *e = strstr(b, fin);
    if (!e || e >= end)
        return false;
    e += strlen(fin);
    out->data = (unsigned char *)b;
    out->size = (unsigned)(e - b);
    return true;
}

static int cmp_ident(const void *a, const void *b)
{
    return strcmp(((const struct sim_ident *)a)->id, ((const struct sim_ident *)b)->id);
}

static int parse_one(struct sim_ident *id, const char *hdr, const char *end)
{
    char name[160], serial[80];
    if (sscanf(hdr, "# %159s %79s", name, serial) != 2)
        return -1;
    gnutls_datum_t key, cert;
    /* keys may be "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" */
    if (!pem_block(hdr, end, "CERTIFICATE", &cert) ||
        (!pem_block(hdr, end, "PRIVATE KEY", &key) && !pem_block(hdr, end, "EC PRIVATE KEY", &key)))
        return -1;
    id->id = strdup(name);
    id->cert_serial = strdup(serial);
    if (!id->id || !id->cert_serial)
        return -1;
    if (gnutls_pcert_import_x509_raw(&id->pcert, &cert, GNUTLS_X509_FMT_PEM, 0) < 0)
        return -1;
    if (gnutls_privkey_init(&id->key) < 0 ||
        gnutls_privkey_import_x509_raw(id->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0) < 0) {
        gnutls_pcert_deinit(&id->pcert);
        if (id->key)
            gnutls_privkey_deinit(id->key);
        id->key = NULL;
        return -1;
    }
    return 0;
}

int sim_ident_load(const char *path, unsigned max, struct sim_ident **out, char **errmsg)
{
    size_t len = 0;
    char *data = read_file(path, &len, errmsg);
    if (!data)
        return -1;
    unsigned n = 0, cap = 0, line = 0;
    struct sim_ident *ids = NULL;
    int rc = 0;
    const char *p = data;
    while (p && *p && (!max || n < max)) {
        line++;
        const char *nl = strchr(p, '\n');
        if (p[0] == '#' && p[1] == ' ') {
            const char *next = strstr(p + 1, "\n# ");
            const char *end = next ? next : data + len;
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                struct sim_ident *q = realloc(ids, cap * sizeof *q);
                if (!q) {
                    rc = -1;
                    break;
                }
                ids = q;
            }
            memset(&ids[n], 0, sizeof ids[n]);
            if (parse_one(&ids[n], p, end) < 0) {
                free(ids[n].id);
                free(ids[n].cert_serial);
                if (asprintf(errmsg, "%s: identity %u (line %u): bad header, key or certificate", path, n + 1,
                             line) < 0)
                    *errmsg = NULL;
                rc = -1;
                break;
            }
            n++;
            nl = next;
            if (nl)
                line += 0; /* line numbers past the first block are approximate */
        }
        p = nl ? nl + 1 : NULL;
    }
    /* the key material in data is no longer needed: wipe it */
    memset(data, 0, len);
    free(data);
    if (rc == 0 && n == 0) {
        if (asprintf(errmsg, "%s: no identities (expected \"# <id> <serial>\" blocks)", path) < 0)
            *errmsg = NULL;
        rc = -1;
    }
    if (rc < 0) {
        sim_ident_free(ids, n);
        return -1;
    }
    qsort(ids, n, sizeof *ids, cmp_ident);
    *out = ids;
    return (int)n;
}

void sim_ident_free(struct sim_ident *ids, unsigned n)
{
    for (unsigned i = 0; ids && i < n; i++) {
        free(ids[i].id);
        free(ids[i].cert_serial);
        gnutls_pcert_deinit(&ids[i].pcert);
        gnutls_privkey_deinit(ids[i].key);
    }
    free(ids);
}
