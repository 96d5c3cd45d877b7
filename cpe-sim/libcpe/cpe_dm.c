/* cpe-sim/libcpe/cpe_dm.c — per-device data model over the shared schema (cpe_dm.h).
 * Memory: instances as (node, numbers) rows; values only where they differ from the
 * schema default; computed values never stored. */
#include "cpe_dm.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpe_voice.h"

struct inst {
    uint16_t node;   /* a CPE_NODE_INSTANCE node */
    uint16_t depth;  /* == nodes[node].depth */
    uint32_t idx[CPE_MAX_DEPTH];
};

struct val {
    uint16_t param;
    uint8_t notify;
    uint8_t has_value;
    uint32_t idx[CPE_MAX_DEPTH];
    char *value;
};

struct cpe_dm {
    const struct cpe_schema *s;
    const struct cpe_dm_ctx *ctx;
    struct inst *inst;
    unsigned ninst, inst_cap;
    struct val *vals;
    unsigned nvals, val_cap;
    uint32_t *hw; /* per node: highest instance number handed out (lazy) */
};

static bool idx_eq(const uint32_t *a, const uint32_t *b, unsigned n)
{
    return n == 0 || memcmp(a, b, n * sizeof *a) == 0;
}

static int inst_cmp(const void *pa, const void *pb)
{
    const struct inst *a = pa, *b = pb;
    if (a->node != b->node)
        return a->node < b->node ? -1 : 1;
    for (unsigned i = 0; i < a->depth; i++)
        if (a->idx[i] != b->idx[i])
            return a->idx[i] < b->idx[i] ? -1 : 1;
    return 0;
}

static int inst_add(struct cpe_dm *dm, int node, const uint32_t *idx)
{
    if (dm->ninst >= CPE_DM_MAX_INSTANCES)
        return -ERR_TOO_BIG;
    if (dm->ninst == dm->inst_cap) {
        unsigned cap = dm->inst_cap ? dm->inst_cap * 2 : 16;
        struct inst *p = realloc(dm->inst, cap * sizeof *p);
        if (!p)
            return -ERR_NOMEM;
        dm->inst = p;
        dm->inst_cap = cap;
    }
    struct inst *in = &dm->inst[dm->ninst++];
    memset(in, 0, sizeof *in);
    in->node = (uint16_t)node;
    in->depth = (uint16_t)dm->s->nodes[node].depth;
    memcpy(in->idx, idx, in->depth * sizeof *idx);
    qsort(dm->inst, dm->ninst, sizeof *dm->inst, inst_cmp);
    return 0;
}

static bool inst_exists(const struct cpe_dm *dm, int node, const uint32_t *idx)
{
    unsigned depth = dm->s->nodes[node].depth;
    for (unsigned i = 0; i < dm->ninst; i++)
        if (dm->inst[i].node == node && idx_eq(dm->inst[i].idx, idx, depth))
            return true;
    return false;
}

/* Every instance ancestor of node (itself included) exists for idx. */
static bool path_exists(const struct cpe_dm *dm, int node, const uint32_t *idx)
{
    for (int n = node; n >= 0; n = dm->s->nodes[n].parent)
        if (dm->s->nodes[n].kind == CPE_NODE_INSTANCE) {
            return inst_exists(dm, n, idx); /* deeper ones are deleted with their parents */
        }
    return true;
}

/* Factory instances: 1 of each table (ndefault of a few, e.g. two SIP clients), under
 * instance 1 of their parents. */
static int add_defaults(struct cpe_dm *dm)
{
    for (unsigned n = 0; n < dm->s->nnodes; n++) {
        const struct cpe_snode *nd = &dm->s->nodes[n];
        if (nd->kind != CPE_NODE_INSTANCE)
            continue;
        for (uint32_t k = 1; k <= nd->ndefault; k++) {
            uint32_t idx[CPE_MAX_DEPTH] = {1, 1, 1, 1};
            idx[nd->depth - 1] = k;
            int rc = inst_add(dm, (int)n, idx);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static void clear_values(struct cpe_dm *dm)
{
    for (unsigned i = 0; i < dm->nvals; i++)
        free(dm->vals[i].value);
    dm->nvals = 0;
}

struct cpe_dm *cpe_dm_new(const struct cpe_schema *s, const struct cpe_dm_ctx *ctx)
{
    struct cpe_dm *dm = calloc(1, sizeof *dm);
    if (!dm)
        return NULL;
    dm->s = s;
    dm->ctx = ctx;
    if (add_defaults(dm) < 0) {
        cpe_dm_free(dm);
        return NULL;
    }
    return dm;
}

void cpe_dm_free(struct cpe_dm *dm)
{
    if (!dm)
        return;
    clear_values(dm);
    free(dm->vals);
    free(dm->inst);
    free(dm->hw);
    free(dm);
}

int cpe_dm_reset(struct cpe_dm *dm)
{
    clear_values(dm);
    dm->ninst = 0;
    free(dm->hw);
    dm->hw = NULL;
    return add_defaults(dm);
}

const struct cpe_schema *cpe_dm_schema(const struct cpe_dm *dm)
{
    return dm->s;
}

size_t cpe_dm_mem(const struct cpe_dm *dm)
{
    size_t n = sizeof *dm + dm->inst_cap * sizeof *dm->inst + dm->val_cap * sizeof *dm->vals;
    for (unsigned i = 0; i < dm->nvals; i++)
        n += dm->vals[i].value ? strlen(dm->vals[i].value) + 1 : 0;
    return n + (dm->hw ? dm->s->nnodes * sizeof *dm->hw : 0);
}

const struct cpe_sparam *cpe_dm_param(const struct cpe_dm *dm, const struct cpe_ref *ref)
{
    return ref->param >= 0 ? &dm->s->params[ref->param] : NULL;
}

int cpe_dm_resolve(const struct cpe_dm *dm, const char *path, struct cpe_ref *ref)
{
    char tmpl[CPE_MAX_PATH];
    memset(ref, 0, sizeof *ref);
    ref->param = -1;
    if (!*path)
        path = dm->s->root;
    int depth = cpe_path_template(path, tmpl, sizeof tmpl, ref->idx);
    if (depth < 0)
        return 9005;
    bool is_node = false;
    int i = cpe_schema_find(dm->s, tmpl, &is_node);
    if (i < 0)
        return 9005;
    ref->depth = (unsigned)depth;
    if (is_node) {
        ref->node = i;
    } else {
        ref->param = i;
        ref->node = dm->s->params[i].node;
    }
    if (dm->s->nodes[ref->node].depth != ref->depth || !path_exists(dm, ref->node, ref->idx))
        return 9005;
    return 0;
}

static struct val *find_val(const struct cpe_dm *dm, const struct cpe_ref *ref)
{
    for (unsigned i = 0; i < dm->nvals; i++)
        if (dm->vals[i].param == ref->param && idx_eq(dm->vals[i].idx, ref->idx, ref->depth))
            return &dm->vals[i];
    return NULL;
}

static struct val *get_val(struct cpe_dm *dm, const struct cpe_ref *ref, int *rc)
{
    struct val *v = find_val(dm, ref);
    if (v)
        return v;
    if (dm->nvals >= CPE_DM_MAX_VALUES) {
        *rc = -ERR_TOO_BIG;
        return NULL;
    }
    if (dm->nvals == dm->val_cap) {
        unsigned cap = dm->val_cap ? dm->val_cap * 2 : 4;
        struct val *p = realloc(dm->vals, cap * sizeof *p);
        if (!p) {
            *rc = -ERR_NOMEM;
            return NULL;
        }
        dm->vals = p;
        dm->val_cap = cap;
    }
    v = &dm->vals[dm->nvals++];
    memset(v, 0, sizeof *v);
    v->param = (uint16_t)ref->param;
    memcpy(v->idx, ref->idx, ref->depth * sizeof *ref->idx);
    return v;
}

static unsigned count_instances(const struct cpe_dm *dm, int table, const uint32_t *idx, unsigned depth)
{
    const struct cpe_snode *t = &dm->s->nodes[table];
    unsigned n = 0;
    for (unsigned k = 0; k < t->nkids; k++)
        for (unsigned i = 0; i < dm->ninst; i++)
            if (dm->inst[i].node == t->kids[k] && idx_eq(dm->inst[i].idx, idx, depth))
                n++;
    return n;
}

static const char *computed(const struct cpe_dm *dm, const struct cpe_sparam *p, const struct cpe_ref *ref,
                            char *buf, size_t n)
{
    const struct cpe_dm_ctx *c = dm->ctx;
    uint32_t h = c->hash, last = ref->depth ? ref->idx[ref->depth - 1] : 1;
    switch (p->special) {
    case CPE_SP_MANUFACTURER: return c->manufacturer ? c->manufacturer : "";
    case CPE_SP_OUI: return c->oui ? c->oui : "";
    case CPE_SP_PRODUCT_CLASS: return c->product_class ? c->product_class : "";
    case CPE_SP_SERIAL: return c->serial ? c->serial : "";
    case CPE_SP_CR_URL: return c->cr_url ? c->cr_url : "";
    case CPE_SP_ACS_URL: return c->acs_url ? c->acs_url : "";
    case CPE_SP_CERT_SERIAL: return c->cert_serial ? c->cert_serial : "";
    case CPE_SP_CERT_SUBJECT: return c->cert_subject ? c->cert_subject : "";
    case CPE_SP_UPTIME: {
        int64_t up = (c->now_ms - c->boot_ms) / 1000;
        snprintf(buf, n, "%lld", (long long)(up > 0 && up < 0xffffffffLL ? up : 0));
        return buf;
    }
    case CPE_SP_PERIODIC_INTERVAL:
        snprintf(buf, n, "%u", c->periodic_interval ? c->periodic_interval : 86400);
        return buf;
    case CPE_SP_LOCAL_TIME: {
        time_t t = (time_t)(c->now_ms / 1000);
        struct tm tm;
        if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
            return p->def;
        return buf;
    }
    case CPE_SP_MAC:
        snprintf(buf, n, "02:%02X:%02X:%02X:%02X:%02X", (h >> 24) & 0xff, (h >> 16) & 0xff, (h >> 8) & 0xff,
                 h & 0xff, last & 0xff);
        return buf;
    case CPE_SP_IPV4:
        snprintf(buf, n, "10.%u.%u.%u", (h >> 16) & 0xff, (h >> 8) & 0xff, (h & 0xfe) | 1);
        return buf;
    case CPE_SP_IFNAME:
        snprintf(buf, n, "%s%u", strstr(p->path, "Ethernet") ? "eth" : "ip", last - 1);
        return buf;
    case CPE_SP_NUM_ENTRIES:
        snprintf(buf, n, "%u", count_instances(dm, p->count_table, ref->idx, ref->depth));
        return buf;
    case CPE_SP_SIP_STATUS: return cpe_voice_status(dm, ref);
    default: return p->def;
    }
}

const char *cpe_dm_value(const struct cpe_dm *dm, const struct cpe_ref *ref, char *buf, size_t n)
{
    const struct cpe_sparam *p = &dm->s->params[ref->param];
    const struct val *v = find_val(dm, ref);
    if (v && v->has_value)
        return v->value;
    return computed(dm, p, ref, buf, n);
}

const char *cpe_dm_get(const struct cpe_dm *dm, const char *path, char *buf, size_t n)
{
    struct cpe_ref ref;
    if (cpe_dm_resolve(dm, path, &ref) != 0 || ref.param < 0)
        return NULL;
    return cpe_dm_value(dm, &ref, buf, n);
}

static bool parse_num(const char *v, bool neg_ok, long long *out)
{
    const char *d = v + (neg_ok && *v == '-');
    if (!*d || strlen(d) > 19)
        return false;
    for (const char *q = d; *q; q++)
        if (!isdigit((unsigned char)*q))
            return false;
    errno = 0;
    *out = strtoll(v, NULL, 10);
    return errno == 0;
}

static bool in_enum(const char *enums, const char *v)
{
    size_t l = strlen(v);
    for (const char *e = enums; *e;) {
        size_t el = strcspn(e, "|");
        if (el == l && strncmp(e, v, l) == 0)
            return true;
        e += el + (e[el] == '|');
    }
    return false;
}

static bool datetime_ok(const char *v)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    if (strlen(v) < sizeof shape - 1)
        return false;
    for (size_t i = 0; i < sizeof shape - 1; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)v[i]) : v[i] != shape[i])
            return false;
    return true;
}

int cpe_dm_check_value(const struct cpe_dm *dm, const struct cpe_ref *ref, const char *v)
{
    const struct cpe_sparam *p = &dm->s->params[ref->param];
    long long x;
    if (strlen(v) > CPE_DM_MAX_VALUE)
        return 9007;
    switch (p->type) {
    case CPE_T_UINT:
        if (!parse_num(v, false, &x) || x > 0xffffffffLL)
            return 9007;
        break;
    case CPE_T_INT:
        if (!parse_num(v, true, &x) || x < -2147483648LL || x > 2147483647LL)
            return 9007;
        break;
    case CPE_T_BOOL:
        return strcmp(v, "true") && strcmp(v, "false") && strcmp(v, "1") && strcmp(v, "0") ? 9007 : 0;
    case CPE_T_DATETIME:
        return datetime_ok(v) ? 0 : 9007;
    default:
        if (p->maxlen && strlen(v) > p->maxlen)
            return 9007;
        if (p->enums && !in_enum(p->enums, v))
            return 9007;
        return 0;
    }
    if ((p->has_min && x < p->min) || (p->has_max && x > p->max))
        return 9007;
    return 0;
}

int cpe_dm_set(struct cpe_dm *dm, const struct cpe_ref *ref, const char *value)
{
    const struct cpe_sparam *p = &dm->s->params[ref->param];
    if (p->type == CPE_T_BOOL)
        value = strcmp(value, "1") == 0 || strcmp(value, "true") == 0 ? "true" : "false";
    int rc = 0;
    struct val *v = get_val(dm, ref, &rc);
    if (!v)
        return rc;
    char *copy = strdup(value);
    if (!copy)
        return -ERR_NOMEM;
    free(v->value);
    v->value = copy;
    v->has_value = 1;
    return 0;
}

const char *cpe_dm_get_rel(const struct cpe_dm *dm, const char *rel, char *buf, size_t n)
{
    char path[CPE_MAX_PATH];
    return cpe_schema_abs(dm->s, rel, path, sizeof path) == 0 ? cpe_dm_get(dm, path, buf, n) : NULL;
}

int cpe_dm_set_rel(struct cpe_dm *dm, const char *rel, const char *value)
{
    char path[CPE_MAX_PATH];
    return cpe_schema_abs(dm->s, rel, path, sizeof path) == 0 ? cpe_dm_set_path(dm, path, value) : -ERR_NOENT;
}

int cpe_dm_set_path(struct cpe_dm *dm, const char *path, const char *value)
{
    struct cpe_ref ref;
    if (cpe_dm_resolve(dm, path, &ref) != 0 || ref.param < 0)
        return -ERR_NOENT;
    return cpe_dm_set(dm, &ref, value);
}

int cpe_dm_notify(const struct cpe_dm *dm, const struct cpe_ref *ref)
{
    const struct val *v = find_val(dm, ref);
    return v ? v->notify : 0;
}

int cpe_dm_set_notify(struct cpe_dm *dm, const struct cpe_ref *ref, int notify)
{
    int rc = 0;
    if (notify == 0 && !find_val(dm, ref))
        return 0;
    struct val *v = get_val(dm, ref, &rc);
    if (!v)
        return rc;
    v->notify = (uint8_t)notify;
    return 0;
}

int cpe_dm_add(struct cpe_dm *dm, const struct cpe_ref *table, uint32_t *instance)
{
    if (table->param >= 0 || dm->s->nodes[table->node].kind != CPE_NODE_TABLE)
        return 9005;
    int node = dm->s->nodes[table->node].kids[0];
    if (!dm->hw) {
        dm->hw = calloc(dm->s->nnodes, sizeof *dm->hw);
        if (!dm->hw)
            return 9004;
    }
    uint32_t next = dm->hw[node];
    for (unsigned i = 0; i < dm->ninst; i++)
        if (dm->inst[i].node == node && dm->inst[i].idx[table->depth] > next)
            next = dm->inst[i].idx[table->depth];
    if (next >= 0x7fffffffu)
        return 9004;
    uint32_t idx[CPE_MAX_DEPTH] = {0};
    memcpy(idx, table->idx, table->depth * sizeof *idx);
    idx[table->depth] = ++next;
    if (inst_add(dm, node, idx) < 0)
        return 9004;
    dm->hw[node] = next;
    *instance = next;
    return 0;
}

/* Is node n equal to or below ancestor a? */
static bool below(const struct cpe_schema *s, int n, int a)
{
    for (; n >= 0; n = s->nodes[n].parent)
        if (n == a)
            return true;
    return false;
}

int cpe_dm_delete(struct cpe_dm *dm, const struct cpe_ref *ref)
{
    if (ref->param >= 0 || dm->s->nodes[ref->node].kind != CPE_NODE_INSTANCE)
        return 9005;
    unsigned o = 0;
    for (unsigned i = 0; i < dm->ninst; i++) {
        const struct inst *in = &dm->inst[i];
        if (below(dm->s, in->node, ref->node) && idx_eq(in->idx, ref->idx, ref->depth))
            continue;
        dm->inst[o++] = *in;
    }
    dm->ninst = o;
    o = 0;
    for (unsigned i = 0; i < dm->nvals; i++) {
        struct val *v = &dm->vals[i];
        if (below(dm->s, dm->s->params[v->param].node, ref->node) && idx_eq(v->idx, ref->idx, ref->depth)) {
            free(v->value);
            continue;
        }
        dm->vals[o++] = *v;
    }
    dm->nvals = o;
    return 0;
}

struct walk {
    const struct cpe_dm *dm;
    unsigned flags;
    cpe_walk_fn fn;
    void *ud;
};

static int emit(struct walk *w, int param, int node, const uint32_t *idx, unsigned depth)
{
    const struct cpe_schema *s = w->dm->s;
    struct cpe_ref r = {.param = param, .node = node, .depth = depth};
    memcpy(r.idx, idx, depth * sizeof *idx);
    char path[CPE_MAX_PATH + 64];
    if (cpe_path_format(param >= 0 ? s->params[param].path : s->nodes[node].path, idx, path, sizeof path) < 0)
        return 0;
    return w->fn(w->ud, &r, path);
}

/* Children of node (given its instance numbers); recurse unless one level only. */
static int walk_kids(struct walk *w, int node, uint32_t *idx, unsigned depth, bool recurse)
{
    const struct cpe_snode *nd = &w->dm->s->nodes[node];
    int rc = 0;
    if (w->flags & CPE_WALK_PARAMS)
        for (unsigned i = 0; i < nd->nparams && !rc; i++)
            rc = emit(w, nd->params[i], node, idx, depth);
    for (unsigned k = 0; k < nd->nkids && !rc; k++) {
        int kid = nd->kids[k];
        if (w->dm->s->nodes[kid].kind != CPE_NODE_INSTANCE) {
            if (w->flags & CPE_WALK_NODES)
                rc = emit(w, -1, kid, idx, depth);
            if (!rc && recurse)
                rc = walk_kids(w, kid, idx, depth, true);
            continue;
        }
        /* instances of this table under idx, in ascending order (inst is sorted) */
        for (unsigned i = 0; i < w->dm->ninst && !rc; i++) {
            const struct inst *in = &w->dm->inst[i];
            if (in->node != kid || !idx_eq(in->idx, idx, depth))
                continue;
            idx[depth] = in->idx[depth];
            if (w->flags & CPE_WALK_NODES)
                rc = emit(w, -1, kid, idx, depth + 1);
            if (!rc && recurse)
                rc = walk_kids(w, kid, idx, depth + 1, true);
        }
    }
    return rc;
}

int cpe_dm_walk(const struct cpe_dm *dm, const struct cpe_ref *ref, unsigned flags, cpe_walk_fn fn, void *ud)
{
    struct walk w = {dm, flags, fn, ud};
    uint32_t idx[CPE_MAX_DEPTH] = {0};
    memcpy(idx, ref->idx, ref->depth * sizeof *idx);
    if (ref->param >= 0)
        return (flags & CPE_WALK_PARAMS) && !(flags & CPE_WALK_NEXT_LEVEL)
                   ? emit(&w, ref->param, ref->node, idx, ref->depth)
                   : 0;
    bool next = flags & CPE_WALK_NEXT_LEVEL;
    int rc = 0;
    if (!next && (flags & CPE_WALK_NODES))
        rc = emit(&w, -1, ref->node, idx, ref->depth);
    return rc ? rc : walk_kids(&w, ref->node, idx, ref->depth, !next);
}
