# provisioning/prov.mk — included by the top-level Makefile before acs/acs.mk: builds
# $(BUILD)/libprov.a (provisioning/: SIP providers, lines, the credential vault, the TR-104
# mapping; linked into acsd and acsctl) and the tests/unit/provisioning tests.

LIBPROV_SRC := $(wildcard provisioning/*.c)
LIBPROV     := $(BUILD)/libprov.a
PROV_USERS  := $(call obj,$(LIBPROV_SRC) $(wildcard tests/unit/provisioning/*.c))
$(PROV_USERS): CFLAGS += -Iprovisioning

$(LIBPROV): $(call obj,$(LIBPROV_SRC))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^ # anew: a member whose source went away must not linger

# More specific than the generic tests/unit/% rule.
$(BUILD)/tests/unit/provisioning/%: $(BUILD)/obj/tests/unit/provisioning/%.o $(LIBPROV) $(LIBPKICA) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# test_prov_tr104 reads the TR-104 data model XML (../shared/cwmp/datamodel) with libxml2 to
# check every parameter name the mapping emits.
$(BUILD)/obj/tests/unit/provisioning/test_prov_tr104.o: CFLAGS += $(shell pkg-config --cflags libxml-2.0)
$(BUILD)/tests/unit/provisioning/test_prov_tr104: LDLIBS += $(shell pkg-config --libs libxml-2.0)
