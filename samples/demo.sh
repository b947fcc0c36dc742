#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The short demo of `make run`, inside the VM with sealfs loaded.
set -e
echo "== sealfs is loaded"
grep -w sealfs /proc/modules
grep -w sealfs /proc/filesystems
ls -l /dev/sealfs
echo "== mount -t sealfs"
mnt=$(mktemp -d)
mount -t sealfs none "$mnt"
stat -f -c 'type %t, block size %s' "$mnt"
umount "$mnt"
rmdir "$mnt"

# The sample programs, built on the host beforehand by `make -C samples`.
here=$(cd "$(dirname "$0")" && pwd)
status=0
for prog in sealed_readonly_map cursor_window; do
	if [ ! -x "$here/$prog" ]; then
		echo "== $prog: not built (make -C samples), skipped"
		continue
	fi
	echo "== samples/$prog"
	if "$here/$prog"; then
		echo "== $prog: PASS"
	else
		echo "== $prog: FAIL"
		status=1
	fi
done
exit $status
