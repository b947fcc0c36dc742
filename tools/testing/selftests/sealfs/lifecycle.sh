#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lifecycle.sh [KO]   (in the guest, as root, sealfs loaded or not)
#
# The module's life (spec 6): SEALFS_LOAD_CYCLES (default 100) cycles of
# rmmod + insmod with files created, written, mapped, sealed and closed
# between each, and a mount used every 4th (the first two cycles by the
# rmmod and insmod programs, the rest by the same system calls from
# lifecycle_test, as an exec costs ~150 ms under TCG); rmmod refused while
# an anonymous file, an open /dev/sealfs, a mount, or an open file of a
# lazily unmounted mount is alive, and the module unloading once it is
# gone; rmmod working while only a mapping is left (it is shmem's), which
# keeps its bytes and its seal; the module still working after all that.  It leaves the module loaded: the VM
# runner unloads it and reads kmemleak.  TAP output; status 0 if all passed.
#
# KO: the module to insmod (default: the repository's sealfs.ko, or $SEALFS_KO).
#   tools/testing/vm/run -- tools/testing/selftests/sealfs/lifecycle.sh
set -u

here=$(cd "$(dirname "$0")" && pwd)
ko=${1:-${SEALFS_KO:-$(cd "$here/../../../.." && pwd)/sealfs.ko}}
helper=$here/lifecycle_test
cycles=${SEALFS_LOAD_CYCLES:-100}
n=0
status=0
mnt=

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }
diag() { echo "# $*"; }
loaded() { grep -q '^sealfs ' /proc/modules; }
refcnt() { cat /sys/module/sealfs/refcnt 2>/dev/null || echo none; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

cleanup() {
	[ -n "${HOLDER_PID:-}" ] && kill -TERM "$HOLDER_PID" 2>/dev/null
	if [ -n "$mnt" ]; then
		umount -l "$mnt" 2>/dev/null
		rmdir "$mnt" 2>/dev/null
	fi
}
trap cleanup EXIT

# rmmod, retried for up to 2 s (a last fput or mntput may finish just after
# the holder is reaped); 0 when the module is gone.
unload() {
	for _ in $(seq 20); do
		rmmod sealfs 2>/dev/null && ! loaded && return 0
		sleep 0.1
	done
	return 1
}

load() {
	insmod "$ko" && loaded && [ -c /dev/sealfs ]
}

# Starts "lifecycle_test --hold WHAT..." and waits for its "ready".
start_holder() {
	local line=
	coproc HOLDER { exec "$helper" --hold "$@"; }
	read -r -t 30 line <&"${HOLDER[0]}"
	[ "$line" = ready ]
}

stop_holder() {
	kill -TERM "$HOLDER_PID" 2>/dev/null
	wait "$HOLDER_PID" 2>/dev/null
	HOLDER_PID=
}

# refused WHAT: rmmod must fail while the module is held, then work once
# released (by the commands in $release), and the module load again.
refused() {
	local what=$1 release=$2 ref
	ref=$(refcnt)
	if rmmod sealfs 2>/dev/null || ! loaded; then
		not_ok "rmmod is refused while $what (it unloaded; refcnt was $ref)"
		load
		return
	fi
	eval "$release"
	if ! unload; then
		not_ok "rmmod works once $what is gone (refcnt $(refcnt), was $ref while held)"
		return
	fi
	if ! load; then
		not_ok "insmod after $what"
		return
	fi
	ok "rmmod is refused while $what (refcnt $ref), and works once it is gone"
}

# not_held WHAT: rmmod must work while only WHAT (the holder) is alive,
# and the holder must find what it holds intact afterwards (its status).
not_held() {
	local what=$1 ref holder_status
	ref=$(refcnt)
	if ! unload; then
		not_ok "rmmod works while $what (refcnt $ref)"
		stop_holder
		return
	fi
	kill -TERM "$HOLDER_PID" 2>/dev/null
	wait "$HOLDER_PID"
	holder_status=$?
	HOLDER_PID=
	if ! load; then
		not_ok "insmod after rmmod while $what"
		return
	fi
	if [ "$holder_status" -ne 0 ]; then
		not_ok "after rmmod while $what, it still works (holder status $holder_status)"
		return
	fi
	ok "rmmod works while $what (refcnt $ref), which still works afterwards"
}

echo "TAP version 13"
echo "1..10"

if [ ! -x "$helper" ]; then
	echo "Bail out! no $helper (make lifecycle_test)"
	exit 1
fi
if [ ! -e "$ko" ]; then
	echo "Bail out! no module at $ko"
	exit 1
fi

# 1
if loaded || load; then
	ok "sealfs is loaded (refcnt $(refcnt))"
else
	not_ok "sealfs is loaded"
	echo "Bail out! insmod $ko failed"
	exit 1
fi

# 2: a few cycles with the rmmod and insmod programs, the rest by their
# system calls from the helper (an exec costs ~150 ms under TCG).
start=$(now_ms)
failed=
by_tools=$((cycles < 2 ? cycles : 2))
for i in $(seq "$by_tools"); do
	if ! rmmod sealfs; then
		failed="rmmod in cycle $i (refcnt $(refcnt))"
		break
	fi
	if loaded; then
		failed="still loaded after rmmod in cycle $i"
		break
	fi
	if ! load; then
		failed="insmod in cycle $i"
		break
	fi
	if ! "$helper" --cycle; then
		failed="the files of cycle $i"
		break
	fi
done
if [ -z "$failed" ] && [ "$cycles" -gt "$by_tools" ]; then
	out=$("$helper" --load-cycles $((cycles - by_tools)) "$ko") ||
		failed="the helper's cycles (see above)"
	diag "$out"
fi
ms=$(($(now_ms) - start))
if [ -z "$failed" ]; then
	ok "$cycles rmmod/insmod cycles ($by_tools by rmmod and insmod) with files created, written, mapped, sealed and closed between, and a mount every 4th ($ms ms)"
else
	not_ok "$cycles rmmod/insmod cycles: failed at $failed"
	loaded || load
fi

# 3
if start_holder fd; then
	refused "an anonymous sealfs fd is open" stop_holder
else
	not_ok "holding an anonymous sealfs fd"
	stop_holder
fi

# 4
if start_holder map; then
	not_held "only a shared mapping of a closed, FUTURE_WRITE-sealed sealfs file is left"
else
	not_ok "holding a mapping of a sealfs file"
	stop_holder
fi

# 5
if start_holder dev; then
	refused "/dev/sealfs is open" stop_holder
else
	not_ok "holding /dev/sealfs open"
	stop_holder
fi

# 6
mnt=$(mktemp -d /tmp/sealfs-lifecycle.XXXXXX)
if mount -t sealfs none "$mnt"; then
	refused "sealfs is mounted" 'umount "$mnt"'
else
	not_ok "mount -t sealfs"
fi

# 7
if mount -t sealfs -o size=1M none "$mnt" && start_holder mountfile "$mnt" &&
   umount -l "$mnt"; then
	refused "a lazily unmounted sealfs still has an open file" stop_holder
else
	not_ok "an open file in a lazily unmounted sealfs"
	stop_holder
	umount -l "$mnt" 2>/dev/null
fi
rmdir "$mnt"
mnt=

# 8
if out=$("$helper" --race-unload "${SEALFS_RACE_ROUNDS:-16}" "$ko"); then
	ok "rmmod races the last close and unmap of 64 MiB files: $out"
else
	not_ok "rmmod races the last close and unmap of 64 MiB files"
	loaded || load
fi

# 9
if "$helper" --cycle; then
	ok "the module works after all that"
else
	not_ok "the module works after all that"
fi

# 10
if loaded || load; then
	ok "sealfs is left loaded (refcnt $(refcnt)) for the runner to unload"
else
	not_ok "sealfs is left loaded"
fi
exit $status
