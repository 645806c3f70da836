# edgesteer build. All outputs go to $(OUT) (build/ by default).
#   make            BPF object, skeleton, libedgesteer, edgesteer CLI
#   make test       install missing packages, build, run every test tier
#   make demo       install missing packages, build, run the multi-POP demo
#   make bench      benchmark (tools/bench); BENCH_ARGS="--quick --json F"
#   make install    edgesteer, edgesteerd, the systemd unit and docs (PREFIX, DESTDIR)
#   V=1             show full commands
# SAN=1 builds userspace with AddressSanitizer/UBSan into build-san/.

.DELETE_ON_ERROR:
.SUFFIXES:

SAN ?= 0
ifeq ($(SAN),1)
OUT ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
OUT ?= build
SANFLAGS :=
endif

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	  -Iinclude -Iuser/lib -I$(OUT) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS := -lbpf -lelf -lz -lmnl

BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wextra -Werror \
	      -Wno-unused-parameter -Iinclude -I/usr/include/$(shell uname -m)-linux-gnu

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRC := bpf/edgesteer.bpf.c
BPF_HDR := $(wildcard bpf/*.h) include/edgesteer.h
BPF_OBJ := $(OUT)/edgesteer.bpf.o
SKEL := $(OUT)/edgesteer.skel.h

LIB_SRC := $(wildcard user/lib/*.c)
LIB_OBJ := $(patsubst user/lib/%.c,$(OUT)/lib/%.o,$(LIB_SRC))
LIB := $(OUT)/libedgesteer.a

CLI_SRC := $(wildcard user/cli/*.c)
CLI_OBJ := $(patsubst user/cli/%.c,$(OUT)/cli/%.o,$(CLI_SRC))
CLI := $(OUT)/edgesteer

# The daemon runs its configuration's state lines through the CLI's command
# code: every CLI object but main.c (user/daemon has its own object table).
DAEMON_SRC := $(wildcard user/daemon/*.c)
DAEMON_OBJ := $(patsubst user/daemon/%.c,$(OUT)/daemon/%.o,$(DAEMON_SRC))
DAEMON_CLI_OBJ := $(filter-out $(OUT)/cli/main.o,$(CLI_OBJ))
DAEMON := $(OUT)/edgesteerd

# Test programs: one binary per tests/{unit,bpf}/test_*.c, helpers shared.
TEST_SUPPORT_SRC := $(filter-out tests/unit/test_% tests/bpf/test_%,$(wildcard tests/unit/*.c tests/bpf/*.c tests/lib/*.c))
TEST_SUPPORT_OBJ := $(patsubst tests/%.c,$(OUT)/tests/%.o,$(TEST_SUPPORT_SRC))
TEST_SRC := $(wildcard tests/unit/test_*.c tests/bpf/test_*.c)
TEST_BIN := $(patsubst tests/%.c,$(OUT)/tests/%,$(TEST_SRC))

# Benchmark programs: one binary per tools/bench/*.c (not *.bpf.c), the
# code they share in tools/bench/lib.
BENCH_SRC := $(filter-out %.bpf.c,$(wildcard tools/bench/*.c tools/demo/*.c))
BENCH_BIN := $(patsubst tools/%.c,$(OUT)/tools/%,$(BENCH_SRC))
BENCH_LIB_SRC := $(wildcard tools/bench/lib/*.c)
BENCH_LIB_OBJ := $(patsubst tools/%.c,$(OUT)/tools/%.o,$(BENCH_LIB_SRC))

# Extra BPF objects used only by tests and the benchmark (minimal programs).
TEST_BPF_SRC := $(wildcard tests/bpf/*.bpf.c tools/bench/*.bpf.c)
TEST_BPF_OBJ := $(patsubst %.bpf.c,$(OUT)/%.bpf.o,$(TEST_BPF_SRC))

.PHONY: all
all: $(BPF_OBJ) $(SKEL) $(LIB) $(if $(CLI_SRC),$(CLI)) $(if $(DAEMON_SRC),$(DAEMON))

$(OUT) $(OUT)/lib $(OUT)/cli $(OUT)/daemon:
	$(Q)mkdir -p $@

$(BPF_OBJ): $(BPF_SRC) $(BPF_HDR) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(BPF_OBJ) | $(OUT)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name edgesteer_bpf > $@

$(OUT)/lib/%.o: user/lib/%.c $(SKEL) $(wildcard user/lib/*.h) include/edgesteer.h | $(OUT)/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/cli/%.o: user/cli/%.c $(wildcard user/cli/*.h user/lib/*.h) include/edgesteer.h | $(OUT)/cli
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/cli -c $< -o $@

$(CLI): $(CLI_OBJ) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $(CLI_OBJ) $(LIB) $(LDLIBS) -o $@

$(OUT)/daemon/%.o: user/daemon/%.c $(wildcard user/daemon/*.h user/cli/*.h user/lib/*.h) include/edgesteer.h | $(OUT)/daemon
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/cli -Iuser/daemon -c $< -o $@

$(DAEMON): $(DAEMON_OBJ) $(DAEMON_CLI_OBJ) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $(DAEMON_OBJ) $(DAEMON_CLI_OBJ) $(LIB) $(LDLIBS) -o $@

$(OUT)/tests/%.o: tests/%.c $(SKEL) $(wildcard tests/*/*.h user/lib/*.h user/cli/*.c user/cli/*.h) include/edgesteer.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -Itests/bpf -c $< -o $@

$(OUT)/tests/%: $(OUT)/tests/%.o $(TEST_SUPPORT_OBJ) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $< $(TEST_SUPPORT_OBJ) $(LIB) $(LDLIBS) -lm -lpthread -o $@

$(OUT)/%.bpf.o: %.bpf.c $(BPF_HDR)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibpf -c $< -o $@

$(OUT)/tools/bench/lib/%.o: tools/bench/lib/%.c $(wildcard tools/bench/lib/*.h user/lib/*.h) include/edgesteer.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/tools/%: tools/%.c $(TEST_SUPPORT_OBJ) $(BENCH_LIB_OBJ) $(LIB) $(SKEL) $(wildcard tools/bench/lib/*.h)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -Itests/bpf -Itools/bench/lib $< $(TEST_SUPPORT_OBJ) \
		$(BENCH_LIB_OBJ) $(LIB) $(LDLIBS) -lm -lpthread -o $@

.PHONY: tests
tests: all $(TEST_BIN) $(TEST_BPF_OBJ) $(BENCH_BIN)

.PHONY: deps
deps:
	$(Q)tools/install-deps.sh

# The test tier runs userspace built with ASan/UBSan; the plain build is
# made too so that warnings in either configuration fail the run.
.PHONY: test
test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory SAN=1 tests
	$(Q)tests/run.sh build-san

.PHONY: demo
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo.sh $(OUT)

# The same decisions without any network: packets through BPF_PROG_TEST_RUN.
.PHONY: demo-offline
demo-offline: deps
	$(Q)$(MAKE) --no-print-directory all $(OUT)/tools/demo/demo_steering
	$(Q)$(OUT)/tools/demo/demo_steering

.PHONY: bench
bench: deps
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)tools/bench/run.sh build $(BENCH_ARGS)

# make install [PREFIX=/usr/local] [DESTDIR=]: the unit's ExecStart names
# the installed daemon.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
UNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR ?= $(PREFIX)/share/doc/edgesteer

.PHONY: install
install: all
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	$(Q)install -m 0755 $(CLI) $(DESTDIR)$(BINDIR)/edgesteer
	$(Q)install -m 0755 $(DAEMON) $(DESTDIR)$(SBINDIR)/edgesteerd
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' dist/edgesteerd.service > $(DESTDIR)$(UNITDIR)/edgesteerd.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/edgesteerd.service
	$(Q)install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/

.PHONY: clean
clean:
	$(call msg,CLEAN,build build-san)
	$(Q)rm -rf build build-san

# Keep intermediate objects (test .o files) so rebuilds stay incremental.
.SECONDARY:
