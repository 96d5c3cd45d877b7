/* acs/cli/acsctl.c — acsctl: options, configuration, dispatch; `token` works on the database
 * directly (the first admin token must exist before the NBI can be used). */
#define _GNU_SOURCE
#include "acsctl.h"

#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "acs_cfg.h"
#include "acs_nbi_db.h"
#include "acs_nbi_int.h"
#include "db.h"
#include "log.h"
#include "secret.h"

#define DEFAULT_CONFIG "/etc/acs/acs.ini"

int acsctl_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("acsctl: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int acsctl_usage(const char *usage_line, const char *msg)
{
    if (msg)
        fprintf(stderr, "acsctl: error: %s\n", msg);
    fprintf(stderr, "usage: acsctl %s\n", usage_line);
    return ACSCTL_USAGE;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: acsctl [-c CONFIG] [--url URL] [--cacert FILE] [--token-file FILE] [--json] COMMAND ...\n\n"
                 "  token create --name NAME --role admin|operator|viewer [--ttl SECONDS] [--tenant T]\n"
                 "                             new API token in the database; printed once on stdout;\n"
                 "                             --tenant: sees only that tenant (else: every tenant)\n"
                 "  token list                 API tokens (never the tokens themselves)\n"
                 "  token revoke ID            revoke a token at once\n"
                 "  device set-auth ID legacy|cert\n"
                 "                             allow legacy Digest/Basic for a device, or certificates only\n"
                 "  device set-legacy ID --user USER\n"
                 "                             legacy credentials (password on stdin, stored only as hashes)\n"
                 "  devices [--prefix P] [--limit N] [--offset N]\n"
                 "  device ID [--params PREFIX]   one device and its cached parameters\n"
                 "  task create ID KIND [--arg k=v | --arg k[]=v ...] [--json-args FILE] [--cr]\n"
                 "                 [--max-attempts N] [--expires-in SECONDS]\n"
                 "  task show N [--wait SECONDS]  a task; --wait polls until it is finished\n"
                 "  tasks ID [--state S]       a device's tasks\n"
                 "  faults ID                  a device's CPE faults\n"
                 "  sessions ID                a device's CWMP sessions\n"
                 "  provider add NAME --domain D --registrar HOST [...]   a SIP provider (TLS unless\n"
                 "                             --transport UDP|TCP --allow-insecure-transport)\n"
                 "  provider list | show NAME | remove NAME\n"
                 "  line add E164 --device ID --index N --provider P [--display-name S] [--max-sessions N]\n"
                 "                             a SIP line; its password is generated and sealed, never shown\n"
                 "  line list [--prefix P] | show E164 | remove E164 | rotate-password E164\n"
                 "  line import FILE           CSV e164,device,line_index,provider[,display_name]: all or nothing\n"
                 "  vault rotate-key --new-key FILE [--old-key FILE]\n"
                 "                             re-seal every line credential under a new key (database, [db])\n\n"
                 "The token and device set-* commands use the database ([nbi] conninfo, else [db]) of the\n"
                 "configuration (-c FILE, else $ACS_CONFIG, else " DEFAULT_CONFIG
                 ").\nThe others call the NBI: --url, else $ACS_NBI_URL, else https://localhost:<[nbi] port>;\n"
                 "--cacert (or $ACS_CACERT) names the CA of its certificate. The bearer token comes from\n"
                 "$ACS_TOKEN or the file --token-file / $ACS_TOKEN_FILE, never from the command line.\n"
                 "exit codes: 0 ok, 1 refused or failed, 2 usage, 3 configuration, 4 unreachable\n");
}

static int load_config(struct acsctl *a, const char *path)
{
    char *err = NULL;
    if (!(a->cfg = cfg_new(acs_all_schemas)))
        return acsctl_fail(ACSCTL_FAILED, "out of memory");
    if (!path)
        path = getenv("ACS_CONFIG");
    if (!path && access(DEFAULT_CONFIG, F_OK) == 0)
        path = DEFAULT_CONFIG;
    a->config_path = path;
    if ((path && cfg_load_file(a->cfg, path, &err) < 0) || cfg_finish(a->cfg, &err) < 0) {
        int rc = acsctl_fail(ACSCTL_CONFIG, "%s", err ? err : "configuration invalid");
        free(err);
        return rc;
    }
    int level = log_level_parse(cfg_str(a->cfg, "log", "level"));
    if (level >= 0 && log_get_level() == LOG_INFO)
        log_set_level(level < LOG_WARNING ? level : LOG_WARNING);
    return ACSCTL_OK;
}

int acsctl_db_open(struct acsctl *a, struct db **db)
{
    char *err = NULL;
    if (!(*db = acs_nbi_db_connect(a->cfg, &err))) {
        int rc = acsctl_fail(ACSCTL_UNREACHABLE, "%s", err ? err : "cannot connect to the database");
        free(err);
        return rc;
    }
    return ACSCTL_OK;
}

static int token_create(struct db *db, int argc, char **argv)
{
    static const char use[] =
        "token create --name NAME --role admin|operator|viewer [--ttl SECONDS] [--tenant T]";
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"ttl", required_argument, NULL, 't'},
                                         {"tenant", required_argument, NULL, 'T'},
                                         {0, 0, 0, 0}};
    const char *name = NULL, *ttl_s = NULL, *tenant = NULL;
    enum acs_nbi_role role = ACS_NBI_ROLE_NONE;
    long ttl = 0, id = 0, tenant_id = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'n': name = optarg; break;
        case 'r':
            if (!(role = acs_nbi_role_parse(optarg)))
                return acsctl_usage(use, "--role must be admin, operator or viewer");
            break;
        case 't': ttl_s = optarg; break;
        case 'T': tenant = optarg; break;
        default: return acsctl_usage(use, NULL);
        }
    }
    if (!name || !role || optind != argc)
        return acsctl_usage(use, "--name and --role are required");
    if (!acs_nbi_token_name_valid(name))
        return acsctl_usage(use, "--name must be 1..64 printable characters without spaces or quotes");
    if (acs_nbi_query_long(ttl_s, 1, 10L * 366 * 86400, 0, &ttl) < 0)
        return acsctl_usage(use, "--ttl must be 1..316224000 seconds");
    char tok[ACS_NBI_TOKEN_LEN + 1], *err = NULL, who[80];
    unsigned char hash[32];
    struct passwd *pw = getpwuid(getuid());
    snprintf(who, sizeof who, "cli:%s", pw ? pw->pw_name : "unknown");
    int trc = tenant ? acs_nbi_db_tenant_id(db, tenant, &tenant_id, &err) : 0;
    if (trc < 0) {
        free(err);
        return trc == -ERR_NOENT ? acsctl_fail(ACSCTL_FAILED, "no tenant %s (acs-ca tenant create NAME)", tenant)
                                 : acsctl_fail(ACSCTL_FAILED, "database error");
    }
    if (acs_nbi_token_new(tok, sizeof tok, hash) < 0)
        return acsctl_fail(ACSCTL_FAILED, "no random numbers");
    if (acs_nbi_db_token_insert(db, tenant_id, name, role, hash, ttl, who, &id, &err) < 0) {
        int rc = acsctl_fail(ACSCTL_FAILED, "cannot store the token: %s", err ? err : "database error");
        free(err);
        return rc;
    }
    printf("%s\n", tok);
    fflush(stdout);
    memset(tok, 0, sizeof tok);
    fprintf(stderr, "acsctl: token %ld created (name %s, role %s, %s, %s); it is shown only this once\n", id, name,
            acs_nbi_role_str(role), tenant ? tenant : "every tenant", ttl ? "expires" : "never expires");
    return ACSCTL_OK;
}

static const char *str_or(json_t *o, const char *k, const char *def)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : def;
}

static int token_list(struct acsctl *a, struct db *db)
{
    char *err = NULL;
    json_t *list = acs_nbi_db_tokens(db, 0, &err);
    if (!list) {
        int rc = acsctl_fail(ACSCTL_FAILED, "%s", err ? err : "database error");
        free(err);
        return rc;
    }
    size_t i;
    json_t *t;
    if (a->json) {
        json_dumpf(list, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        printf("%-6s %-24s %-9s %-8s %-26s %-26s %s\n", "ID", "NAME", "ROLE", "STATE", "CREATED", "EXPIRES",
               "LAST USED");
    }
    json_array_foreach(list, i, t)
    {
        if (!a->json)
            printf("%-6lld %-24s %-9s %-8s %-26s %-26s %s\n", (long long)json_integer_value(json_object_get(t, "id")),
                   str_or(t, "name", ""), str_or(t, "role", ""), str_or(t, "state", ""), str_or(t, "createdAt", "-"),
                   str_or(t, "expiresAt", "never"), str_or(t, "lastUsedAt", "never"));
    }
    json_decref(list);
    return ACSCTL_OK;
}

static int token_revoke(struct db *db, int argc, char **argv)
{
    long id;
    char *err = NULL;
    if (argc != 2 || acs_nbi_query_long(argv[1], 1, 0x7fffffffffffffffL, 0, &id) < 0)
        return acsctl_usage("token revoke ID", "a token id is required");
    int rc = acs_nbi_db_token_revoke(db, 0, id, &err);
    free(err);
    if (rc == -ERR_NOENT)
        return acsctl_fail(ACSCTL_FAILED, "no token %ld", id);
    if (rc < 0)
        return acsctl_fail(ACSCTL_FAILED, "database error");
    fprintf(stderr, "acsctl: token %ld revoked\n", id);
    return ACSCTL_OK;
}

int acsctl_cmd_token(struct acsctl *a, int argc, char **argv)
{
    struct db *db = NULL;
    if (argc < 2)
        return acsctl_usage("token create|list|revoke ...", NULL);
    const char *sub = argv[1];
    if (strcmp(sub, "create") && strcmp(sub, "list") && strcmp(sub, "revoke"))
        return acsctl_usage("token create|list|revoke ...", "unknown token command");
    int rc = acsctl_db_open(a, &db);
    if (rc != ACSCTL_OK)
        return rc;
    if (!strcmp(sub, "create"))
        rc = token_create(db, argc - 1, argv + 1);
    else if (!strcmp(sub, "list"))
        rc = argc == 2 ? token_list(a, db) : acsctl_usage("token list", NULL);
    else
        rc = token_revoke(db, argc - 1, argv + 1);
    db_free(db);
    return rc;
}

/* The NBI URL: --url, $ACS_NBI_URL, else localhost and [nbi] port. */
static void default_url(struct acsctl *a, char *buf, size_t n)
{
    if (!a->url)
        a->url = getenv("ACS_NBI_URL");
    if (!a->url) {
        snprintf(buf, n, "https://localhost:%ld", cfg_int(a->cfg, "nbi", "port"));
        a->url = buf;
    }
    if (!a->cacert)
        a->cacert = getenv("ACS_CACERT");
    if (!a->token_file)
        a->token_file = getenv("ACS_TOKEN_FILE");
}

static const struct {
    const char *name;
    int (*fn)(struct acsctl *a, int argc, char **argv);
} commands[] = {
    {"token", acsctl_cmd_token},       {"devices", acsctl_cmd_devices}, {"device", acsctl_cmd_device_any},
    {"task", acsctl_cmd_task},         {"tasks", acsctl_cmd_task},      {"faults", acsctl_cmd_faults},
    {"sessions", acsctl_cmd_sessions}, {"provider", acsctl_cmd_provider}, {"line", acsctl_cmd_line},
    {"vault", acsctl_cmd_vault},
};

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"url", required_argument, NULL, 'u'},
                                         {"cacert", required_argument, NULL, 'C'},
                                         {"token-file", required_argument, NULL, 'T'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    struct acsctl a = {0};
    const char *config = NULL;
    char url[128];
    int opt;
    secret_json_wipe_on_free(); /* parsed JSON (NBI bodies, task args) may hold a password */
    while ((opt = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 'u': a.url = optarg; break;
        case 'C': a.cacert = optarg; break;
        case 'T': a.token_file = optarg; break;
        case 'j': a.json = 1; break;
        case 'h': usage(stdout); return ACSCTL_OK;
        default: usage(stderr); return ACSCTL_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return ACSCTL_USAGE;
    }
    size_t i = 0, n = sizeof commands / sizeof commands[0];
    while (i < n && strcmp(commands[i].name, argv[optind]))
        i++;
    if (i == n) {
        fprintf(stderr, "acsctl: error: unknown command \"%s\"\n", argv[optind]);
        usage(stderr);
        return ACSCTL_USAGE;
    }
    int rc = load_config(&a, config);
    if (rc == ACSCTL_OK) {
        default_url(&a, url, sizeof url);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        int sub_argc = argc - optind;
        char **sub_argv = argv + optind;
        optind = 0; /* each command parses its own options (glibc: 0 re-initialises getopt) */
        rc = commands[i].fn(&a, sub_argc, sub_argv);
        curl_global_cleanup();
    }
    cfg_free(a.cfg);
    return rc;
}
