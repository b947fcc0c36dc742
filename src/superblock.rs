// SPDX-License-Identifier: GPL-2.0

//! The `sealfs` filesystem type: its superblocks, the limits of a mount,
//! and the table of what each VFS operation does.
//!
//! Lock order: see `seals.rs`.  The limits below are atomics, taken under
//! no lock: page faults charge pages without `i_rwsem`.

use crate::ext::{
    file::{File, VmaNew},
    fs::{FileSystem, FileSystemType, InternalMount, StatFs, SuperBlock},
    inode::{Dentry, InodeKind, SetAttr},
};
use crate::{
    file, inode,
    inode::{InodeData, SealfsInode},
    options::MountOptions,
    seals,
};
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{c_str, prelude::*};

/// `statfs`'s `f_type` for sealfs ("SEAL" in ASCII, as tmpfs uses 0x01021994).
pub(crate) const SEALFS_MAGIC: u32 = 0x5345_414c;

/// The registered `sealfs` type (static, as lockdep needs).
pub(crate) static SEALFS_TYPE: FileSystemType = FileSystemType::new();

/// The internal mount of the anonymous files of `/dev/sealfs`.
pub(crate) static ANON_MOUNT: InternalMount<Sealfs> = InternalMount::new();

/// What a superblock owns: the limits of its mount and what is in use.
///
/// # Invariants
///
/// `used_pages <= max_pages` and `used_inodes <= max_inodes` whenever a
/// limit is set (0 means no limit), except transiently inside
/// `try_charge`/`reserve_inode`, which undo an overshoot.
pub(crate) struct SbInfo {
    max_pages: u64,
    used_pages: AtomicU64,
    max_inodes: u64,
    used_inodes: AtomicU64,
}

impl SbInfo {
    /// Charges `pages` pages: `ENOSPC` if `size=` would be exceeded.
    pub(crate) fn try_charge(&self, pages: usize) -> Result {
        try_take(&self.used_pages, self.max_pages, pages as u64)
    }

    /// Gives back `pages` pages.
    pub(crate) fn uncharge(&self, pages: usize) {
        self.used_pages.fetch_sub(pages as u64, Ordering::AcqRel);
    }

    /// Counts a new inode: `ENOSPC` if `nr_inodes=` would be exceeded.
    pub(crate) fn reserve_inode(&self) -> Result {
        try_take(&self.used_inodes, self.max_inodes, 1)
    }

    /// Gives back an inode.
    pub(crate) fn release_inode(&self) {
        self.used_inodes.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Adds `n` to `used` unless that would pass `max` (0: no limit).
fn try_take(used: &AtomicU64, max: u64, n: u64) -> Result {
    used.fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
        let new = now.checked_add(n)?;
        (max == 0 || new <= max).then_some(new)
    })
    .map(|_| ())
    .map_err(|_| ENOSPC)
}

/// The `sealfs` filesystem type.
pub(crate) struct Sealfs;

impl FileSystem for Sealfs {
    const NAME: &'static CStr = c_str!("sealfs");
    const MAGIC: u32 = SEALFS_MAGIC;
    type Options = MountOptions;
    type SuperData = SbInfo;
    type InodeData = InodeData;

    fn parse_param(opts: &mut MountOptions, key: &CStr, value: Option<&CStr>) -> Result {
        opts.parse(key, value)
    }

    fn new_super(opts: &MountOptions) -> Result<SbInfo> {
        let page_size = kernel::page::PAGE_SIZE as u64;
        Ok(SbInfo {
            // As tmpfs, the size is rounded up to whole pages.
            max_pages: opts.size.map_or(0, |bytes| bytes.div_ceil(page_size)),
            used_pages: AtomicU64::new(0),
            max_inodes: opts.nr_inodes.unwrap_or(0),
            used_inodes: AtomicU64::new(0),
        })
    }

    fn fill_super(sb: &SuperBlock<Self>, opts: &MountOptions) -> Result {
        let root = inode::new_inode(sb, None, InodeKind::Directory, opts.mode)?;
        root.set_owner(opts.uid, opts.gid);
        sb.set_root(root)
    }

    fn statfs(sb: &SuperBlock<Self>, st: &mut StatFs) {
        let info = sb.data();
        let used = info.used_pages.load(Ordering::Acquire);
        if info.max_pages != 0 {
            st.blocks = info.max_pages;
            st.blocks_free = info.max_pages.saturating_sub(used);
        }
        let inodes = info.used_inodes.load(Ordering::Acquire);
        if info.max_inodes != 0 {
            st.files = info.max_inodes;
            st.files_free = info.max_inodes.saturating_sub(inodes);
        }
    }

    fn evict_inode(inode: &SealfsInode) {
        // The page cache is empty now: everything charged goes back.
        inode::uncharge_removed(inode);
        inode.super_block().data().release_inode();
    }

    fn mknod(dir: &SealfsInode, dentry: &Dentry, mode: u16, dev: u32) -> Result {
        file::mknod(dir, dentry, mode, dev)
    }

    fn symlink(dir: &SealfsInode, dentry: &Dentry, target: &CStr) -> Result {
        file::symlink(dir, dentry, target)
    }

    fn setattr(inode: &SealfsInode, attr: &SetAttr) -> Result {
        seals::check_setattr(&inode.data().seals, inode.mode(), inode.size(), attr)
    }

    fn folios_removed(inode: &SealfsInode) {
        inode::uncharge_removed(inode);
    }

    fn ioctl(file: &File, inode: &SealfsInode, cmd: u32, arg: usize) -> Result<isize> {
        file::ioctl(file, inode, cmd, arg)
    }

    fn mmap(_file: &File, inode: &SealfsInode, vma: &VmaNew) -> Result {
        seals::check_mmap(&inode.data().seals, vma)?;
        vma.map_page_cache::<Sealfs>();
        Ok(())
    }

    fn llseek(file: &File, inode: &SealfsInode, offset: i64, whence: i32) -> Result<i64> {
        file::llseek(file, inode, offset, whence)
    }

    fn fallocate(_file: &File, inode: &SealfsInode, mode: i32, offset: i64, len: i64) -> Result {
        file::fallocate(inode, mode, offset, len)
    }

    fn may_write(inode: &SealfsInode, pos: i64, len: u32) -> Result {
        seals::check_write(&inode.data().seals, pos, len, inode.size())
    }

    fn charge_folio(inode: &SealfsInode, pages: usize) -> Result {
        inode::charge_pages(inode, pages)
    }
}
