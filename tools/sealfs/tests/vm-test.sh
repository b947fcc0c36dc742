#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-test.sh --build   on the host: build sealctl and the crate's VM test
#                      binary (tests/vm.rs) into target/release/
# vm-test.sh           in the guest, as root with sealfs loaded: run that
#                      binary and a sealctl round trip; TAP on stdout
#                      ("ok N - ...", "not ok N - ...", then "1..N"), a
#                      transcript of the sealctl session as "# " lines.
#
#   make sealfs-crate && tools/testing/vm/run -- tools/sealfs/tests/vm-test.sh
#
# Exits 0 when every test passed.
set -u

crate=$(cd "$(dirname "$0")/.." && pwd)
release=${CARGO_TARGET_DIR:-$crate/target}/release
tests_bin=$release/sealfs-vm-tests
sealctl=$release/sealctl

if [ "${1:-}" = --build ]; then
	set -e
	cd "$crate"
	env -u RUSTC -u RUSTDOC cargo build --release --locked
	out=$(env -u RUSTC -u RUSTDOC cargo test --release --locked --test vm --no-run 2>&1) ||
		{ printf '%s\n' "$out" >&2; exit 1; }
	exe=$(printf '%s\n' "$out" | sed -n 's/^ *Executable tests\/vm\.rs (\(.*\))$/\1/p' | tail -n 1)
	if [ -z "$exe" ] || [ ! -x "$exe" ]; then
		printf '%s\n' "$out" >&2
		echo "vm-test: no tests/vm.rs binary in cargo's output" >&2
		exit 1
	fi
	cp "$exe" "$tests_bin"
	echo "vm-test: built $tests_bin and $sealctl"
	exit 0
fi

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
comment() { sed 's/^/# /'; }

echo "TAP version 13"

# 1. The crate's integration tests, one TAP line each.
if [ ! -x "$tests_bin" ] || [ ! -x "$sealctl" ]; then
	not_ok "sealfs crate: $tests_bin or $sealctl missing (make sealfs-crate builds them)"
	echo "1..$n"
	exit 1
fi
log=$(mktemp)
SEALFS_VM_TEST=1 "$tests_bin" --test-threads=1 >"$log" 2>&1
status=$?
results=0
while read -r name verdict; do
	results=$((results + 1))
	case $verdict in
	ok) ok "sealfs crate: $name" ;;
	ignored) ok "sealfs crate: $name # SKIP ignored" ;;
	*) not_ok "sealfs crate: $name" ;;
	esac
done < <(sed -nE 's/^test ([^ ]+) \.\.\. (ok|FAILED|ignored)$/\1 \2/p' "$log")
if [ "$status" -ne 0 ] || [ "$results" -eq 0 ]; then
	[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && not_ok "sealfs crate: test binary exited $status"
	[ "$results" -eq 0 ] && not_ok "sealfs crate: the test binary reported no test"
	comment <"$log"
fi
rm -f "$log"

# 2. sealctl, as a user would run it.  Each step: the command, its output
# and status in the transcript, then the check.
tmp=$(mktemp -d)
mnt=$tmp/mnt
cleanup() {
	mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
	rm -rf "$tmp"
}
trap cleanup EXIT
export PATH=$release:$PATH

# The words of a command as a shell would read them back.
quote() {
	local w sep=
	for w; do
		if [[ $w =~ ^[A-Za-z0-9_./,=:%+-]+$ ]]; then
			printf '%s%s' "$sep" "$w"
		else
			printf "%s'%s'" "$sep" "${w//\'/\'\\\'\'}"
		fi
		sep=' '
	done
}

# run CMD...: sets $out (stdout and stderr) and $rc, and logs the session.
run() {
	out=$("$@" 2>&1)
	rc=$?
	{
		printf '$ %s\n' "$(quote "$@")"
		[ -n "$out" ] && printf '%s\n' "$out"
		[ "$rc" -ne 0 ] && echo "[exit $rc]"
	} | comment
}

# CONDITION; check NAME: one TAP line for the condition's status.
check() {
	if [ $? -eq 0 ]; then ok "sealctl: $1"; else not_ok "sealctl: $1"; fi
}

printf 'listen = 8080\nmode = read-only\n' >"$tmp/app.conf"
cd "$tmp" || exit 1

# The round trip: create, fill, seal, and inspect from the child.
run sealctl create app.conf --from app.conf --seal seal,shrink,grow,write -- \
	sh -c 'cat <&$SEALFS_FD
sealctl seals $SEALFS_FD
sealctl seals /proc/$$/fd/$SEALFS_FD
readlink /proc/$$/fd/$SEALFS_FD
echo more >&$SEALFS_FD 2>/dev/null && echo "write went through" || echo "write refused"
sealctl seal $SEALFS_FD --future-write'
want='listen = 8080
mode = read-only
seal,shrink,grow,write,exec (0x002f)
seal,shrink,grow,write,exec (0x002f)
/sealfs:app.conf (deleted)
write refused
sealctl: adding F_SEAL_FUTURE_WRITE refused: F_SEAL_SEAL is set, no seal can be added (EPERM)'
[ "$rc" = 1 ] && [ "$out" = "$want" ]
check "create, seal, inspect from the child (round trip)"

run sealctl create snapshot --size 4K --seal write --read-only -- \
	sh -c 'stat -L -c %s /proc/self/fd/$SEALFS_FD; sealctl seal $SEALFS_FD --grow'
want='4096
sealctl: adding F_SEAL_GROW refused: the fd is not open for writing (EPERM)'
[ "$rc" = 1 ] && [ "$out" = "$want" ]
check "--size and --read-only: the child cannot add seals"

run sealctl create status -- sh -c 'exit 7'
[ "$rc" = 7 ]
check "create exits with CMD's status"

run sealctl create x -- /nonexistent/cmd
[ "$rc" = 127 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ]
check "create: CMD not found is 127, one line"

mkdir "$mnt" && mount -t sealfs none "$mnt" && printf 'a = 1\n' >"$mnt/config"
run sealctl seals "$mnt/config"
[ "$rc" = 0 ] && [ "$out" = "none (0x0000)" ]
check "seals of a file in a sealfs mount"
run sealctl seal "$mnt/config" --write --grow
[ "$rc" = 0 ] && [ "$out" = "grow,write (0x000c)" ]
check "seal a file in a sealfs mount by path"
run sh -c "echo b >>'$mnt/config'"
[ "$rc" != 0 ] && [ "$(cat "$mnt/config")" = "a = 1" ]
check "the sealed file refuses writes"
run sealctl seals --numeric "$mnt/config"
[ "$out" = "0x000c" ]
check "seals --numeric"

run sealctl seal "$mnt/config" --future-exec
[ "$rc" = 0 ] && [ "$out" = "grow,write,future_exec (0x004c)" ]
check "seal --future-exec (sealfs only)"

run sealctl seals /proc/self/exe
[ "$rc" = 1 ] &&
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [[ $out == *"not on sealfs"* ]]
check "seals of a file not on sealfs: one line, status 1"
run sealctl seal "$mnt/config" --bogus
[ "$rc" = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ]
check "an unknown flag: one line, status 2"

cd / || exit 1
echo "1..$n"
[ "$failed" -eq 0 ]
