# SPDX-License-Identifier: GPL-2.0
#
# sealfs: build the module, and set up, boot and test it in a VM.
#
#   make                 build sealfs.ko against KDIR (default: the cached
#                        test kernel, built on first use)
#   make run             setup, build, boot, load, a short demo, unload
#   make check           setup, build, run every test in the VM: the sealfs
#                        selftests, sealfs-compat's tests, and the kernel's
#                        memfd selftests on memfd and on sealfs; the last
#                        line gives the time, the counts and the kernel's
#                        origin (cache or build)
#   make check-fresh     make check and make run on a fresh Debian root
#                        (tools/testing/fresh-machine), for changes to
#                        setup, this Makefile or the VM runner
#   make memfd-tests     build sealfs-compat and the kernel's memfd tests
#   make check-debug     the same on the debug kernel (KASAN, lockdep, ...)
#   make bench           memfd against sealfs, figures in bench/results/
#   make rust-analyzer   write rust-project.json
#   make KDIR=/path/to/a/rust-enabled/6.12/build   use your own kernel
#
# FLAVOUR=debug picks the debug test kernel for any target.

SHELL := /bin/bash
FLAVOUR ?= default
VM := tools/testing/vm
SELFTESTS := tools/testing/selftests/sealfs
COMPAT := tools/lib/sealfs-compat
MEMFD := tools/testing/memfd

# The toolchain the test kernel was built with (tools/testing/vm/toolchain.sh).
export PATH := $(shell bash -c '. $(VM)/toolchain.sh && echo "$$PATH"')
TOOLCHAIN := $(shell bash -c '. $(VM)/toolchain.sh && echo "$${KBUILD_TOOLCHAIN[*]}"')

# The cached test kernel's path needs no installed package (see
# build-kernel), so it is the same before and after setup.
ifeq ($(origin KDIR),undefined)
KDIR := $(shell $(VM)/build-kernel --path $(FLAVOUR))
KERNEL_DEP := kernel
else
KERNEL_DEP :=
endif
# The kernel's source tree, for its kselftest harness and memfd tests.
KSRC ?= $(KDIR)

HOSTCC ?= gcc
HOSTCXX ?= g++
KBUILD := $(MAKE) -C $(KDIR) M=$(CURDIR) $(TOOLCHAIN)


.PHONY: samples
.PHONY: all modules setup kernel run check check-steps check-fresh check-debug selftests \
	memfd-tests headers-check lint rustfmt rustfmtcheck rust-analyzer clean

all: modules

setup:
	tools/setup.sh

# The cached test kernel, built on first use (setup first: it installs the
# source); a user's own KDIR needs neither.  Whether it came from the cache
# goes to .kernel-status, for the last line of `make check`.
kernel: setup
	SEALFS_KERNEL_STATUS=$(CURDIR)/.kernel-status $(VM)/build-kernel $(FLAVOUR) >/dev/null

modules: $(KERNEL_DEP)
	$(KBUILD) modules

# Rust sources we format and lint (the generated bindings are in gen/).
RUST_SOURCES := $(wildcard src/*.rs rust/*.rs)
RUSTFMT := /usr/bin/rustfmt
RUSTFMT_FLAGS := --edition 2021 --config-path $(KSRC)/.rustfmt.toml

rustfmt: $(KERNEL_DEP)
	$(RUSTFMT) $(RUSTFMT_FLAGS) $(RUST_SOURCES)

rustfmtcheck: $(KERNEL_DEP)
	$(RUSTFMT) --check $(RUSTFMT_FLAGS) $(RUST_SOURCES)

# The module must build without a single warning under clippy and W=1.
lint: $(KERNEL_DEP)
	$(KBUILD) clean >/dev/null
	$(KBUILD) CLIPPY=1 W=1 modules 2>&1 | tee .lint.log
	@if grep -qE '(^|: )(warning|error)' .lint.log; then \
		echo "lint: the module build has warnings" >&2; rm -f .lint.log; exit 1; fi
	@rm -f .lint.log

# The UAPI header must compile on its own, as C and as C++.
headers-check:
	echo '#include <linux/sealfs.h>' | $(HOSTCC) -Wall -Wextra -Werror -Iinclude/uapi -fsyntax-only -x c -
	echo '#include <linux/sealfs.h>' | $(HOSTCXX) -Wall -Wextra -Werror -Iinclude/uapi -fsyntax-only -x c++ -

selftests: $(KERNEL_DEP)
	$(MAKE) -C $(SELFTESTS) KSRC=$(KSRC) all

# sealfs-compat (tools/lib/sealfs-compat) and, linked to it, the kernel's
# memfd selftests built from KSRC (tools/testing/memfd).
memfd-tests: $(KERNEL_DEP)
	$(MAKE) -C $(COMPAT) all
	$(MAKE) -C $(MEMFD) KSRC=$(KSRC) all

# The user-space Rust crate and sealctl (tools/sealfs): build, host tests,
# docs without warnings, and the VM test binary (run by check-all).  Cargo
# uses the rustup toolchain, not the kernel's RUSTC.
SEALFS_CRATE := tools/sealfs
CARGO := env -u RUSTC -u RUSTDOC cargo
.PHONY: sealfs-crate dkms-check
sealfs-crate:
	cd $(SEALFS_CRATE) && $(CARGO) build --release --locked
	cd $(SEALFS_CRATE) && $(CARGO) test --release --locked --lib --bins
	cd $(SEALFS_CRATE) && $(CARGO) test --release --locked --doc
	cd $(SEALFS_CRATE) && RUSTDOCFLAGS=-Dwarnings $(CARGO) doc --locked --no-deps
	$(SEALFS_CRATE)/tests/vm-test.sh --build

# `dkms add` + `dkms build` of this tree against the test kernel, in a
# temporary DKMS tree (nothing is installed on the host).
DKMS_VERSION = $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
dkms-check: $(KERNEL_DEP)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	kver=$$(cat $(KDIR)/include/config/kernel.release); \
	trees="--sourcetree $$tmp/src --dkmstree $$tmp/dkms --installtree $$tmp/install"; \
	mkdir -p $$tmp/src/sealfs-$(DKMS_VERSION) $$tmp/dkms $$tmp/install; \
	tar -C . --exclude=./.git --exclude=./$(SEALFS_CRATE)/target -cf - . | \
		tar -C $$tmp/src/sealfs-$(DKMS_VERSION) -xf -; \
	dkms add sealfs/$(DKMS_VERSION) $$trees >/dev/null; \
	sign_file=/nonexistent dkms build sealfs/$(DKMS_VERSION) -k $$kver --kernelsourcedir $(KDIR) $$trees || \
		{ cat $$tmp/dkms/sealfs/$(DKMS_VERSION)/build/make.log; exit 1; }; \
	ko=$$tmp/dkms/sealfs/$(DKMS_VERSION)/$$kver/$$(uname -m)/module/sealfs.ko; \
	test "$$(modinfo -F vermagic $$ko | cut -d' ' -f1)" = "$$kver"; \
	echo "dkms: sealfs/$(DKMS_VERSION) built for $$kver by dkms build"

# The sample programs (samples/README), run by `make run`.
samples:
	$(MAKE) -C samples all

run: setup modules samples
	$(VM)/run --kdir $(KDIR) -- samples/demo.sh


# MEMFD_BREAK=memfd|sealfs|nolib breaks the memfd suites on purpose, to see
# them fail (tools/testing/memfd/run_tests.sh).  GUEST_ENV is passed to the
# tests in the guest (check-debug runs the long variants with it).
# `check` runs the steps in a sub-make, so that its last line (the wall
# time, the test counts, the kernel's origin) comes also after a failure.
GUEST_ENV ?=
check:
	@start=$$(date +%s); rm -f .kernel-status $(SELFTESTS)/results.tap; \
	$(MAKE) --no-print-directory check-steps; status=$$?; \
	tools/testing/check-summary "$$start" "$$status" $(SELFTESTS)/results.tap .kernel-status \
		"$(if $(KERNEL_DEP),,own KDIR)"; \
	exit $$status

check-steps: setup headers-check rustfmtcheck lint modules selftests memfd-tests samples \
		sealfs-crate dkms-check
	$(VM)/test-redirect --kdir $(KDIR)
	$(VM)/run --kdir $(KDIR) -- env SEALFS_MEMFD_BREAK=$(MEMFD_BREAK) $(GUEST_ENV) tools/testing/check-all $(KSRC) \
		| tee $(SELFTESTS)/results.tap; \
		status=$${PIPESTATUS[0]}; \
		tools/testing/tap-summary $(SELFTESTS)/results.tap || exit 1; \
		[ $$status -eq 0 ] || exit $$status
	tools/bench/run-bench --quick --kdir $(KDIR)

# A fresh Debian bookworm root with an empty cache: make check, then make
# run, timed (tools/testing/fresh-machine).  Not part of CI: it takes as
# long as a first run on a new machine.
check-fresh:
	tools/testing/fresh-machine

# memfd against sealfs in one boot (tools/bench/README): the table, JSON and
# plot in bench/results/.  QUICK=1: the 16 MiB smoke run of `make check`.
.PHONY: bench
bench: setup modules
	tools/bench/run-bench $(if $(QUICK),--quick) --kdir $(KDIR)

# The debug kernel (KASAN, KFENCE, lockdep, DEBUG_VM, kmemleak, Rust debug
# assertions), with the long variants: a minute of seal-integrity stress
# and 16 fuzzer seeds of 2000 operations.
DEBUG_GUEST_ENV := SEALFS_STRESS_SECONDS=60 SEALFS_FUZZ_SEEDS=1-16 SEALFS_FUZZ_OPS=2000
check-debug:
	SEALFS_VM_TIMEOUT=2400 $(MAKE) FLAVOUR=debug GUEST_ENV="$(DEBUG_GUEST_ENV)" check

rust-analyzer: $(KERNEL_DEP)
	$(KBUILD) rust-analyzer

clean:
	-$(KBUILD) clean
	$(MAKE) -C $(SELFTESTS) clean
	$(MAKE) -C $(COMPAT) clean
	$(MAKE) -C $(MEMFD) clean
	$(MAKE) -C samples clean
	$(MAKE) -C tools/bench clean
	rm -rf gen rust-project.json
