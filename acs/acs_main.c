/* acs/acs_main.c — acsd: the CWMP server. Foreground, logs to stderr, configuration from
 * an INI file shared with acs-ca; SIGTERM/SIGINT stop it cleanly (exit 0). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "daemon.h"
#include "acs_cfg.h"
#include "acs_cr_policy.h"
#include "acs_ctx.h"
#include "acs_http.h"
#include "acs_nbi.h"
#include "acs_retention.h"
#include "log.h"
#include "secret.h"

#define DEFAULT_CONFIG "/etc/acs/acs.ini"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_CONFIG = 3, EXIT_DB = 4 };

static void usage(FILE *out)
{
    fprintf(out, "usage: acsd [-c CONFIG] [-v|-q] [--ports-file FILE]\n"
                 "            [--check-config | --config-doc | --config-sample | --prune-now]\n\n"
                 "Runs the CWMP server in the foreground (logs on stderr; SIGTERM stops it).\n"
                 "Configuration: -c FILE, else $ACS_CONFIG, else " DEFAULT_CONFIG " if it exists.\n"
                 "  --ports-file F   once listening, write \"cwmp=PORT\", \"nbi=PORT\" (0: off) and\n"
                 "                   \"pid=PID\" lines to F (atomically, by rename); removed at exit\n"
                 "  --check-config   validate the configuration, print it (secrets hidden) and exit\n"
                 "  --prune-now      run one [retention] pass over the database and exit\n"
                 "  --config-doc     print the configuration reference (Markdown, docs/config.md)\n"
                 "  --config-sample  print a sample configuration file (etc/acs.ini.sample)\n"
                 "exit codes: 0 ok, 1 failed, 2 usage, 3 configuration, 4 database\n");
}

static int fail(int code, char *msg)
{
    fprintf(stderr, "acsd: error: %s\n", msg && *msg ? msg : "failed");
    free(msg);
    return code;
}

static int load_config(struct cfg **out, const char *path, struct acs_limits *lim)
{
    char *err = NULL;
    struct cfg *c = cfg_new(acs_all_schemas);
    if (!c)
        return fail(EXIT_FAILED, strdup("out of memory"));
    *out = c;
    if (!path)
        path = getenv("ACS_CONFIG");
    if (!path && access(DEFAULT_CONFIG, F_OK) == 0)
        path = DEFAULT_CONFIG;
    if ((path && cfg_load_file(c, path, &err) < 0) || cfg_finish(c, &err) < 0 || acs_limits_load(c, lim, &err) < 0)
        return fail(EXIT_CONFIG, err);
    struct acs_cr_policy *crp = acs_cr_policy_from_cfg(c, &err); /* [cr] ranges: --check-config reports them */
    if (!crp)
        return fail(EXIT_CONFIG, err);
    acs_cr_policy_free(crp);
    int level = log_level_parse(cfg_str(c, "log", "level"));
    if (level < 0)
        return fail(EXIT_CONFIG, strdup("[log] level must be error, warning, info or debug"));
    if (log_get_level() == LOG_INFO)
        log_set_level(level);
    return EXIT_OK;
}

/* The bound ports to path, atomically: a temporary file in the same directory renamed over
 * it, so whoever waits for path reads this process's ports, complete, never a predecessor's
 * (with port = 0 the log is no safe place to learn them: a log is truncated by the shell
 * that starts acsd, maybe after the reader looked). */
static int write_ports_file(const char *path, int cwmp, int nbi, char **errmsg)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return err_fail(errmsg, -ERR_INVAL, "--ports-file name too long");
    FILE *f = fopen(tmp, "w");
    if (!f)
        return err_fail(errmsg, -ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    int ok = fprintf(f, "cwmp=%d\nnbi=%d\npid=%ld\n", cwmp, nbi, (long)getpid()) > 0;
    if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return err_fail(errmsg, -ERR_IO, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

static int run(const struct cfg *cfg, const char *ports_file)
{
    char *err = NULL;
    sigset_t stop;
    daemon_block_stop_signals(&stop);
    /* libcurl (connection requests) must be set up once, before any thread uses it */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return fail(EXIT_FAILED, strdup("cannot initialise libcurl"));
    struct acs_ctx *ctx = acs_ctx_new(cfg, &err);
    if (!ctx) {
        curl_global_cleanup();
        return fail(err && strstr(err, "database") ? EXIT_DB : EXIT_CONFIG, err);
    }
    int rc = acs_ctx_start(ctx, &err);
    if (rc < 0) {
        acs_ctx_free(ctx);
        curl_global_cleanup();
        return fail(rc == -ERR_DB ? EXIT_DB : EXIT_FAILED, err);
    }
    int port = acs_http_port(ctx->http);
    const char *addr = ctx->lim.listen_address;
    fprintf(stderr, strchr(addr, ':') ? "acsd: listening on [%s]:%d\n" : "acsd: listening on %s:%d\n", addr, port);
    if (ctx->nbi)
        fprintf(stderr, "acsd: nbi listening on %s:%d\n", cfg_str(cfg, "nbi", "listen_address"), acs_nbi_port(ctx));
    char qnode[200];
    log_info("acs", "event=listen address=%s port=%d threads=%d event_loop=%s node=%s", addr, port,
             ctx->lim.threads, ctx->lim.loop == ACS_LOOP_EPOLL ? "epoll" : "poll",
             log_quote(qnode, sizeof qnode, ctx->node));
    if (ports_file && write_ports_file(ports_file, port, ctx->nbi ? acs_nbi_port(ctx) : 0, &err) < 0) {
        acs_ctx_stop(ctx);
        acs_ctx_free(ctx);
        curl_global_cleanup();
        return fail(EXIT_FAILED, err);
    }
    int sig = daemon_wait_stop(&stop);
    log_info("acs", "event=stopping signal=%d grace_s=%d", sig, ctx->lim.shutdown_grace);
    if (ports_file)
        unlink(ports_file); /* no stale ports for the next reader */
    acs_ctx_stop(ctx);
    acs_ctx_free(ctx);
    curl_global_cleanup();
    return EXIT_OK;
}

/* One retention run with a connection of its own, for operators and tests. */
static int prune_now(const struct cfg *cfg)
{
    char *err = NULL;
    struct db *db = db_connect_cfg(cfg, &err);
    if (!db)
        return fail(EXIT_DB, err);
    struct acs_retention r;
    acs_retention_init(&r, cfg, time(NULL), 1);
    int rc = acs_retention_run(&r, db);
    db_free(db);
    return rc < 0 ? EXIT_DB : EXIT_OK;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *ports_file = NULL;
    int mode = 0, opt;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"check-config", no_argument, NULL, 'C'},
                                         {"config-doc", no_argument, NULL, 'D'},
                                         {"config-sample", no_argument, NULL, 'S'},
                                         {"ports-file", required_argument, NULL, 'P'},
                                         {"prune-now", no_argument, NULL, 'R'},
                                         {0, 0, 0, 0}};
    secret_json_wipe_on_free(); /* parsed JSON (NBI bodies, task args) may hold a password */
    while ((opt = getopt_long(argc, argv, "c:vqh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 'P': ports_file = optarg; break;
        case 'v': log_set_level(LOG_DEBUG); break;
        case 'q': log_set_level(LOG_ERR); break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'C': case 'D': case 'S': case 'R': mode = opt; break;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (mode == 'D' || mode == 'S') {
        (mode == 'D' ? cfg_write_doc : cfg_write_sample)(stdout, acs_all_schemas);
        return EXIT_OK;
    }
    struct cfg *cfg = NULL;
    struct acs_limits lim;
    int rc = load_config(&cfg, config, &lim);
    if (rc == EXIT_OK && mode == 'C') {
        cfg_dump(stdout, cfg);
        fprintf(stderr, "acsd: configuration ok\n");
    } else if (rc == EXIT_OK && mode == 'R') {
        rc = prune_now(cfg);
    } else if (rc == EXIT_OK) {
        rc = run(cfg, ports_file);
    }
    cfg_free(cfg);
    return rc;
}
