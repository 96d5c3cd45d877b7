# Non-recursive build. Output in $(BUILD); `make asan` rebuilds everything with
# ASan/UBSan in build/asan and runs the tests there.
BUILD    ?= build
CC       ?= cc
PKGS     := openssl libpq inih libmicrohttpd gnutls jansson libcurl
SANITIZE ?= 0

WARN     := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wuninitialized
CFLAGS   ?= -g -O2
CFLAGS_IN := $(CFLAGS)
CFLAGS   += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
            -Icommon -Ipki-ca -MMD -MP $(CPPFLAGS) \
            $(shell pkg-config --cflags $(PKGS))
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lhttp_parser -lpthread
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

COMMON_SRC := $(wildcard common/*.c)
PKICA_SRC  := $(wildcard pki-ca/*.c)
ACSCA_SRC  := $(wildcard pki-ca/cli/*.c)
UNIT_SRC   := $(wildcard tests/unit/*/test_*.c)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
BENCH_SRC  := $(wildcard tests/bench/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIBCOMMON := $(BUILD)/libcommon.a
LIBPKICA  := $(BUILD)/libpkica.a
BINS      := $(BUILD)/bin/acs-ca
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
REPLAY_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/replay_%,$(FUZZ_SRC))
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
include common/cwmp/cwmp.mk
include provisioning/prov.mk
include acs/acs.mk
include cpe-sim/cpe.mk

.PHONY: all bins deps test check asan fuzz demo bench bench-ca clean lint
all: $(BINS) $(UNIT_BINS) $(REPLAY_BINS)
bins: $(BINS) $(CPESIM)

# Where the binaries look for the migrations when [db] migrations_dir is empty: the
# tree's db/ for a build run in place; `make install` builds its own binaries in
# $(INSTALL_BUILD) with the installed copy. A change of DBDIR recompiles db.c.
DBDIR ?= $(CURDIR)/db
DBDIR_STAMP := $(BUILD)/dbdir
$(shell mkdir -p $(BUILD) && { echo '$(DBDIR)' | cmp -s - $(DBDIR_STAMP) || echo '$(DBDIR)' >$(DBDIR_STAMP); })
$(BUILD)/obj/common/db.o: $(DBDIR_STAMP)
$(BUILD)/obj/common/db.o: CFLAGS += -DACS_DB_DIR='"$(DBDIR)"'

V ?= 0
ifeq ($(V),0)
Q := @
endif

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^ # anew: a member whose source went away must not linger
$(LIBPKICA): $(call obj,$(PKICA_SRC))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^ # anew: a member whose source went away must not linger

$(BUILD)/bin/acs-ca: $(call obj,$(ACSCA_SRC)) $(BUILD)/obj/acs/acs_cfg.o $(BUILD)/obj/acs/nbi/acs_nbi_cfg.o $(BUILD)/obj/acs/acs_retention.o $(LIBPKICA) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(LIBPKICA) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# Fuzz targets also link against a replay main() so `make test` runs their corpora.
$(BUILD)/tests/fuzz/replay_%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay_main.o $(LIBPKICA) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/obj/tests/fuzz/replay_main.o: tests/fuzz/replay_main.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIBPKICA) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@scripts/install-deps

test: deps
	@scripts/lint
	@$(MAKE) --no-print-directory all BUILD=$(BUILD) SANITIZE=$(SANITIZE)
	@tests/run-tests $(BUILD)

check: test

asan:
	@$(MAKE) --no-print-directory test BUILD=build/asan SANITIZE=1

# libFuzzer builds (clang); FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run-fuzz $(FUZZ_SRC)

bench: bench-ca
bench-ca: deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS) BUILD=$(BUILD)
	@tests/bench/bench-ca $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all BUILD=$(BUILD)
	@scripts/demo $(BUILD)

lint:
	@scripts/lint

clean:
	rm -rf build

# ---- install (PREFIX, DESTDIR) ----------------------------------------------
# Binaries, migrations, units, docs; the configuration in $(SYSCONFDIR)/acs is
# written only where none exists (an operator's file is never replaced).
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
DOCDIR     ?= $(DATADIR)/doc/acs
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
MANDIR     ?= $(DATADIR)/man
INSTALL_BUILD ?= $(BUILD)/install
INSTALL_BINS  := acsd acs-ca acsctl cpe-sim
INSTALL_DOCS  := README.md docs/deploy.md docs/config.md docs/ARCHITECTURE.md
UNITS      := $(wildcard etc/systemd/*.service)

.PHONY: install install-build uninstall
# the caller's CFLAGS, not this make's (which has the project's flags appended already)
install-build:
	@CFLAGS='$(CFLAGS_IN)' $(MAKE) --no-print-directory bins BUILD=$(INSTALL_BUILD) DBDIR=$(DATADIR)/acs/db

install: install-build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/acs/db $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/acs $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(addprefix $(INSTALL_BUILD)/bin/,$(INSTALL_BINS)) $(DESTDIR)$(BINDIR)/
	install -m 0644 db/*.sql $(DESTDIR)$(DATADIR)/acs/db/
	for u in $(UNITS); do \
	    sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; done
	install -m 0644 $(INSTALL_DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 0644 docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 docs/man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 etc/acs.ini.sample $(DESTDIR)$(SYSCONFDIR)/acs/acs.ini.sample
	for f in acsd.ini acs-ca.ini; do \
	    [ -e $(DESTDIR)$(SYSCONFDIR)/acs/$$f ] || install -m 0640 etc/$$f $(DESTDIR)$(SYSCONFDIR)/acs/$$f || exit 1; done

# Leaves $(SYSCONFDIR)/acs (the operator's configuration) and the state directories.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(INSTALL_BINS)) $(DESTDIR)$(SYSCONFDIR)/acs/acs.ini.sample
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/,$(subst docs/man/,man1/,$(wildcard docs/man/*.1)) $(subst docs/man/,man8/,$(wildcard docs/man/*.8)))
	rm -rf $(DESTDIR)$(DATADIR)/acs $(DESTDIR)$(DOCDIR)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
