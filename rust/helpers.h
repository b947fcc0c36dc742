/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out-of-line wrappers of static inline kernel functions that sealfs calls
 * from Rust.  One line each, no logic: see helpers.c.
 */
#ifndef SEALFS_HELPERS_H
#define SEALFS_HELPERS_H

#include <linux/fs.h>

struct inode *sealfs_helper_file_inode(const struct file *file);

#endif
