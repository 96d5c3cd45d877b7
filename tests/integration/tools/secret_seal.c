/* tests/integration/tools/secret_seal.c — test helper: seal the text on stdin with a secret key
 * file (common/secret.h) and the AAD given, print the sealed blob as hex (for psql decode()).
 * usage: secret_seal KEY_FILE AAD <plain */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

int main(int argc, char **argv)
{
    char plain[SECRET_MAX_PLAIN + 2], *err = NULL;
    unsigned char *out = NULL;
    size_t n = 0, out_len = 0;
    if (argc != 3) {
        fprintf(stderr, "usage: secret_seal KEY_FILE AAD <plain\n");
        return 2;
    }
    struct secret_key *k = secret_key_load(argv[1], &err);
    if (!k) {
        fprintf(stderr, "secret_seal: %s\n", err ? err : "cannot load the key");
        free(err);
        return 1;
    }
    n = fread(plain, 1, sizeof plain - 1, stdin);
    plain[n] = '\0';
    plain[strcspn(plain, "\r\n")] = '\0';
    int rc = secret_seal(k, plain, argv[2], &out, &out_len);
    for (size_t i = 0; rc == 0 && i < out_len; i++)
        printf("%02x", out[i]);
    if (rc == 0)
        putchar('\n');
    free(out);
    secret_key_free(k);
    return rc == 0 ? 0 : 1;
}
