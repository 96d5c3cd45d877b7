/* acs/session/acs_inform.c — the Inform that opens a session: identity binding (DeviceId must equal the
 * certificate identity, else refused, audited, nothing changed), device and parameter cache,
 * events (BOOTSTRAP resets the cache), the device lease, InformResponse with the cookie. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "acs_db.h"
#include "acs_devid.h"
#include "acs_metrics.h"
#include "acs_rpc.h"
#include "acs_session.h"
#include "ca_audit.h"
#include "cwmp_body.h"
#include "log.h"

/* The facts of an Inform the session keeps or stores. */
struct inform_facts {
    char claimed[CA_DEVICE_ID_MAX + 1];
    char events[160];   /* "0 BOOTSTRAP,1 BOOT" for logs */
    json_t *events_json;
    int bootstrap, boot;
    const char *root, *sw, *hw, *cr_url;
    long periodic;
};

static size_t append_sep(char *out, size_t n, size_t at)
{
    if (at + 2 < n) {
        out[at++] = '-';
        out[at] = '\0';
    }
    return at;
}

/* OUI-ProductClass-SerialNumber (OUI-SerialNumber without a ProductClass), as in the cert. */
static void device_id_of(const struct cwmp__DeviceIdStruct *d, char *out, size_t n)
{
    out[0] = '\0';
    size_t at = acs_devid_append_part(out, n, 0, d->OUI);
    if (d->ProductClass && *d->ProductClass)
        at = acs_devid_append_part(out, n, append_sep(out, n, at), d->ProductClass);
    acs_devid_append_part(out, n, append_sep(out, n, at), d->SerialNumber);
}

static const char *param(const struct ParameterValueList *l, const char *root, const char *leaf)
{
    size_t rl = strlen(root);
    for (int i = 0; l && i < l->__size; i++) {
        const struct cwmp__ParameterValueStruct *p = l->__ptrParameterValueStruct[i];
        if (p && p->Name && !strncmp(p->Name, root, rl) && !strcmp(p->Name + rl, leaf))
            return p->Value.__item ? p->Value.__item : "";
    }
    return "";
}

static void facts_of(const struct _cwmp__Inform *in, struct inform_facts *f)
{
    memset(f, 0, sizeof f[0]);
    device_id_of(in->DeviceId, f->claimed, sizeof f->claimed);
    f->events_json = json_array();
    size_t used = 0;
    for (int i = 0; in->Event && i < in->Event->__size; i++) {
        const struct cwmp__EventStruct *e = in->Event->__ptrEventStruct[i];
        if (!e || !e->EventCode)
            continue;
        json_array_append_new(f->events_json, json_string(e->EventCode));
        f->bootstrap |= !strcmp(e->EventCode, "0 BOOTSTRAP");
        f->boot |= !strcmp(e->EventCode, "1 BOOT");
        int w = snprintf(f->events + used, sizeof f->events - used, "%s%s", used ? "," : "", e->EventCode);
        if (w > 0 && (size_t)w < sizeof f->events - used)
            used += (size_t)w;
    }
    const struct ParameterValueList *l = in->ParameterList;
    f->root = "Device.";
    for (int i = 0; l && i < l->__size; i++)
        if (l->__ptrParameterValueStruct[i] && l->__ptrParameterValueStruct[i]->Name &&
            !strncmp(l->__ptrParameterValueStruct[i]->Name, "InternetGatewayDevice.", 22))
            f->root = "InternetGatewayDevice.";
    f->sw = param(l, f->root, "DeviceInfo.SoftwareVersion");
    f->hw = param(l, f->root, "DeviceInfo.HardwareVersion");
    f->cr_url = param(l, f->root, "ManagementServer.ConnectionRequestURL");
    const char *pi = param(l, f->root, "ManagementServer.PeriodicInformInterval");
    char *end = NULL;
    long v = *pi ? strtol(pi, &end, 10) : -1;
    f->periodic = *pi && end && !*end && v >= 0 && v <= 2147483647L ? v : -1;
}

/* DeviceId differs from the certificate: refuse, audit, record; the device is not touched. */
static void refuse_identity(struct acs_worker *w, const struct acs_cwmp_req *req, const struct cwmp_msg *m,
                            struct inform_facts *f, struct acs_cwmp_reply *rep)
{
    char details[600], *err = NULL, q1[220], q2[220];
    acs_metrics_count(ACS_METRIC_AUTH_REFUSED, ACS_MA_IDENTITY_MISMATCH);
    acs_metrics_count(ACS_METRIC_SESSIONS, ACS_MS_REFUSED);
    log_warn("cwmp", "event=refused reason=identity_mismatch claimed=%s cert_device=%s cert_serial=%s remote=%s",
             log_quote(q1, sizeof q1, f->claimed), req->peer->device_id, req->peer->serial, req->remote);
    snprintf(details, sizeof details, "reason=identity_mismatch cert_device=%s cert_serial=%s remote=%s node=%s",
             req->peer->device_id, req->peer->serial, req->remote, w->ctx->node);
    char *ej = json_dumps(f->events_json, JSON_COMPACT);
    if (ca_audit(w->db, w->ctx->node, "cwmp.refused", f->claimed, "refused", details, &err) < 0 ||
        acs_db_session_refused(w->db, f->claimed, req->auth ? req->auth : "cert", req->peer->serial, req->remote, ej ? ej : "[]",
                               cwmp_version_str(m->version), "refused:identity", &err) < 0)
        log_err("cwmp", "event=db_error what=identity_refusal msg=%s", log_quote(q2, sizeof q2, err ? err : "?"));
    free(ej);
    free(err);
    acs_reply_text(rep, 403, "Inform DeviceId does not match the client certificate");
    rep->close = 1;
}

static struct acs_session *session_new(const struct acs_cwmp_req *req, const struct cwmp_msg *m)
{
    unsigned char rnd[ACS_SESSION_ID_LEN / 2];
    struct acs_session *s = calloc(1, sizeof *s);
    if (!s || RAND_bytes(rnd, sizeof rnd) != 1) {
        free(s);
        return NULL;
    }
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(s->id + 2 * i, 3, "%02x", rnd[i]);
    snprintf(s->device_id, sizeof s->device_id, "%s", req->peer->device_id);
    snprintf(s->cert_serial, sizeof s->cert_serial, "%s", req->peer->serial);
    snprintf(s->issuer_serial, sizeof s->issuer_serial, "%s", req->peer->issuer_serial);
    s->cert_not_after = req->peer->not_after;
    snprintf(s->remote, sizeof s->remote, "%s", req->remote ? req->remote : "-");
    snprintf(s->auth, sizeof s->auth, "%s", req->auth ? req->auth : "cert");
    s->version = m->version;
    s->started = s->last_active = time(NULL);
    return s;
}

/* Store the Inform (device, lease, session row, params). 0, or an HTTP reply was set. */
static int store(struct acs_worker *w, struct acs_session *s, const struct cwmp_msg *m, struct inform_facts *f,
                 struct acs_cwmp_reply *rep)
{
    const struct cwmp__DeviceIdStruct *d = m->body.inform->DeviceId;
    json_t *params = acs_rpc_param_list(m->body.inform->ParameterList);
    char *pj = params ? json_dumps(params, JSON_COMPACT) : NULL, *ej = json_dumps(f->events_json, JSON_COMPACT);
    char *err = NULL, q[300];
    struct acs_db_inform in = {
        .device_id = s->device_id, .oui = d->OUI, .product_class = d->ProductClass ? d->ProductClass : "",
        .serial = d->SerialNumber, .manufacturer = d->Manufacturer ? d->Manufacturer : "", .root_object = f->root,
        .cwmp_version = cwmp_version_str(m->version), .software_version = f->sw, .hardware_version = f->hw,
        .cr_url = f->cr_url, .periodic_interval = f->periodic, .events_json = ej ? ej : "[]",
        .params_json = pj ? pj : "[]", .bootstrap = f->bootstrap, .boot = f->boot, .auth = s->auth,
        .cert_serial = s->cert_serial, .remote = s->remote, .lease_seconds = w->ctx->lim.session_timeout + 5};
    int cr_set = 1;
    snprintf(s->root, sizeof s->root, "%s", f->root);
    int rc = acs_db_inform(w->db, &in, &s->device_pk, &s->row, &cr_set, &err);
    s->cr_needed = rc == 0 && !cr_set;
    if (rc == -ERR_PERM) {
        /* a certificate of another tenant's issuer for this device: never moves the device */
        log_warn("cwmp", "event=refused reason=tenant_mismatch session_id=%s device=%s cert_serial=%s remote=%s", s->id,
                 s->device_id, s->cert_serial, s->remote);
        if (acs_db_session_refused(w->db, s->device_id, s->auth, s->cert_serial, s->remote, ej ? ej : "[]",
                                   cwmp_version_str(m->version), "refused:tenant", &err) < 0)
            log_err("cwmp", "event=db_error what=tenant_refusal msg=%s", log_quote(q, sizeof q, err ? err : "?"));
        acs_metrics_count(ACS_METRIC_SESSIONS, ACS_MS_REFUSED);
        acs_reply_text(rep, 403, "the certificate's issuer belongs to another tenant than the device");
        rep->close = 1;
    } else if (rc == -ERR_EXIST) {
        log_info("cwmp", "event=refused reason=device_busy session_id=%s device=%s remote=%s", s->id, s->device_id,
                 s->remote);
        acs_reply_text(rep, 503, "another session of this device is open");
    } else if (rc < 0) {
        log_err("cwmp", "event=db_error session_id=%s what=inform msg=%s", s->id,
                log_quote(q, sizeof q, err ? err : "?"));
        acs_reply_text(rep, 503, "database unavailable");
    }
    if (rc < 0 && rc != -ERR_PERM)
        rep->retry_after = w->ctx->lim.retry_after;
    free(err);
    free(pj);
    free(ej);
    json_decref(params);
    return rc;
}

/* Put s in the registry (ending an idle older session of the same device). 0 or reply set. */
static int registry_add(struct acs_worker *w, struct acs_session *s, struct acs_cwmp_reply *rep)
{
    struct acs_session *old = NULL;
    int rc = acs_registry_add(w->ctx->sessions, s, &old);
    if (old)
        acs_session_end(w->ctx, w->db, old, "superseded");
    if (rc < 0) {
        log_warn("cwmp", "event=refused reason=%s device=%s remote=%s",
                 rc == -ERR_TOO_BIG ? "max_sessions" : "device_busy", s->device_id, s->remote);
        acs_reply_text(rep, 503, rc == -ERR_TOO_BIG ? "too many sessions" : "another session of this device is open");
        rep->retry_after = w->ctx->lim.retry_after;
    }
    return rc;
}

void acs_inform_start(struct acs_worker *w, const struct acs_cwmp_req *req, const struct cwmp_msg *m,
                      struct acs_cwmp_reply *rep)
{
    struct inform_facts f;
    facts_of(m->body.inform, &f);
    struct acs_session *s = NULL;
    if (atomic_load(&w->ctx->stopping)) {
        acs_reply_text(rep, 503, "shutting down");
        rep->retry_after = w->ctx->lim.retry_after;
        rep->close = 1;
        goto out;
    }
    if (strcmp(f.claimed, req->peer->device_id) != 0) {
        refuse_identity(w, req, m, &f, rep);
        goto out;
    }
    if (!(s = session_new(req, m))) {
        acs_reply_text(rep, 503, "out of memory");
        rep->retry_after = w->ctx->lim.retry_after;
        goto out;
    }
    if (registry_add(w, s, rep) < 0)
        goto out;
    if (store(w, s, m, &f, rep) < 0) {
        acs_registry_remove(w->ctx->sessions, s);
        goto out;
    }
    snprintf(s->events, sizeof s->events, "%s", f.events);
    acs_session_note_msg(s, m);
    struct _cwmp__InformResponse ir = {.MaxEnvelopes = 1};
    struct cwmp_msg out = {.type = CWMP_MSG_INFORM_RESPONSE, .body.inform_response = &ir};
    s->rpcs = 1;
    if (acs_reply_msg(w, s->version, m->header.id, &out, rep) == 0) {
        snprintf(rep->set_cookie, sizeof rep->set_cookie, ACS_COOKIE_NAME "=%s; Path=/; Secure; HttpOnly", s->id);
        snprintf(rep->bound_id, sizeof rep->bound_id, "%s", s->id);
    }
    char q[200];
    acs_metrics_sessions_open_add(1);
    acs_metrics_rpc("Inform");
    log_info("cwmp", "event=session_start session_id=%s device=%s cert_serial=%s cwmp=%s events=%s remote=%s",
             s->id, s->device_id, s->cert_serial, cwmp_version_str(s->version), log_quote(q, sizeof q, s->events),
             s->remote);
    acs_registry_release(w->ctx->sessions, s);
    s = NULL;
out:
    free(s);
    json_decref(f.events_json);
}
