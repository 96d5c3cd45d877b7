/* cpe-sim/libcpe/cpe_voice.h — the simulated voice service: the registration status a SIP
 * client (TR-104 v2 SIP.Client.{i}) or line (TR-104 v1 VoiceProfile.{i}.Line.{i}) reports,
 * derived from its configuration, so that an ACS verifying a push reads something that
 * depends on what it pushed. Nothing is registered anywhere.
 * Owns nothing. Thread-safety: as the device's data model. */
#ifndef CPE_VOICE_H
#define CPE_VOICE_H

#include "cpe_dm.h"

/* Status of the client or line whose Status parameter ref is. Enabled with a complete
 * configuration (registrar or proxy host set, every server set uses TLS, auth user name,
 * password and URI set): "Up"; enabled otherwise: "Error_Misconfigured" (v2) / "Error"
 * (v1); not enabled: "Disabled" (v1 "Quiescent" when Enable is Quiescent). Read each time,
 * so it follows every SetParameterValues, AddObject, DeleteObject and factory reset. */
const char *cpe_voice_status(const struct cpe_dm *dm, const struct cpe_ref *ref);

#endif
