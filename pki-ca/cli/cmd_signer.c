/* pki-ca/cli/cmd_signer.c — acs-ca sign-serve: the EST handlers behind a unix socket, so that
 * acsd (internet-facing) forwards enrollments here and never holds a CA key (ca_signer.h).
 * [signer] threads workers, each with its own database connection (the CA's role) and ca_ctx,
 * accept on one listening socket; one connection carries one request. The root key is never
 * opened here (CA_KEYS_ISSUERS). Access is the socket's file mode (0660: the signer's group). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ca_est.h"
#include "ca_signer.h"
#include "ca_util.h"
#include "cli.h"
#include "daemon.h"
#include "log.h"

#define SIGNER_READ_TIMEOUT_MS 5000 /* a client that does not send its request in time is dropped */
#define SIGNER_POLL_MS 500          /* how often an idle worker looks at the stop flag */
#define SIGNER_MAX_THREADS 64

struct signer {
    const struct cfg *cfg;
    int listen_fd;
    atomic_int stop;
};

/* The refusal callback of a forwarded request: acsd aggregates it, we only note the reason. */
static void note_refusal(void *arg, const char *remote, const char *reason)
{
    (void)remote;
    *(const char **)arg = reason;
}

static void serve_one(struct ca_ctx *ca, int fd)
{
    unsigned char *in = NULL, *out = NULL;
    size_t in_len = 0, out_len = 0;
    char *err = NULL;
    int64_t deadline = ca_signer_now_ms() + SIGNER_READ_TIMEOUT_MS;
    int rc = ca_signer_read_frame(fd, CA_SIGNER_MAX_FRAME, &in, &in_len, deadline);
    if (rc < 0) {
        log_info("signer", "event=signer_refused reason=%s",
                 rc == -ERR_TIMEOUT ? "timeout" : rc == -ERR_TOO_BIG ? "too_big" : "read_failed");
        return;
    }
    struct ca_signer_request req;
    struct ca_est_response resp = {0};
    const char *refused = NULL;
    if ((rc = ca_signer_decode_request(in, in_len, &req, &err)) < 0) {
        char q[300];
        log_warn("signer", "event=signer_refused reason=malformed msg=%s", log_quote(q, sizeof q, err));
        goto out;
    }
    if (req.aggregate) {
        req.est.refused = note_refusal;
        req.est.refused_arg = &refused;
    }
    ca_est_handle(ca, &req.est, &resp);
    if (ca_signer_encode_answer(&resp, refused, &out, &out_len) < 0)
        log_err("signer", "event=signer_answer_failed status=%d reason=encode", resp.status);
    else if (ca_signer_write_frame(fd, out, out_len, ca_signer_now_ms() + SIGNER_READ_TIMEOUT_MS) < 0)
        log_info("signer", "event=signer_answer_failed status=%d reason=client_gone", resp.status);
out:
    ca_est_response_cleanup(&resp);
    OPENSSL_cleanse(in, in_len); /* it carried the Authorization header */
    free(in);
    free(out);
    free(err);
}

static void *worker(void *arg)
{
    struct signer *s = arg;
    char *err = NULL, q[300];
    struct db *db = db_connect_cfg(s->cfg, &err);
    struct ca_ctx *ca = db ? ca_new(s->cfg, db, "signer") : NULL;
    if (!ca) {
        log_err("signer", "event=worker_failed msg=%s", log_quote(q, sizeof q, err ? err : "out of memory"));
        free(err);
        db_free(db);
        return NULL;
    }
    ca_set_key_policy(ca, CA_KEYS_ISSUERS);
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
        if (poll(&p, 1, SIGNER_POLL_MS) <= 0)
            continue;
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue; /* another worker took it, or the client went away */
        serve_one(ca, fd);
        close(fd);
    }
    ca_free(ca);
    db_free(db);
    return NULL;
}

/* Bind the socket, mode 0660. A stale socket file (nobody answers) is replaced; a live one or
 * any other file is left alone and refused. */
static int listen_unix(const char *path, char **errmsg)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (!*path || strlen(path) >= sizeof a.sun_path)
        return err_fail(errmsg, -ERR_CONFIG, "[signer] socket: empty or longer than %zu bytes", sizeof a.sun_path - 1);
    memcpy(a.sun_path, path, strlen(path) + 1);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return err_fail(errmsg, -ERR_EXIST, "%s exists and is not a socket", path);
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int live = probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof a) == 0;
        if (probe >= 0)
            close(probe);
        if (live)
            return err_fail(errmsg, -ERR_EXIST, "another signer answers on %s", path);
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return err_fail(errmsg, -ERR_IO, "socket: %s", strerror(errno));
    mode_t old = umask(0117); /* the socket is born 0660: no window with a wider mode */
    int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (rc < 0 || listen(fd, 128) < 0) {
        int e = errno;
        close(fd);
        return err_fail(errmsg, -ERR_IO, "cannot listen on %s: %s", path, strerror(e));
    }
    return fd;
}

int cmd_sign_serve(struct cli *c, int argc, char **argv)
{
    static const char use[] = "sign-serve [--socket PATH]";
    static const struct option opts[] = {{"socket", required_argument, NULL, 's'}, {0, 0, 0, 0}};
    const char *path = cfg_str(c->cfg, "signer", "socket");
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch != 's')
            return cli_usage(use, NULL);
        path = optarg;
    }
    if (optind != argc)
        return cli_usage(use, NULL);
    struct signer s = {.cfg = c->cfg, .listen_fd = -1};
    pthread_t threads[SIGNER_MAX_THREADS];
    int nthreads = (int)cfg_int(c->cfg, "signer", "threads"), started = 0, rc;
    char *err = NULL;
    sigset_t stop;
    daemon_block_stop_signals(&stop); /* before the threads: they inherit the mask */
    /* fail now, not at the first device: the default issuer's key must decrypt, the root's stays shut */
    struct ca_ctx *probe = ca_new(c->cfg, c->db, "signer");
    rc = -ERR_NOMEM;
    if (!probe)
        goto out;
    ca_set_key_policy(probe, CA_KEYS_ISSUERS);
    rc = ca_authority_get(probe, NULL, 1, &err) ? 0 : -ERR_AUTH;
    ca_free(probe);
    if (rc < 0 || (rc = s.listen_fd = listen_unix(path, &err)) < 0)
        goto out;
    for (; started < nthreads && started < SIGNER_MAX_THREADS; started++)
        if (pthread_create(&threads[started], NULL, worker, &s) != 0)
            break;
    if (started == 0) {
        rc = err_fail(&err, -ERR_NOMEM, "cannot start a worker thread");
        goto out;
    }
    char q[300];
    fprintf(stderr, "acs-ca: sign-serve listening on %s\n", path);
    log_info("signer", "event=signer_listen socket=%s threads=%d", log_quote(q, sizeof q, path), started);
    int sig = daemon_wait_stop(&stop);
    log_info("signer", "event=signer_stop signal=%d", sig);
    rc = 0;
out:
    atomic_store(&s.stop, 1);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    if (s.listen_fd >= 0) {
        close(s.listen_fd);
        unlink(path);
    }
    return rc < 0 ? cli_fail_free(rc, err) : CLI_OK;
}
