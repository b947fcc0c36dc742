# SPDX-License-Identifier: GPL-2.0
# Sourced by the kernel and module builds, the VM runner and setup: one
# definition of the toolchain, so the test kernel and sealfs.ko are always
# built by the same compilers.
#   LLVM=1 with Debian's clang-19 tools first on PATH,
#   RUSTC: Debian's rustc-web (its std sources are in rust-web-src),
#   BINDGEN: bindgen-cli from crates.io (tools/setup.sh pins the version),
#   vng: virtme-ng from PyPI, in a virtual environment of the cache.
# SEALFS_CACHE holds the test kernels and that environment.
export SEALFS_CACHE=${SEALFS_CACHE:-$HOME/.cache/sealfs}
export PATH=/usr/lib/llvm-19/bin:$SEALFS_CACHE/venv/bin:$PATH
KBUILD_TOOLCHAIN=(LLVM=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CLIPPY_DRIVER=/usr/bin/clippy-driver
	RUSTFMT=/usr/bin/rustfmt BINDGEN="${CARGO_HOME:-$HOME/.cargo}/bin/bindgen")
