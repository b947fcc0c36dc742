// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line wrappers of static inline kernel functions, so that Rust can
 * call them.  Each is the kernel function and nothing else: any logic
 * belongs in the Rust code.
 */
#include "helpers.h"

struct inode *sealfs_helper_file_inode(const struct file *file)
{
	return file_inode(file);
}
