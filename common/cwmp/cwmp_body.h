/* common/cwmp/cwmp_body.h — the generated CWMP body structs (struct _cwmp__Inform, struct
 * ParameterValueList, ...) for code that reads or builds message bodies.
 * Needs -I$(BUILD)/gen and `pkg-config --cflags gsoap` (cwmp.mk sets both). */
#ifndef COMMON_CWMP_BODY_H
#define COMMON_CWMP_BODY_H

#include "cwmpgenStub.h"

#include "cwmp.h"

#endif
