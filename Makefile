# vitool: a toolkit for building and debugging virtio devices and drivers.
#   make            build ./vitool
#   make demo       install missing packages, build, run `vitool loopback`
#   make check      every test suite (unit, bats, VM); last line "N passed, N failed"
#   make check-quick  all but the VM suite
#   make check-vm-arm64  the arm64 VM suite (SCMI; not part of check: see README)
#   make check-vm-soak  the restart soak: 100 killed front-ends per device and
#                   100 guest boots against one serve (~15 min; not part of check)
#   make SAN=1 ...  build and test with -fsanitize=address,undefined
#   make fuzz       build the libFuzzer targets (tests/fuzz/, clang) and run
#                   each FUZZ_SECONDS (default 10) from its seed corpus
#   make install    PREFIX=/usr/local DESTDIR=
#   make check-gpiod-other  the other libgpiod API's vitool (part of check)
#   make GPIOD_PREFIX=$(tests/gpiod-prefix.sh 2) check-quick
#                   build and test against libgpiod 2.x in build-gpiod2
#   make check-fresh  README's two commands on a debootstrapped Debian 12 (root, ~30 min)
#   make bench      speed against the physical limit and qemu-storage-daemon, in one
#                   run: a table, build/bench.json, build/bench-latency.svg
#   make help       this text

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/vendor-completions
# The dissector goes where the installed Wireshark loads Lua plugins, not
# under PREFIX: lib/trace/wireshark/plugin-dir.sh asks `tshark -G folders`
# (global folder for root and DESTDIR installs, personal one otherwise).
# WIRESHARKDIR=DIR or WIRESHARK_SCOPE=global|personal choose instead.
WIRESHARKDIR ?=
WIRESHARK_SCOPE ?=
WIRESHARK_FIND = $(if $(WIRESHARKDIR),'$(WIRESHARKDIR)',"$$(WIRESHARK_SCOPE='$(WIRESHARK_SCOPE)' \
	sh lib/trace/wireshark/plugin-dir.sh '$(DESTDIR)' '$(MULTIARCH)')")
# Where make install put it before Wireshark's own folders (removed by uninstall).
OLD_WIRESHARKDIR = $(PREFIX)/share/wireshark/plugins

CC      ?= cc
PKG_CONFIG ?= pkg-config
# Libraries, found through pkg-config, and the Debian package of each.
# jansson reads control replies (every client); ncursesw draws top;
# readline is console's line editor.
PKGS    := libgpiod libpcap jansson ncursesw readline
DEB_libgpiod := libgpiod-dev
DEB_libpcap  := libpcap-dev
DEB_jansson  := libjansson-dev
DEB_ncursesw := libncurses-dev
DEB_readline := libreadline-dev

# GPIOD_PREFIX=DIR: build against a libgpiod unpacked into DIR by
# tests/gpiod-prefix.sh (the other API than the installed one), into
# build-gpiodN, with DIR's libraries found at run time through an rpath.
MULTIARCH := $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || $(CC) -print-multiarch)
ifneq ($(GPIOD_PREFIX),)
GPIOD_LIBDIR := $(GPIOD_PREFIX)/usr/lib/$(MULTIARCH)
PKG_CONFIG_PATH := $(GPIOD_LIBDIR)/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))
export PKG_CONFIG_PATH
LDFLAGS += -Wl,-rpath,$(GPIOD_LIBDIR)
endif
# make 4.3's $(shell) does not see exported variables: pass it by hand.
PKGC := PKG_CONFIG_PATH='$(PKG_CONFIG_PATH)' $(PKG_CONFIG)

# Goals that compile nothing work without the libraries: deps installs
# them, and demo/check/check-quick/check-vm build in a second make, after
# deps (this one read the Makefile before the libraries were there).
NOLIB_GOALS := clean deps deps-vm deps-vm-arm64 deps-bench deps-fuzz help uninstall demo check check-quick check-vm check-vm-arm64 check-vm-soak bench
NEED_LIBS := $(if $(MAKECMDGOALS),$(filter-out $(NOLIB_GOALS),$(MAKECMDGOALS)),all)

ifneq ($(NEED_LIBS),)
ifeq ($(shell command -v $(PKG_CONFIG)),)
$(error $(PKG_CONFIG) not found (Debian package pkg-config): run `make deps`)
endif
PKG_MISSING := $(strip $(foreach p,$(PKGS),$(if $(shell $(PKGC) --exists $(p) && echo y),,$(p))))
ifneq ($(PKG_MISSING),)
$(error pkg-config cannot find $(PKG_MISSING) (Debian: $(foreach p,$(PKG_MISSING),$(DEB_$(p)))): run `make deps`)
endif
# libgpiod 1.6 and 2.x keep the pkg-config name and change the API: the
# major version picks gpio_host_v1.c or gpio_host_v2.c, the only files
# that know.
GPIOD_VERSION := $(shell $(PKGC) --modversion libgpiod)
GPIOD_API := $(firstword $(subst ., ,$(GPIOD_VERSION)))
ifeq ($(filter 1 2,$(GPIOD_API)),)
$(error libgpiod $(GPIOD_VERSION): vitool supports libgpiod 1.x and 2.x (gpio_host_v1.c, gpio_host_v2.c))
endif
PKG_CFLAGS := $(shell $(PKGC) --cflags $(PKGS))
PKG_LIBS   := $(shell $(PKGC) --libs $(PKGS))
endif
GPIOD_OTHER := $(if $(filter 2,$(GPIOD_API)),1,2)

ifeq ($(SAN),1)
BUILD   := $(if $(GPIOD_PREFIX),build-gpiod$(GPIOD_API)-san,build-san)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     := -O1
else
BUILD   := $(if $(GPIOD_PREFIX),build-gpiod$(GPIOD_API),build)
SANFLAGS :=
OPT     := -O2
endif

CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -Ilib $(PKG_CFLAGS) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
LDLIBS  += $(PKG_LIBS)

# Exactly one libgpiod backend (none when nothing is compiled).
GPIOD_SRCS := $(wildcard lib/hw/gpio_host_v*.c)
LIB_SRCS  := $(sort $(filter-out $(filter-out lib/hw/gpio_host_v$(GPIOD_API).c,$(GPIOD_SRCS)),\
	$(wildcard lib/*/*.c)))
CMD_SRCS  := $(sort $(wildcard cmd/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CMD_OBJS  := $(CMD_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
LIBVITOOL := $(BUILD)/libvitool.a
VITOOL    := $(BUILD)/vitool

MAN1 := $(wildcard man/*.1)
MAN5 := $(wildcard man/*.5)
MAN7 := $(wildcard man/*.7)

# Debian packages: to build, and to run the test suites.
DEPS_BUILD := build-essential pkg-config libgpiod-dev libpcap-dev libjansson-dev libncurses-dev libreadline-dev
# qemu-utils: qemu-storage-daemon, the third-party vhost-user-blk backend of
# the drive blk and proxy suites.
DEPS_TEST  := bats bats-assert bats-support socat i2c-tools python3 tcpdump tshark zsh mandoc man-db groff-base procps tmux jq \
	qemu-utils
# make bench: gnuplot draws the latency plot, valgrind counts instructions,
# strace syscalls; qemu-storage-daemon is the peer, tcpdump and tshark the
# other readers of a capture.
DEPS_BENCH := gnuplot-nox valgrind strace qemu-utils tcpdump tshark jq
# QEMU 10 is the one thing taken from bookworm-backports (tests/deps.sh).
# The guest's gpiod tools are not host packages: build-guest.sh unpacks a
# pinned libgpiod into its cache, so the host's gpiod tools never matter.
# DEPS_VM_KERNEL: what building a guest kernel and initramfs takes.
# clang: the fuzz targets (libFuzzer comes with clang 14 on Debian 12).
DEPS_FUZZ  := clang
DEPS_VM_KERNEL := linux-source-6.12 bc flex bison libelf-dev libssl-dev cpio xz-utils gzip coreutils
DEPS_VM    := qemu-system-x86/bookworm-backports qemu-system-common/bookworm-backports \
	qemu-utils/bookworm-backports busybox-static $(DEPS_VM_KERNEL)
# The arm64 guest (check-vm-arm64): QEMU 10's aarch64 emulator, the cross
# compiler of its kernel, dtc for its device tree.  Its busybox is Debian's
# busybox-static for arm64, unpacked into the VM cache, not installed
# (tests/vm/busybox.sh: the system's dpkg stays single-architecture).
DEPS_VM_ARM64 := qemu-system-arm/bookworm-backports qemu-system-common/bookworm-backports \
	gcc-aarch64-linux-gnu device-tree-compiler $(DEPS_VM_KERNEL)

.PHONY: all help deps deps-vm deps-bench bench bench-run demo demo-run check check-run check-quick check-quick-run \
	check-unit check-bats check-vm check-vm-run check-vm-arm64 check-vm-arm64-run check-vm-soak check-vm-soak-run deps-vm-arm64 check-gpiod-other check-fresh unit install uninstall clean \
	deps-fuzz fuzz fuzz-build san-build

all: vitool

help:
	@sed -n '2,/^$$/s/^# \{0,1\}//p' Makefile

vitool: $(VITOOL)
	@ln -sf $(VITOOL) vitool

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# A build dir switched to the other libgpiod API or another GPIOD_PREFIX
# must not keep the old backend's object in its archive, nor an rpath to
# the old prefix: the stamp, rewritten when they change, rebuilds both.
GPIOD_STAMP := $(BUILD)/gpiod-config
GPIOD_CONFIG := api=$(GPIOD_API) prefix=$(GPIOD_PREFIX)
ifneq ($(NEED_LIBS),)
ifneq ($(file <$(GPIOD_STAMP)),$(GPIOD_CONFIG))
$(shell mkdir -p $(BUILD) && echo '$(GPIOD_CONFIG)' >$(GPIOD_STAMP))
endif
endif

$(LIBVITOOL): $(LIB_OBJS) $(GPIOD_STAMP)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $(LIB_OBJS)

$(VITOOL): $(CMD_OBJS) $(LIBVITOOL)
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJS) $(LIBVITOOL) $(LDLIBS)

# -MMD writes $@.d next to the test binary.
$(BUILD)/tests/%: tests/unit/%.c $(LIBVITOOL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIBVITOOL) $(LDLIBS)

unit: $(UNIT_BINS)

# `make deps`: installs what is missing when run as root, else prints the
# exact apt-get line.
deps:
	@tests/deps.sh $(DEPS_BUILD) $(DEPS_TEST)

deps-vm:
	@tests/deps.sh $(DEPS_VM)

deps-vm-arm64:
	@tests/deps.sh $(DEPS_VM_ARM64) && tests/vm/busybox.sh arm64 >/dev/null

deps-bench:
	@tests/deps.sh $(DEPS_BUILD) $(DEPS_BENCH)

deps-fuzz:
	@tests/deps.sh $(DEPS_FUZZ)

# These install packages first, then build and run in a second make: this
# one read the Makefile before the libraries were there.
demo check-quick: deps
	@$(MAKE) --no-print-directory $@-run
check: deps deps-vm deps-fuzz
	@$(MAKE) --no-print-directory $@-run
check-vm: deps deps-vm
	@$(MAKE) --no-print-directory $@-run
check-vm-arm64: deps deps-vm-arm64
	@$(MAKE) --no-print-directory $@-run
check-vm-soak: deps deps-vm
	@$(MAKE) --no-print-directory $@-run

demo-run: vitool
	./vitool loopback

# Every suite prints TAP; tests/run.sh counts and prints the closing line.
# The suites test $(VITOOL), the binary of this build (SAN=1, BUILD=...).
RUN = VITOOL='$(abspath $(VITOOL))' VITOOL_GPIOD_OTHER='$(abspath $(OTHER_BUILD))/vitool' \
	MAKE='$(MAKE)' tests/run.sh
OTHER_ITEM = 'make:check-gpiod-other:libgpiod $(GPIOD_OTHER).x variant ($(OTHER_BUILD)/vitool) builds, links and opens chips'

check-unit: unit
	@$(RUN) unit $(UNIT_BINS)

check-bats: $(VITOOL)
	@$(RUN) bats tests/bats

check-quick-run: $(VITOOL) unit
	@$(RUN) all-quick $(UNIT_BINS) -- tests/bats

check-vm-run: $(VITOOL)
	@$(RUN) vm $(OTHER_ITEM) -- tests/vm

# tests/vm:arm64 is the same suite with VM_ARCH=arm64 (tests/run.sh).
check-vm-arm64-run: $(VITOOL)
	@$(RUN) vm-arm64 tests/vm:arm64

# The restart soak (issue 16): SOAK_CYCLES killed front-ends per device
# (tests/soak/restart.bats), then VM_SOAK_BOOTS guests against one serve
# (tests/vm/group-soak.sh).
SOAK_CYCLES ?= 100
VM_SOAK_BOOTS ?= 100
check-vm-soak-run: $(VITOOL)
	@$(RUN) vm-soak SOAK_CYCLES=$(SOAK_CYCLES) tests/soak/restart.bats -- \
		VM_ONLY=soak VM_SOAK_BOOTS=$(VM_SOAK_BOOTS) tests/vm
# The benchmark's own programs: baselines and a start-up meter
# (tests/bench/*.c); the listener is linked with vitool's libraries, every
# one loaded, as the baseline of serve's start-up and memory.
BENCH_BINS := $(BUILD)/bench/eventfd_pingpong $(BUILD)/bench/startup $(BUILD)/bench/listener
$(BUILD)/bench/listener: tests/bench/listener.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--no-as-needed $(LDLIBS) -Wl,--as-needed
$(BUILD)/bench/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

bench: deps-bench
	@$(MAKE) --no-print-directory bench-run

bench-run: $(VITOOL) $(BENCH_BINS)
	@VITOOL='$(abspath $(VITOOL))' BUILD='$(BUILD)' tests/bench/run.sh

# make check also runs the unit tests and SAN_BATS under ASan+UBSan (and
# LeakSanitizer) against build-san, and each fuzz target for
# CHECK_FUZZ_SECONDS: NAME=VALUE items set what the items after them see
# (tests/run.sh).
check-run: $(VITOOL) unit san-build fuzz-build
	@$(RUN) all $(UNIT_BINS) -- tests/bats -- $(OTHER_ITEM) -- tests/vm -- \
		VITOOL='$(abspath build-san/vitool)' $(SAN_UNIT_BINS) $(SAN_BATS) -- \
		FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) tests/fuzz/run.sh

# ---- the sanitizer pass of make check ----
# Every unit test, and the bats suites that feed hostile input or hold the
# instance's limits (`make SAN=1 check-quick` runs them all against
# build-san): all of them under ASan would double the run.
SAN_BATS ?= $(addprefix tests/bats/,cli.bats control.bats trace.bats loopback.bats serve_drive_i2c.bats \
	inject.bats fault.bats stalled.bats)
SAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build-san/tests/%)
san-build:
	@$(MAKE) --no-print-directory SAN=1 build-san/vitool $(SAN_UNIT_BINS)

# ---- fuzzing: tests/fuzz/fuzz_*.c, clang's libFuzzer with ASan+UBSan ----
# The library is built again with clang into build-fuzz (coverage
# instrumented); each target links it.  `make fuzz FUZZ_SECONDS=N` runs
# every target N seconds (tests/fuzz/run.sh: seeds from
# tests/fuzz/corpus/NAME, findings to build-fuzz/crash/).
FUZZ_CC ?= clang
FUZZ_BUILD := build-fuzz
FUZZ_SECONDS ?= 10
CHECK_FUZZ_SECONDS ?= 3
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -g -O1 -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -Ilib $(PKG_CFLAGS) $(FUZZ_SAN) -MMD -MP
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/%.o)

$(FUZZ_BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/libvitool.a: $(FUZZ_LIB_OBJS)
	rm -f $@
	ar rcs $@ $(FUZZ_LIB_OBJS)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_BUILD)/libvitool.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libvitool.a $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD='$(abspath $(FUZZ_BUILD))' tests/fuzz/run.sh $(FUZZ_BINS)

# A fresh machine: debootstraps bookworm outside the tree, clones HEAD into
# it and runs `make demo` and `make check` there (tests/fresh/run.sh).
check-fresh:
	@tests/fresh/run.sh

# The other libgpiod API's vitool (2.x when 1.6 is installed, and the other
# way round) against its -dev package unpacked outside the tree by
# tests/gpiod-prefix.sh, in build-gpiodN/vitool with an rpath to the
# prefix's libraries.  Its gpio unit test runs too: it opens chips through
# that backend.  Needs the network once, to fetch the packages.
OTHER_BUILD := build-gpiod$(GPIOD_OTHER)
check-gpiod-other:
	@prefix=$$(tests/gpiod-prefix.sh $(GPIOD_OTHER)) && \
	$(MAKE) --no-print-directory GPIOD_PREFIX="$$prefix" BUILD=$(OTHER_BUILD) SAN= \
		$(OTHER_BUILD)/vitool $(OTHER_BUILD)/tests/test_gpio_sim && \
	$(OTHER_BUILD)/vitool --version && \
	$(OTHER_BUILD)/tests/test_gpio_sim >$(OTHER_BUILD)/test_gpio_sim.tap || \
	{ cat $(OTHER_BUILD)/test_gpio_sim.tap 2>/dev/null; exit 1; }

install: $(VITOOL)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 $(VITOOL) $(DESTDIR)$(BINDIR)/vitool
	$(if $(MAN1),install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(MAN5),install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(MAN7),install -m 0644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/)
	install -m 0644 completions/vitool.bash $(DESTDIR)$(BASHCOMPDIR)/vitool
	install -m 0644 completions/_vitool $(DESTDIR)$(ZSHCOMPDIR)/_vitool
	@d=$(DESTDIR)$(WIRESHARK_FIND) || exit 1; \
	echo "install -m 0644 lib/trace/wireshark/vitool.lua $$d/vitool.lua"; \
	install -d "$$d" && install -m 0644 lib/trace/wireshark/vitool.lua "$$d/vitool.lua"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vitool $(DESTDIR)$(BASHCOMPDIR)/vitool $(DESTDIR)$(ZSHCOMPDIR)/_vitool
	d=$(DESTDIR)$(WIRESHARK_FIND) && rm -f "$$d/vitool.lua" $(DESTDIR)$(OLD_WIRESHARKDIR)/vitool.lua
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))

clean:
	rm -rf build build-san build-gpiod1 build-gpiod1-san build-gpiod2 build-gpiod2-san build-fuzz vitool

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(UNIT_BINS:=.d) $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_BINS:=.d)
