# cpe-sim/cpe.mk — included by the top-level Makefile after common/cwmp/cwmp.mk:
# builds $(BUILD)/libcpe.a (cpe-sim/libcpe: the CWMP client core), $(BUILD)/bin/cpe-sim
# (the fleet simulator) and links the tests/unit/cpe tests against them.

CPE_SAVED_GOAL := $(.DEFAULT_GOAL)

LIBCPE_SRC := $(wildcard cpe-sim/libcpe/*.c)
CPESIM_SRC := $(wildcard cpe-sim/*.c)
LIBCPE     := $(BUILD)/libcpe.a
CPESIM     := $(BUILD)/bin/cpe-sim

all: $(LIBCPE) $(if $(CPESIM_SRC),$(CPESIM))

CPE_USERS := $(call obj,$(LIBCPE_SRC) $(CPESIM_SRC) $(wildcard tests/unit/cpe/*.c))
$(CPE_USERS): CFLAGS += $(CWMP_CFLAGS) -Icpe-sim/libcpe -Icpe-sim
$(CPE_USERS): | $(CWMP_STAMP)

$(LIBCPE): $(call obj,$(LIBCPE_SRC))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^ # anew: a member whose source went away must not linger

$(CPESIM): $(call obj,$(CPESIM_SRC)) $(LIBCPE) $(CWMP_GEN_OBJ) $(LIBCWMP) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(GSOAP_LIBS) $(LDLIBS)

# More specific than the generic tests/unit/% rule, so GNU make picks this one.
$(BUILD)/tests/unit/cpe/%: $(BUILD)/obj/tests/unit/cpe/%.o $(LIBCPE) $(CWMP_GEN_OBJ) $(LIBCWMP) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(GSOAP_LIBS) $(LDLIBS) -lcmocka

.DEFAULT_GOAL := $(CPE_SAVED_GOAL)
