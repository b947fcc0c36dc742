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

void sealfs_helper_mapping_set_gfp_mask(struct address_space *m, gfp_t mask)
{
	mapping_set_gfp_mask(m, mask);
}


int sealfs_helper_folio_mapcount(const struct folio *folio)
{
	return folio_mapcount(folio);
}

void sealfs_helper_folio_batch_init(struct folio_batch *fbatch)
{
	folio_batch_init(fbatch);
}

void sealfs_helper_vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vm_flags_clear(vma, flags);
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

void sealfs_helper_kiocb_clone(struct kiocb *kiocb, struct kiocb *kiocb_src, struct file *filp)
{
	kiocb_clone(kiocb, kiocb_src, filp);
}

/* SHMEM_I(inode)->seals: SHMEM_I is static inline, and struct
 * shmem_inode_info is not bound (its members' types are not). */
unsigned int *sealfs_helper_shmem_seals_ptr(struct inode *inode)
{
	return &SHMEM_I(inode)->seals;
}

struct timespec64 sealfs_helper_inode_get_mtime(const struct inode *inode)
{
	return inode_get_mtime(inode);
}

struct timespec64 sealfs_helper_inode_get_ctime(const struct inode *inode)
{
	return inode_get_ctime(inode);
}

struct timespec64 sealfs_helper_inode_set_ctime_to_ts(struct inode *inode, struct timespec64 ts)
{
	return inode_set_ctime_to_ts(inode, ts);
}

void sealfs_helper_xa_lock_irq(struct xarray *xa)
{
	xa_lock_irq(xa);
}

void sealfs_helper_xa_unlock_irq(struct xarray *xa)
{
	xa_unlock_irq(xa);
}

void sealfs_helper_put_cred(const struct cred *cred)
{
	put_cred(cred);
}

size_t sealfs_helper_iov_iter_count(const struct iov_iter *i)
{
	return iov_iter_count(i);
}

const struct cred *sealfs_helper_current_cred(void)
{
	return current_cred();
}

int sealfs_helper_atomic_read(const atomic_t *v)
{
	return atomic_read(v);
}

bool sealfs_helper_has_transparent_hugepage(void)
{
	return has_transparent_hugepage();
}


void *sealfs_helper_xas_next_marked(struct xa_state *xas, unsigned long max, xa_mark_t mark)
{
	return xas_next_marked(xas, max, mark);
}

void sealfs_helper_i_mmap_lock_read(struct address_space *mapping)
{
	i_mmap_lock_read(mapping);
}

void sealfs_helper_i_mmap_unlock_read(struct address_space *mapping)
{
	i_mmap_unlock_read(mapping);
}

bool sealfs_helper_userfaultfd_armed(struct vm_area_struct *vma)
{
	return userfaultfd_armed(vma);
}

void sealfs_helper_mmgrab(struct mm_struct *mm)
{
	mmgrab(mm);
}

void sealfs_helper_mmdrop(struct mm_struct *mm)
{
	mmdrop(mm);
}

vm_fault_t sealfs_helper_check_stable_address_space(struct mm_struct *mm)
{
	return check_stable_address_space(mm);
}

int sealfs_helper_mmap_write_lock_killable(struct mm_struct *mm)
{
	return mmap_write_lock_killable(mm);
}

void sealfs_helper_mmap_write_unlock(struct mm_struct *mm)
{
	mmap_write_unlock(mm);
}

void sealfs_helper_mapping_unmap_writable(struct address_space *mapping)
{
	mapping_unmap_writable(mapping);
}
