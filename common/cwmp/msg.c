/* common/cwmp/msg.c — the message table: enum cwmp_msg_type <-> element name <-> the
 * gSOAP type id of its body struct. Read-only. */
#include <string.h>

#include "cwmp_int.h"

struct msg_info {
    const char *name; /* element local name */
    const char *tag;  /* qualified tag written by encode */
    int soap_type;
};

static const struct msg_info msgs[CWMP_MSG_COUNT] = {
    [CWMP_MSG_NONE] = {"", "", 0},
#define X(e, n, m) [CWMP_MSG_##e] = {#n, "cwmp:" #n, SOAP_TYPE__cwmp__##n},
    CWMP_MSG_LIST(X)
#undef X
};

const char *cwmp_msg_name(enum cwmp_msg_type t)
{
    return (unsigned int)t < CWMP_MSG_COUNT ? msgs[t].name : NULL;
}

const char *cwmp_msg_tag(enum cwmp_msg_type t)
{
    return (unsigned int)t < CWMP_MSG_COUNT ? msgs[t].tag : NULL;
}

int cwmp_msg_soap_type(enum cwmp_msg_type t)
{
    return (unsigned int)t < CWMP_MSG_COUNT ? msgs[t].soap_type : 0;
}

enum cwmp_msg_type cwmp_msg_by_name(const char *name)
{
    for (int t = 1; t < CWMP_MSG_COUNT; t++)
        if (strcmp(msgs[t].name, name) == 0)
            return (enum cwmp_msg_type)t;
    return CWMP_MSG_NONE;
}

/* cwmp:Fault is only a message inside SOAP-ENV:Fault, never as the body element. */
enum cwmp_msg_type cwmp_msg_by_soap_type(int soap_type)
{
    if (soap_type == 0)
        return CWMP_MSG_NONE;
    for (int t = 1; t < CWMP_MSG_COUNT; t++)
        if (msgs[t].soap_type == soap_type)
            return t == CWMP_MSG_FAULT ? CWMP_MSG_NONE : (enum cwmp_msg_type)t;
    return CWMP_MSG_NONE;
}

static const struct {
    unsigned int bit;
    const char *name;
} lenients[] = {
#define X(e, n, b) {b, n},
    CWMP_LENIENT_LIST(X)
#undef X
};

const char *cwmp_lenient_str(unsigned int bit)
{
    for (size_t i = 0; i < sizeof lenients / sizeof lenients[0]; i++)
        if (lenients[i].bit == bit)
            return lenients[i].name;
    return NULL;
}

char *cwmp_lenient_names(unsigned int lenient, char *out, size_t n)
{
    size_t used = 0;
    if (n)
        out[0] = '\0';
    for (size_t i = 0; i < sizeof lenients / sizeof lenients[0]; i++) {
        if (!(lenient & lenients[i].bit))
            continue;
        size_t l = strlen(lenients[i].name);
        if (used + (used ? 1 : 0) + l >= n)
            break;
        if (used)
            out[used++] = ',';
        memcpy(out + used, lenients[i].name, l + 1);
        used += l;
    }
    return out;
}
