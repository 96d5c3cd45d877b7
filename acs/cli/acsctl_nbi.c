/* acs/cli/acsctl_nbi.c — acsctl commands over the NBI (libcurl, OpenSSL flavour): devices,
 * device, task create/show, tasks, faults, sessions. The bearer token is read from the
 * environment or a file and wiped after use; it never appears in argv or in any output. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "acsctl.h"
#include "buf.h"

#define ACSCTL_MAX_ANSWER (16 * 1024 * 1024)
#define ACSCTL_MAX_TOKEN 256
#define ACSCTL_MAX_ARGS_FILE (1024 * 1024)

/* The token from $ACS_TOKEN or the token file, into tok (n bytes). Exit code. */
static int read_token(struct acsctl *a, char *tok, size_t n)
{
    const char *env = getenv("ACS_TOKEN");
    tok[0] = '\0';
    if (env && *env) {
        snprintf(tok, n, "%s", env);
    } else if (a->token_file) {
        FILE *f = fopen(a->token_file, "r");
        if (!f)
            return acsctl_fail(ACSCTL_CONFIG, "cannot read the token file %s", a->token_file);
        if (!fgets(tok, (int)n, f))
            tok[0] = '\0';
        fclose(f);
    } else {
        return acsctl_fail(ACSCTL_CONFIG, "no API token: set ACS_TOKEN or ACS_TOKEN_FILE, or use --token-file");
    }
    tok[strcspn(tok, "\r\n \t")] = '\0';
    if (!tok[0])
        return acsctl_fail(ACSCTL_CONFIG, "the API token is empty");
    return ACSCTL_OK;
}

static size_t collect(char *p, size_t size, size_t nmemb, void *arg)
{
    return buf_append(arg, p, size * nmemb) < 0 ? 0 : size * nmemb;
}

/* Print the NBI's {"error"} for an HTTP error status. */
static int http_error(long status, const struct buf *b)
{
    json_t *j = b->data ? json_loadb(b->data, b->len, 0, NULL) : NULL;
    const char *msg = json_string_value(json_object_get(j, "error"));
    const char *field = json_string_value(json_object_get(j, "field"));
    int rc = acsctl_fail(ACSCTL_FAILED, "NBI answered %ld: %s%s%s%s", status, msg ? msg : "(no error message)",
                         field ? " (field " : "", field ? field : "", field ? ")" : "");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(j, "errors"), i, e) /* a refused import: every row's error */
        fprintf(stderr, "acsctl: row %lld: %s%s%s\n", (long long)json_integer_value(json_object_get(e, "row")),
                json_string_value(json_object_get(e, "field")) ? json_string_value(json_object_get(e, "field")) : "",
                json_string_value(json_object_get(e, "field")) ? ": " : "",
                json_string_value(json_object_get(e, "error")) ? json_string_value(json_object_get(e, "error")) : "");
    json_decref(j);
    return rc;
}

static struct curl_slist *headers(const char *tok, int has_body)
{
    char h[ACSCTL_MAX_TOKEN + 32];
    snprintf(h, sizeof h, "Authorization: Bearer %s", tok);
    struct curl_slist *l = curl_slist_append(NULL, h);
    OPENSSL_cleanse(h, sizeof h);
    if (l && has_body)
        l = curl_slist_append(l, "Content-Type: application/json");
    return l;
}

static void setup(CURL *h, struct acsctl *a, const char *method, const char *url, const char *body,
                  struct curl_slist *hdrs, struct buf *answer)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_CAPATH, NULL); /* FACTS.md: Debian's default CA path disables the cache */
    if (a->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, a->cacert);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, answer);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "acsctl");
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
}

int acsctl_nbi(struct acsctl *a, const char *method, const char *path, const char *body, long *status, json_t **out)
{
    char tok[ACSCTL_MAX_TOKEN], url[2048];
    int rc = read_token(a, tok, sizeof tok);
    *out = NULL;
    if (rc != ACSCTL_OK)
        return rc;
    snprintf(url, sizeof url, "%s%s", a->url, path);
    struct buf answer;
    buf_init(&answer, ACSCTL_MAX_ANSWER);
    struct curl_slist *hdrs = headers(tok, body != NULL);
    OPENSSL_cleanse(tok, sizeof tok);
    CURL *h = curl_easy_init();
    if (!h || !hdrs) {
        rc = acsctl_fail(ACSCTL_FAILED, "out of memory");
        goto out;
    }
    setup(h, a, method, url, body, hdrs, &answer);
    CURLcode cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    if (cc != CURLE_OK) {
        rc = acsctl_fail(cc == CURLE_WRITE_ERROR ? ACSCTL_FAILED : ACSCTL_UNREACHABLE, "%s: %s", a->url,
                         curl_easy_strerror(cc));
    } else if (*status >= 400) {
        rc = http_error(*status, &answer);
    } else if (answer.len && !(*out = json_loadb(answer.data, answer.len, 0, NULL))) {
        rc = acsctl_fail(ACSCTL_FAILED, "the NBI's answer is not JSON");
    }
out:
    if (hdrs) /* the list holds the token: wipe it before freeing */
        for (struct curl_slist *l = hdrs; l; l = l->next)
            OPENSSL_cleanse(l->data, strlen(l->data));
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    buf_cleanup(&answer);
    return rc;
}

/* path segment, percent-encoded (malloc'd) */
static char *esc(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    char *copy = e ? strdup(e) : NULL;
    curl_free(e);
    return copy;
}

void acsctl_print_json(json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2));
    putchar('\n');
}

const char *acsctl_str_or(json_t *o, const char *k, const char *def)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : def;
}

/* GET path and print it: as JSON, or with row() per element of key. */
static int get_list(struct acsctl *a, const char *path, const char *key, const char *head, void (*row)(json_t *))
{
    long status = 0;
    json_t *j = NULL;
    int rc = acsctl_nbi(a, "GET", path, NULL, &status, &j);
    if (rc != ACSCTL_OK)
        return rc;
    if (a->json || !row) {
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

static void device_row(json_t *d)
{
    printf("%-40s %-16s %-34s %s\n", acsctl_str_or(d, "deviceId", ""), acsctl_str_or(d, "softwareVersion", ""),
           acsctl_str_or(d, "lastInform", "never"), json_is_true(json_object_get(d, "online")) ? "yes" : "no");
}

int acsctl_cmd_devices(struct acsctl *a, int argc, char **argv)
{
    static const char use[] = "devices [--prefix P] [--limit N] [--offset N]";
    static const struct option opts[] = {{"prefix", required_argument, NULL, 'p'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"offset", required_argument, NULL, 'o'},
                                         {0, 0, 0, 0}};
    const char *prefix = "", *limit = "100", *offset = "0";
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'p': prefix = optarg; break;
        case 'l': limit = optarg; break;
        case 'o': offset = optarg; break;
        default: return acsctl_usage(use, NULL);
        }
    }
    if (optind != argc)
        return acsctl_usage(use, NULL);
    char *p = esc(prefix), *l = esc(limit), *o = esc(offset), path[1024];
    int rc = ACSCTL_FAILED;
    if (p && l && o) {
        snprintf(path, sizeof path, "/api/v1/devices?prefix=%s&limit=%s&offset=%s", p, l, o);
        rc = get_list(a, path, "devices",
                      "DEVICE                                   SOFTWARE         LAST INFORM"
                      "                        ONLINE",
                      device_row);
    }
    free(p), free(l), free(o);
    return rc;
}

int acsctl_cmd_device(struct acsctl *a, int argc, char **argv)
{
    static const char use[] = "device ID [--params PREFIX]";
    static const struct option opts[] = {{"params", required_argument, NULL, 'p'}, {0, 0, 0, 0}};
    const char *params = "";
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch != 'p')
            return acsctl_usage(use, NULL);
        params = optarg;
    }
    if (optind != argc - 1)
        return acsctl_usage(use, "one device id is required");
    char *id = esc(argv[optind]), *pp = esc(params), path[1024];
    int rc = ACSCTL_FAILED;
    if (id && pp) {
        snprintf(path, sizeof path, "/api/v1/devices/%s?params=%s", id, pp);
        rc = get_list(a, path, NULL, NULL, NULL);
    }
    free(id), free(pp);
    return rc;
}

static void fault_row(json_t *f)
{
    char task[24] = "-";
    json_t *t = json_object_get(f, "taskId");
    if (json_is_integer(t))
        snprintf(task, sizeof task, "%lld", (long long)json_integer_value(t));
    printf("%-34s %-5lld %-8s %s\n", acsctl_str_or(f, "at", ""), (long long)json_integer_value(json_object_get(f, "code")), task,
           acsctl_str_or(f, "string", ""));
}

static void session_row(json_t *s)
{
    printf("%-34s %-14s %-4lld %s\n", acsctl_str_or(s, "startedAt", ""), acsctl_str_or(s, "auth", ""),
           (long long)json_integer_value(json_object_get(s, "rpcs")), acsctl_str_or(s, "result", ""));
}

static int device_sub(struct acsctl *a, int argc, char **argv, const char *what, void (*row)(json_t *),
                      const char *head)
{
    char use[64], path[1024];
    snprintf(use, sizeof use, "%s ID", what);
    if (argc != 2)
        return acsctl_usage(use, "one device id is required");
    char *id = esc(argv[1]);
    if (!id)
        return acsctl_fail(ACSCTL_FAILED, "out of memory");
    snprintf(path, sizeof path, "/api/v1/devices/%s/%s", id, what);
    free(id);
    return get_list(a, path, what, head, row);
}

int acsctl_cmd_faults(struct acsctl *a, int argc, char **argv)
{
    return device_sub(a, argc, argv, "faults", fault_row, "AT                                 CODE  TASK     STRING");
}

int acsctl_cmd_sessions(struct acsctl *a, int argc, char **argv)
{
    return device_sub(a, argc, argv, "sessions", session_row,
                      "STARTED                            AUTH           RPCS RESULT");
}
