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

void sealfs_helper_inode_lock(struct inode *inode)
{
	inode_lock(inode);
}

void sealfs_helper_inode_unlock(struct inode *inode)
{
	inode_unlock(inode);
}

loff_t sealfs_helper_i_size_read(const struct inode *inode)
{
	return i_size_read(inode);
}

void sealfs_helper_i_size_write(struct inode *inode, loff_t i_size)
{
	i_size_write(inode, i_size);
}

unsigned long sealfs_helper_mapping_nrpages(const struct address_space *mapping)
{
	return READ_ONCE(mapping->nrpages);
}

int sealfs_helper_mapping_deny_writable(struct address_space *mapping)
{
	return mapping_deny_writable(mapping);
}

void sealfs_helper_mapping_allow_writable(struct address_space *mapping)
{
	mapping_allow_writable(mapping);
}

void sealfs_helper_mapping_set_unevictable(struct address_space *mapping)
{
	mapping_set_unevictable(mapping);
}

void sealfs_helper_mapping_set_large_folios(struct address_space *mapping)
{
	mapping_set_large_folios(mapping);
}

void sealfs_helper_mapping_set_gfp_mask(struct address_space *m, gfp_t mask)
{
	mapping_set_gfp_mask(m, mask);
}

int sealfs_helper_folio_ref_count(const struct folio *folio)
{
	return folio_ref_count(folio);
}

int sealfs_helper_folio_mapcount(const struct folio *folio)
{
	return folio_mapcount(folio);
}

long sealfs_helper_folio_nr_pages(const struct folio *folio)
{
	return folio_nr_pages(folio);
}

loff_t sealfs_helper_folio_pos(struct folio *folio)
{
	return folio_pos(folio);
}

size_t sealfs_helper_folio_size(struct folio *folio)
{
	return folio_size(folio);
}

bool sealfs_helper_folio_test_uptodate(const struct folio *folio)
{
	return folio_test_uptodate(folio);
}

bool sealfs_helper_folio_test_dirty(const struct folio *folio)
{
	return folio_test_dirty(folio);
}

void sealfs_helper_folio_mark_uptodate(struct folio *folio)
{
	folio_mark_uptodate(folio);
}

void sealfs_helper_folio_zero_range(struct folio *folio, size_t start, size_t length)
{
	folio_zero_range(folio, start, length);
}

void sealfs_helper_folio_put(struct folio *folio)
{
	folio_put(folio);
}

void sealfs_helper_folio_batch_init(struct folio_batch *fbatch)
{
	folio_batch_init(fbatch);
}

unsigned int sealfs_helper_folio_batch_count(struct folio_batch *fbatch)
{
	return folio_batch_count(fbatch);
}

void sealfs_helper_folio_batch_release(struct folio_batch *fbatch)
{
	folio_batch_release(fbatch);
}

struct page *sealfs_helper_folio_file_page(struct folio *folio, pgoff_t index)
{
	return folio_file_page(folio, index);
}

size_t sealfs_helper_iov_iter_count(const struct iov_iter *i)
{
	return iov_iter_count(i);
}

void sealfs_helper_vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vm_flags_clear(vma, flags);
}

void sealfs_helper_file_accessed(struct file *file)
{
	file_accessed(file);
}

int sealfs_helper_pidns_memfd_noexec_scope(struct pid_namespace *ns)
{
	return pidns_memfd_noexec_scope(ns);
}

struct user_namespace *sealfs_helper_current_user_ns(void)
{
	return current_user_ns();
}

bool sealfs_helper_uid_valid(kuid_t uid)
{
	return uid_valid(uid);
}

bool sealfs_helper_gid_valid(kgid_t gid)
{
	return gid_valid(gid);
}

struct dentry *sealfs_helper_dget(struct dentry *dentry)
{
	return dget(dentry);
}

unsigned int sealfs_helper_cpumask_next(int n, const struct cpumask *srcp)
{
	return cpumask_next(n, srcp);
}

struct timespec64 sealfs_helper_inode_set_mtime_to_ts(struct inode *inode, struct timespec64 ts)
{
	return inode_set_mtime_to_ts(inode, ts);
}

void sealfs_helper_cond_resched(void)
{
	cond_resched();
}

bool sealfs_helper_fatal_signal_pending(void)
{
	return fatal_signal_pending(current);
}
