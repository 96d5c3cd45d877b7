/* provisioning/prov_tr104.h — a SIP line as TR-104 desired state: the objects that must exist,
 * one SetParameterValues list, what GetParameterValues must read back, how to deprovision, and
 * the ParameterKey naming that state. Pure: no DB, no network, no logging.
 * Owns: struct prov_tr104_plan (its strings; the password copy is wiped on free). Thread-safety: pure. */
#ifndef PROV_TR104_H
#define PROV_TR104_H

#include <stddef.h>

#include "err.h"

/* Which voice data model a device implements (prov_tr104_detect). */
enum prov_model {
    PROV_MODEL_NONE = 0, /* no VoiceService we can map: the line fails, nothing is sent */
    PROV_MODEL_TR104V2,  /* TR-181 Device.Services.VoiceService.{i}. (SIP.Network/Client, VoIPProfile) */
    PROV_MODEL_TR104V1,  /* TR-098 InternetGatewayDevice.Services.VoiceService.{i}.VoiceProfile.{i}.Line.{i}. */
};

/* What a session knows of the device. root: the Inform's root object, "Device." or
 * "InternetGatewayDevice." (with or without the dot). supported: optional (NULL), the URNs or
 * features of Device.DeviceInfo.SupportedDataModel.{i}. joined by any separator, searched for
 * "tr-104-2" / "VoiceService:2" and "tr-104-1" / "VoiceService:1". voice: whether
 * <root>Services.VoiceService. exists (GetParameterNames of it): -1 unknown, 0 absent, 1 present. */
struct prov_tr104_device {
    const char *root;
    const char *supported;
    int voice;
};

/* The model to map to. InternetGatewayDevice -> v1; Device with a VoiceService (or, when its
 * presence is unknown, unless SupportedDataModel names only VoiceService:1) -> v2; a known
 * absent VoiceService, an unknown root, or a TR-106 Device:1 naming only VoiceService:1
 * (Device.Services.VoiceService.{i}.VoiceProfile, not mapped) -> PROV_MODEL_NONE. */
enum prov_model prov_tr104_detect(const struct prov_tr104_device *dev);
const char *prov_model_name(enum prov_model m); /* "tr104v2", "tr104v1", "none" */

/* A provider row as the mapping needs it. Strings are borrowed; NULL or "" host = none
 * (proxy and outbound proxy only; their port is then not sent). transport: "TLS", "TCP" or
 * "UDP"; TCP and UDP are refused unless plain_allowed (the provider row explicitly allows a
 * transport without TLS: that decision is the caller's, taken from the row). srtp:
 * "mandatory", "optional" or "off". max_sessions: the per-line call cap, 0 = none. */
struct prov_tr104_provider {
    const char *sip_domain;
    const char *registrar_host;
    unsigned registrar_port;
    const char *proxy_host;
    unsigned proxy_port;
    const char *outbound_proxy_host;
    unsigned outbound_proxy_port;
    const char *transport;
    int plain_allowed;
    const char *srtp;
    unsigned registration_period; /* seconds, >= 1 */
    unsigned max_sessions;
};

/* A line. e164 must be valid (prov_e164_valid). line_index >= 1 (at most PROV_TR104_MAX_INDEX).
 * password: borrowed plaintext, copied into the plan only (wiped on free). display_name is
 * checked for length but not sent: neither mapped object has a parameter for it.
 * max_sessions: the line's own cap, 0 = none. */
struct prov_tr104_line {
    const char *e164;
    unsigned line_index;
    const char *display_name;
    const char *auth_username;
    const char *password;
    unsigned max_sessions;
};

#define PROV_TR104_MAX_INDEX 255

/* Where on the device. 0 in a field means its default. voice_service: the VoiceService
 * instance (1). network: the provider's slot on this device, 1 for the first provider with a
 * line on it (v2: SIP.Network.{network} and VoIPProfile.{network}; v1: VoiceProfile.{network}).
 * client: v2 SIP.Client / v1 Line instance (the line index). A caller whose AddObject returned
 * another instance number plans again with that number. */
struct prov_tr104_target {
    enum prov_model model;
    unsigned voice_service;
    unsigned network;
    unsigned client;
};

/* An object the plan needs. When path is absent on the device: PROV_OBJ_ADD = AddObject on
 * table (expect instance; another number means plan again with it), PROV_OBJ_REQUIRED = the
 * ACS cannot create it (the VoiceService itself): the line fails with nothing sent. In order:
 * a parent before its children. */
enum prov_obj_action { PROV_OBJ_REQUIRED, PROV_OBJ_ADD };
struct prov_obj {
    const char *path;  /* "Device.Services.VoiceService.1.SIP.Client.2." */
    const char *table; /* "Device.Services.VoiceService.1.SIP.Client." */
    unsigned instance; /* 2 */
    enum prov_obj_action action;
};

/* One parameter: full path, value as sent (or expected), xsd type ("xsd:string",
 * "xsd:unsignedInt", "xsd:boolean"), secret = never log, never verify, mask in dumps. */
struct prov_param {
    const char *name;
    const char *value;
    const char *type;
    int secret;
};

enum prov_list {
    PROV_LIST_SET,         /* one SetParameterValues, in this order */
    PROV_LIST_VERIFY,      /* GetParameterValues: every non-secret SET value, then the status ("Up") */
    PROV_LIST_DEPROVISION, /* one SetParameterValues: credentials and URI cleared, client disabled */
};

struct prov_tr104_plan;

/* Map a line of a provider onto target. 0 and *out (free with prov_tr104_plan_free); or
 * -ERR_INVAL (a missing/malformed value), -ERR_TOO_BIG (longer than the data model allows),
 * -ERR_POLICY (a plain transport the provider does not allow, an unknown SRTP policy), with
 * *errmsg naming the field and never holding a value of it. */
int prov_tr104_plan_new(const struct prov_tr104_provider *prov, const struct prov_tr104_line *line,
                        const struct prov_tr104_target *target, struct prov_tr104_plan **out,
                        char **errmsg) WARN_UNUSED;
/* Only the deprovision list (and the objects), for a line whose credentials are gone. When
 * deprovisioning, an absent object means there is nothing to clear: never AddObject for it. */
int prov_tr104_deprovision_new(const struct prov_tr104_target *target, unsigned line_index,
                               struct prov_tr104_plan **out, char **errmsg) WARN_UNUSED;
void prov_tr104_plan_free(struct prov_tr104_plan *plan);

size_t prov_tr104_object_count(const struct prov_tr104_plan *plan);
const struct prov_obj *prov_tr104_object(const struct prov_tr104_plan *plan, size_t i);
size_t prov_tr104_count(const struct prov_tr104_plan *plan, enum prov_list list);
/* Entry i of list, borrowed for the plan's lifetime; NULL when i is out of range. */
const struct prov_param *prov_tr104_param(const struct prov_tr104_plan *plan, enum prov_list list,
                                          size_t i);

/* ParameterKey: "sip1-" and 24 hex digits of SHA-256 over the SET list (names, types, values;
 * the password as its own SHA-256, never itself). Same desired state, same key; any changed
 * value or password, another key. Fits CWMP's 32 characters. */
#define PROV_TR104_KEY_MAX 32
const char *prov_tr104_parameter_key(const struct prov_tr104_plan *plan);
/* The key of a device holding several lines (one per plan, any order; the device has one
 * ParameterKey): out gets PROV_TR104_KEY_MAX + 1 bytes. n = 1 gives that plan's own key.
 * 0, or -ERR_INVAL (n = 0, or a deprovision-only plan). */
int prov_tr104_device_key(const struct prov_tr104_plan *const *plans, size_t n,
                          char out[PROV_TR104_KEY_MAX + 1]) WARN_UNUSED;

/* Does a value read back (GetParameterValues) equal the expected one of type? A boolean
 * accepts "1"/"0" for "true"/"false" (TR-069 allows both), an unsignedInt leading zeros. */
int prov_tr104_value_equal(const char *type, const char *want, const char *got);

#endif
