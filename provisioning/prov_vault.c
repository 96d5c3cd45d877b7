/* provisioning/prov_vault.c — line passwords: generation, sealing, opening (common/secret). */
#include "prov_vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "b64.h"
#include "secret.h"

int prov_vault_password(char *out, size_t n)
{
    unsigned char raw[PROV_VAULT_PASS_BYTES];
    if (n < PROV_VAULT_PASS_LEN + 1)
        return -ERR_TOO_BIG;
    int rc = RAND_bytes(raw, sizeof raw) == 1 ? 0 : -ERR_CRYPTO;
    if (rc == 0 && b64url_encode(raw, sizeof raw, out, n) != PROV_VAULT_PASS_LEN)
        rc = -ERR_CRYPTO;
    OPENSSL_cleanse(raw, sizeof raw);
    if (rc < 0)
        OPENSSL_cleanse(out, n);
    return rc;
}

void prov_vault_aad(char *out, size_t n, long line_id, const char *e164)
{
    snprintf(out, n, "sip_line:%ld:%s", line_id, e164);
}

long prov_vault_key_id(const unsigned char *in, size_t in_len)
{
    if (in_len < 6)
        return -1;
    return (long)(((unsigned long)in[2] << 24) | ((unsigned long)in[3] << 16) | ((unsigned long)in[4] << 8) | in[5]);
}

long prov_vault_key_id_of(const struct secret_key *k)
{
    unsigned char *b = NULL;
    size_t len = 0;
    if (secret_seal(k, "", "key-id", &b, &len) < 0) /* the id is in every sealed blob's header */
        return -1;
    long id = prov_vault_key_id(b, len);
    free(b);
    return id;
}

int prov_vault_seal(const struct secret_key *k, long line_id, const char *e164, const char *plain,
                    unsigned char **out, size_t *out_len, long *key_id)
{
    char aad[PROV_VAULT_AAD_MAX];
    prov_vault_aad(aad, sizeof aad, line_id, e164);
    int rc = secret_seal(k, plain, aad, out, out_len);
    if (rc == 0)
        *key_id = prov_vault_key_id(*out, *out_len);
    return rc;
}

int prov_vault_open(const struct secret_key *k, long line_id, const char *e164, const unsigned char *in,
                    size_t in_len, char **plain)
{
    char aad[PROV_VAULT_AAD_MAX];
    prov_vault_aad(aad, sizeof aad, line_id, e164);
    return secret_open(k, in, in_len, aad, plain);
}
