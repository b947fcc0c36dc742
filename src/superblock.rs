// SPDX-License-Identifier: GPL-2.0

//! The `sealfs` filesystem type: its superblocks, the limits of a mount,
//! and the table of what each VFS operation does.
//!
//! Lock order: see `seals.rs`.  The inode count is an atomic, taken
//! under no lock.

use crate::ext::{
    file::{File, VmaNew},
    fs::{AnonMount, FileSystem, FileSystemType, StatFs, SuperBlock},
    inode::{Dentry, InodeKind, SetAttr},
    shmem::TmpfsMount,
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
pub(crate) static ANON_MOUNT: AnonMount<Sealfs> = AnonMount::new();

/// What a superblock owns: the private tmpfs mount that holds its files'
/// data, and its count of inodes.
///
/// # Invariants
///
/// `used_inodes <= max_inodes` whenever a limit is set (0 means no
/// limit), except transiently inside `reserve_inode`, which undoes an
/// overshoot.
pub(crate) struct SbInfo {
    /// The backing files' mount, with this mount's `size=` and `huge=`:
    /// tmpfs enforces the size limit and picks the page sizes.
    pub(crate) tmpfs: TmpfsMount,
    max_inodes: u64,
    used_inodes: AtomicU64,
}

impl SbInfo {
    /// Counts a new inode: `ENOSPC` if `nr_inodes=` would be exceeded.
    pub(crate) fn reserve_inode(&self) -> Result {
        let max = self.max_inodes;
        self.used_inodes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                let new = now.checked_add(1)?;
                (max == 0 || new <= max).then_some(new)
            })
            .map(|_| ())
            .map_err(|_| ENOSPC)
    }

    /// Gives back an inode.
    pub(crate) fn release_inode(&self) {
        self.used_inodes.fetch_sub(1, Ordering::AcqRel);
    }
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
        Ok(SbInfo {
            tmpfs: TmpfsMount::new(&opts.tmpfs_options()?)?,
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
        // The blocks are tmpfs's, which counts what its files hold.
        if let Ok((blocks, free)) = info.tmpfs.block_counts() {
            st.blocks = blocks;
            st.blocks_free = free;
        }
        let inodes = info.used_inodes.load(Ordering::Acquire);
        if info.max_inodes != 0 {
            st.files = info.max_inodes;
            st.files_free = info.max_inodes.saturating_sub(inodes);
        }
    }

    fn evict_inode(inode: &SealfsInode) {
        inode.super_block().data().release_inode();
    }

    fn mknod(dir: &SealfsInode, dentry: &Dentry, mode: u16, dev: u32) -> Result {
        file::mknod(dir, dentry, mode, dev)
    }

    fn symlink(dir: &SealfsInode, dentry: &Dentry, target: &CStr) -> Result {
        file::symlink(dir, dentry, target)
    }

    fn setattr(inode: &SealfsInode, attr: &SetAttr) -> Result {
        seals::check_setattr(&inode.data().seals, inode.mode(), attr)
    }

    fn ioctl(file: &File, inode: &SealfsInode, cmd: u32, arg: usize) -> Result<isize> {
        file::ioctl(file, inode, cmd, arg)
    }

    fn mmap(_file: &File, inode: &SealfsInode, vma: &VmaNew) -> Result {
        seals::check_mmap(&inode.data().seals, vma)?;
        inode.backing().ok_or(ENODEV)?.map(vma)
    }
}
