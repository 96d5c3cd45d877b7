/* common/cwmp/cwmp_int.h — private to common/cwmp: the codec struct, namespace tables,
 * the message table and the array-count hooks shared by codec.c, hooks.c and validate.c.
 * Thread-safety: tables are read-only; a codec is used by one thread at a time. */
#ifndef COMMON_CWMP_INT_H
#define COMMON_CWMP_INT_H

#include "cwmpgenH.h"

#include "cwmp.h"

#define CWMP_MAX_DEPTH 32       /* XML nesting levels accepted (CWMP needs ~8) */
#define CWMP_NS_INDEX 4         /* index of the "cwmp" entry in the namespace tables */
#define CWMP_VALIDATE_ENCODING 0x100u /* validate flag: our own message (ID always sent) */

/* SOAP-ENC arrays in one message: a GetParameterAttributesResponse has one AccessList per
 * item of its list. */
#define CWMP_MAX_ARRAYS (CWMP_MAX_ARRAY + 1)

/* One SOAP-ENC array met while decoding (hooks.c). */
struct cwmp_array_rec {
    void *obj;       /* the generated array struct (ParameterNames, ...) */
    int soap_type;   /* its SOAP_TYPE_ id */
    long declared;   /* count from soap-enc:arrayType; -1 none or "[]", LONG_MAX too big */
};

struct cwmp_codec {
    struct soap *soap;
    /* input of the current decode (frecv) */
    const char *in;
    size_t in_len;
    size_t in_pos;
    bool decoding;
    bool version_known; /* msg.version was taken from the body's namespace */
    bool no_more_requests_seen; /* the Header carried cwmp:NoMoreRequests */
    /* output of the current encode (fsend) */
    struct buf *out;
    int out_rc;
    int out_type; /* SOAP_TYPE_ of the element being written (hooks.c) */
    /* array checks of the current decode */
    struct cwmp_array_rec *arrays; /* grows as needed, kept across decodes */
    unsigned int narrays;
    unsigned int arrays_cap;
    bool pending;                /* arrays[narrays] waits for its struct (id_enter) */
    struct cwmp_error array_err; /* first array problem met, reason CWMP_R_OK if none */
    struct cwmp_msg msg;
};

/* Namespace tables (nsmap.c): one for decoding (cwmp matches 1-0..1-*), one per version
 * for encoding. */
extern const struct Namespace cwmp_ns_decode[];
const struct Namespace *cwmp_ns_encode(enum cwmp_version v);

/* Message table (msg.c): generated type id and element tag of each message type. */
int cwmp_msg_soap_type(enum cwmp_msg_type t);
const char *cwmp_msg_tag(enum cwmp_msg_type t);
enum cwmp_msg_type cwmp_msg_by_soap_type(int soap_type);

/* Fill err (may be NULL) with reason and a printf-style message. Returns -ERR_POLICY. */
int cwmp_fail(struct cwmp_error *err, enum cwmp_reason reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Byte-level checks of an envelope before parsing (prescan.c): UTF-8 and XML characters,
 * references gSOAP decodes faithfully, no DOCTYPE. 0 or -ERR_POLICY with err filled. */
int cwmp_prescan(const char *data, size_t len, struct cwmp_error *err);
/* The UTF-8 and character part of it (also run on encoded output). */
int cwmp_check_utf8(const unsigned char *p, size_t len, struct cwmp_error *err);

/* Lexical checks (lex.c). Whitespace around numbers, booleans and dateTimes is allowed
 * (XSD whiteSpace collapse). */
size_t cwmp_lex_chars(const char *s, size_t stop);       /* UTF-8 characters, counted up to stop */
bool cwmp_lex_clean(const char *s); /* what encode writes: UTF-8 of XML characters, no DEL */
bool cwmp_lex_ulong(const char *s, unsigned long max, unsigned long *out);
bool cwmp_lex_datetime(const char *s);
bool cwmp_lex_oui(const char *s);                        /* [0-9A-F]{6} */
bool cwmp_lex_event_code(const char *s);                 /* EventCodeType pattern */
bool cwmp_lex_file_type(const char *s);                  /* FileType / WindowMode patterns */
bool cwmp_lex_typed_value(const char *xsd_type, const char *text); /* unknown types: true */

/* Hooks called from the generated code (gen_hooks.h renames the gSOAP calls). */
int cwmp_hook_match_array(struct soap *soap, const char *type);
void *cwmp_hook_id_enter(struct soap *soap, const char *id, void *p, int t, size_t n,
                         const char *type, const char *array_type,
                         void *(*finstantiate)(struct soap *, int, const char *, const char *,
                                               size_t *),
                         int (*fbase)(int, int));
int cwmp_hook_element_id(struct soap *soap, const char *tag, int id, const void *p,
                         const void *a, int n, const char *type, int t, char **mark);
int cwmp_hook_array_begin_out(struct soap *soap, const char *tag, int id, const char *type,
                              const char *offset);
/* After a decode: no array has a missing item; a declared count that differs from the items
 * read sets a CWMP_LENIENT_ARRAY_* bit in c->msg. 0 or -ERR_POLICY. */
int cwmp_arrays_check(struct cwmp_codec *c, struct cwmp_error *err);

#endif
