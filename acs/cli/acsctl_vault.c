/* acs/cli/acsctl_vault.c — `vault rotate-key --new-key FILE [--old-key FILE]`: every SIP line
 * credential re-sealed under a new key in one transaction (provisioning/prov_vault.h), straight in
 * the database as the role that holds the key ([db] conninfo: acsd's, acs_cwmp). The old key is
 * [acs] secret_key_file unless --old-key names it. Then point [acs] secret_key_file at the new key
 * and restart acsd. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acsctl.h"
#include "db.h"
#include "prov_vault.h"
#include "secret.h"

int acsctl_cmd_vault(struct acsctl *a, int argc, char **argv)
{
    static const char use[] = "vault rotate-key --new-key FILE [--old-key FILE]";
    static const struct option opts[] = {
        {"new-key", required_argument, NULL, 'n'}, {"old-key", required_argument, NULL, 'o'}, {0, 0, 0, 0}};
    const char *new_file = NULL, *old_file = cfg_str(a->cfg, "acs", "secret_key_file");
    int ch;
    if (argc < 2 || strcmp(argv[1], "rotate-key"))
        return acsctl_usage(use, NULL);
    optind = 0;
    while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (ch == 'n')
            new_file = optarg;
        else if (ch == 'o')
            old_file = optarg;
        else
            return acsctl_usage(use, NULL);
    }
    if (optind != argc - 1 || !new_file)
        return acsctl_usage(use, "--new-key is required");
    if (!old_file || !*old_file)
        return acsctl_usage(use, "no old key: [acs] secret_key_file is empty and no --old-key");
    char *err = NULL;
    struct secret_key *old_key = secret_key_load(old_file, &err), *new_key = NULL;
    struct db *db = NULL;
    long count = 0;
    int rc = ACSCTL_FAILED;
    if (!old_key || !(new_key = secret_key_load(new_file, &err))) {
        rc = acsctl_fail(ACSCTL_CONFIG, "%s", err ? err : "cannot load a key");
        goto out;
    }
    if (prov_vault_key_id_of(old_key) == prov_vault_key_id_of(new_key)) {
        rc = acsctl_fail(ACSCTL_USAGE, "the new key is the old key");
        goto out;
    }
    if (!(db = db_connect_cfg(a->cfg, &err))) {
        rc = acsctl_fail(ACSCTL_UNREACHABLE, "%s", err ? err : "cannot connect to the database");
        goto out;
    }
    if (prov_vault_rekey(db, old_key, new_key, &count, &err) < 0) {
        rc = acsctl_fail(ACSCTL_FAILED, "%s; nothing changed", err ? err : "rotation failed");
        goto out;
    }
    fprintf(stderr,
            "acsctl: %ld line credential(s) re-sealed under key id %ld; now set [acs] secret_key_file = %s "
            "and restart acsd\n",
            count, prov_vault_key_id_of(new_key), new_file);
    rc = ACSCTL_OK;
out:
    free(err);
    db_free(db);
    secret_key_free(old_key);
    secret_key_free(new_key);
    return rc;
}
