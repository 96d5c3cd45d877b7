/* acs/cr/acs_session_cr.c — per-device connection-request credentials: generated when the device
 * has none set (first session, after BOOTSTRAP), sent with SetParameterValues of
 * <root>ManagementServer.ConnectionRequestUsername/Password before the queued tasks, stored
 * (password sealed with [acs] secret_key_file, AAD = device id) once the CPE accepted them.
 * The plaintext password lives only on the stack while the envelope is encoded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "acs_db.h"
#include "acs_metrics.h"
#include "acs_rpc.h"
#include "acs_session.h"
#include "cwmp_body.h"
#include "log.h"

#define NAME_MAX_LEN 96

int acs_session_cr_send(struct acs_worker *w, struct acs_session *s, struct acs_cwmp_reply *rep)
{
    if (!s->cr_needed || s->cr_tried)
        return 0;
    s->cr_tried = 1; /* once per session, whatever happens */
    if (!w->ctx->secret) {
        log_warn("cwmp", "event=cr_credentials_skipped session_id=%s reason=no_secret_key_file", s->id);
        return 0;
    }
    char pass[ACS_CR_CRED_LEN + 1], uname[NAME_MAX_LEN], pname[NAME_MAX_LEN];
    unsigned char *sealed = NULL;
    size_t sealed_len = 0;
    int rc = acs_cr_credentials_new(s->cr_user, pass);
    if (rc == 0)
        rc = secret_seal(w->ctx->secret, pass, s->device_id, &sealed, &sealed_len);
    if (rc < 0 || sealed_len > sizeof s->cr_sealed) {
        char q[80];
        log_err("cwmp", "event=cr_credentials_failed session_id=%s reason=%s", s->id,
                log_quote(q, sizeof q, rc < 0 ? err_str(rc) : "sealed password too long"));
        goto out;
    }
    memcpy(s->cr_sealed, sealed, sealed_len);
    s->cr_sealed_len = sealed_len;
    snprintf(uname, sizeof uname, "%sManagementServer.ConnectionRequestUsername", s->root);
    snprintf(pname, sizeof pname, "%sManagementServer.ConnectionRequestPassword", s->root);
    struct cwmp__ParameterValueStruct pv[2] = {
        {.Name = uname, .Value = {.__item = s->cr_user, .xsi__type = "xsd:string"}},
        {.Name = pname, .Value = {.__item = pass, .xsi__type = "xsd:string"}},
    };
    struct cwmp__ParameterValueStruct *pp[2] = {&pv[0], &pv[1]};
    struct ParameterValueList l = {.__size = 2, .__ptrParameterValueStruct = pp};
    struct _cwmp__SetParameterValues spv = {.ParameterList = &l, .ParameterKey = ""};
    struct cwmp_msg m = {.type = CWMP_MSG_SET_PARAMETER_VALUES, .body.set_parameter_values = &spv};
    char id[48];
    snprintf(id, sizeof id, "cr-credentials.%ld", s->row);
    rc = acs_reply_msg(w, s->version, id, &m, rep);
    if (rc == 0) {
        acs_dump_envelope(w->ctx, s, rep, pass);
        s->task_id = ACS_TASK_CR_CREDENTIALS;
        snprintf(s->rpc_id, sizeof s->rpc_id, "%s", id);
        s->expect = CWMP_MSG_SET_PARAMETER_VALUES_RESPONSE;
        s->hold = 0;
        snprintf(s->task_kind, sizeof s->task_kind, "crCredentials");
        s->rpcs++;
        acs_metrics_rpc("setParameterValues");
        log_info("cwmp", "event=rpc_sent session_id=%s kind=crCredentials root=%s", s->id, s->root);
    }
out:
    OPENSSL_cleanse(pass, sizeof pass);
    free(sealed);
    return rc == 0 && s->task_id == ACS_TASK_CR_CREDENTIALS;
}

void acs_session_cr_answer(struct acs_worker *w, struct acs_session *s, const struct cwmp_msg *m)
{
    char *err = NULL, q[300];
    s->task_id = 0;
    if (m->type == CWMP_MSG_FAULT) {
        int code = 0;
        const char *fs = NULL;
        json_t *details = NULL;
        if (acs_rpc_fault(m, &code, &fs, &details) < 0)
            fs = "unreadable fault";
        char *dj = details ? json_dumps(details, JSON_COMPACT) : NULL;
        acs_metrics_fault(code);
        log_warn("cwmp", "event=cpe_fault session_id=%s kind=crCredentials fault_code=%d", s->id, code);
        if (acs_db_fault_add(w->db, s->device_pk, 0, code, fs, dj ? dj : "[]", &err) < 0)
            log_err("cwmp", "event=db_error session_id=%s what=fault_add msg=%s", s->id,
                    log_quote(q, sizeof q, err ? err : "?"));
        free(dj);
        json_decref(details);
    } else if (acs_db_cr_credentials_store(w->db, s->device_pk, s->cr_user, s->cr_sealed, s->cr_sealed_len,
                                           &err) < 0) {
        log_err("cwmp", "event=db_error session_id=%s what=cr_credentials msg=%s", s->id,
                log_quote(q, sizeof q, err ? err : "?"));
    } else {
        s->cr_needed = 0;
        log_info("cwmp", "event=cr_credentials_set session_id=%s device=%s", s->id, s->device_id);
    }
    free(err);
    OPENSSL_cleanse(s->cr_sealed, sizeof s->cr_sealed);
    s->cr_sealed_len = 0;
}
