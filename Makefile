# edgeward - GNU Makefile.
#   make            build/edgeward (hardened release build)
#   make check      install deps if missing, build, run every test suite
#   make demo       install deps if missing, build, analyze a simulated home
#   make asan       ASan+UBSan build, unit and golden suites under it
#   make fuzz       libFuzzer targets (clang), each run FUZZ_SECONDS
#   make bench      release build, large simulated capture, stage table
#   make clean

CC      ?= cc
BUILD   ?= build
# A missing library is a build error naming its Debian package (below).
PKGS    := libpcap libndpi libsodium jansson sqlite3 libcap libseccomp \
           libmicrohttpd libmaxminddb
V       ?= 0
ifeq ($(V),0)
Q := @
else
Q :=
endif

PKG_DEB_libpcap   := libpcap-dev
PKG_DEB_libndpi   := libndpi-dev
PKG_DEB_libsodium := libsodium-dev
PKG_DEB_jansson   := libjansson-dev
PKG_DEB_sqlite3   := libsqlite3-dev
PKG_DEB_libcap    := libcap-dev
PKG_DEB_libseccomp := libseccomp-dev
PKG_DEB_libmicrohttpd := libmicrohttpd-dev
PKG_DEB_libmaxminddb := libmaxminddb-dev
ifeq ($(filter clean deps check demo assets,$(MAKECMDGOALS)),)
PKG_MISSING := $(strip $(foreach p,$(PKGS),$(if $(shell pkg-config --exists $(p) && echo y),,$(p))))
ifneq ($(PKG_MISSING),)
$(error missing libraries: $(PKG_MISSING); install Debian packages: $(foreach p,$(PKG_MISSING),$(PKG_DEB_$(p))) (or run scripts/install-deps))
endif
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -pthread
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla -Wconversion
# Tests and fuzz harnesses drop the two warnings that only make harness code
# noisy (cmocka macros, prototype-less test functions are all static).
TWARN   := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
CSTD    := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
OPT     ?= -O2 -g
HARDEN  ?= -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HLDFLAGS ?= -pie -Wl,-z,relro,-z,now
SAN     ?=
CFLAGS_ALL  = $(CSTD) $(OPT) $(HARDEN) $(SAN) -Isrc $(PKG_CFLAGS) -MMD -MP
LDFLAGS_ALL = $(HLDFLAGS) $(SAN)

SRCS     := $(sort $(wildcard src/*/*.c))
MAIN_SRC := src/cli/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(MAIN_SRC:src/%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libedgeward.a
BIN      := $(BUILD)/edgeward

TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

BENCH_SRCS := $(sort $(wildcard bench/bench_*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/%)
include mk/web.mk

.PHONY: all deps check demo asan fuzz bench clean tests unit-tests

all: $(BIN)

deps:
	@scripts/install-deps

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@[ "$(V)" != 0 ] || echo "  CC    $@"
	$(Q)$(CC) $(CFLAGS_ALL) $(WARN) -c $< -o $@

$(LIB): $(LIB_OBJS) $(WEB_ASSETS_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	@[ "$(V)" != 0 ] || echo "  LD    $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(MAIN_OBJ) $(LIB) $(PKG_LIBS) -lm

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	@[ "$(V)" != 0 ] || echo "  TEST  $@"
	$(Q)$(CC) $(CFLAGS_ALL) $(CMOCKA_CFLAGS) $(TWARN) -Itests -o $@ $< $(LIB) \
	    $(LDFLAGS_ALL) $(CMOCKA_LIBS) $(PKG_LIBS) -lm

$(BUILD)/bench_%: bench/bench_%.c $(LIB)
	$(Q)$(CC) $(CFLAGS_ALL) $(WARN) -o $@ $< $(LIB) $(LDFLAGS_ALL) $(PKG_LIBS) -lm

tests: $(BIN) $(TEST_BINS)

# The README's test command: everything, ending with "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g" HARDEN= \
	    HLDFLAGS= SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" tests
	@tests/run-all.sh

# The README's demo command.
demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g" HARDEN= \
	    HLDFLAGS= SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" tests
	@EW_SUITES="unit-asan cli-asan golden-asan" tests/run-all.sh

FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_SAN  := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 30
fuzz: all
	@$(MAKE) --no-print-directory CC=clang BUILD=build/fuzzlib OPT="-O1 -g" \
	    HARDEN= HLDFLAGS= SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" build/fuzzlib/libedgeward.a
	@mkdir -p build/fuzz
	@for f in $(FUZZ_SRCS); do n=$$(basename $$f .c); \
	    clang $(CSTD) -O1 -g -Isrc $(TWARN) $(FUZZ_SAN) -o build/fuzz/$$n $$f \
	        build/fuzzlib/libedgeward.a $(PKG_LIBS) -lm || exit 1; done
	@scripts/fuzz-run $(FUZZ_SECONDS)

bench:
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@bench/run.sh

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_BINS:=.d)

# ---- install / uninstall ----------------------------------------------------
#   make install [PREFIX=/usr/local] [DESTDIR=staging]
# The binary, the device knowledge base (src/device/kb.c finds it under
# /usr/local/share/edgeward or /usr/share/edgeward, so PREFIX is one of
# /usr/local and /usr unless the config gives "kb"), the man page, the
# systemd unit (ExecStart rewritten to $(BINDIR)), the sysusers.d entry for
# the "edgeward" system user and, only when there is none yet, the config
# file. Installing to the live system (no DESTDIR) also creates that user
# (systemd-sysusers, else useradd). uninstall removes what install put
# there except the config file, the user and /var/lib/edgeward and
# /var/log/edgeward (they hold what the sensor learned).
PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share/edgeward
MANDIR      ?= $(PREFIX)/share/man/man1
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
SYSCONFDIR  ?= /etc/edgeward
INSTALL     ?= install

.PHONY: install uninstall
install: $(BIN)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/edgeward
	$(INSTALL) -m 0644 data/devices.kb $(DESTDIR)$(DATADIR)/devices.kb
	$(INSTALL) -m 0644 dist/zones.conf $(DESTDIR)$(DATADIR)/zones.conf.example
	$(INSTALL) -m 0644 docs/edgeward.1 $(DESTDIR)$(MANDIR)/edgeward.1
	sed 's|/usr/local/bin/edgeward|$(BINDIR)/edgeward|g' dist/edgeward.service \
	    >$(DESTDIR)$(UNITDIR)/edgeward.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/edgeward.service
	$(INSTALL) -m 0644 dist/edgeward.sysusers $(DESTDIR)$(SYSUSERSDIR)/edgeward.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/edgeward.conf ]; then \
	    echo "  keeping $(DESTDIR)$(SYSCONFDIR)/edgeward.conf (new default: dist/edgeward.conf)"; \
	else \
	    echo "$(INSTALL) -m 0644 dist/edgeward.conf $(DESTDIR)$(SYSCONFDIR)/edgeward.conf"; \
	    $(INSTALL) -m 0644 dist/edgeward.conf $(DESTDIR)$(SYSCONFDIR)/edgeward.conf; \
	fi
	@if [ -z "$(DESTDIR)" ] && ! getent passwd edgeward >/dev/null; then \
	    if command -v systemd-sysusers >/dev/null 2>&1; then \
	        echo "systemd-sysusers $(SYSUSERSDIR)/edgeward.conf"; \
	        systemd-sysusers $(SYSUSERSDIR)/edgeward.conf; \
	    elif command -v useradd >/dev/null 2>&1; then \
	        echo "useradd --system edgeward"; \
	        useradd --system --home-dir /var/lib/edgeward --no-create-home \
	            --shell /usr/sbin/nologin --comment "edgeward network sensor" edgeward; \
	    else \
	        echo "  create the system user edgeward (see $(SYSUSERSDIR)/edgeward.conf)"; \
	    fi; \
	fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
	    echo "  now: systemctl daemon-reload; edit $(SYSCONFDIR)/edgeward.conf;" \
	        "systemctl enable --now edgeward"; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/edgeward $(DESTDIR)$(DATADIR)/devices.kb \
	    $(DESTDIR)$(DATADIR)/zones.conf.example \
	    $(DESTDIR)$(MANDIR)/edgeward.1 $(DESTDIR)$(UNITDIR)/edgeward.service \
	    $(DESTDIR)$(SYSUSERSDIR)/edgeward.conf
	rmdir $(DESTDIR)$(DATADIR) 2>/dev/null || true
	@echo "  kept $(DESTDIR)$(SYSCONFDIR)/edgeward.conf, the user edgeward," \
	    "/var/lib/edgeward and /var/log/edgeward"
