# acs/acs.mk — included by the top-level Makefile after common/cwmp/cwmp.mk: builds
# $(BUILD)/libacs.a (everything in acs/ and its module folders but main), the acsd binary and
# the acs unit tests. acs-ca links acs_cfg.o too: both binaries read and document the same
# configuration schemas.

# acs/: the daemon (main, config, context, metrics, retention); listener/: TLS, HTTP and who gets
# in; session/: the CWMP session engine; tasks/: the task queue and its secrets; nbi/: the
# northbound API; cr/: connection requests. acsctl (cli/) is built below.
ACS_DIRS     := acs acs/listener acs/session acs/tasks acs/nbi acs/cr
ACS_INC      := $(addprefix -I,$(ACS_DIRS))
ACS_MAIN     := acs/acs_main.c
ACS_SRC      := $(filter-out $(ACS_MAIN),$(wildcard $(addsuffix /*.c,$(ACS_DIRS))))
LIBACS       := $(BUILD)/libacs.a
ACS_USERS    := $(call obj,$(ACS_SRC) $(ACS_MAIN) $(wildcard tests/unit/acs/*.c))
BINS         += $(BUILD)/bin/acsd

$(ACS_USERS): CFLAGS += $(CWMP_CFLAGS) $(ACS_INC) -Iprovisioning
$(ACS_USERS): | $(CWMP_STAMP)
# acs-ca includes acs_cfg.h for the shared schema list
$(call obj,$(ACSCA_SRC)): CFLAGS += $(ACS_INC) -Icommon/cwmp

# The data model's secured parameters (acs/tasks/secured-params.txt, written by scripts/secured-params
# from the TR-181/TR-104 XML) as C string literals for acs_secret_params.c.
ACS_SECURED_INC := $(BUILD)/gen/acs_secured_params.inc
$(ACS_SECURED_INC): acs/tasks/secured-params.txt
	@mkdir -p $(dir $@)
	$(Q)sed -e '/^#/d' -e '/^$$/d' -e 's/.*/"&",/' $< >$@.tmp && mv $@.tmp $@
$(BUILD)/obj/acs/tasks/acs_secret_params.o: $(ACS_SECURED_INC)

$(LIBACS): $(call obj,$(ACS_SRC))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^ # anew: a member whose source went away must not linger

$(BUILD)/bin/acsd: $(BUILD)/obj/$(ACS_MAIN:.c=.o) $(LIBACS) $(LIBPROV) $(LIBPKICA) $(LIBCWMP) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(GSOAP_LIBS) $(LDLIBS)

# More specific than the generic tests/unit/% rule.
$(BUILD)/tests/unit/acs/%: $(BUILD)/obj/tests/unit/acs/%.o $(LIBACS) $(LIBPROV) $(LIBPKICA) $(LIBCWMP) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(GSOAP_LIBS) $(LDLIBS) -lcmocka

# acsctl (acs/cli/): the NOC's command line; NBI calls over libcurl, token commands on the DB.
ACSCTL_SRC   := $(wildcard acs/cli/*.c)
BINS         += $(BUILD)/bin/acsctl
$(call obj,$(ACSCTL_SRC)): CFLAGS += $(CWMP_CFLAGS) $(ACS_INC) -Iprovisioning -Iacs/cli
$(call obj,$(ACSCTL_SRC)): | $(CWMP_STAMP)

$(BUILD)/bin/acsctl: $(call obj,$(ACSCTL_SRC)) $(LIBACS) $(LIBPROV) $(LIBPKICA) $(LIBCWMP) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(GSOAP_LIBS) $(LDLIBS)

# Test helper for the NBI test (tests/integration/07x): seal a connection-request password.
all: $(BUILD)/tests/tools/secret_seal
$(BUILD)/tests/tools/secret_seal: $(BUILD)/obj/tests/integration/tools/secret_seal.o $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ... and open one (080: the generated connection-request passwords appear nowhere else).
all: $(BUILD)/tests/tools/secret_open
$(BUILD)/tests/tools/secret_open: $(BUILD)/obj/tests/integration/tools/secret_open.o $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# make bench-acs (part of make bench): acsd's mTLS session rate against a minimal MHD + GnuTLS
# server in the same run, latency, memory per idle connection (tests/bench/bench-acs).
ACS_BENCH_TOOLS := $(BUILD)/bench/ref_tls_server $(BUILD)/bench/idle_conns
.PHONY: bench-acs
bench: bench-acs
bench-acs: deps
	@$(MAKE) --no-print-directory all $(ACS_BENCH_TOOLS) BUILD=$(BUILD)
	@tests/bench/bench-acs $(BUILD)

# idle_conns reuses cpe-sim's identity loader, TLS client and HTTP response parser
$(BUILD)/obj/tests/bench/idle_conns.o: CFLAGS += $(CWMP_CFLAGS) -Icpe-sim/libcpe -Icpe-sim
$(BUILD)/obj/tests/bench/idle_conns.o: | $(CWMP_STAMP)
$(BUILD)/bench/idle_conns: $(BUILD)/obj/tests/bench/idle_conns.o $(BUILD)/obj/cpe-sim/sim_tls.o \
                           $(BUILD)/obj/cpe-sim/sim_ident.o $(BUILD)/obj/cpe-sim/sim_http.o $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
