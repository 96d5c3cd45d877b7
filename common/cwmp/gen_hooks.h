/* common/cwmp/gen_hooks.h — force-included (-include) when compiling the generated gSOAP
 * code only: routes its soap_match_array and soap_id_enter calls through hooks.c, which
 * counts the items of every SOAP-ENC array against its arrayType (gSOAP itself drops
 * extra items or NULL-pads missing ones). */
#ifndef CWMP_GEN_HOOKS_H
#define CWMP_GEN_HOOKS_H

#define soap_match_array cwmp_hook_match_array
#define soap_id_enter cwmp_hook_id_enter

#endif
