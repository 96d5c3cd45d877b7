# Non-recursive build. Output in $(BUILD); `make asan` rebuilds everything with
# ASan/UBSan in build/asan and runs the tests there.
BUILD    ?= build
CC       ?= cc
PKGS     := openssl libpq inih libmicrohttpd gnutls jansson libcurl
SANITIZE ?= 0

WARN     := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wuninitialized
CFLAGS   ?= -g -O2
CFLAGS   += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
            -Icommon -Ipki-ca -DACS_DB_DIR='"$(CURDIR)/db"' -MMD -MP \
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
include acs/acs.mk
include cpe-sim/cpe.mk

.PHONY: all deps test check asan fuzz demo bench bench-ca clean lint
all: $(BINS) $(UNIT_BINS) $(REPLAY_BINS)

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

$(BUILD)/bin/acs-ca: $(call obj,$(ACSCA_SRC)) $(BUILD)/obj/acs/acs_cfg.o $(BUILD)/obj/acs/acs_nbi_cfg.o $(BUILD)/obj/acs/acs_retention.o $(LIBPKICA) $(LIBCOMMON)
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

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
