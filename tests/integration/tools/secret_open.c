/* tests/integration/tools/secret_open.c — test helper: open a sealed blob given as hex on stdin
 * (psql encode(..., 'hex')) with a secret key file and the AAD (common/secret.h), print the
 * plain text. Used by 080 to check that a device's generated password appears nowhere.
 * usage: secret_open KEY_FILE AAD <hex */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

int main(int argc, char **argv)
{
    char hex[2 * (SECRET_MAX_PLAIN + SECRET_OVERHEAD) + 2], *err = NULL, *plain = NULL;
    unsigned char bin[SECRET_MAX_PLAIN + SECRET_OVERHEAD];
    if (argc != 3) {
        fprintf(stderr, "usage: secret_open KEY_FILE AAD <hex\n");
        return 2;
    }
    struct secret_key *k = secret_key_load(argv[1], &err);
    if (!k) {
        fprintf(stderr, "secret_open: %s\n", err ? err : "cannot load the key");
        free(err);
        return 1;
    }
    size_t n = fread(hex, 1, sizeof hex - 1, stdin), len = 0;
    hex[n] = '\0';
    hex[strcspn(hex, "\r\n")] = '\0';
    for (size_t i = 0; hex[i] && hex[i + 1] && len < sizeof bin; i += 2) {
        unsigned int b;
        if (sscanf(hex + i, "%2x", &b) != 1)
            break;
        bin[len++] = (unsigned char)b;
    }
    int rc = secret_open(k, bin, len, argv[2], &plain);
    if (rc == 0)
        printf("%s\n", plain);
    else
        fprintf(stderr, "secret_open: does not open\n");
    secret_wipe_free(plain);
    secret_key_free(k);
    return rc == 0 ? 0 : 1;
}
