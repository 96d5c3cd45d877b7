/* acs/cr/acs_cr.c — connection requests with libcurl; worker pool with retries.
 * Locking: pool->mu guards the queue and the stop flag; workers wait on pool->cv. */
#include "acs_cr.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "log.h"

static const char *const status_names[] = {"ok",         "auth failed",       "busy",
                                           "timeout",    "unreachable",       "bad url",
                                           "http error", "refused by policy", "internal error"};
static const char *const status_keys[] = {"ok",      "auth_failed", "busy",           "timeout", "unreachable",
                                          "bad_url", "http_error",  "policy_refused", "internal"};
_Static_assert(sizeof status_keys / sizeof status_keys[0] == ACS_CR_INTERNAL + 1, "status keys");
_Static_assert(sizeof status_names / sizeof status_names[0] == ACS_CR_INTERNAL + 1, "status names");

const char *acs_cr_status_str(enum acs_cr_status s)
{
    return (size_t)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "unknown";
}

const char *acs_cr_status_name(enum acs_cr_status s)
{
    return (size_t)s < sizeof status_keys / sizeof status_keys[0] ? status_keys[s] : "unknown";
}

int acs_cr_url_check(const char *url, char **errmsg)
{
    if (!url || !*url || strlen(url) > ACS_CR_URL_MAX)
        return err_fail(errmsg, -ERR_INVAL, "%s", "ConnectionRequestURL empty or too long");
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL;
    int rc = 0;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        rc = err_fail(errmsg, -ERR_INVAL, "%s", "ConnectionRequestURL is not a URL");
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
             (strcasecmp(scheme, "http") && strcasecmp(scheme, "https")))
        rc = err_fail(errmsg, -ERR_INVAL, "%s", "ConnectionRequestURL must be http or https");
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
        rc = err_fail(errmsg, -ERR_INVAL, "%s", "ConnectionRequestURL has no host");
    else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
        rc = err_fail(errmsg, -ERR_INVAL, "%s", "ConnectionRequestURL must not carry credentials");
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_url_cleanup(u);
    return rc;
}

int acs_cr_credentials_new(char *user, char *pass)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    unsigned char raw[2 * ACS_CR_CRED_LEN];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return -ERR_CRYPTO;
    for (int i = 0; i < ACS_CR_CRED_LEN; i++) {
        user[i] = alphabet[raw[i] & 63];
        pass[i] = alphabet[raw[ACS_CR_CRED_LEN + i] & 63];
    }
    user[ACS_CR_CRED_LEN] = pass[ACS_CR_CRED_LEN] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

/* Resolve and check url once; on success t->connect_to pins the connection. 0 to go on, else
 * out is final (BAD_URL, REFUSED or UNREACHABLE). */
static int vet(const struct acs_cr_policy *policy, const char *url, struct acs_cr_target *t, struct acs_cr_result *out)
{
    char *why = NULL;
    int rc = acs_cr_policy_resolve(policy, url, t, &why);
    out->verdict = t->verdict;
    snprintf(out->addr, sizeof out->addr, "%s", t->addr);
    if (rc == 0)
        return 0;
    out->status = rc == -ERR_INVAL ? ACS_CR_BAD_URL : rc == -ERR_NOENT ? ACS_CR_UNREACHABLE : ACS_CR_REFUSED;
    snprintf(out->detail, sizeof out->detail, "%s", why ? why : "refused");
    free(why);
    return rc;
}

int acs_cr_send(const struct acs_cr_policy *policy, const char *url, const char *user, const char *pass,
                long timeout_ms, struct acs_cr_result *out)
{
    memset(out, 0, sizeof out[0]);
    out->attempts = 1;
    struct acs_cr_target t;
    int rc = vet(policy, url, &t, out);
    if (rc < 0)
        return rc;
    CURL *h = curl_easy_init();
    struct curl_slist *pin = curl_slist_append(NULL, t.connect_to);
    if (!h || !pin) {
        curl_easy_cleanup(h);
        curl_slist_free_all(pin);
        out->status = ACS_CR_INTERNAL;
        return -ERR_NOMEM;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CONNECT_TO, pin); /* only the checked address, whatever DNS says now */
    curl_easy_setopt(h, CURLOPT_PROXY, "");       /* no proxy from the environment: it would go elsewhere */
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_DIGEST);
    curl_easy_setopt(h, CURLOPT_USERNAME, user ? user : "");
    curl_easy_setopt(h, CURLOPT_PASSWORD, pass ? pass : "");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect would bypass the check */
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE, 65536L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_CAPATH, NULL); /* FACTS.md: Debian's default CA path disables the cache */
    curl_easy_setopt(h, CURLOPT_USERAGENT, "acsd");
    CURLcode cc = curl_easy_perform(h);
    char *ip = NULL;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->http_code);
    curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip);
    /* Belt and braces: the peer must be the address checked. (CURLINFO_REDIRECT_COUNT is no
     * check of FOLLOWLOCATION: Digest's second request counts as one; tests/unit/acs/test_cr.c
     * and 069 check that a 302 is not followed.) */
    int strayed = cc == CURLE_OK && (!ip || strcmp(ip, t.addr));
    if (strayed)
        snprintf(out->detail, sizeof out->detail, "connected to %s, not the checked %s", ip ? ip : "?", t.addr);
    curl_easy_cleanup(h);
    curl_slist_free_all(pin);
    if (strayed)
        out->status = ACS_CR_INTERNAL;
    else if (cc == CURLE_OPERATION_TIMEDOUT)
        out->status = ACS_CR_TIMEOUT;
    else if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_SEND_ERROR ||
             cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING)
        out->status = ACS_CR_UNREACHABLE;
    else if (cc != CURLE_OK)
        out->status = ACS_CR_INTERNAL;
    else if (out->http_code == 200 || out->http_code == 204)
        out->status = ACS_CR_OK;
    else if (out->http_code == 401 || out->http_code == 403)
        out->status = ACS_CR_AUTH;
    else if (out->http_code == 503)
        out->status = ACS_CR_BUSY;
    else
        out->status = ACS_CR_HTTP_ERROR;
    if (strayed)
        return -ERR_IO; /* detail says it */
    if (cc != CURLE_OK)
        snprintf(out->detail, sizeof out->detail, "%s", curl_easy_strerror(cc));
    else if (out->http_code >= 300 && out->http_code < 400)
        snprintf(out->detail, sizeof out->detail, "HTTP %ld (redirect not followed)", out->http_code);
    else
        snprintf(out->detail, sizeof out->detail, "HTTP %ld", out->http_code);
    return out->status == ACS_CR_OK ? 0 : -ERR_IO;
}

struct cr_job {
    char *device_id, *url, *user, *pass;
    int tried; /* attempts already made (acs_cr_pool_try) */
    struct cr_job *next;
};

struct acs_cr_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct cr_job *head, *tail;
    int queued, queue_max, stop, nthreads, attempts;
    long timeout_ms, backoff_ms;
    struct acs_cr_policy *policy;
    acs_cr_done_fn done;
    void *arg;
    pthread_t *threads;
};

static void job_free(struct cr_job *j)
{
    if (!j)
        return;
    free(j->device_id);
    free(j->url);
    free(j->user);
    if (j->pass)
        OPENSSL_cleanse(j->pass, strlen(j->pass));
    free(j->pass);
    free(j);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A final outcome: logged and handed to the done callback (metrics). */
static void report(struct acs_cr_pool *p, const char *device_id, const struct acs_cr_result *r)
{
    char qd[200], qu[80];
    if (r->status == ACS_CR_REFUSED || r->status == ACS_CR_BAD_URL)
        log_warn("acs", "event=cr_refused device=%s reason=%s address=%s detail=%s", device_id,
                 acs_cr_verdict_name(r->verdict), log_quote(qu, sizeof qu, r->addr[0] ? r->addr : "-"),
                 log_quote(qd, sizeof qd, r->detail));
    log_at_(r->status == ACS_CR_OK ? LOG_INFO : LOG_WARNING, "acs",
            "event=connection_request device=%s result=%s http=%ld attempts=%d detail=%s", device_id,
            acs_cr_status_name(r->status), r->http_code, r->attempts, log_quote(qd, sizeof qd, r->detail));
    if (p->done)
        p->done(p->arg, device_id, r);
}

/* Only a busy CPE or a lost packet is worth another try. */
static int retry_worth(enum acs_cr_status s)
{
    return s == ACS_CR_BUSY || s == ACS_CR_TIMEOUT;
}

static void run_job(struct acs_cr_pool *p, struct cr_job *j)
{
    struct acs_cr_result r;
    int n = j->tried;
    if (n > 0)
        sleep_ms(p->backoff_ms << (n - 1));
    for (;;) {
        acs_cr_send(p->policy, j->url, j->user, j->pass, p->timeout_ms, &r);
        r.attempts = ++n;
        if (!retry_worth(r.status) || n >= p->attempts)
            break;
        sleep_ms(p->backoff_ms << (n - 1));
    }
    report(p, j->device_id, &r);
}

static void *worker(void *arg)
{
    struct acs_cr_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!p->head)
            break;
        struct cr_job *j = p->head;
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        pthread_mutex_unlock(&p->mu);
        run_job(p, j);
        job_free(j);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct acs_cr_pool *acs_cr_pool_new(int threads, int queue_max, int attempts, long timeout_ms, long backoff_ms,
                                    struct acs_cr_policy *policy, acs_cr_done_fn done, void *arg)
{
    struct acs_cr_pool *p = calloc(1, sizeof *p);
    if (!p || !policy || threads < 1 || attempts < 1) {
        free(p);
        acs_cr_policy_free(policy);
        return NULL;
    }
    p->policy = policy;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->queue_max = queue_max;
    p->attempts = attempts;
    p->timeout_ms = timeout_ms;
    p->backoff_ms = backoff_ms;
    p->done = done;
    p->arg = arg;
    p->threads = calloc((size_t)threads, sizeof *p->threads);
    for (int i = 0; p->threads && i < threads; i++)
        if (pthread_create(&p->threads[i], NULL, worker, p) == 0)
            p->nthreads++;
    if (p->nthreads == 0) {
        acs_cr_pool_free(p);
        return NULL;
    }
    return p;
}

static int submit(struct acs_cr_pool *p, const char *device_id, const char *url, const char *user, const char *pass,
                  int tried)
{
    struct cr_job *j = calloc(1, sizeof *j);
    if (!j)
        return -ERR_NOMEM;
    j->tried = tried;
    j->device_id = strdup(device_id ? device_id : "");
    j->url = strdup(url ? url : "");
    j->user = strdup(user ? user : "");
    j->pass = strdup(pass ? pass : "");
    if (!j->device_id || !j->url || !j->user || !j->pass) {
        job_free(j);
        return -ERR_NOMEM;
    }
    pthread_mutex_lock(&p->mu);
    int rc = p->stop ? -ERR_INVAL : p->queued >= p->queue_max ? -ERR_TOO_BIG : 0;
    if (rc == 0) {
        if (p->tail)
            p->tail->next = j;
        else
            p->head = j;
        p->tail = j;
        p->queued++;
        j = NULL;
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    job_free(j);
    return rc;
}

int acs_cr_pool_submit(struct acs_cr_pool *p, const char *device_id, const char *url, const char *user,
                       const char *pass)
{
    return submit(p, device_id, url, user, pass, 0);
}

int acs_cr_pool_try(struct acs_cr_pool *p, const char *device_id, const char *url, const char *user,
                    const char *pass, struct acs_cr_result *first)
{
    acs_cr_send(p->policy, url, user, pass, p->timeout_ms, first);
    if (retry_worth(first->status) && first->attempts < p->attempts) {
        int rc = submit(p, device_id, url, user, pass, first->attempts);
        if (rc == 0)
            return 1;
    }
    report(p, device_id, first);
    return 0;
}

void acs_cr_pool_free(struct acs_cr_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    while (p->head) {
        struct cr_job *j = p->head;
        p->head = j->next;
        job_free(j);
    }
    free(p->threads);
    acs_cr_policy_free(p->policy);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}
