/* common/cwmp/gen_hooks.h — force-included (-include) when compiling the generated gSOAP
 * code only: routes four gSOAP calls through hooks.c, which counts the items of every
 * SOAP-ENC array against its arrayType on input (gSOAP drops extra items or NULL-pads
 * missing ones) and writes the arrayType of empty arrays on output. */
#ifndef CWMP_GEN_HOOKS_H
#define CWMP_GEN_HOOKS_H

#define soap_match_array cwmp_hook_match_array
#define soap_id_enter cwmp_hook_id_enter
#define soap_element_id cwmp_hook_element_id
#define soap_array_begin_out cwmp_hook_array_begin_out

#endif
