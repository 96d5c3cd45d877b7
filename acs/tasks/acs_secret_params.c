/* acs/tasks/acs_secret_params.c — secret parameter names (data model + configured patterns), and the
 * sealing, opening and masking of the secrets a task carries. */
#define _GNU_SOURCE
#include "acs_secret_params.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwmp_body.h"
#include "secret.h"

/* The data model's secured and hidden parameters (build/gen from acs/tasks/secured-params.txt). */
static const char *const dm_secured[] = {
#include "acs_secured_params.inc"
    NULL,
};

#define PATTERNS_MAX 64
#define PATTERN_LEN 128

static char *patterns[PATTERNS_MAX + 1]; /* NULL-terminated; empty until configured */
static int configured;

static int same(char a, char b, int icase)
{
    return icase ? tolower((unsigned char)a) == tolower((unsigned char)b) : a == b;
}

/* '*' any run of characters, "{i}" an instance number (all the digits there). Iterative, back
 * to the last '*' on a mismatch: linear in the name per '*', whatever an operator configures. */
static int match(const char *p, const char *s, int icase)
{
    const char *star = NULL, *resume = NULL;
    for (;;) {
        if (*p == '*') {
            star = ++p;
            resume = s;
            continue;
        }
        if (!strncmp(p, "{i}", 3) && isdigit((unsigned char)*s)) {
            while (isdigit((unsigned char)*s))
                s++;
            p += 3;
            continue;
        }
        if (*p && *s && strncmp(p, "{i}", 3) != 0 && same(*p, *s, icase)) {
            p++;
            s++;
            continue;
        }
        if (!*p && !*s)
            return 1;
        if (!star || !*resume)
            return 0;
        p = star; /* let the last '*' take one more character */
        s = ++resume;
    }
}

void acs_secret_params_reset(void)
{
    for (int i = 0; patterns[i]; i++) {
        free(patterns[i]);
        patterns[i] = NULL;
    }
    configured = 0;
}

int acs_secret_params_configure(const char *list, char **errmsg)
{
    acs_secret_params_reset();
    const char *p = list ? list : ACS_SECRET_DEFAULT_PATTERNS;
    int n = 0;
    while (*p) {
        size_t l = strcspn(p, " \t,");
        if (l) {
            char pat[PATTERN_LEN + 1];
            if (l > PATTERN_LEN || n == PATTERNS_MAX) {
                acs_secret_params_reset();
                return err_fail(errmsg, -ERR_CONFIG, "[acs] secret_param_patterns: at most %d patterns of %d characters",
                                PATTERNS_MAX, PATTERN_LEN);
            }
            memcpy(pat, p, l);
            pat[l] = '\0';
            if (!(patterns[n++] = strdup(pat))) {
                acs_secret_params_reset();
                return err_fail(errmsg, -ERR_NOMEM, "%s", "out of memory");
            }
        }
        p += l;
        p += strspn(p, " \t,");
    }
    configured = 1;
    return 0;
}

/* Does a configured pattern (without its '!') match name? Without a dot it looks at the leaf. */
static int pattern_matches(const char *pat, const char *name)
{
    const char *leaf = strrchr(name, '.');
    return match(pat, strchr(pat, '.') ? name : leaf ? leaf + 1 : name, 1);
}

int acs_secret_param(const char *name)
{
    if (!name || !*name)
        return 0;
    for (size_t i = 0; dm_secured[i]; i++)
        if (match(dm_secured[i], name, 0)) /* the data model spells names exactly */
            return 1;
    if (!configured && acs_secret_params_configure(NULL, NULL) < 0) /* tools and tests: the default */
        return 0;
    int hit = 0;
    for (size_t i = 0; patterns[i]; i++) {
        if (patterns[i][0] == '!' && pattern_matches(patterns[i] + 1, name))
            return 0;
        if (patterns[i][0] != '!' && pattern_matches(patterns[i], name))
            hit = 1;
    }
    return hit;
}

int acs_secret_value_sealed(const char *value)
{
    return value && !strncmp(value, ACS_SECRET_SEALED_PREFIX, sizeof ACS_SECRET_SEALED_PREFIX - 1);
}

/* ---- the secrets of task args ---- */

/* One place holding a secret: holder[member]; name is the parameter (or "password"). */
typedef int (*slot_fn)(json_t *holder, const char *member, const char *name, void *arg);

/* fn on every secret of args: the non-empty "password" of a Download or Upload, the value of
 * a SetParameterValues entry whose name is secret or whose value is sealed. Returns how many
 * (or fn's error). */
static int each_secret(const char *kind, json_t *args, slot_fn fn, void *arg)
{
    int n = 0, rc;
    if (!kind || !json_is_object(args))
        return 0;
    if (!strcmp(kind, "download") || !strcmp(kind, "upload")) {
        json_t *p = json_object_get(args, "password");
        if (!p || (json_is_string(p) && !*json_string_value(p)))
            return 0;
        return (rc = fn(args, "password", "password", arg)) < 0 ? rc : 1;
    }
    if (strcmp(kind, "setParameterValues") != 0)
        return 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(args, "values"), i, v) {
        const char *name = json_string_value(json_object_get(v, "name"));
        json_t *val = json_object_get(v, "value");
        if (!name || !val || (!acs_secret_param(name) && !acs_secret_value_sealed(json_string_value(val))))
            continue;
        if ((rc = fn(v, "value", name, arg)) < 0)
            return rc;
        n++;
    }
    return n;
}

static int mask_slot(json_t *holder, const char *member, const char *name, void *arg)
{
    (void)name;
    (void)arg;
    return json_object_set_new(holder, member, json_string(ACS_SECRET_MASK)) < 0 ? -ERR_NOMEM : 0;
}

json_t *acs_secret_args_redacted(const char *kind, const json_t *args)
{
    json_t *c = json_deep_copy(args);
    if (c && each_secret(kind, c, mask_slot, NULL) < 0) {
        json_decref(c);
        return NULL;
    }
    return c;
}

void acs_secret_redact(json_t *v)
{
    size_t i;
    json_t *e;
    const char *k;
    if (json_is_array(v)) {
        json_array_foreach(v, i, e) acs_secret_redact(e);
    } else if (json_is_object(v)) {
        json_t *val = json_object_get(v, "value");
        if (val && (acs_secret_param(json_string_value(json_object_get(v, "name"))) ||
                    acs_secret_value_sealed(json_string_value(val))))
            json_object_set_new(v, "value", json_string(ACS_SECRET_MASK));
        json_object_foreach(v, k, e) acs_secret_redact(e);
    }
}

/* The AAD binds a sealed value to its device and parameter, apart from other sealed columns. */
static void aad_of(char *aad, size_t n, const char *device_id, const char *name)
{
    snprintf(aad, n, "task-secret|%s|%s", device_id, name);
}

struct seal_ctx {
    const struct secret_key *k;
    const char *device_id;
    char **errmsg;
};

static int seal_slot(json_t *holder, const char *member, const char *name, void *arg)
{
    struct seal_ctx *c = arg;
    json_t *v = json_object_get(holder, member);
    char num[32], aad[600];
    const char *plain = json_string_value(v), *type = NULL;
    if (!c->k)
        return err_fail(c->errmsg, -ERR_POLICY, "%s",
                        "this task carries a secret (a password or a secured parameter's value) and acsd has no "
                        "[acs] secret_key_file to seal it: refused rather than stored in clear");
    if (json_is_integer(v)) { /* sealed as text: keep the type it would have been sent with */
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        plain = num;
        type = "xsd:int";
    } else if (json_is_boolean(v)) {
        plain = json_is_true(v) ? "true" : "false";
        type = "xsd:boolean";
    }
    if (!plain)
        return err_fail(c->errmsg, -ERR_INVAL, "the secret value of %.256s must be a string", name);
    if (strlen(plain) > SECRET_MAX_PLAIN)
        return err_fail(c->errmsg, -ERR_INVAL, "the secret value of %.256s is longer than %d bytes", name,
                        SECRET_MAX_PLAIN);
    if (type && !json_object_get(holder, "type") && json_object_set_new(holder, "type", json_string(type)) < 0)
        return -ERR_NOMEM;
    unsigned char *blob = NULL;
    size_t len = 0;
    aad_of(aad, sizeof aad, c->device_id, name);
    int rc = secret_seal(c->k, plain, aad, &blob, &len);
    if (rc < 0)
        return err_fail(c->errmsg, rc, "%s", "cannot seal a secret value");
    size_t pl = sizeof ACS_SECRET_SEALED_PREFIX - 1;
    char *text = malloc(pl + 2 * len + 1);
    if (text) {
        memcpy(text, ACS_SECRET_SEALED_PREFIX, pl);
        for (size_t i = 0; i < len; i++)
            snprintf(text + pl + 2 * i, 3, "%02x", blob[i]);
    }
    free(blob);
    if (v && json_is_string(v)) /* jansson does not wipe what it frees */
        memset((char *)json_string_value(v), 0, strlen(json_string_value(v)));
    rc = text && json_object_set_new(holder, member, json_string(text)) == 0 ? 0 : -ERR_NOMEM;
    free(text);
    return rc;
}

int acs_secret_args_seal(const struct secret_key *k, const char *device_id, const char *kind, json_t *args,
                         char **errmsg)
{
    struct seal_ctx c = {k, device_id ? device_id : "", errmsg};
    int rc = each_secret(kind, args, seal_slot, &c);
    return rc < 0 ? rc : 0;
}

static int unhex(const char *s, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned int b;
        if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
            sscanf(s + 2 * i, "%2x", &b) != 1)
            return -ERR_PARSE;
        out[i] = (unsigned char)b;
    }
    return 0;
}

static int open_slot(json_t *holder, const char *member, const char *name, void *arg)
{
    struct seal_ctx *c = arg;
    const char *v = json_string_value(json_object_get(holder, member));
    if (!acs_secret_value_sealed(v))
        return 0; /* stored in clear (written before sealing, or by hand) */
    if (!c->k)
        return err_fail(c->errmsg, -ERR_CONFIG, "a sealed secret of %.256s and no [acs] secret_key_file to open it",
                        name);
    const char *hex = v + sizeof ACS_SECRET_SEALED_PREFIX - 1;
    size_t hl = strlen(hex), len = hl / 2;
    unsigned char *blob = len ? malloc(len) : NULL;
    char aad[600], *plain = NULL;
    aad_of(aad, sizeof aad, c->device_id, name);
    int rc = !blob || hl % 2 || unhex(hex, blob, len) < 0 ? -ERR_INTEGRITY
                                                           : secret_open(c->k, blob, len, aad, &plain);
    free(blob);
    if (rc < 0)
        return err_fail(c->errmsg, rc == -ERR_NOMEM ? rc : -ERR_INTEGRITY,
                        "the sealed secret of %.256s does not open with [acs] secret_key_file", name);
    rc = json_object_set_new(holder, member, json_string(plain)) < 0 ? -ERR_NOMEM : 0;
    secret_wipe_free(plain);
    return rc;
}

static int wipe_slot(json_t *holder, const char *member, const char *name, void *arg)
{
    (void)name;
    (void)arg;
    json_t *v = json_object_get(holder, member);
    if (json_is_string(v))
        memset((char *)json_string_value(v), 0, strlen(json_string_value(v)));
    return 0;
}

int acs_secret_args_open(const struct secret_key *k, const char *device_id, const char *kind, const char *args_json,
                         char **plain, char **errmsg)
{
    struct seal_ctx c = {k, device_id ? device_id : "", errmsg};
    *plain = NULL;
    json_t *a = json_loads(args_json && *args_json ? args_json : "{}", 0, NULL);
    if (!a) /* acs_rpc_build says what is wrong with it */
        return (*plain = strdup(args_json)) ? 0 : err_fail(errmsg, -ERR_NOMEM, "%s", "out of memory");
    int rc = each_secret(kind, a, open_slot, &c);
    if (rc >= 0 && !(*plain = json_dumps(a, JSON_COMPACT)))
        rc = err_fail(errmsg, -ERR_NOMEM, "%s", "out of memory");
    (void)each_secret(kind, a, wipe_slot, NULL);
    json_decref(a);
    return rc < 0 ? rc : 0;
}

/* Wipe a string the RPC points at (it lives in the RPC's parsed args, or is a literal when
 * empty), and point at the mask instead. */
static void mask_item(char **item)
{
    if (*item && **item)
        memset(*item, 0, strlen(*item));
    *item = ACS_SECRET_MASK;
}

int acs_secret_rpc_mask(struct cwmp_msg *msg, const char *kind, const char *args_json)
{
    int n = 0;
    if (!kind || !args_json)
        return 0;
    if (msg->type == CWMP_MSG_DOWNLOAD || msg->type == CWMP_MSG_UPLOAD) {
        char **pw = msg->type == CWMP_MSG_DOWNLOAD ? &msg->body.download->Password : &msg->body.upload->Password;
        if (*pw && **pw) {
            mask_item(pw);
            n++;
        }
        return n;
    }
    if (msg->type != CWMP_MSG_SET_PARAMETER_VALUES)
        return 0;
    json_t *a = json_loads(args_json, 0, NULL), *vals = json_object_get(a, "values");
    const struct ParameterValueList *l = msg->body.set_parameter_values->ParameterList;
    for (int i = 0; l && i < l->__size && (size_t)i < json_array_size(vals); i++) {
        struct cwmp__ParameterValueStruct *p = l->__ptrParameterValueStruct[i];
        json_t *v = json_object_get(json_array_get(vals, i), "value");
        if (!p || !(acs_secret_param(p->Name) || acs_secret_value_sealed(json_string_value(v))))
            continue;
        if (json_is_string(v)) /* else a boolean literal or an integer's text: nothing to wipe */
            mask_item(&p->Value.__item);
        else
            p->Value.__item = ACS_SECRET_MASK;
        n++;
    }
    json_decref(a);
    return n;
}
