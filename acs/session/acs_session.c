/* acs/session/acs_session.c — the CWMP session engine: request dispatch inside a session, the task
 * queue (one RPC at a time, responses and CPE faults stored), session end; reply helpers. */
#define _GNU_SOURCE /* memmem */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acs_db.h"
#include "acs_metrics.h"
#include "acs_rpc.h"
#include "acs_secret_params.h"
#include "acs_session.h"
#include "ca_verify.h"
#include "cwmp_body.h"
#include "log.h"
#include "secret.h"

#define TEXT_MAX 512

void acs_cwmp_reply_init(struct acs_cwmp_reply *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->status = 500;
    buf_init(&rep->body, CWMP_MAX_ENVELOPE);
    rep->content_type = "text/plain; charset=utf-8";
}

void acs_cwmp_reply_cleanup(struct acs_cwmp_reply *rep)
{
    buf_cleanup(&rep->body);
}

void acs_reply_text(struct acs_cwmp_reply *rep, int status, const char *text)
{
    rep->status = status;
    rep->content_type = "text/plain; charset=utf-8";
    rep->body.len = 0;
    if (rep->body.data)
        rep->body.data[0] = '\0';
    if (buf_printf(&rep->body, "%.*s\n", TEXT_MAX, text) < 0)
        rep->body.len = 0;
}

int acs_reply_msg(struct acs_worker *w, enum cwmp_version v, const char *id, struct cwmp_msg *msg,
                  struct acs_cwmp_reply *rep)
{
    struct cwmp_error err;
    char idcopy[256]; /* id may point into the codec's decoded data, which encode frees */
    snprintf(idcopy, sizeof idcopy, "%s", id && *id ? id : "acs");
    msg->version = v;
    msg->header.id = idcopy;
    rep->body.len = 0;
    int rc = cwmp_encode(w->codec, msg, &rep->body, &err);
    if (rc < 0) {
        char q[240];
        log_err("cwmp", "event=encode_failed rpc=%s reason=%s", cwmp_msg_name(msg->type),
                log_quote(q, sizeof q, err.msg));
        acs_reply_text(rep, 500, "internal error");
        return rc;
    }
    rep->status = 200;
    rep->content_type = "text/xml; charset=\"utf-8\"";
    return 0;
}

void acs_reply_fault(struct acs_worker *w, enum cwmp_version v, const char *id, int code,
                     struct acs_cwmp_reply *rep)
{
    char codetext[16];
    snprintf(codetext, sizeof codetext, "%d", code);
    struct _cwmp__Fault f = {.FaultCode = codetext, .FaultString = (char *)cwmp_fault_str(code)};
    struct cwmp_msg m = {.type = CWMP_MSG_FAULT, .body.fault = &f};
    acs_metrics_fault(code);
    (void)acs_reply_msg(w, v, id, &m, rep);
}

void acs_dump_envelope(struct acs_ctx *ctx, const struct acs_session *s, struct acs_cwmp_reply *rep,
                       const char *mask)
{
    static atomic_uint seq;
    const char *dir = ctx->lim.dump_dir;
    if (!dir || !*dir || rep->dumped || rep->status != 200 || !rep->body.len)
        return;
    rep->dumped = 1;
    char path[512];
    snprintf(path, sizeof path, "%s/%06u-%s.xml", dir, atomic_fetch_add(&seq, 1) + 1, s                  ? s->id
             : rep->bound_id[0] ? rep->bound_id
                                : "none");
    char *copy = malloc(rep->body.len);
    if (!copy)
        return;
    memcpy(copy, rep->body.data, rep->body.len);
    size_t ml = mask ? strlen(mask) : 0;
    for (char *p = copy; ml && (p = memmem(p, rep->body.len - (size_t)(p - copy), mask, ml)); p += ml)
        memset(p, '*', ml);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, copy, rep->body.len) != (ssize_t)rep->body.len) {
        char q[600];
        log_warn("cwmp", "event=dump_failed path=%s", log_quote(q, sizeof q, path));
    }
    if (fd >= 0)
        close(fd);
    free(copy);
}

void acs_session_note_msg(struct acs_session *s, const struct cwmp_msg *m)
{
    acs_metrics_lenient(m->lenient);
    if (m->lenient) {
        s->lenient |= m->lenient;
        s->lenient_msgs++;
    }
    if (m->header.no_more_requests && !s->no_more_requests) {
        s->no_more_requests = 1;
        s->cpe_done = 1;
        log_info("cwmp", "event=no_more_requests session_id=%s rpc=%s", s->id, cwmp_msg_name(m->type));
    }
}

/* The one log line of a session that needed leniency, and its record in the database. */
static void session_lenient_end(struct db *db, const struct acs_session *s)
{
    char kinds[256], *err = NULL, q[300];
    if (!s->lenient)
        return;
    cwmp_lenient_names(s->lenient, kinds, sizeof kinds);
    log_info("cwmp", "event=lenient session_id=%s device=%s kinds=%s messages=%d", s->id, s->device_id, kinds,
             s->lenient_msgs);
    if (s->row && db && acs_db_session_lenient(db, s->row, s->device_pk, kinds, s->lenient_msgs, &err) < 0)
        log_err("cwmp", "event=db_error session_id=%s what=session_lenient msg=%s", s->id,
                log_quote(q, sizeof q, err ? err : "?"));
    free(err);
}

void acs_session_end(struct acs_ctx *ctx, struct db *db, struct acs_session *s, const char *result)
{
    char *err = NULL;
    (void)ctx;
    if (s->row && !s->db_closed && (!db || acs_db_ensure(db) < 0 || acs_db_session_end(db, s->row, s->device_pk, s->rpcs, result, &err) < 0)) {
        char q[300];
        log_err("cwmp", "event=db_error session_id=%s what=session_end msg=%s", s->id,
                log_quote(q, sizeof q, err ? err : "database unreachable"));
    }
    free(err);
    session_lenient_end(db, s);
    acs_metrics_sessions_open_add(-1);
    acs_metrics_session_end(acs_metrics_session_result(result), (long)(time(NULL) - s->started) * 1000);
    log_info("cwmp", "event=session_end session_id=%s device=%s result=%s rpcs=%d duration_s=%ld", s->id,
             s->device_id, result, s->rpcs, (long)(time(NULL) - s->started));
    free(s);
}

/* ---- the task queue ---- */

static void task_fail_local(struct acs_worker *w, struct acs_session *s, long task_id, const char *why)
{
    char *err = NULL, q[300];
    json_t *res = json_pack("{s:s}", "error", why);
    char *rj = res ? json_dumps(res, JSON_COMPACT) : NULL;
    struct acs_db_task_end e = {.task_id = task_id, .device_pk = s->device_pk, .state = "fault",
                                .result_json = rj, .fault_code = CWMP_FAULT_ACS_INVALID_ARGS,
                                .fault_string = why, .details_json = "[]"};
    if (acs_db_task_finish(w->db, &e, &err) < 0)
        log_err("cwmp", "event=db_error session_id=%s what=task_finish msg=%s", s->id,
                log_quote(q, sizeof q, err ? err : "?"));
    log_warn("cwmp", "event=task_invalid session_id=%s task_id=%ld reason=%s", s->id, task_id,
             log_quote(q, sizeof q, why));
    free(err);
    free(rj);
    json_decref(res);
}

/* The answered task's finish (NULL: none) on its own statement. */
static void task_finish(struct acs_worker *w, struct acs_session *s, const struct acs_db_task_end *e)
{
    char *err = NULL, q[300];
    if (e && acs_db_task_finish(w->db, e, &err) < 0)
        log_err("cwmp", "event=db_error session_id=%s what=task_finish task_id=%ld msg=%s", s->id, e->task_id,
                log_quote(q, sizeof q, err ? err : "?"));
    free(err);
}

/* Once the RPC is encoded its secrets are wiped from it; the dump directory gets it encoded
 * again with them as "***" (instead of rep). */
static void dump_masked(struct acs_worker *w, struct acs_session *s, struct acs_rpc *rpc, const char *kind,
                        const char *stored_args, const char *id, struct acs_cwmp_reply *rep)
{
    const char *dir = w->ctx->lim.dump_dir;
    if (!acs_secret_rpc_mask(&rpc->msg, kind, stored_args) || !dir || !*dir || rep->status != 200)
        return;
    struct acs_cwmp_reply masked;
    acs_cwmp_reply_init(&masked);
    if (acs_reply_msg(w, s->version, id, &rpc->msg, &masked) == 0)
        acs_dump_envelope(w->ctx, s, &masked, NULL);
    acs_cwmp_reply_cleanup(&masked);
    rep->dumped = 1;
}

/* Store the answered task's finish (NULL: none), then send the next open task, or 204 and end
 * the session; the finish, the next task and the session's end are one statement. Returns 1
 * when the session ended. */
static int next_task(struct acs_worker *w, struct acs_session *s, struct acs_cwmp_reply *rep,
                     const struct acs_db_task_end *finish)
{
    if (finish && s->cr_needed && !s->cr_tried) { /* the credentials' SPV would go first */
        task_finish(w, s, finish);
        finish = NULL;
    }
    if (acs_session_cr_send(w, s, rep))
        return 0;
    for (;; finish = NULL) {
        struct acs_db_task t;
        long expired = 0;
        char *err = NULL, q[300];
        /* no task left: the same statement closes the sessions row (result "ok", as the caller
         * ends the session with) */
        struct acs_db_session_close close = {.session_row = s->row, .rpcs = s->rpcs, .result = "ok"};
        int rc = acs_db_task_next(w->db, s->device_pk, s->last_task_id, s->row ? &close : NULL, finish, &t,
                                  &expired, &s->db_closed, &err);
        if (expired)
            log_info("cwmp", "event=tasks_expired session_id=%s count=%ld", s->id, expired);
        if (rc < 0) {
            log_err("cwmp", "event=db_error session_id=%s what=task_next msg=%s", s->id,
                    log_quote(q, sizeof q, err ? err : "?"));
            free(err);
            acs_reply_text(rep, 503, "database unavailable");
            rep->retry_after = w->ctx->lim.retry_after;
            return 0;
        }
        if (rc == 0) {
            rep->status = 204;
            rep->body.len = 0;
            return 1;
        }
        s->last_task_id = t.id;
        struct acs_rpc rpc;
        char *plain = NULL; /* the args with their sealed secrets opened, for this RPC only */
        rc = acs_secret_args_open(w->ctx->secret, s->device_id, t.kind, t.args, &plain, &err);
        if (rc == 0)
            rc = acs_rpc_build(t.kind, plain, &rpc, &err);
        secret_wipe_free(plain);
        if (rc < 0) {
            free(t.args);
            task_fail_local(w, s, t.id, err ? err : "invalid task");
            free(err);
            continue;
        }
        acs_rpc_set_transfer_key(&rpc, t.command_key);
        char id[32];
        snprintf(id, sizeof id, "task-%ld.%d", t.id, t.attempts);
        rpc.msg.header.hold_requests = rpc.hold_requests;
        rc = acs_reply_msg(w, s->version, id, &rpc.msg, rep);
        dump_masked(w, s, &rpc, t.kind, t.args, id, rep);
        free(t.args);
        s->task_id = rc == 0 ? t.id : 0;
        snprintf(s->rpc_id, sizeof s->rpc_id, "%s", id);
        s->expect = acs_rpc_response_type(rpc.msg.type);
        s->hold = rpc.hold_requests;
        snprintf(s->task_kind, sizeof s->task_kind, "%s", t.kind);
        acs_rpc_cleanup(&rpc);
        if (rc == 0) {
            s->rpcs++;
            acs_metrics_rpc(t.kind);
            log_info("cwmp", "event=rpc_sent session_id=%s task_id=%ld kind=%s attempt=%d", s->id, t.id, t.kind,
                     t.attempts);
        }
        return 0;
    }
}

/* A response or CPE fault for the task in flight: stored, and the next task sent (or the
 * session ended: returns 1). */
static int task_answer(struct acs_worker *w, struct acs_session *s, const struct cwmp_msg *m,
                       struct acs_cwmp_reply *rep)
{
    struct acs_db_task_end e = {.task_id = s->task_id, .device_pk = s->device_pk, .state = "done"};
    json_t *result = NULL, *details = NULL, *params = NULL;
    char *rj = NULL, *dj = NULL, *pj = NULL, *err = NULL, q[300];
    if (m->type == CWMP_MSG_FAULT) {
        e.state = "fault";
        if (acs_rpc_fault(m, &e.fault_code, &e.fault_string, &details) < 0)
            e.fault_string = "unreadable fault";
        result = json_pack("{s:i,s:s,s:O}", "faultCode", e.fault_code, "faultString", e.fault_string,
                           "setParameterValuesFault", details ? details : json_null());
        dj = details ? json_dumps(details, JSON_COMPACT) : NULL;
        e.details_json = dj ? dj : "[]";
        acs_metrics_fault(e.fault_code);
        log_info("cwmp", "event=cpe_fault session_id=%s task_id=%ld kind=%s fault_code=%d details=%zu", s->id,
                 s->task_id, s->task_kind, e.fault_code, details ? json_array_size(details) : 0);
    } else {
        result = acs_rpc_result(m);
        /* Status 1: the transfer is not done yet; its TransferComplete (acs_cpe_rpc.c) finishes it */
        if ((m->type == CWMP_MSG_DOWNLOAD_RESPONSE && m->body.download_response->Status) ||
            (m->type == CWMP_MSG_UPLOAD_RESPONSE && m->body.upload_response->Status))
            e.state = "in_progress";
        if (m->type == CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE)
            params = json_incref(json_object_get(result, "values"));
        log_info("cwmp", "event=rpc_done session_id=%s task_id=%ld kind=%s state=%s", s->id, s->task_id,
                 s->task_kind, e.state);
    }
    rj = result ? json_dumps(result, JSON_COMPACT) : NULL;
    pj = params ? json_dumps(params, JSON_COMPACT) : NULL;
    e.result_json = rj;
    e.params_json = pj;
    s->task_id = 0;
    int ended;
    if (m->type == CWMP_MSG_GET_PARAMETER_NAMES_RESPONSE) { /* the writable flags follow the finish */
        char *gj = json_dumps(json_object_get(result, "parameters"), JSON_COMPACT);
        task_finish(w, s, &e);
        if (!gj || acs_db_params_writable(w->db, s->device_pk, gj, &err) < 0)
            log_err("cwmp", "event=db_error session_id=%s what=params_writable task_id=%ld msg=%s", s->id,
                    e.task_id, log_quote(q, sizeof q, err ? err : "out of memory"));
        free(gj);
        ended = next_task(w, s, rep, NULL);
    } else {
        ended = next_task(w, s, rep, &e);
    }
    free(err);
    free(rj);
    free(dj);
    free(pj);
    json_decref(result);
    json_decref(details);
    json_decref(params);
    return ended;
}

static int is_response(enum cwmp_msg_type t)
{
    const char *n = cwmp_msg_name(t);
    size_t l = n ? strlen(n) : 0;
    return l > 8 && !strcmp(n + l - 8, "Response");
}

/* An answer to the request in flight must carry its cwmp:ID (TR-069 §3.5). An answer without
 * any (a CPE that sends no Header: accepted leniently, counted by the codec) is taken as the
 * answer; one carrying another ID answers something else: it completes nothing. */
static int answer_id_mismatch(const struct acs_session *s, const struct cwmp_msg *m)
{
    return m->type != CWMP_MSG_NONE && m->header.id && *m->header.id && strcmp(m->header.id, s->rpc_id) != 0;
}

/* Everything after the Inform. Returns 1 when the session is over. */
static int in_session(struct acs_worker *w, struct acs_session *s, const struct cwmp_msg *m,
                      struct acs_cwmp_reply *rep)
{
    int no_more = s->no_more_requests;
    acs_session_note_msg(s, m);
    if (s->task_id && (m->type == s->expect || m->type == CWMP_MSG_FAULT) && answer_id_mismatch(s, m)) {
        char q1[120], q2[120];
        log_warn("cwmp", "event=refused reason=cwmp_id_mismatch session_id=%s task_id=%ld kind=%s got=%s want=%s",
                 s->id, s->task_id, s->task_kind, log_quote(q1, sizeof q1, m->header.id),
                 log_quote(q2, sizeof q2, s->rpc_id));
        s->task_id = 0; /* stays sent: retried in a later session, up to max_attempts */
        acs_reply_fault(w, s->version, m->header.id, CWMP_FAULT_ACS_INVALID_ARGS, rep);
        return 0;
    }
    if (m->type == CWMP_MSG_NONE || m->type == CWMP_MSG_FAULT || is_response(m->type)) {
        if (s->task_id == ACS_TASK_CR_CREDENTIALS && (m->type == s->expect || m->type == CWMP_MSG_FAULT)) {
            acs_session_cr_answer(w, s, m);
        } else if (s->task_id && (m->type == s->expect || m->type == CWMP_MSG_FAULT)) {
            s->cpe_done = 1;
            return task_answer(w, s, m, rep); /* with the next task: one statement */
        } else if (s->task_id) {
            log_warn("cwmp", "event=no_answer session_id=%s task_id=%ld kind=%s got=%s", s->id, s->task_id,
                     s->task_kind, m->type == CWMP_MSG_NONE ? "empty" : cwmp_msg_name(m->type));
            s->task_id = 0; /* stays sent: retried in a later session, up to max_attempts */
        } else if (m->type != CWMP_MSG_NONE) {
            log_warn("cwmp", "event=unexpected session_id=%s got=%s", s->id, cwmp_msg_name(m->type));
        }
        s->cpe_done = 1;
        return next_task(w, s, rep, NULL);
    }
    if (no_more) /* answered all the same: the CPE is the one that changed its mind */
        log_warn("cwmp", "event=protocol_warning session_id=%s msg=\"request after NoMoreRequests\" rpc=%s", s->id,
                 cwmp_msg_name(m->type));
    if (s->hold) {
        log_warn("cwmp", "event=protocol_error session_id=%s msg=\"request while HoldRequests\" rpc=%s", s->id,
                 cwmp_msg_name(m->type));
        acs_reply_fault(w, s->version, m->header.id, CWMP_FAULT_ACS_REQUEST_DENIED, rep);
        return 0;
    }
    s->rpcs++;
    acs_cpe_request(w, s, m, rep);
    return 0;
}

static void refuse_peer(const struct acs_cwmp_req *req, struct acs_cwmp_reply *rep)
{
    enum ca_verify_reason r = req->peer ? req->peer->reason : CA_VERIFY_NO_CERT;
    char text[240];
    snprintf(text, sizeof text, "client certificate refused: %s", ca_verify_reason_str(r));
    acs_metrics_count(ACS_METRIC_AUTH_REFUSED, acs_metrics_auth_from_verify(r));
    if (r == CA_VERIFY_NO_CERT) {
        acs_reply_text(rep, 401, "a client certificate is required");
        rep->www_authenticate = "Transport mode=\"tls-client-certificate\"";
    } else {
        acs_reply_text(rep, r == CA_VERIFY_INTERNAL ? 503 : 403, text);
        if (r == CA_VERIFY_INTERNAL)
            rep->retry_after = 5;
    }
    rep->close = 1;
}

/* A message the codec refused: a CWMP fault (200) or an HTTP error, logged once. */
static void bad_message(struct acs_worker *w, const struct acs_session *s, const struct acs_cwmp_req *req,
                        const struct cwmp_error *err, struct acs_cwmp_reply *rep)
{
    char q[260];
    int status = cwmp_reason_http_status(err->reason);
    log_warn("cwmp", "event=bad_message session_id=%s remote=%s reason=%s status=%d msg=%s", s ? s->id : "-",
             req->remote, cwmp_reason_str(err->reason), status, log_quote(q, sizeof q, err->msg));
    if (status == 200) {
        /* answer in the message's own namespace and with its cwmp:ID when the codec saw them
         * (copied: the ID lives in the codec, which the reply's encode resets) */
        char id[128];
        int have_id = err->id && strlen(err->id) < sizeof id;
        if (have_id)
            snprintf(id, sizeof id, "%s", err->id);
        enum cwmp_version v = err->version >= 0 ? (enum cwmp_version)err->version : s ? s->version : CWMP_V1_2;
        acs_reply_fault(w, v, have_id ? id : NULL, cwmp_reason_fault(err->reason, CWMP_SIDE_ACS), rep);
    } else {
        acs_reply_text(rep, status, err->msg[0] ? err->msg : "malformed SOAP message");
        rep->close = 1;
    }
}

/* The session named by the request, acquired; NULL with rep filled when it cannot go on. */
static struct acs_session *find_session(struct acs_worker *w, const struct acs_cwmp_req *req,
                                        struct acs_cwmp_reply *rep, int *answered)
{
    struct acs_ctx *ctx = w->ctx;
    int busy = 0;
    const char *id = req->cookie_id && *req->cookie_id ? req->cookie_id : req->bound_id;
    struct acs_session *s = acs_registry_acquire(ctx->sessions, id, &busy);
    *answered = 0;
    if (busy) {
        acs_reply_text(rep, 503, "this CWMP session is busy with another request");
        rep->retry_after = ctx->lim.retry_after;
        *answered = 1;
        return NULL;
    }
    if (s && strcmp(s->device_id, req->peer->device_id) != 0) {
        log_warn("cwmp", "event=refused reason=foreign_session session_id=%s device=%s cert_device=%s remote=%s",
                 s->id, s->device_id, req->peer->device_id, req->remote);
        acs_registry_release(ctx->sessions, s);
        acs_reply_text(rep, 403, "session cookie of another device");
        rep->close = 1;
        *answered = 1;
        return NULL;
    }
    if (s && (s->expired || time(NULL) - s->started >= ctx->lim.session_timeout)) {
        acs_registry_remove(ctx->sessions, s);
        acs_session_end(ctx, w->db, s, "timeout");
        acs_reply_text(rep, 400, "CWMP session timed out");
        rep->close = 1;
        *answered = 1;
        return NULL;
    }
    return s;
}

static void handle(struct acs_worker *w, const struct acs_cwmp_req *req, struct acs_cwmp_reply *rep)
{
    struct acs_ctx *ctx = w->ctx;
    if (!req->peer || req->peer->reason != CA_VERIFY_OK) {
        refuse_peer(req, rep);
        return;
    }
    /* the verdict is the connection's: a keep-alive connection outlives a revocation of its
     * certificate or issuer, and its chain's expiry; each request checks them anew */
    int revoked = ca_verifier_is_revoked(ctx->verifier, req->peer->serial) ||
                  (req->peer->issuer_serial[0] && ca_verifier_is_revoked(ctx->verifier, req->peer->issuer_serial));
    if (revoked || (req->peer->not_after && time(NULL) >= req->peer->not_after)) {
        log_info("cwmp", "event=refused reason=%s device=%s cert_serial=%s remote=%s", revoked ? "revoked" : "expired",
                 req->peer->device_id, req->peer->serial, req->remote);
        acs_metrics_count(ACS_METRIC_AUTH_REFUSED, ACS_MA_REVOKED);
        acs_reply_text(rep, 403, revoked ? "client certificate refused: revoked" : "client certificate refused: expired");
        rep->close = 1;
        return;
    }
    int answered;
    struct acs_session *s = find_session(w, req, rep, &answered);
    if (answered)
        return;
    const struct cwmp_msg *m = NULL;
    struct cwmp_error err;
    if (acs_db_ensure(w->db) < 0) {
        log_err("cwmp", "event=db_error session_id=%s what=connect", s ? s->id : "-");
        acs_reply_text(rep, 503, "database unavailable");
        rep->retry_after = ctx->lim.retry_after;
    } else if (cwmp_decode(w->codec, req->body, req->len, CWMP_DECODE_ALLOW_NO_ID, &m, &err) < 0) {
        bad_message(w, s, req, &err, rep);
    } else if (m->type == CWMP_MSG_INFORM) {
        if (s) { /* the CPE starts over (it gave up on the old session): close that one first */
            log_info("cwmp", "event=inform_in_session session_id=%s", s->id);
            acs_registry_remove(ctx->sessions, s);
            acs_session_end(ctx, w->db, s, "superseded");
            s = NULL;
        }
        acs_inform_start(w, req, m, rep);
    } else if (!s) {
        log_info("cwmp", "event=no_session remote=%s device=%s got=%s", req->remote, req->peer->device_id,
                 m->type == CWMP_MSG_NONE ? "empty" : cwmp_msg_name(m->type));
        acs_reply_text(rep, 400, "no CWMP session: a session begins with Inform");
        rep->close = 1;
    } else if (in_session(w, s, m, rep)) {
        acs_registry_remove(ctx->sessions, s);
        acs_session_end(ctx, w->db, s, "ok");
        return;
    }
    if (!s)
        return;
    if (rep->status >= 400) {
        char result[64];
        snprintf(result, sizeof result, "error:http_%d", rep->status);
        acs_registry_remove(ctx->sessions, s);
        acs_session_end(ctx, w->db, s, result);
        return;
    }
    snprintf(rep->bound_id, sizeof rep->bound_id, "%s", s->id);
    acs_registry_release(ctx->sessions, s);
}

void acs_cwmp_handle(struct acs_worker *w, const struct acs_cwmp_req *req, struct acs_cwmp_reply *rep)
{
    handle(w, req, rep);
    if (w->ctx)
        acs_dump_envelope(w->ctx, NULL, rep, NULL);
}
