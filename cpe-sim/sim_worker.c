/* cpe-sim/sim_worker.c — one event loop per core: owns a share of the devices, a min-heap of
 * their next session times, at most cfg.concurrency/threads open connections, one CWMP
 * codec; connection requests from the CR thread arrive through a mailbox + eventfd.
 * Every loop is bounded: by the stop flag (duration) and by sessions per device. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sim.h"

#define NOT_QUEUED UINT32_MAX
#define TIMEOUT_SCAN_MS 100

struct sim_worker {
    struct sim *sim;
    unsigned index;
    pthread_t thread;
    bool started;
    int epfd, evfd;
    struct cwmp_codec *codec;
    struct sim_dev **devs; /* owned devices */
    unsigned ndevs, devs_cap;
    struct sim_dev **heap; /* by due time */
    unsigned nheap;
    unsigned active, max_active, finished;
    struct sim_dev **open; /* devices with a connection, for timeouts and shutdown */
    pthread_mutex_t mbox_lock;
    struct sim_dev **mbox;
    unsigned nmbox, mbox_cap;
    struct sim_stats st;
    atomic_bool exited;
};

int64_t sim_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sim *sim_worker_sim(const struct sim_worker *w)
{
    return w->sim;
}

bool sim_worker_exited(const struct sim_worker *w)
{
    return atomic_load(&w->exited);
}

const struct sim_stats *sim_worker_stats(const struct sim_worker *w)
{
    return &w->st;
}

/* ---- heap ---- */
static void heap_swap(struct sim_worker *w, unsigned a, unsigned b)
{
    struct sim_dev *t = w->heap[a];
    w->heap[a] = w->heap[b];
    w->heap[b] = t;
    w->heap[a]->heap_pos = a;
    w->heap[b]->heap_pos = b;
}

static void heap_up(struct sim_worker *w, unsigned i)
{
    while (i > 0 && w->heap[(i - 1) / 2]->due > w->heap[i]->due) {
        heap_swap(w, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(struct sim_worker *w, unsigned i)
{
    for (;;) {
        unsigned l = 2 * i + 1, r = l + 1, m = i;
        if (l < w->nheap && w->heap[l]->due < w->heap[m]->due)
            m = l;
        if (r < w->nheap && w->heap[r]->due < w->heap[m]->due)
            m = r;
        if (m == i)
            return;
        heap_swap(w, i, m);
        i = m;
    }
}

static void heap_remove(struct sim_worker *w, struct sim_dev *d)
{
    unsigned i = d->heap_pos;
    if (i == NOT_QUEUED)
        return;
    d->heap_pos = NOT_QUEUED;
    if (i != --w->nheap) {
        w->heap[i] = w->heap[w->nheap];
        w->heap[i]->heap_pos = i;
        heap_down(w, i);
        heap_up(w, i);
    }
}

/* (Re)queue d at its device's due time; finished or busy devices stay out. */
static void schedule(struct sim_worker *w, struct sim_dev *d)
{
    heap_remove(w, d);
    if (d->done || d->conn)
        return;
    int64_t due = cpe_dev_due(d->cpe);
    if (due == INT64_MAX)
        return;
    d->due = due;
    d->heap_pos = w->nheap;
    w->heap[w->nheap++] = d;
    heap_up(w, d->heap_pos);
}

/* ---- lifecycle ---- */
struct sim_worker *sim_worker_new(struct sim *sim, unsigned index)
{
    struct sim_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->sim = sim;
    w->index = index;
    w->evfd = -1;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    w->codec = cwmp_codec_new();
    pthread_mutex_init(&w->mbox_lock, NULL);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (w->epfd < 0 || w->evfd < 0 || !w->codec || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) < 0) {
        log_err("cpe-sim", "event=worker_init worker=%u error=\"%s\"", index, strerror(errno));
        sim_worker_free(w);
        return NULL;
    }
    unsigned n = sim->cfg.concurrency / sim->cfg.threads;
    w->max_active = n ? n : 1;
    return w;
}

void sim_worker_free(struct sim_worker *w)
{
    if (!w)
        return;
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->evfd >= 0)
        close(w->evfd);
    cwmp_codec_free(w->codec);
    pthread_mutex_destroy(&w->mbox_lock);
    free(w->devs);
    free(w->heap);
    free(w->open);
    free(w->mbox);
    free(w);
}

void sim_worker_add(struct sim_worker *w, struct sim_dev *d)
{
    if (w->ndevs == w->devs_cap) {
        unsigned cap = w->devs_cap ? w->devs_cap * 2 : 256;
        struct sim_dev **p = realloc(w->devs, cap * sizeof *p);
        if (!p)
            abort(); /* start-up only: sized from the device count */
        w->devs = p;
        w->devs_cap = cap;
    }
    w->devs[w->ndevs++] = d;
    d->w = w;
    d->heap_pos = NOT_QUEUED;
}

void sim_worker_poke(struct sim_worker *w, struct sim_dev *d)
{
    pthread_mutex_lock(&w->mbox_lock);
    if (w->nmbox == w->mbox_cap) {
        unsigned cap = w->mbox_cap ? w->mbox_cap * 2 : 64;
        struct sim_dev **p = realloc(w->mbox, cap * sizeof *p);
        if (p) {
            w->mbox = p;
            w->mbox_cap = cap;
        }
    }
    if (w->nmbox < w->mbox_cap)
        w->mbox[w->nmbox++] = d;
    pthread_mutex_unlock(&w->mbox_lock);
    uint64_t one = 1;
    (void)!write(w->evfd, &one, sizeof one);
}

static void drain_mbox(struct sim_worker *w, int64_t now)
{
    uint64_t v;
    (void)!read(w->evfd, &v, sizeof v);
    pthread_mutex_lock(&w->mbox_lock);
    for (unsigned i = 0; i < w->nmbox; i++) {
        struct sim_dev *d = w->mbox[i];
        cpe_dev_connection_request(d->cpe, now);
        schedule(w, d);
    }
    w->nmbox = 0;
    pthread_mutex_unlock(&w->mbox_lock);
}

/* Copy the CR credentials where the CR thread can read them. */
static void publish_credentials(struct sim *sim, struct sim_dev *d)
{
    char user[257], pass[257];
    cpe_dev_cr_credentials(d->cpe, user, pass, sizeof user);
    if (d->cr_user && d->cr_pass && strcmp(user, d->cr_user) == 0 && strcmp(pass, d->cr_pass) == 0)
        return;
    char *u = strdup(user), *p = strdup(pass);
    pthread_mutex_lock(&sim->cred_lock);
    char *ou = d->cr_user, *op = d->cr_pass;
    d->cr_user = u;
    d->cr_pass = p;
    pthread_mutex_unlock(&sim->cred_lock);
    free(ou);
    free(op);
    memset(pass, 0, sizeof pass);
}

static void open_remove(struct sim_worker *w, struct sim_dev *d)
{
    for (unsigned i = 0; i < w->active; i++)
        if (w->open[i] == d) {
            w->open[i] = w->open[--w->active];
            return;
        }
}

static void session_over(struct sim_worker *w, struct sim_dev *d, int64_t now)
{
    open_remove(w, d);
    (void)sim_conn_finish(d->conn, &w->st, now);
    publish_credentials(w->sim, d);
    d->sessions++;
    unsigned k = w->sim->cfg.sessions_per_device;
    if (k && d->sessions >= k && !d->done) {
        d->done = true;
        w->finished++;
    }
    schedule(w, d);
}

static void start_due(struct sim_worker *w, int64_t now)
{
    while (w->nheap && w->heap[0]->due <= now && w->active < w->max_active && !atomic_load(&w->sim->stop)) {
        struct sim_dev *d = w->heap[0];
        heap_remove(w, d);
        enum cpe_fail why = CPE_FAIL_NONE;
        struct sim_conn *c = sim_conn_start(w, d, w->epfd, w->codec, now, &why);
        if (!c) {
            w->st.failed++;
            w->st.fails[why]++;
            d->done = true; /* out of memory: this device stops */
            w->finished++;
            continue;
        }
        w->open[w->active++] = d;
        if (sim_conn_drive(c, now))
            session_over(w, d, now);
    }
}

static void check_timeouts(struct sim_worker *w, int64_t now, bool stopping)
{
    for (unsigned i = 0; i < w->active;) {
        struct sim_dev *d = w->open[i];
        if (stopping || sim_conn_deadline(d->conn) <= now) {
            sim_conn_abort(d->conn, stopping ? CPE_FAIL_ABORTED : CPE_FAIL_TIMEOUT);
            session_over(w, d, now); /* moves the last open entry to i */
            continue;
        }
        i++;
    }
}

static void *run(void *arg)
{
    struct sim_worker *w = arg;
    struct epoll_event evs[256];
    int64_t now = sim_now_ms(), last_scan = now;
    for (unsigned i = 0; i < w->ndevs; i++)
        schedule(w, w->devs[i]);
    while (!atomic_load(&w->sim->stop)) {
        now = sim_now_ms();
        start_due(w, now);
        if (w->finished == w->ndevs && w->active == 0)
            break;
        int timeout = TIMEOUT_SCAN_MS;
        if (w->nheap && w->active < w->max_active) {
            int64_t wait = w->heap[0]->due - now;
            timeout = wait < 0 ? 0 : wait < timeout ? (int)wait : timeout;
        }
        int n = epoll_wait(w->epfd, evs, 256, timeout);
        if (n < 0 && errno != EINTR) {
            log_err("cpe-sim", "event=epoll_wait worker=%u error=\"%s\"", w->index, strerror(errno));
            break;
        }
        now = sim_now_ms();
        for (int i = 0; i < n; i++) {
            struct sim_dev *d = evs[i].data.ptr;
            if (!d) {
                drain_mbox(w, now);
                continue;
            }
            if (d->conn && sim_conn_drive(d->conn, now))
                session_over(w, d, now);
        }
        if (now - last_scan >= TIMEOUT_SCAN_MS) {
            check_timeouts(w, now, false);
            last_scan = now;
        }
    }
    check_timeouts(w, sim_now_ms(), true);
    atomic_store(&w->exited, true);
    return NULL;
}

int sim_worker_start(struct sim_worker *w)
{
    w->heap = calloc(w->ndevs ? w->ndevs : 1, sizeof *w->heap);
    w->open = calloc(w->max_active, sizeof *w->open);
    if (!w->heap || !w->open)
        return -ERR_NOMEM;
    int rc = pthread_create(&w->thread, NULL, run, w);
    w->started = rc == 0;
    return rc ? -rc : 0;
}

void sim_worker_join(struct sim_worker *w)
{
    if (w->started)
        pthread_join(w->thread, NULL);
    w->started = false;
}
