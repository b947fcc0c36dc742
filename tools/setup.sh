#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing sealfs needs, and only what is missing.
# Idempotent: a second run installs nothing.  Called by the make targets.
#
# Everything comes from package registries: Debian (bookworm, its security
# suite and bookworm-backports), crates.io and PyPI.  It works on a plain
# Debian bookworm (tools/testing/fresh-machine checks that): virtme-ng goes
# into a virtual environment (Debian's python3 is externally managed), and
# where there is no cargo, Debian's cargo-web builds bindgen-cli and the
# user-space crate.
#
# When something cannot be installed (not root, no registry), it stops with
# one line that names what is missing and the command to run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/testing/vm/toolchain.sh"

BINDGEN_VERSION=0.69.5      # crates.io bindgen-cli, for our extra bindings
VIRTME_NG_VERSION=1.42      # PyPI virtme-ng, the VM runner

APT_PACKAGES=(
	rustc-web rust-web-src            # the kernel's Rust compiler and std sources
	rust-web-clippy rustfmt-web       # CLIPPY=1 and rustfmt, matching that compiler
	clang-19 lld-19 llvm-19 libclang-19-dev
	flex bison bc libelf-dev libssl-dev cpio kmod
	linux-source-6.12
	udev                              # virtme-ng-init finds its serial ports through udev
	libfuse-dev fuse                  # the kernel's memfd fuse_test
	liburing-dev                      # io_uring pin tests
	dkms                              # make check builds the module with dkms
	python3-matplotlib                # the benchmark's plot (tools/bench)
	python3 python3-venv              # virtme-ng's virtual environment
	xz-utils pkg-config               # the kernel tarball; the fuse test's flags
)
# The user-space crate and bindgen-cli build with any cargo; a plain Debian
# has none, and Debian's cargo-web matches rustc-web.
command -v cargo >/dev/null || APT_PACKAGES+=(cargo-web)
BACKPORTS_PACKAGES=(qemu-system-x86)  # qemu-utils on these machines already comes from there
BACKPORTS_LIST=/etc/apt/sources.list.d/bookworm-backports.sources

# need_root WHAT COMMAND: stop with one line unless we are root.
need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing $1; as root run: $2" >&2
		exit 1
	fi
}

# fail WHAT COMMAND: an install step failed; stop with one line.
fail() {
	echo "setup: could not install $1; run: $2" >&2
	exit 1
}

missing_apt() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
	done
}

mkdir -p "$SEALFS_CACHE"
mapfile -t apt_missing < <(missing_apt "${APT_PACKAGES[@]}")
mapfile -t bpo_missing < <(missing_apt "${BACKPORTS_PACKAGES[@]}")

backports_source="printf 'Types: deb\\nURIs: http://deb.debian.org/debian\\nSuites: bookworm-backports\\nComponents: main\\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\\n' > $BACKPORTS_LIST"
if [ ! -e "$BACKPORTS_LIST" ] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
	need_root "the bookworm-backports source (for qemu-system-x86)" "$backports_source && apt-get update"
	eval "$backports_source"
fi

if [ ${#apt_missing[@]} -gt 0 ] || [ ${#bpo_missing[@]} -gt 0 ]; then
	install_cmd="apt-get update"
	[ ${#apt_missing[@]} -eq 0 ] ||
		install_cmd+=" && apt-get install -y --no-install-recommends ${apt_missing[*]}"
	[ ${#bpo_missing[@]} -eq 0 ] ||
		install_cmd+=" && apt-get install -y --no-install-recommends -t bookworm-backports ${bpo_missing[*]}"
	missing="${apt_missing[*]} ${bpo_missing[*]}"
	missing=$(echo $missing)        # one space between names, none at the ends
	need_root "packages $missing" "$install_cmd"
	echo "setup: installing $missing"
	export DEBIAN_FRONTEND=noninteractive
	{
		apt-get update -qq &&
		{ [ ${#apt_missing[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${apt_missing[@]}"; } &&
		{ [ ${#bpo_missing[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends -t bookworm-backports "${bpo_missing[@]}"; }
	} >"$SEALFS_CACHE/apt.log" 2>&1 ||
		fail "packages $missing (apt's output: $SEALFS_CACHE/apt.log)" "$install_cmd"
fi

# Debian's rustc-web and rust-web-src must be the same version, or the
# kernel's Rust build cannot find a matching core library source.
rustc_v=$(dpkg-query -W -f='${Version}' rustc-web)
src_v=$(dpkg-query -W -f='${Version}' rust-web-src)
if [ "$rustc_v" != "$src_v" ]; then
	echo "setup: rustc-web ($rustc_v) and rust-web-src ($src_v) differ" >&2
	exit 1
fi

CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin
if [ "$("$CARGO_BIN/bindgen" --version 2>/dev/null)" != "bindgen $BINDGEN_VERSION" ]; then
	echo "setup: installing bindgen-cli $BINDGEN_VERSION from crates.io"
	cmd="cargo install --locked --quiet bindgen-cli --version $BINDGEN_VERSION"
	$cmd || fail "bindgen-cli $BINDGEN_VERSION" "$cmd"
fi

venv=$SEALFS_CACHE/venv
if [ "$("$venv/bin/python3" -c 'import importlib.metadata as m; print(m.version("virtme-ng"))' 2>/dev/null)" != "$VIRTME_NG_VERSION" ]; then
	echo "setup: installing virtme-ng $VIRTME_NG_VERSION from PyPI into $venv"
	cmd="python3 -m venv $venv && $venv/bin/pip install --quiet --disable-pip-version-check virtme-ng==$VIRTME_NG_VERSION"
	{ rm -rf "$venv" && eval "$cmd"; } || fail "virtme-ng $VIRTME_NG_VERSION" "$cmd"
fi
