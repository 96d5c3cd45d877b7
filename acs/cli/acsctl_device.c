/* acs/cli/acsctl_device.c — device administration straight in the database (NOC, legacy mode):
 * `device set-auth ID legacy|cert` and `device set-legacy ID --user U` (password from stdin,
 * stored as a Digest HA1 for [acs] legacy_realm and a PBKDF2-SHA256 hash, never in clear).
 * `device ID` itself goes to the NBI (acsctl_nbi.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "acs_db.h"
#include "acs_devid.h"
#include "acs_legacy.h"
#include "acsctl.h"
#include "db.h"

#define PASS_MAX 256
#define USER_MAX 256

static int set_auth(struct acsctl *a, int argc, char **argv)
{
    static const char use[] = "device set-auth ID legacy|cert";
    if (argc != 3 || (strcmp(argv[2], "legacy") && strcmp(argv[2], "cert")))
        return acsctl_usage(use, "a device id and legacy or cert are required");
    struct db *db = NULL;
    char *err = NULL;
    int rc = acsctl_db_open(a, &db);
    if (rc != ACSCTL_OK)
        return rc;
    char id[ACS_DEVID_MAX + 1];
    int r = acs_db_device_resolve(db, argv[1], id, sizeof id, &err);
    if (r == 0)
        r = acs_db_device_set_auth(db, id, argv[2], &err);
    if (r == -ERR_NOENT)
        rc = acsctl_fail(ACSCTL_FAILED, "unknown device %s", argv[1]);
    else if (r < 0)
        rc = acsctl_fail(ACSCTL_FAILED, "%s", err ? err : "database error");
    else
        fprintf(stderr, "acsctl: device %s now authenticates with %s\n", id,
                strcmp(argv[2], "cert") ? "a certificate or legacy Digest/Basic" : "a certificate only");
    free(err);
    db_free(db);
    return rc;
}

/* One line from stdin without its newline; 0 or -1 (empty, too long, unreadable). */
static int read_password(char *buf, size_t n)
{
    if (!fgets(buf, (int)n, stdin))
        return -1;
    size_t l = strcspn(buf, "\r\n");
    if (buf[l] == '\0' && l == n - 1)
        return -1; /* no newline within the limit: too long */
    buf[l] = '\0';
    return l ? 0 : -1;
}

static int set_legacy(struct acsctl *a, int argc, char **argv)
{
    static const char use[] = "device set-legacy ID --user USER  (password on stdin)";
    static const struct option opts[] = {{"user", required_argument, NULL, 'u'}, {0, 0, 0, 0}};
    const char *user = NULL;
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch != 'u')
            return acsctl_usage(use, NULL);
        user = optarg;
    }
    if (optind != argc - 1 || !user)
        return acsctl_usage(use, "a device id and --user are required");
    if (!*user || strlen(user) > USER_MAX || strpbrk(user, ":\"\r\n"))
        return acsctl_usage(use, "--user must be 1..256 characters without ':', '\"' or newlines");
    char id[ACS_DEVID_MAX + 1];
    char pass[PASS_MAX + 2], ha1[ACS_LEGACY_HA1_HEX + 1], hash[ACS_LEGACY_HASH_MAX], *err = NULL;
    struct db *db = NULL;
    int rc;
    if (read_password(pass, sizeof pass) < 0) {
        rc = acsctl_fail(ACSCTL_USAGE, "the password is read from stdin: one line of 1..%d characters", PASS_MAX);
        goto out;
    }
    if (acs_legacy_ha1(user, cfg_str(a->cfg, "acs", "legacy_realm"), pass, ha1) < 0 ||
        acs_legacy_hash_password(pass, hash, sizeof hash) < 0) {
        rc = acsctl_fail(ACSCTL_FAILED, "cannot hash the password");
        goto out;
    }
    if ((rc = acsctl_db_open(a, &db)) != ACSCTL_OK)
        goto out;
    int r = acs_db_device_resolve(db, argv[optind], id, sizeof id, &err);
    if (r == 0)
        r = acs_db_device_set_legacy(db, id, user, ha1, hash, &err);
    if (r == -ERR_EXIST)
        rc = acsctl_fail(ACSCTL_FAILED, "the username %s belongs to another device", user);
    else if (r < 0)
        rc = acsctl_fail(ACSCTL_FAILED, "%s", err ? err : "database error");
    else
        fprintf(stderr, "acsctl: legacy credentials of %s set (user %s, realm %s); it needs `device set-auth %s "
                        "legacy` and [acs] legacy_mode = true\n",
                id, user, cfg_str(a->cfg, "acs", "legacy_realm"), id);
out:
    OPENSSL_cleanse(pass, sizeof pass);
    OPENSSL_cleanse(ha1, sizeof ha1);
    free(err);
    db_free(db);
    return rc;
}

int acsctl_cmd_device_any(struct acsctl *a, int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "set-auth"))
        return set_auth(a, argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "set-legacy"))
        return set_legacy(a, argc - 1, argv + 1);
    return acsctl_cmd_device(a, argc, argv);
}
