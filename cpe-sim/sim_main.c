/* cpe-sim/sim_main.c — `cpe-sim`: N simulated CPEs from an acs-ca identities bundle in one
 * process, talking CWMP over mutual TLS to one ACS on the loopback, with boot, periodic and
 * connection-request sessions; bounded in time (--duration) and count
 * (--sessions-per-device); prints a load report at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpe_schema.h"
#include "err.h"
#include "file_write.h"
#include "log.h"
#include "sim.h"

static struct sim *g_sim; /* for the signal handler only */

static void on_signal(int sig)
{
    (void)sig;
    if (g_sim)
        atomic_store(&g_sim->stop, 1);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cpe-sim --acs https://127.0.0.1:PORT/ --ca CHAIN.pem --identities DIR/identities.pem\n"
            "               [--devices N] [--periodic SECONDS] [--cr-port P | --no-cr] [--tls12]\n"
            "               [--sessions-per-device K] [--duration S] [--threads T] [--concurrency C]\n"
            "               [--timeout S] [--spread MS] [--no-bootstrap] [--datamodel TSV]\n"
            "               [--model tr181|tr098|mixed] [--datamodel-tr098 TSV]\n"
            "               [--report FILE] [--log-level LEVEL] [--raw-request] [--raw-requests K]\n"
            "  --acs                 ACS URL; must be https on a loopback address\n"
            "  --devices             how many identities of the bundle to run (default: all)\n"
            "  --periodic            PeriodicInformInterval in seconds (default: 86400)\n"
            "  --cr-port             connection-request listener port on 127.0.0.1 (default: any)\n"
            "  --sessions-per-device stop a device after K sessions; 0 = until --duration\n"
            "                        (default 1, or 0 with --periodic)\n"
            "  --duration            hard limit of the run in seconds (default 60)\n"
            "  --concurrency         open connections at most, all threads (default 512)\n"
            "  --spread              start the first sessions over this many ms (default 0)\n"
            "  --model               tr181: Device. root, TR-104 v2 VoiceService (default);\n"
            "                        tr098: InternetGatewayDevice. root, TR-104 v1 VoiceProfile/Line;\n"
            "                        mixed: the 2nd, 4th, ... device of the sorted bundle is tr098\n"
            "  --datamodel-tr098     the TR-098 model file (default $CPE_DATAMODEL_TR098, else\n"
            "                        cpe-sim/datamodel/tr-098-voice.tsv)\n"
            "  --raw-request         benchmark mode: per session one new connection, the Inform\n"
            "                        POSTed once, any 200 answer read, close (no CWMP session;\n"
            "                        the device stays due: K = --sessions-per-device connections)\n"
            "  --raw-requests        the same with K POSTs on each keep-alive connection (keep-alive\n"
            "                        request rate; implies --raw-request)\n");
}

/* https://HOST[:PORT][/PATH] with HOST a loopback address or "localhost". */
static int parse_acs(struct sim_cfg *c, char **err)
{
    const char *u = c->acs_url;
    if (strncmp(u, "https://", 8) != 0)
        return err_fail(err, -1, "--acs must be an https:// URL");
    u += 8;
    const char *hend, *rest;
    if (*u == '[') {
        hend = strchr(u, ']');
        if (!hend)
            return err_fail(err, -1, "--acs: bad IPv6 literal");
        snprintf(c->host, sizeof c->host, "%.*s", (int)(hend - u - 1), u + 1);
        rest = hend + 1;
    } else {
        size_t l = strcspn(u, ":/");
        snprintf(c->host, sizeof c->host, "%.*s", (int)l, u);
        rest = u + l;
    }
    snprintf(c->port, sizeof c->port, "443");
    if (*rest == ':') {
        size_t l = strcspn(rest + 1, "/");
        if (l == 0 || l >= sizeof c->port)
            return err_fail(err, -1, "--acs: bad port");
        snprintf(c->port, sizeof c->port, "%.*s", (int)l, rest + 1);
        rest += 1 + l;
    }
    snprintf(c->path, sizeof c->path, "%s", *rest ? rest : "/");
    if (strpbrk(c->path, " \r\n"))
        return err_fail(err, -1, "--acs: bad path");
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai = NULL;
    int rc = getaddrinfo(c->host, c->port, &hints, &ai);
    if (rc)
        return err_fail(err, -1, "--acs: %s: %s", c->host, gai_strerror(rc));
    bool loop = true;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        if (a->ai_family == AF_INET)
            loop = loop && (ntohl(((struct sockaddr_in *)a->ai_addr)->sin_addr.s_addr) >> 24) == 127;
        else if (a->ai_family == AF_INET6)
            loop = loop && IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr);
        else
            loop = false;
    }
    memcpy(&c->addr, ai->ai_addr, ai->ai_addrlen);
    c->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    if (!loop)
        return err_fail(err, -1, "--acs: %s is not a loopback address: cpe-sim only talks to a local ACS", c->host);
    bool v6 = strchr(c->host, ':') != NULL;
    snprintf(c->hostport, sizeof c->hostport, "%s%s%s:%s", v6 ? "[" : "", c->host, v6 ? "]" : "", c->port);
    return 0;
}

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

static int parse_args(int argc, char **argv, struct sim_cfg *c, const char **datamodel)
{
    enum { O_CR = 256, O_NOCR, O_TLS12, O_K, O_NOBOOT, O_DM, O_LOG, O_SPREAD, O_RAW, O_RAWN, O_MODEL, O_DM098 };
    static const struct option opts[] = {
        {"acs", required_argument, NULL, 'a'},        {"ca", required_argument, NULL, 'c'},
        {"identities", required_argument, NULL, 'i'}, {"devices", required_argument, NULL, 'n'},
        {"periodic", required_argument, NULL, 'p'},   {"cr-port", required_argument, NULL, O_CR},
        {"no-cr", no_argument, NULL, O_NOCR},         {"tls12", no_argument, NULL, O_TLS12},
        {"sessions-per-device", required_argument, NULL, O_K},
        {"duration", required_argument, NULL, 'd'},   {"threads", required_argument, NULL, 't'},
        {"concurrency", required_argument, NULL, 'C'}, {"timeout", required_argument, NULL, 'T'},
        {"report", required_argument, NULL, 'r'},     {"no-bootstrap", no_argument, NULL, O_NOBOOT},
        {"datamodel", required_argument, NULL, O_DM}, {"log-level", required_argument, NULL, O_LOG},
        {"spread", required_argument, NULL, O_SPREAD}, {"raw-request", no_argument, NULL, O_RAW},
        {"raw-requests", required_argument, NULL, O_RAWN},
        {"model", required_argument, NULL, O_MODEL}, {"datamodel-tr098", required_argument, NULL, O_DM098},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    *c = (struct sim_cfg){.threads = nproc > 0 && nproc < SIM_MAX_THREADS ? (unsigned)nproc : 1,
                          .concurrency = 512, .duration_s = 60, .timeout_s = 30, .bootstrap = true};
    int k_set = 0, opt, lvl;
    unsigned port = 0;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        bool ok = true;
        switch (opt) {
        case 'a': c->acs_url = optarg; break;
        case 'c': c->ca_file = optarg; break;
        case 'i': c->identities = optarg; break;
        case 'r': c->report_file = optarg; break;
        case 'n': ok = parse_uint(optarg, 10000000, &c->devices) && c->devices; break;
        case 'p': ok = parse_uint(optarg, 86400 * 30, &c->periodic) && c->periodic; break;
        case 'd': ok = parse_uint(optarg, 86400 * 7, &c->duration_s) && c->duration_s; break;
        case 't': ok = parse_uint(optarg, SIM_MAX_THREADS, &c->threads) && c->threads; break;
        case 'C': ok = parse_uint(optarg, 1000000, &c->concurrency) && c->concurrency; break;
        case 'T': ok = parse_uint(optarg, 3600, &c->timeout_s) && c->timeout_s; break;
        case O_SPREAD: ok = parse_uint(optarg, 3600000, &c->start_spread_ms); break;
        case O_CR: ok = parse_uint(optarg, 65535, &port); c->cr_port = (int)port; break;
        case O_NOCR: c->cr_port = -1; break;
        case O_TLS12: c->tls12 = true; break;
        case O_NOBOOT: c->bootstrap = false; break;
        case O_RAW: c->raw_request = true; break;
        case O_RAWN: ok = parse_uint(optarg, 100000, &c->raw_requests) && c->raw_requests; c->raw_request = true; break;
        case O_K: ok = parse_uint(optarg, 1000000, &c->sessions_per_device); k_set = 1; break;
        case O_DM: *datamodel = optarg; break;
        case O_DM098: c->datamodel_tr098 = optarg; break;
        case O_MODEL:
            ok = !strcmp(optarg, "tr181") || !strcmp(optarg, "tr098") || !strcmp(optarg, "mixed");
            c->model = !strcmp(optarg, "tr098") ? SIM_MODEL_TR098 : !strcmp(optarg, "mixed") ? SIM_MODEL_MIXED : SIM_MODEL_TR181;
            break;
        case O_LOG:
            lvl = log_level_parse(optarg);
            ok = lvl >= 0;
            if (ok)
                log_set_level(lvl);
            break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
        if (!ok) {
            fprintf(stderr, "cpe-sim: bad value for --%s: %s\n", argv[optind - 1] + 2, optarg);
            return -1;
        }
    }
    if (optind != argc || !c->acs_url || !c->ca_file || !c->identities) {
        usage(stderr);
        return -1;
    }
    if (!k_set)
        c->sessions_per_device = c->periodic ? 0 : 1;
    return 0;
}

/* ---- connection requests: lookup by device id and trigger (CR thread) ---- */
static int cmp_id(const void *key, const void *elem)
{
    return strcmp(key, ((const struct sim_dev *)elem)->ident->id);
}

static int cr_lookup(void *ud, const char *id, char *user, char *pass, size_t n)
{
    struct sim *sim = ud;
    const struct sim_dev *d = bsearch(id, sim->devs, sim->ndevs, sizeof *sim->devs, cmp_id);
    if (!d)
        return -1;
    pthread_mutex_lock(&sim->cred_lock);
    snprintf(user, n, "%s", d->cr_user ? d->cr_user : "");
    snprintf(pass, n, "%s", d->cr_pass ? d->cr_pass : "");
    pthread_mutex_unlock(&sim->cred_lock);
    return (int)(d - sim->devs);
}

static void cr_trigger(void *ud, int h)
{
    struct sim *sim = ud;
    sim_worker_poke(sim->devs[h].w, &sim->devs[h]);
}

static void *cr_thread(void *arg)
{
    struct sim *sim = arg;
    while (!atomic_load(&sim->stop))
        if (cpe_cr_run(sim->cr, 100) < 0)
            break;
    return NULL;
}

static long rss_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t fl = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, fl) == 0 && line[fl] == ':')
            v = strtol(line + fl + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

struct report_in {
    double secs;
    long rss_start, rss_loaded;
    size_t dev_heap;
};

static void report(struct sim *sim, const struct report_in *ri, FILE *out)
{
    struct sim_stats t;
    memset(&t, 0, sizeof t);
    for (unsigned i = 0; i < sim->nworkers; i++)
        sim_stats_merge(&t, sim_worker_stats(sim->workers[i]));
    struct cpe_cr_stats cr = {0};
    if (sim->cr)
        cpe_cr_get_stats(sim->cr, &cr);
    long loaded = ri->rss_loaded - ri->rss_start;
    fprintf(out, "cpe_sim_devices=%u\n", sim->ndevs);
    fprintf(out, "threads=%u concurrency=%u tls=%s mode=%s\n", sim->nworkers, sim->cfg.concurrency,
            sim->cfg.tls12 ? "1.2" : "1.3", sim->cfg.raw_request ? "raw-request" : "cwmp");
    fprintf(out, "duration_s=%.3f\n", ri->secs);
    fprintf(out, "sessions_ok=%llu\nsessions_failed=%llu\nsessions_aborted=%llu\n", (unsigned long long)t.ok,
            (unsigned long long)t.failed, (unsigned long long)t.aborted);
    fprintf(out, "sessions_per_s=%.1f\n", ri->secs > 0 ? (double)t.ok / ri->secs : 0.0);
    fprintf(out, "latency_ms_p50=%.2f\nlatency_ms_p90=%.2f\nlatency_ms_p99=%.2f\nlatency_ms_max=%.2f\n",
            sim_stats_percentile(&t, 50) / 1000.0, sim_stats_percentile(&t, 90) / 1000.0,
            sim_stats_percentile(&t, 99) / 1000.0, t.max_us / 1000.0);
    fprintf(out, "tls_handshakes=%llu\nhttp_requests=%llu\nacs_rpcs_answered=%llu\n",
            (unsigned long long)t.handshakes, (unsigned long long)t.requests, (unsigned long long)t.rpcs);
    fprintf(out, "http_requests_per_s=%.1f\n", ri->secs > 0 ? (double)t.requests / ri->secs : 0.0);
    fprintf(out, "bytes_out=%llu\nbytes_in=%llu\n", (unsigned long long)t.bytes_out, (unsigned long long)t.bytes_in);
    for (int i = 1; i < CPE_FAIL_COUNT; i++)
        fprintf(out, "errors_%s=%llu\n", cpe_fail_str((enum cpe_fail)i), (unsigned long long)t.fails[i]);
    fprintf(out, "cr_ok=%llu\ncr_unauthorized=%llu\ncr_limited=%llu\ncr_bad_request=%llu\n",
            (unsigned long long)cr.ok, (unsigned long long)cr.unauthorized, (unsigned long long)cr.limited,
            (unsigned long long)cr.bad_request);
    fprintf(out, "device_state_bytes_avg=%zu\n", sim->ndevs ? ri->dev_heap / sim->ndevs : 0);
    fprintf(out, "rss_per_device_loaded_bytes=%ld\n", sim->ndevs && loaded > 0 ? loaded * 1024 / sim->ndevs : 0);
    fprintf(out, "rss_peak_kb=%ld\n", rss_kb("VmHWM"));
}

static int setup_devices(struct sim *sim, const char *datamodel, size_t *heap, char **err)
{
    if (sim->cfg.model != SIM_MODEL_TR098 && !(sim->schema = cpe_schema_load(datamodel, err)))
        return -1;
    if (sim->cfg.model != SIM_MODEL_TR181 && !(sim->schema_tr098 = cpe_schema_load(sim->cfg.datamodel_tr098, err)))
        return -1;
    int n = sim_ident_load(sim->cfg.identities, sim->cfg.devices, &sim->ids, err);
    if (n < 0)
        return -1;
    if (sim->cfg.devices && (unsigned)n < sim->cfg.devices)
        log_warn("cpe-sim", "event=identities wanted=%u found=%d", sim->cfg.devices, n);
    sim->ndevs = (unsigned)n;
    sim->devs = calloc(sim->ndevs, sizeof *sim->devs);
    if (!sim->devs)
        return err_fail(err, -1, "out of memory");
    sim->dev_cfg = (struct cpe_dev_cfg){.schema = sim->schema, .acs_url = sim->cfg.acs_url,
                                        .cr_url_base = sim->cr ? sim->cr_base : NULL,
                                        .manufacturer = "cpe-sim", .periodic_interval = sim->cfg.periodic};
    sim->dev_cfg_tr098 = sim->dev_cfg;
    sim->dev_cfg_tr098.schema = sim->schema_tr098;
    int64_t now = sim_now_ms();
    for (unsigned i = 0; i < sim->ndevs; i++) {
        struct sim_dev *d = &sim->devs[i];
        d->ident = &sim->ids[i];
        bool tr098 = sim->cfg.model == SIM_MODEL_TR098 || (sim->cfg.model == SIM_MODEL_MIXED && i % 2 == 1);
        d->cpe = cpe_dev_new(tr098 ? &sim->dev_cfg_tr098 : &sim->dev_cfg, d->ident->id, d->ident->cert_serial, now,
                             sim->cfg.bootstrap);
        if (!d->cpe)
            return err_fail(err, -1, "device %s: bad identity (OUI-ProductClass-Serial) or no memory", d->ident->id);
        if (sim->cfg.start_spread_ms)
            cpe_dev_set_start(d->cpe, now + (int64_t)((uint64_t)i * sim->cfg.start_spread_ms / sim->ndevs));
        *heap += cpe_dev_mem(d->cpe) + sizeof *d + strlen(d->ident->id) + 1;
        sim_worker_add(sim->workers[i % sim->nworkers], d);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct sim sim;
    const char *datamodel = NULL;
    char *err = NULL;
    int rc = 2;
    pthread_t crt;
    bool cr_started = false;
    log_set_level(LOG_INFO);
    if (parse_args(argc, argv, &sim.cfg, &datamodel) < 0)
        return 2;
    if (!datamodel)
        datamodel = getenv("CPE_DATAMODEL");
    if (!datamodel) /* the shared vectors beside the checkout: <top>/../shared (bin is <top>/build/bin) */
        datamodel = "../shared/cwmp/datamodel/key-params.tsv";
    /* what the shared key parameters leave out of a voice CPE (cpe-sim/datamodel/tr-104-extra.tsv,
     * from the repository's root; $CPE_DATAMODEL_EXTRA elsewhere): loaded after them when present */
    static char model_list[2048];
    const char *extra = getenv("CPE_DATAMODEL_EXTRA");
    if (!extra)
        extra = "cpe-sim/datamodel/tr-104-extra.tsv";
    if (*extra && access(extra, R_OK) == 0 && !strchr(datamodel, ':') &&
        snprintf(model_list, sizeof model_list, "%s:%s", datamodel, extra) < (int)sizeof model_list)
        datamodel = model_list;
    if (!sim.cfg.datamodel_tr098)
        sim.cfg.datamodel_tr098 = getenv("CPE_DATAMODEL_TR098");
    if (!sim.cfg.datamodel_tr098) /* in the repository, run from its root */
        sim.cfg.datamodel_tr098 = "cpe-sim/datamodel/tr-098-voice.tsv";
    pthread_mutex_init(&sim.cred_lock, NULL);
    g_sim = &sim;
    long rss_start = rss_kb("VmRSS");
    /* --report names a new file (file_write_new): refused now, not after the run */
    if ((sim.cfg.report_file && file_check_new(sim.cfg.report_file, &err) < 0) || parse_acs(&sim.cfg, &err) < 0 ||
        sim_tls_init(&sim.tls, sim.cfg.ca_file, sim.cfg.host, sim.cfg.tls12, &err) < 0)
        goto out;
    if (sim.cfg.cr_port >= 0) {
        struct cpe_cr_opts o = {.addr = "127.0.0.1", .port = (unsigned)sim.cfg.cr_port, .ndevices = 10000000};
        struct cpe_cr_ops ops = {cr_lookup, cr_trigger};
        sim.cr = cpe_cr_new(&o, &ops, &sim, &err);
        if (!sim.cr)
            goto out;
        snprintf(sim.cr_base, sizeof sim.cr_base, "http://127.0.0.1:%u/cr/", cpe_cr_port(sim.cr));
    }
    sim.nworkers = sim.cfg.threads;
    for (unsigned i = 0; i < sim.nworkers; i++)
        if (!(sim.workers[i] = sim_worker_new(&sim, i))) {
            err = strdup("cannot create the worker threads' event loops");
            sim.nworkers = i;
            goto out;
        }
    size_t heap = 0;
    if (setup_devices(&sim, datamodel, &heap, &err) < 0)
        goto out;
    struct report_in ri = {.rss_start = rss_start, .rss_loaded = rss_kb("VmRSS"), .dev_heap = heap};
    log_info("cpe-sim", "event=start devices=%u threads=%u acs=%s cr_url=%s tls=%s sessions_per_device=%u "
             "duration_s=%u", sim.ndevs, sim.nworkers, sim.cfg.acs_url, sim.cr ? sim.cr_base : "none",
             sim.cfg.tls12 ? "1.2" : "1.3", sim.cfg.sessions_per_device, sim.cfg.duration_s);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int64_t t0 = sim_now_ms();
    for (unsigned i = 0; i < sim.nworkers; i++)
        if (sim_worker_start(sim.workers[i]) < 0) {
            atomic_store(&sim.stop, 1);
            err = strdup("cannot start worker threads");
        }
    if (sim.cr && pthread_create(&crt, NULL, cr_thread, &sim) == 0)
        cr_started = true;
    /* the main thread keeps the clock: stop at --duration */
    int64_t end = t0 + (int64_t)sim.cfg.duration_s * 1000;
    for (;;) {
        usleep(20000);
        if (atomic_load(&sim.stop) || sim_now_ms() >= end)
            break;
        bool all_done = true; /* every device reached --sessions-per-device */
        for (unsigned i = 0; i < sim.nworkers && all_done; i++)
            all_done = sim_worker_exited(sim.workers[i]);
        if (all_done)
            break;
    }
    atomic_store(&sim.stop, 1);
    for (unsigned i = 0; i < sim.nworkers; i++)
        sim_worker_join(sim.workers[i]);
    if (cr_started)
        pthread_join(crt, NULL);
    ri.secs = (double)(sim_now_ms() - t0) / 1000.0;
    report(&sim, &ri, stdout);
    if (sim.cfg.report_file) {
        char *text = NULL, *why = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (f) {
            report(&sim, &ri, f);
            fclose(f);
        }
        if (!f || file_write_new(sim.cfg.report_file, text, len, 0644, &why) < 0) {
            char qf[600], qe[300];
            log_err("cpe-sim", "event=report file=%s error=%s", log_quote(qf, sizeof qf, sim.cfg.report_file),
                    log_quote(qe, sizeof qe, why ? why : "out of memory"));
        }
        free(why);
        free(text);
    }
    struct sim_stats t = {0};
    for (unsigned i = 0; i < sim.nworkers; i++)
        sim_stats_merge(&t, sim_worker_stats(sim.workers[i]));
    rc = err ? 2 : t.failed ? 1 : 0;
out:
    if (err) {
        fprintf(stderr, "cpe-sim: %s\n", err);
        free(err);
    }
    for (unsigned i = 0; i < sim.ndevs; i++) {
        cpe_dev_free(sim.devs[i].cpe);
        free(sim.devs[i].cr_user);
        free(sim.devs[i].cr_pass);
    }
    free(sim.devs);
    for (unsigned i = 0; i < sim.nworkers; i++)
        sim_worker_free(sim.workers[i]);
    cpe_cr_free(sim.cr);
    sim_ident_free(sim.ids, sim.ndevs ? sim.ndevs : 0);
    cpe_schema_free(sim.schema);
    cpe_schema_free(sim.schema_tr098);
    sim_tls_cleanup(&sim.tls);
    return rc;
}
