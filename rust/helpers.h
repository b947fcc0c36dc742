/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out-of-line wrappers of static inline kernel functions that sealfs calls
 * from Rust.  One line each, no logic: see helpers.c.
 */
#ifndef SEALFS_HELPERS_H
#define SEALFS_HELPERS_H

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/oom.h>
#include <linux/pgtable.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/xarray.h>
#include <linux/uidgid.h>
#include <linux/userfaultfd_k.h>
#include <linux/uio.h>

struct inode *sealfs_helper_file_inode(const struct file *file);
void sealfs_helper_inode_lock(struct inode *inode);
void sealfs_helper_inode_unlock(struct inode *inode);
loff_t sealfs_helper_i_size_read(const struct inode *inode);
void sealfs_helper_i_size_write(struct inode *inode, loff_t i_size);
int sealfs_helper_mapping_deny_writable(struct address_space *mapping);
void sealfs_helper_mapping_allow_writable(struct address_space *mapping);
void sealfs_helper_mapping_set_unevictable(struct address_space *mapping);
void sealfs_helper_mapping_set_gfp_mask(struct address_space *m, gfp_t mask);
int sealfs_helper_folio_mapcount(const struct folio *folio);
void sealfs_helper_folio_batch_init(struct folio_batch *fbatch);
void sealfs_helper_vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags);
int sealfs_helper_pidns_memfd_noexec_scope(struct pid_namespace *ns);
struct user_namespace *sealfs_helper_current_user_ns(void);
bool sealfs_helper_uid_valid(kuid_t uid);
bool sealfs_helper_gid_valid(kgid_t gid);
struct dentry *sealfs_helper_dget(struct dentry *dentry);
unsigned int sealfs_helper_cpumask_next(int n, const struct cpumask *srcp);
void sealfs_helper_cond_resched(void);
bool sealfs_helper_fatal_signal_pending(void);
struct timespec64 sealfs_helper_inode_set_mtime_to_ts(struct inode *inode, struct timespec64 ts);
void sealfs_helper_kiocb_clone(struct kiocb *kiocb, struct kiocb *kiocb_src, struct file *filp);
unsigned int *sealfs_helper_shmem_seals_ptr(struct inode *inode);
struct timespec64 sealfs_helper_inode_get_mtime(const struct inode *inode);
struct timespec64 sealfs_helper_inode_get_ctime(const struct inode *inode);
struct timespec64 sealfs_helper_inode_set_ctime_to_ts(struct inode *inode, struct timespec64 ts);
void sealfs_helper_xa_lock_irq(struct xarray *xa);
void sealfs_helper_xa_unlock_irq(struct xarray *xa);
void *sealfs_helper_xas_next_marked(struct xa_state *xas, unsigned long max, xa_mark_t mark);
void sealfs_helper_put_cred(const struct cred *cred);
size_t sealfs_helper_iov_iter_count(const struct iov_iter *i);
const struct cred *sealfs_helper_current_cred(void);
int sealfs_helper_atomic_read(const atomic_t *v);
bool sealfs_helper_has_transparent_hugepage(void);
void sealfs_helper_i_mmap_lock_read(struct address_space *mapping);
void sealfs_helper_i_mmap_unlock_read(struct address_space *mapping);
bool sealfs_helper_userfaultfd_armed(struct vm_area_struct *vma);
void sealfs_helper_mmgrab(struct mm_struct *mm);
void sealfs_helper_mmdrop(struct mm_struct *mm);
vm_fault_t sealfs_helper_check_stable_address_space(struct mm_struct *mm);
int sealfs_helper_mmap_write_lock_killable(struct mm_struct *mm);
void sealfs_helper_mmap_write_unlock(struct mm_struct *mm);
void sealfs_helper_mapping_unmap_writable(struct address_space *mapping);

/* Values of kernel macros that bindgen cannot evaluate (casts). */
static const gfp_t sealfs_const_GFP_HIGHUSER = GFP_HIGHUSER;
static const fmode_t sealfs_const_FMODE_READ = FMODE_READ;
static const fmode_t sealfs_const_FMODE_WRITE = FMODE_WRITE;
static const fmode_t sealfs_const_FMODE_LSEEK = FMODE_LSEEK;
static const fmode_t sealfs_const_FMODE_PREAD = FMODE_PREAD;
static const fmode_t sealfs_const_FMODE_PWRITE = FMODE_PWRITE;
static const loff_t sealfs_const_MAX_LFS_FILESIZE = MAX_LFS_FILESIZE;
static const xa_mark_t sealfs_const_PAGECACHE_TAG_TOWRITE = PAGECACHE_TAG_TOWRITE;
static const unsigned long sealfs_const_XA_CHUNK_MASK = XA_CHUNK_MASK;
static const unsigned long sealfs_const_SB_KERNMOUNT = SB_KERNMOUNT;
static const unsigned long sealfs_const_SB_NOSEC = SB_NOSEC;

#endif
