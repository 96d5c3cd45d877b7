/* acs/cli/acsctl_prov.c — SIP provisioning over the NBI: `provider add|list|show|remove` and
 * `line add|show|list|remove|rotate-password|import`. Never a password: the NBI generates and
 * seals it, and neither accepts nor returns one. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "acsctl.h"

#define IMPORT_MAX (1024 * 1024) /* the NBI's [nbi] max_body_bytes bounds it further */

/* One request; the answer printed as JSON (or by row() per element of key unless --json). */
static int call(struct acsctl *a, const char *method, const char *path, json_t *body, const char *key, const char *head,
                void (*row)(json_t *))
{
    long status = 0;
    json_t *j = NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (body && !text)
        return acsctl_fail(ACSCTL_FAILED, "out of memory");
    int rc = acsctl_nbi(a, method, path, text, &status, &j);
    free(text);
    if (rc != ACSCTL_OK)
        return rc;
    if (a->json || !row || !key) {
        if (j)
            acsctl_print_json(j);
    } else {
        size_t i;
        json_t *e;
        puts(head);
        json_array_foreach(json_object_get(j, key), i, e) row(e);
    }
    json_decref(j);
    return ACSCTL_OK;
}

/* "/api/v1/<what>/<escaped arg><tail>" into path. */
static int item_path(char *path, size_t n, const char *what, const char *arg, const char *tail)
{
    char *e = curl_easy_escape(NULL, arg, 0);
    if (!e)
        return -1;
    snprintf(path, n, "/api/v1/%s/%s%s", what, e, tail);
    curl_free(e);
    return 0;
}

static int set_int(json_t *o, const char *k, const char *v)
{
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (!*v || *end)
        return -1;
    json_object_set_new(o, k, json_integer(n));
    return 0;
}

static void provider_row(json_t *p)
{
    printf("%-20s %-12s %-28s %-5s %-9s %lld\n", acsctl_str_or(p, "name", ""), acsctl_str_or(p, "tenant", ""),
           acsctl_str_or(p, "registrarHost", ""), acsctl_str_or(p, "transport", ""), acsctl_str_or(p, "srtp", ""),
           (long long)json_integer_value(json_object_get(p, "maxSessionsPerLine")));
}

static int provider_add(struct acsctl *a, int argc, char **argv)
{
    static const char use[] =
        "provider add NAME --domain D --registrar HOST [--registrar-port N] [--proxy HOST] [--proxy-port N]\n"
        "       [--outbound-proxy HOST] [--outbound-proxy-port N] [--transport TLS|TCP|UDP]\n"
        "       [--allow-insecure-transport] [--srtp mandatory|optional|off] [--registration-period S]\n"
        "       [--max-sessions N] [--tenant T]";
    static const struct option opts[] = {{"domain", required_argument, NULL, 'd'},
                                         {"registrar", required_argument, NULL, 'r'},
                                         {"registrar-port", required_argument, NULL, 'R'},
                                         {"proxy", required_argument, NULL, 'p'},
                                         {"proxy-port", required_argument, NULL, 'P'},
                                         {"outbound-proxy", required_argument, NULL, 'o'},
                                         {"outbound-proxy-port", required_argument, NULL, 'O'},
                                         {"transport", required_argument, NULL, 't'},
                                         {"allow-insecure-transport", no_argument, NULL, 'i'},
                                         {"srtp", required_argument, NULL, 's'},
                                         {"registration-period", required_argument, NULL, 'e'},
                                         {"max-sessions", required_argument, NULL, 'm'},
                                         {"tenant", required_argument, NULL, 'T'},
                                         {0, 0, 0, 0}};
    json_t *o = json_object();
    int ch, bad = !o;
    optind = 0;
    while (!bad && (ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': json_object_set_new(o, "sipDomain", json_string(optarg)); break;
        case 'r': json_object_set_new(o, "registrarHost", json_string(optarg)); break;
        case 'p': json_object_set_new(o, "proxyHost", json_string(optarg)); break;
        case 'o': json_object_set_new(o, "outboundProxyHost", json_string(optarg)); break;
        case 't': json_object_set_new(o, "transport", json_string(optarg)); break;
        case 's': json_object_set_new(o, "srtp", json_string(optarg)); break;
        case 'T': json_object_set_new(o, "tenant", json_string(optarg)); break;
        case 'i': json_object_set_new(o, "allowInsecureTransport", json_true()); break;
        case 'R': bad = set_int(o, "registrarPort", optarg); break;
        case 'P': bad = set_int(o, "proxyPort", optarg); break;
        case 'O': bad = set_int(o, "outboundProxyPort", optarg); break;
        case 'e': bad = set_int(o, "registrationPeriod", optarg); break;
        case 'm': bad = set_int(o, "maxSessionsPerLine", optarg); break;
        default: bad = 1;
        }
    }
    if (bad || optind != argc - 1) {
        json_decref(o);
        return acsctl_usage(use, bad ? NULL : "one provider name is required");
    }
    json_object_set_new(o, "name", json_string(argv[optind]));
    int rc = call(a, "POST", "/api/v1/providers", o, NULL, NULL, NULL);
    json_decref(o);
    return rc;
}

static int cmd_provider(struct acsctl *a, int argc, char **argv)
{
    static const char use[] = "provider add|list|show NAME|remove NAME";
    char path[1024];
    if (argc < 2)
        return acsctl_usage(use, NULL);
    if (!strcmp(argv[1], "add"))
        return provider_add(a, argc - 1, argv + 1);
    if (!strcmp(argv[1], "list") && argc == 2)
        return call(a, "GET", "/api/v1/providers?limit=1000", NULL, "providers",
                    "NAME                 TENANT       REGISTRAR                    TRANS SRTP      MAXSESS",
                    provider_row);
    if ((!strcmp(argv[1], "show") || !strcmp(argv[1], "remove")) && argc == 3) {
        if (item_path(path, sizeof path, "providers", argv[2], "") < 0)
            return acsctl_fail(ACSCTL_FAILED, "out of memory");
        return call(a, strcmp(argv[1], "show") ? "DELETE" : "GET", path, NULL, NULL, NULL, NULL);
    }
    return acsctl_usage(use, NULL);
}

static void line_row(json_t *l)
{
    printf("%-16s %-36s %-3lld %-16s %-9s %s\n", acsctl_str_or(l, "e164", ""), acsctl_str_or(l, "device", ""),
           (long long)json_integer_value(json_object_get(l, "lineIndex")), acsctl_str_or(l, "provider", ""),
           acsctl_str_or(l, "state", ""), acsctl_str_or(l, "displayName", ""));
}

static int line_add(struct acsctl *a, int argc, char **argv)
{
    static const char use[] = "line add E164 --device ID --index N --provider P [--display-name S]\n"
                              "       [--max-sessions N] [--auth-user U]";
    static const struct option opts[] = {{"device", required_argument, NULL, 'd'},
                                         {"index", required_argument, NULL, 'i'},
                                         {"provider", required_argument, NULL, 'p'},
                                         {"display-name", required_argument, NULL, 'n'},
                                         {"max-sessions", required_argument, NULL, 'm'},
                                         {"auth-user", required_argument, NULL, 'u'},
                                         {0, 0, 0, 0}};
    json_t *o = json_object();
    int ch, bad = !o;
    optind = 0;
    while (!bad && (ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': json_object_set_new(o, "device", json_string(optarg)); break;
        case 'p': json_object_set_new(o, "provider", json_string(optarg)); break;
        case 'n': json_object_set_new(o, "displayName", json_string(optarg)); break;
        case 'u': json_object_set_new(o, "authUsername", json_string(optarg)); break;
        case 'i': bad = set_int(o, "lineIndex", optarg); break;
        case 'm': bad = set_int(o, "maxSessions", optarg); break;
        default: bad = 1;
        }
    }
    if (bad || optind != argc - 1) {
        json_decref(o);
        return acsctl_usage(use, bad ? NULL : "one E.164 number is required");
    }
    json_object_set_new(o, "e164", json_string(argv[optind]));
    int rc = call(a, "POST", "/api/v1/lines", o, NULL, NULL, NULL);
    json_decref(o);
    return rc;
}

static int line_import(struct acsctl *a, const char *file)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return acsctl_fail(ACSCTL_FAILED, "cannot read %s", file);
    char *b = malloc(IMPORT_MAX + 1);
    size_t n = b ? fread(b, 1, IMPORT_MAX + 1, f) : 0;
    fclose(f);
    if (!b || n > IMPORT_MAX || memchr(b, '\0', n)) {
        free(b);
        return acsctl_fail(ACSCTL_FAILED, "%s: over 1 MiB or not text", file);
    }
    b[n] = '\0';
    long status = 0;
    json_t *j = NULL;
    int rc = acsctl_nbi(a, "POST", "/api/v1/lines/import", b, &status, &j);
    free(b);
    if (rc == ACSCTL_OK)
        acsctl_print_json(j);
    json_decref(j);
    return rc;
}

int acsctl_cmd_line(struct acsctl *a, int argc, char **argv)
{
    static const char use[] = "line add|show E164|list [--prefix P]|remove E164|rotate-password E164|import FILE";
    char path[1024];
    if (argc < 2)
        return acsctl_usage(use, NULL);
    const char *sub = argv[1];
    if (!strcmp(sub, "add"))
        return line_add(a, argc - 1, argv + 1);
    if (!strcmp(sub, "import") && argc == 3)
        return line_import(a, argv[2]);
    if (!strcmp(sub, "list") && (argc == 2 || (argc == 4 && !strcmp(argv[2], "--prefix")))) {
        if (item_path(path, sizeof path, "lines", argc == 4 ? argv[3] : "", "") < 0)
            return acsctl_fail(ACSCTL_FAILED, "out of memory");
        char q[1100];
        snprintf(q, sizeof q, "/api/v1/lines?limit=1000&prefix=%s", path + strlen("/api/v1/lines/"));
        return call(a, "GET", q, NULL, "lines",
                    "E164             DEVICE                               IDX PROVIDER         STATE     NAME",
                    line_row);
    }
    if (argc != 3)
        return acsctl_usage(use, NULL);
    const char *method = !strcmp(sub, "show")              ? "GET"
                         : !strcmp(sub, "remove")          ? "DELETE"
                         : !strcmp(sub, "rotate-password") ? "POST"
                                                           : NULL;
    if (!method)
        return acsctl_usage(use, NULL);
    if (item_path(path, sizeof path, "lines", argv[2], strcmp(sub, "rotate-password") ? "" : "/rotate-password") < 0)
        return acsctl_fail(ACSCTL_FAILED, "out of memory");
    return call(a, method, path, NULL, NULL, NULL, NULL);
}

int acsctl_cmd_provider(struct acsctl *a, int argc, char **argv)
{
    return cmd_provider(a, argc, argv);
}
