// SPDX-License-Identifier: GPL-2.0

//! The `sealfs` filesystem type: its superblocks, the limits of a mount,
//! and the table of what each VFS operation does.
//!
//! Lock order: see `seals.rs`.  The inode count is an atomic, taken
//! under no lock.

use crate::ext::{
    file::{File, VmaNew},
    fs::{AnonMount, FileSystem, FileSystemType, SeqFile, StatFs, SuperBlock},
    inode::{Dentry, InodeKind, SetAttr},
    shmem::TmpfsMount,
    task::{self, Kgid, Kuid},
};
use crate::{
    file, inode,
    inode::{InodeData, SealfsInode},
    options::{self, Huge, MountOptions},
    seals,
};
use core::{
    fmt::{self, Write},
    sync::atomic::{AtomicU64, AtomicU8, Ordering},
};
use kernel::{c_str, prelude::*};

/// `statfs`'s `f_type` for sealfs ("SEAL" in ASCII, as tmpfs uses 0x01021994).
pub(crate) const SEALFS_MAGIC: u32 = 0x5345_414c;

/// The registered `sealfs` type (static, as lockdep needs).
pub(crate) static SEALFS_TYPE: FileSystemType = FileSystemType::new();

/// The internal mount of the anonymous files of `/dev/sealfs`.
pub(crate) static ANON_MOUNT: AnonMount<Sealfs> = AnonMount::new();

/// What a superblock owns: the private tmpfs mount that holds its files'
/// data, its count of inodes, and its options as `/proc/mounts` shows
/// them.
///
/// # Invariants
///
/// `used_inodes <= max_inodes` whenever a limit is set (0 means no
/// limit), except transiently inside `reserve_inode`, which undoes an
/// overshoot, and after a remount that lowered the limit below a count
/// that grew meanwhile (as tmpfs, which checks under its lock, would not
/// allow; new inodes are refused until the count is below the limit).
pub(crate) struct SbInfo {
    /// The backing files' mount, with this mount's `size=` and `huge=`:
    /// tmpfs enforces the size limit and picks the page sizes.
    pub(crate) tmpfs: TmpfsMount,
    max_inodes: AtomicU64,
    used_inodes: AtomicU64,
    /// `size=` in bytes (0: none), and `huge=` (`Huge::to_u8`), as the
    /// tmpfs mount last took them.
    size: AtomicU64,
    huge: AtomicU8,
    /// The root's `mode=`, `uid=` and `gid=` (mount only, as tmpfs).
    mode: u16,
    uid: Option<Kuid>,
    gid: Option<Kgid>,
}

impl SbInfo {
    /// Counts a new inode: `ENOSPC` if `nr_inodes=` would be exceeded.
    pub(crate) fn reserve_inode(&self) -> Result {
        let max = self.max_inodes.load(Ordering::Acquire);
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

    /// May `nr_inodes=` become `max` on a remount?  As tmpfs: 0 lifts the
    /// limit; a limit cannot be added to a mount that had none, nor be
    /// below what is in use.
    pub(crate) fn check_max_inodes(&self, max: u64) -> core::result::Result<(), &'static str> {
        if max == 0 {
            return Ok(());
        }
        if self.max_inodes.load(Ordering::Acquire) == 0 {
            return Err("Cannot retroactively limit inodes");
        }
        if max < self.used_inodes.load(Ordering::Acquire) {
            return Err("Too few inodes for current use");
        }
        Ok(())
    }

    /// Records the options a remount changed (checked and applied to the
    /// tmpfs mount by then).
    pub(crate) fn set_options(&self, opts: &MountOptions) {
        if let Some(max) = opts.nr_inodes {
            self.max_inodes.store(max, Ordering::Release);
        }
        if let Some(size) = opts.size {
            self.size.store(size, Ordering::Release);
        }
        if let Some(huge) = opts.huge {
            self.huge.store(Huge::to_u8(Some(huge)), Ordering::Release);
        }
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
            max_inodes: AtomicU64::new(opts.nr_inodes.unwrap_or(0)),
            used_inodes: AtomicU64::new(0),
            size: AtomicU64::new(opts.size.unwrap_or(0)),
            huge: AtomicU8::new(Huge::to_u8(opts.new_huge())),
            mode: opts.mode,
            uid: opts.uid,
            gid: opts.gid,
        })
    }

    fn reconfigure(sb: &SuperBlock<Self>, opts: &MountOptions) -> Result {
        options::reconfigure(sb.data(), opts)
    }

    fn show_options(sb: &SuperBlock<Self>, out: &mut SeqFile<'_>) -> fmt::Result {
        let info = sb.data();
        let size = info.size.load(Ordering::Acquire);
        if size != 0 {
            // As tmpfs: the limit in whole pages, in KiB.
            let page = kernel::page::PAGE_SIZE as u64;
            write!(out, ",size={}k", size.div_ceil(page) * page / 1024)?;
        }
        let inodes = info.max_inodes.load(Ordering::Acquire);
        if inodes != 0 {
            write!(out, ",nr_inodes={}", inodes)?;
        }
        if info.mode != 0o1777 {
            write!(out, ",mode={:03o}", info.mode)?;
        }
        if let Some(uid) = info.uid {
            write!(out, ",uid={}", task::uid_in_init_ns(uid))?;
        }
        if let Some(gid) = info.gid {
            write!(out, ",gid={}", task::gid_in_init_ns(gid))?;
        }
        match Huge::from_u8(info.huge.load(Ordering::Acquire)) {
            Some(huge) => write!(out, ",huge={}", huge.as_str()),
            None => Ok(()),
        }
    }

    fn fill_super(sb: &SuperBlock<Self>, opts: &MountOptions) -> Result {
        let root = inode::new_inode(sb, None, InodeKind::Directory, opts.mode)?;
        root.set_owner(opts.uid, opts.gid);
        sb.set_root(root)
    }

    fn statfs(sb: &SuperBlock<Self>, st: &mut StatFs) {
        let info = sb.data();
        let max_inodes = info.max_inodes.load(Ordering::Acquire);
        // The blocks are tmpfs's, which counts what its files hold.
        if let Ok((blocks, free)) = info.tmpfs.block_counts() {
            st.blocks = blocks;
            st.blocks_free = free;
        }
        let inodes = info.used_inodes.load(Ordering::Acquire);
        if max_inodes != 0 {
            st.files = max_inodes;
            st.files_free = max_inodes.saturating_sub(inodes);
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

    fn permission(inode: &SealfsInode, exec: bool) -> Result {
        seals::check_permission(&inode.data().seals, exec)
    }

    fn setattr(inode: &SealfsInode, attr: &SetAttr) -> Result {
        seals::check_setattr(&inode.data().seals, inode.mode(), attr)
    }

    fn ioctl(file: &File, inode: &SealfsInode, cmd: u32, arg: usize) -> Result<isize> {
        file::ioctl(file, inode, cmd, arg)
    }

    fn show_fdinfo(inode: &SealfsInode, out: &mut SeqFile<'_>) -> fmt::Result {
        seals::show_fdinfo(inode, out)
    }

    fn mmap(_file: &File, inode: &SealfsInode, vma: &VmaNew) -> Result {
        seals::check_mmap(&inode.data().seals, vma)?;
        inode.backing().ok_or(ENODEV)?.map(vma)
    }
}
