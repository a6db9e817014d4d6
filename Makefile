# vitool: a toolkit for building and debugging virtio devices and drivers.
#   make            build ./vitool
#   make demo       install missing packages, build, run `vitool loopback`
#   make check      every test suite (unit, bats, VM); last line "N passed, N failed"
#   make check-quick  all but the VM suite
#   make SAN=1 ...  build and test with -fsanitize=address,undefined
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/vendor-completions
WIRESHARKDIR = $(PREFIX)/share/wireshark/plugins

CC      ?= cc
PKG_CONFIG ?= pkg-config
# Libraries, found through pkg-config (Debian: libgpiod-dev, libpcap-dev).
PKGS    := libgpiod libpcap

ifeq ($(SAN),1)
BUILD   := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     := -O1
else
BUILD   := build
SANFLAGS :=
OPT     := -O2
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -Ilib $(PKG_CFLAGS) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
LDLIBS  += $(PKG_LIBS)

LIB_SRCS  := $(sort $(wildcard lib/*/*.c))
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
DEPS_BUILD := build-essential pkg-config libgpiod-dev libpcap-dev
DEPS_TEST  := bats bats-assert bats-support socat i2c-tools python3 tcpdump tshark zsh mandoc man-db groff-base procps
# QEMU 10 is the one thing taken from bookworm-backports (tests/deps.sh).
# The guest's gpiod tools are not host packages: build-guest.sh unpacks a
# pinned libgpiod into its cache, so the host's gpiod tools never matter.
DEPS_VM    := qemu-system-x86/bookworm-backports qemu-system-common/bookworm-backports \
	qemu-utils/bookworm-backports busybox-static linux-source-6.12 bc flex bison libelf-dev libssl-dev \
	cpio xz-utils gzip coreutils

.PHONY: all deps deps-test demo check check-quick check-unit check-bats check-vm \
	unit install uninstall clean

all: vitool

vitool: $(VITOOL)
	@ln -sf $(VITOOL) vitool

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIBVITOOL): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(VITOOL): $(CMD_OBJS) $(LIBVITOOL)
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJS) $(LIBVITOOL) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIBVITOOL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIBVITOOL) $(LDLIBS)

unit: $(UNIT_BINS)

# `make deps`: installs what is missing when run as root, else prints the
# exact apt-get line.
deps:
	@tests/deps.sh $(DEPS_BUILD) $(DEPS_TEST)

deps-vm:
	@tests/deps.sh $(DEPS_VM)

demo: deps
	$(MAKE) vitool
	./vitool loopback

# Every suite prints TAP; tests/run.sh counts and prints the closing line.
check-unit: unit
	@tests/run.sh unit $(UNIT_BINS)

check-bats: vitool
	@tests/run.sh bats tests/bats

check-quick: deps vitool unit
	@tests/run.sh all-quick $(UNIT_BINS) -- tests/bats

check-vm: deps deps-vm vitool
	@tests/run.sh vm tests/vm

check: deps deps-vm vitool unit
	@tests/run.sh all $(UNIT_BINS) -- tests/bats -- tests/vm

install: vitool
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 $(VITOOL) $(DESTDIR)$(BINDIR)/vitool
	$(if $(MAN1),install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(MAN5),install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(MAN7),install -m 0644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/)
	install -m 0644 completions/vitool.bash $(DESTDIR)$(BASHCOMPDIR)/vitool
	install -m 0644 completions/_vitool $(DESTDIR)$(ZSHCOMPDIR)/_vitool
	install -d $(DESTDIR)$(WIRESHARKDIR)
	install -m 0644 lib/trace/wireshark/vitool.lua $(DESTDIR)$(WIRESHARKDIR)/vitool.lua

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vitool $(DESTDIR)$(BASHCOMPDIR)/vitool $(DESTDIR)$(ZSHCOMPDIR)/_vitool
	rm -f $(DESTDIR)$(WIRESHARKDIR)/vitool.lua
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))

clean:
	rm -rf build build-san vitool

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d)
