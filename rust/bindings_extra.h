/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel headers whose items sealfs binds beyond 6.12's
 * kernel::bindings; rust/bindings_extra.list names the items.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/miscdevice.h>
#include "helpers.h"
