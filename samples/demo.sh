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
