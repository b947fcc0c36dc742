/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel headers of the items rust/gen-bindings binds (see its list). */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/falloc.h>
#include <linux/miscdevice.h>
#include <linux/pagemap.h>
#include <linux/pid_namespace.h>
#include <linux/shmem_fs.h>
#include <linux/splice.h>
#include <linux/statfs.h>
#include <linux/swap.h>
#include "helpers.h"
