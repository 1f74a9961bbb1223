# dnsbl -- plain non-recursive Makefile.
#
#   make                 build/dnsbld and build/loader
#   make test            unit and system tests (tests/run.sh)
#   make SANITIZE=1 test the same under ASan+UBSan, built in build-san/
#   make TSAN=1 test     the dnsbld tests under ThreadSanitizer (build-tsan/)
#   make XDP=1           dnsbld with its AF_XDP path (libxdp, libbpf, clang;
#                        build-xdp/; docs/xdp.md)
#   make bench           benchmarks (never pass/fail); BENCHES="xdp dnsbld"
#                        runs some of them (tests/bench/run.sh)
#   make soak            dnsbld under load for 10 minutes (tests/soak)
#   make fuzz            build and briefly run the libFuzzer targets (clang)
#   make install PREFIX=/usr/local DESTDIR=
#   make deb             a Debian package in build/deb (debian/, debhelper)

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS    := ldns lmdb yaml-0.1 libcrypto libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
# dnsbld alone: sd_notify(3) from main.c.
DNSBLD_PKGS := libsystemd
DNSBLD_CFLAGS := $(shell pkg-config --cflags $(DNSBLD_PKGS))
DNSBLD_LIBS   := $(shell pkg-config --libs $(DNSBLD_PKGS))

CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wformat=2 -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Ilib
LDLIBS  += $(PKG_LIBS) -lpthread

ifeq ($(SANITIZE),1)
BUILD   := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CFLAGS  += $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
else ifeq ($(TSAN),1)
# ThreadSanitizer: dnsbld's threads (workers, TCP, transfers, NOTIFY) and
# the store's locks.  tests/tsan.supp names what is LMDB's own (its reader
# table is lock-free by design) and nothing of ours.
BUILD   := build-tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
CFLAGS  += $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
TSAN_OPTIONS ?= halt_on_error=1 exitcode=66 suppressions=$(CURDIR)/tests/tsan.supp
export TSAN_OPTIONS
else
BUILD   := build
endif

# The optional AF_XDP path (docs/xdp.md): dnsbld/xdp.c, linked with libxdp
# and libbpf, and the XDP program dnsbld/xdp_kern.c, compiled by clang for
# the BPF target and carried inside dnsbld.  Its own build directory, so
# the default build never needs those libraries.
ifeq ($(XDP),1)
BUILD   := $(BUILD)-xdp
CPPFLAGS += -DHAVE_XDP
PKG_CFLAGS += $(shell pkg-config --cflags libxdp libbpf)
DNSBLD_LIBS += $(shell pkg-config --libs libxdp libbpf)
endif

ALL_CFLAGS = $(WARN) $(CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) -MMD -MP

LIB_SRC    := $(sort $(wildcard lib/*.c))
DNSBLD_SRC := $(filter-out dnsbld/xdp_kern.c $(if $(filter 1,$(XDP)),,dnsbld/xdp.c),\
    $(sort $(wildcard dnsbld/*.c)))
LOADER_SRC := $(sort $(wildcard loader/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
DNSBLD_OBJ := $(DNSBLD_SRC:%.c=$(BUILD)/obj/%.o)
ifeq ($(XDP),1)
DNSBLD_OBJ += $(BUILD)/obj/dnsbld/xdp_obj.o
endif
LOADER_OBJ := $(LOADER_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# dnsbld's modules other than main.c, for unit tests and fuzz targets.
DNSBLD_LIBOBJ := $(filter-out %/main.o,$(DNSBLD_OBJ))

LIBDNSBL := $(BUILD)/libdnsbl.a

all: $(BUILD)/dnsbld $(BUILD)/loader

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The XDP program, and an object holding its bytes (xdp.c's
# dnsbld_xdp_obj .. dnsbld_xdp_obj_end).
BPF_CFLAGS := -O2 -g -Wall -target bpf -I/usr/include/$(shell $(CC) -dumpmachine)
$(BUILD)/bpf/xdp_kern.o: dnsbld/xdp_kern.c
	@mkdir -p $(dir $@)
	clang $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/obj/dnsbld/xdp_obj.o: $(BUILD)/bpf/xdp_kern.o
	@mkdir -p $(dir $@)
	printf '%s\n' '.section .rodata' '.balign 8' \
	    '.global dnsbld_xdp_obj' '.global dnsbld_xdp_obj_end' \
	    'dnsbld_xdp_obj:' '.incbin "$<"' 'dnsbld_xdp_obj_end:' \
	    '.section .note.GNU-stack,"",@progbits' | \
	    $(CC) $(CFLAGS) -c -x assembler -o $@ -

$(LIBDNSBL): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/dnsbld/main.o: ALL_CFLAGS += $(DNSBLD_CFLAGS)

$(BUILD)/dnsbld: $(DNSBLD_OBJ) $(LIBDNSBL)
	$(CC) $(LDFLAGS) -o $@ $(DNSBLD_OBJ) $(LIBDNSBL) $(LDLIBS) $(DNSBLD_LIBS)

$(BUILD)/loader: $(LOADER_OBJ) $(LIBDNSBL)
	$(CC) $(LDFLAGS) -o $@ $(LOADER_OBJ) $(LIBDNSBL) $(LDLIBS)

# Unit tests link against archives, so each pulls in only what it uses:
# the loader's modules (but main.c), dnsbld's, the library.
LIBLOADER := $(BUILD)/libloader.a
$(LIBLOADER): $(filter-out %/main.o,$(LOADER_OBJ))
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

LIBDNSBLD := $(BUILD)/libdnsbld.a
$(LIBDNSBLD): $(DNSBLD_LIBOBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# With dnsbld's own libraries: a test that reaches server.c (through
# control.c, say) needs libsystemd, and libxdp/libbpf in an XDP build.
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBLOADER) $(LIBDNSBLD) \
    $(LIBDNSBL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBLOADER) $(LIBDNSBLD) $(LIBDNSBL) $(LDLIBS) \
	    $(DNSBLD_LIBS)

tests: $(UNIT_BIN)

ifeq ($(TSAN),1)
# Under TSan: the unit tests, and the system tests of dnsbld's threads
# (answering, growth under transfers, floods and imports, TCP, transfers,
# NOTIFY), and of the web front end's thread pool; not the tests of the
# secondaries, too slow under TSan.
TEST_PATTERN ?= test_|t_dnsbld_|t_web_|t_xfr_(acl|axfr|notify)
endif

test: all tests
	BUILD=$(BUILD) bash tests/run.sh '$(TEST_PATTERN)'

bench: all
	BUILD=$(BUILD) bash tests/bench/run.sh $(BENCHES)

# A long run under steady load (not part of test): SOAK_SECS, QPS.
soak: all
	BUILD=$(BUILD) bash tests/soak/soak.sh

# libFuzzer targets: tests/fuzz/fuzz_*.c, each linked with the library,
# dnsbld's modules and the loader's importer, sink, tester and the web
# front end's parameter parser (compiled once, with the fuzzer's
# coverage, into an archive); seeds in
# tests/fuzz/corpus-NAME, or the query corpus tests/fuzz/corpus.  New
# inputs go to build-fuzz/corpus-NAME, crashes to build-fuzz/; a target
# that fails stops the run.  docs/fuzzing.md has the long campaign.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BUILD := build-fuzz
FUZZ_SAN := address,undefined
FUZZ_FLAGS := -g -O1 -D_GNU_SOURCE -Ilib -Idnsbld -Iloader $(PKG_CFLAGS)
FUZZ_LIBSRC := $(LIB_SRC) $(filter-out dnsbld/main.c dnsbld/xdp.c,$(DNSBLD_SRC)) \
    loader/import.c loader/outfile.c loader/say.c loader/sink.c loader/smtp.c \
    loader/spool.c \
    loader/tester.c loader/webparam.c
FUZZ_LIBOBJ := $(FUZZ_LIBSRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_LIB := $(FUZZ_BUILD)/libfuzz.a
FUZZ_SECONDS ?= 30

fuzz: $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
	@for f in $^; do \
	  name=$$(basename $$f); mkdir -p $(FUZZ_BUILD)/corpus-$$name; \
	  echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
	  seeds=tests/fuzz/corpus-$$name; [ -d $$seeds ] || seeds=tests/fuzz/corpus; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/$$name- \
	    $(FUZZ_BUILD)/corpus-$$name $$seeds >$(FUZZ_BUILD)/$$name.log 2>&1; \
	  rc=$$?; tail -n 12 $(FUZZ_BUILD)/$$name.log; \
	  if [ $$rc -ne 0 ]; then \
	    echo "fuzz: $$name failed (exit $$rc): see $(FUZZ_BUILD)/$$name.log"; \
	    exit 1; \
	  fi; \
	done

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -MMD -MP \
	    -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIBOBJ) Makefile
	rm -f $@
	ar rcs $@ $(filter %.o,$^)

$(FUZZ_BUILD)/%: $(FUZZ_BUILD)/obj/tests/fuzz/%.o $(FUZZ_LIB)
	clang -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $^ $(PKG_LIBS) -lpthread

# The README's quick start: the example config with a database under
# build/demo, a few example listings, and dnsbld in the foreground on
# 127.0.0.1@5353 and ::1@5353.
DEMO := $(BUILD)/demo
demo: all
	@mkdir -p $(DEMO)
	sed -e 's|^database: .*|database: $(CURDIR)/$(DEMO)/db|' \
	    -e 's|^# pidfile: .*|pidfile: $(CURDIR)/$(DEMO)/dnsbld.pid|' \
	    -e 's|^# user: .*|user: $(shell id -un)|' \
	    -e 's|^  public_url: .*|  public_url: http://127.0.0.1:8080|' \
	    zones/dnsbl.example.yaml > $(DEMO)/dnsbl.yaml
	$(BUILD)/loader -c $(DEMO)/dnsbl.yaml check-config
	$(BUILD)/loader -c $(DEMO)/dnsbl.yaml list 192.0.2.1 198.51.100.0/24 \
	    2001:db8::/48 --reason "quick-start example"
	@echo "dnsbld on 127.0.0.1@5353; try:"
	@echo "  dig @127.0.0.1 -p 5353 +norec 1.2.0.192.relays.example ANY"
	@echo "  $(BUILD)/loader -c $(DEMO)/dnsbl.yaml show 192.0.2.1"
	$(BUILD)/dnsbld -c $(DEMO)/dnsbl.yaml

# make install: the programs, man pages, systemd units (from
# dist/systemd/*.in, with the real paths), sysusers.d and tmpfiles.d
# entries, and $(SYSCONFDIR)/dnsbl/dnsbl.yaml (dist/dnsbl.yaml) unless one
# is there (SYSCONFDIR is /etc whatever the PREFIX: the programs look there).
# Units, sysusers.d and tmpfiles.d go under $(PREFIX)/lib, where systemd
# looks for them for /usr and /usr/local alike; the Debian package puts
# the units in /lib/systemd/system (UNITDIR=).
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/dnsbl
SYSCONFDIR  ?= /etc
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
UNITS_IN    := $(sort $(wildcard dist/systemd/*.in))

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	  $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/dnsbl
	install -m 0755 $(BUILD)/dnsbld $(DESTDIR)$(SBINDIR)/dnsbld
	install -m 0755 $(BUILD)/loader $(DESTDIR)$(BINDIR)/dnsbl-loader
	install -m 0644 docs/dnsbld.8 docs/dnsbl-loader.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 docs/dnsbl.yaml.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 docs/operations.md docs/mirrors.md docs/policy.md docs/store.md \
	    docs/web.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 zones/*.yaml $(DESTDIR)$(DOCDIR)/examples/
	for u in $(UNITS_IN); do \
	  sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	      -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $$u \
	      > $(DESTDIR)$(UNITDIR)/$$(basename $$u .in) && \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u .in) || exit 1; \
	done
	install -m 0644 dist/systemd/*.timer $(DESTDIR)$(UNITDIR)/
	install -m 0644 dist/sysusers.d/dnsbl.conf $(DESTDIR)$(SYSUSERSDIR)/dnsbl.conf
	install -m 0644 dist/tmpfiles.d/dnsbl.conf $(DESTDIR)$(TMPFILESDIR)/dnsbl.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/dnsbl/dnsbl.yaml ]; then \
	  echo "keeping $(DESTDIR)$(SYSCONFDIR)/dnsbl/dnsbl.yaml"; \
	else \
	  echo "install -m 0644 dist/dnsbl.yaml $(DESTDIR)$(SYSCONFDIR)/dnsbl/dnsbl.yaml"; \
	  install -m 0644 dist/dnsbl.yaml $(DESTDIR)$(SYSCONFDIR)/dnsbl/dnsbl.yaml; \
	fi

# A Debian package from debian/ (debhelper), built from a copy of the
# tracked files under build/deb, so the source tree gets no build
# products; the .deb lands in build/deb/.
DEB_DIR := build/deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	git ls-files -z | xargs -0 cp --parents -t $(DEB_DIR)/src
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc -b
	@ls -1 $(DEB_DIR)/*.deb

clean:
	rm -rf build build-san build-tsan build-fuzz build-nostats build-xdp \
	    build-san-xdp build-tsan-xdp

.PHONY: all test tests bench soak fuzz demo install deb clean

# Keep object files of the unit tests: no "rm" after the test summary.
.SECONDARY:

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj/tests/unit/*.d)
-include $(wildcard $(FUZZ_BUILD)/obj/*/*.d $(FUZZ_BUILD)/obj/tests/fuzz/*.d)
