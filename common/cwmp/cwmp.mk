# common/cwmp/cwmp.mk — included by the top-level Makefile: generates the gSOAP CWMP
# binding at build time into $(BUILD)/gen (never committed), builds $(BUILD)/libcwmp.a
# (generated code + common/cwmp/*.c) and links the cwmp unit tests and fuzz replays.
# Input schemas: the BBF CWMP XSDs in common/cwmp/xsd (copies of ../shared/cwmp/xsd, so
# that a clone or a source package builds on its own).

CWMP_XSD_DIR  ?= $(CURDIR)/common/cwmp/xsd
CWMP_GEN      := $(BUILD)/gen
CWMP_STAMP    := $(CWMP_GEN)/cwmpgen.stamp
CWMP_SRC      := $(wildcard common/cwmp/*.c)
CWMP_GEN_OBJ  := $(BUILD)/obj/gen/cwmpgenC.o
LIBCWMP       := $(BUILD)/libcwmp.a
GSOAP_CFLAGS  := $(shell pkg-config --cflags gsoap)
# --as-needed: gcc's -fsanitize link spec turns it off for the libraries after libasan, and
# libgsoap.so must not be kept by a program that does not use it (it calls back into the
# generated code, which such a program does not link).
GSOAP_LIBS    := -Wl,--as-needed $(shell pkg-config --libs gsoap)
CWMP_CFLAGS   := -Icommon/cwmp -I$(CWMP_GEN) $(GSOAP_CFLAGS)
CWMP_XSDS     := $(addprefix $(CWMP_GEN)/,cwmp-1-2.xsd cwmp-1-3.xsd cwmp-1-4.xsd)

.PHONY: cwmp-gen
cwmp-gen: $(CWMP_STAMP)
all: $(LIBCWMP)

# Offline copies: wsdl2h would fetch the BBF http:// schemaLocations.
$(CWMP_GEN)/cwmp-1-%.xsd: $(CWMP_XSD_DIR)/cwmp-1-%.xsd
	@mkdir -p $(dir $@)
	$(Q)sed -e 's#http://www\.broadband-forum\.org/cwmp/##g' $< >$@.tmp && mv $@.tmp $@

$(CWMP_GEN)/cwmp.h: $(CWMP_XSDS) common/cwmp/typemap.dat
	@$(if $(Q),echo "  WSDL2H  $@")
	$(Q)cd $(CWMP_GEN) && wsdl2h -c -t $(CURDIR)/common/cwmp/typemap.dat -o cwmp.h.tmp \
	    cwmp-1-4.xsd >wsdl2h.log 2>&1 || { cat wsdl2h.log; exit 1; }
	$(Q)mv $@.tmp $@

$(CWMP_STAMP): $(CWMP_GEN)/cwmp.h common/cwmp/cwmp_env.h
	@$(if $(Q),echo "  SOAPCPP $(CWMP_GEN)/cwmpgenC.c")
	$(Q)soapcpp2 -c -1 -x -w -L -pcwmpgen -I$(CWMP_GEN) -d$(CWMP_GEN) \
	    common/cwmp/cwmp_env.h >$(CWMP_GEN)/soapcpp2.log 2>&1 || { cat $(CWMP_GEN)/soapcpp2.log; exit 1; }
	$(Q)touch $@

$(CWMP_GEN)/cwmpgenC.c: $(CWMP_STAMP)

# Generated code: no -Werror (nor our warnings), its own object.
$(CWMP_GEN_OBJ): $(CWMP_GEN)/cwmpgenC.c common/cwmp/gen_hooks.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(filter-out $(WARN),$(CFLAGS)) -w $(CWMP_CFLAGS) \
	    -include common/cwmp/gen_hooks.h -c -o $@ $<

# Our sources and the tests that include cwmp headers see the generated headers.
CWMP_USERS := $(call obj,$(CWMP_SRC) $(wildcard tests/unit/cwmp/*.c) tests/fuzz/fuzz_soap.c \
                         tests/bench/bench_cwmp.c)
$(CWMP_USERS): CFLAGS += $(CWMP_CFLAGS)
$(CWMP_USERS): | $(CWMP_STAMP)

$(LIBCWMP): $(CWMP_GEN_OBJ) $(call obj,$(CWMP_SRC))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^ # anew: a member whose source went away must not linger

# More specific than the generic tests/unit/% rule, so GNU make picks this one. The generated
# object is linked whole: libgsoap.so calls back into it (soap_getheader...), and a test that
# uses only fault.c would otherwise leave those undefined where --as-needed keeps libgsoap.
$(BUILD)/tests/unit/cwmp/%: $(BUILD)/obj/tests/unit/cwmp/%.o $(CWMP_GEN_OBJ) $(LIBCWMP) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(GSOAP_LIBS) $(LDLIBS) -lcmocka

$(BUILD)/tests/fuzz/replay_fuzz_soap: $(BUILD)/obj/tests/fuzz/fuzz_soap.o \
        $(BUILD)/obj/tests/fuzz/replay_main.o $(LIBCWMP) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(GSOAP_LIBS) $(LDLIBS)

# make bench-cwmp (part of make bench): codec rates on one core, libxml2 as the yardstick.
.PHONY: bench-cwmp
bench: bench-cwmp
bench-cwmp:
	@$(MAKE) --no-print-directory $(BUILD)/bench/bench_cwmp BUILD=$(BUILD)
	@$(BUILD)/bench/bench_cwmp

$(BUILD)/obj/tests/bench/bench_cwmp.o: CFLAGS += $(shell pkg-config --cflags libxml-2.0)
$(BUILD)/bench/bench_cwmp: $(BUILD)/obj/tests/bench/bench_cwmp.o $(LIBCWMP) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(GSOAP_LIBS) $(shell pkg-config --libs libxml-2.0) $(LDLIBS)

# Included before the top-level rules: `all` stays the default goal (also for fragments
# included after this one).
.DEFAULT_GOAL := all
