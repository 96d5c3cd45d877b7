/* acs/cli/acsctl_task.c — acsctl task create|show and tasks: task args from --arg k=v /
 * k[]=v or a JSON file, creation with an optional connection request, polling with --wait. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "acsctl.h"

#define ACSCTL_MAX_ARGS_FILE (1024 * 1024)
#define ACSCTL_POLL_MS 200

int acsctl_arg_apply(json_t *args, const char *kv, const char **errmsg)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
        *errmsg = "--arg needs KEY=VALUE or KEY[]=VALUE";
        return -1;
    }
    size_t klen = (size_t)(eq - kv);
    int append = klen > 2 && !strncmp(eq - 2, "[]", 2);
    char key[128];
    if (append)
        klen -= 2;
    if (klen >= sizeof key) {
        *errmsg = "--arg key too long";
        return -1;
    }
    memcpy(key, kv, klen);
    key[klen] = '\0';
    /* a value that is JSON (number, true/false, array, object, "quoted") stays JSON */
    json_t *v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
    if (!v || json_is_null(v)) {
        json_decref(v);
        v = json_string(eq + 1);
    }
    if (!v) {
        *errmsg = "--arg value is not valid UTF-8";
        return -1;
    }
    if (!append)
        return json_object_set_new(args, key, v) == 0 ? 0 : -1;
    json_t *arr = json_object_get(args, key);
    if (!arr) {
        arr = json_array();
        json_object_set_new(args, key, arr);
    }
    if (!json_is_array(arr)) {
        json_decref(v);
        *errmsg = "--arg KEY[]= on a key already set to a non-array";
        return -1;
    }
    return json_array_append_new(arr, v) == 0 ? 0 : -1;
}

struct create_opts {
    json_t *args;
    int cr;
    const char *max_attempts, *expires_in;
};

static int parse_create(int argc, char **argv, struct create_opts *o, const char *use)
{
    static const struct option opts[] = {{"arg", required_argument, NULL, 'a'},
                                         {"json-args", required_argument, NULL, 'J'},
                                         {"json", required_argument, NULL, 'J'},
                                         {"cr", no_argument, NULL, 'r'},
                                         {"max-attempts", required_argument, NULL, 'm'},
                                         {"expires-in", required_argument, NULL, 'e'},
                                         {0, 0, 0, 0}};
    int ch;
    const char *err = NULL;
    json_error_t je;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'a':
            if (acsctl_arg_apply(o->args, optarg, &err) < 0)
                return acsctl_usage(use, err ? err : "bad --arg");
            break;
        case 'J': {
            json_t *f = json_load_file(optarg, JSON_REJECT_DUPLICATES, &je);
            if (!json_is_object(f)) {
                json_decref(f);
                return acsctl_fail(ACSCTL_FAILED, "%s: not a JSON object (%s)", optarg, f ? "wrong type" : je.text);
            }
            json_object_update(o->args, f);
            json_decref(f);
            break;
        }
        case 'r': o->cr = 1; break;
        case 'm': o->max_attempts = optarg; break;
        case 'e': o->expires_in = optarg; break;
        default: return acsctl_usage(use, NULL);
        }
    }
    return optind == argc - 2 ? ACSCTL_OK : acsctl_usage(use, "a device id and a task kind are required");
}

/* A number option into the request object (the NBI checks the range). */
static int set_number(json_t *req, const char *key, const char *s, const char *use)
{
    char *end = NULL;
    if (!s)
        return ACSCTL_OK;
    long v = strtol(s, &end, 10);
    if (!*s || *end)
        return acsctl_usage(use, "--max-attempts and --expires-in take numbers");
    json_object_set_new(req, key, json_integer(v));
    return ACSCTL_OK;
}

/* The connection request's outcome, one line on stderr: "sent (HTTP 204)", "unreachable: Couldn't
 * connect to server", "refused (HTTP 401): HTTP 401", "busy (HTTP 503), retrying", "not_sent: why". */
static void print_cr(json_t *cr)
{
    const char *outcome = json_string_value(json_object_get(cr, "outcome"));
    const char *detail = json_string_value(json_object_get(cr, "detail"));
    json_int_t http = json_integer_value(json_object_get(cr, "httpStatus"));
    if (!outcome)
        return;
    fprintf(stderr, "acsctl: connection request: %s", outcome);
    if (http > 0)
        fprintf(stderr, " (HTTP %lld)", (long long)http);
    if (detail && *detail && !(http > 0 && !strncmp(detail, "HTTP ", 5)))
        fprintf(stderr, ": %s", detail);
    fprintf(stderr, "%s\n", json_is_true(json_object_get(cr, "retrying")) ? ", retrying" : "");
}

static int task_create(struct acsctl *a, int argc, char **argv)
{
    static const char use[] = "task create ID KIND [--arg k=v | --arg k[]=v ...] [--json-args FILE] [--cr] "
                              "[--max-attempts N] [--expires-in SECONDS]";
    struct create_opts o = {.args = json_object()};
    json_t *req = json_object(), *ans = NULL;
    char *id = NULL, *body = NULL, path[1024];
    long status = 0;
    int rc = parse_create(argc, argv, &o, use);
    if (rc == ACSCTL_OK)
        rc = set_number(req, "maxAttempts", o.max_attempts, use);
    if (rc == ACSCTL_OK)
        rc = set_number(req, "expiresIn", o.expires_in, use);
    if (rc != ACSCTL_OK)
        goto out;
    json_object_set_new(req, "kind", json_string(argv[optind + 1]));
    json_object_set(req, "args", o.args);
    json_object_set_new(req, "connectionRequest", json_boolean(o.cr));
    id = curl_easy_escape(NULL, argv[optind], 0);
    body = json_dumps(req, JSON_COMPACT);
    if (!id || !body) {
        rc = acsctl_fail(ACSCTL_FAILED, "out of memory");
        goto out;
    }
    snprintf(path, sizeof path, "/api/v1/devices/%s/tasks", id);
    if ((rc = acsctl_nbi(a, "POST", path, body, &status, &ans)) != ACSCTL_OK)
        goto out;
    if (a->json) {
        json_dumpf(ans, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        printf("%lld\n", (long long)json_integer_value(json_object_get(ans, "id")));
        print_cr(json_object_get(ans, "connectionRequest"));
    }
out:
    curl_free(id);
    free(body);
    json_decref(ans);
    json_decref(req);
    json_decref(o.args);
    return rc;
}

static int finished(const char *state)
{
    return state && (!strcmp(state, "done") || !strcmp(state, "fault") || !strcmp(state, "expired") ||
                     !strcmp(state, "cancelled"));
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int task_show(struct acsctl *a, int argc, char **argv)
{
    static const char use[] = "task show N [--wait SECONDS]";
    static const struct option opts[] = {{"wait", required_argument, NULL, 'w'}, {0, 0, 0, 0}};
    long wait_s = 0;
    int ch;
    char *end = NULL, path[128];
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch != 'w' || (wait_s = strtol(optarg, &end, 10)) < 0 || wait_s > 86400 || *end)
            return acsctl_usage(use, "--wait takes 0..86400 seconds");
    }
    if (optind != argc - 1 || strtol(argv[optind], &end, 10) <= 0 || *end)
        return acsctl_usage(use, "a task number is required");
    snprintf(path, sizeof path, "/api/v1/tasks/%s", argv[optind]);
    double until = now_s() + (double)wait_s;
    json_t *t = NULL;
    long status = 0;
    int rc;
    for (;;) {
        if ((rc = acsctl_nbi(a, "GET", path, NULL, &status, &t)) != ACSCTL_OK)
            return rc;
        const char *state = json_string_value(json_object_get(t, "state"));
        if (!wait_s || finished(state) || now_s() >= until)
            break;
        json_decref(t);
        struct timespec ts = {0, ACSCTL_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    json_dumpf(t, stdout, JSON_INDENT(2));
    putchar('\n');
    const char *state = json_string_value(json_object_get(t, "state"));
    if (wait_s && !finished(state))
        rc = acsctl_fail(ACSCTL_FAILED, "task still %s after %ld s", state ? state : "?", wait_s);
    else if (wait_s && strcmp(state, "done"))
        rc = acsctl_fail(ACSCTL_FAILED, "task ended %s", state);
    json_decref(t);
    return rc;
}

static void task_row(json_t *t)
{
    const char *s = json_string_value(json_object_get(t, "state"));
    json_t *fc = json_object_get(t, "faultCode");
    printf("%-8lld %-24s %-9s %-34s %s\n", (long long)json_integer_value(json_object_get(t, "id")),
           json_string_value(json_object_get(t, "kind")), s ? s : "",
           json_string_value(json_object_get(t, "createdAt")) ? json_string_value(json_object_get(t, "createdAt")) : "",
           json_is_integer(fc) ? "fault" : "");
}

static int tasks_list(struct acsctl *a, int argc, char **argv)
{
    static const char use[] = "tasks ID [--state S]";
    static const struct option opts[] = {{"state", required_argument, NULL, 's'}, {0, 0, 0, 0}};
    const char *state = "";
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch != 's')
            return acsctl_usage(use, NULL);
        state = optarg;
    }
    if (optind != argc - 1)
        return acsctl_usage(use, "one device id is required");
    char *id = curl_easy_escape(NULL, argv[optind], 0), *st = curl_easy_escape(NULL, state, 0), path[1024];
    long status = 0;
    json_t *j = NULL;
    int rc = ACSCTL_FAILED;
    if (id && st) {
        snprintf(path, sizeof path, "/api/v1/devices/%s/tasks?state=%s", id, st);
        rc = acsctl_nbi(a, "GET", path, NULL, &status, &j);
    }
    curl_free(id);
    curl_free(st);
    if (rc != ACSCTL_OK)
        return rc;
    size_t i;
    json_t *t;
    if (a->json) {
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        printf("%-8s %-24s %-9s %-34s\n", "ID", "KIND", "STATE", "CREATED");
        json_array_foreach(json_object_get(j, "tasks"), i, t) task_row(t);
    }
    json_decref(j);
    return ACSCTL_OK;
}

int acsctl_cmd_task(struct acsctl *a, int argc, char **argv)
{
    if (!strcmp(argv[0], "tasks"))
        return tasks_list(a, argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "create"))
        return task_create(a, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "show"))
        return task_show(a, argc - 1, argv + 1);
    return acsctl_usage("task create|show ...", NULL);
}
