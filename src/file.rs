// SPDX-License-Identifier: GPL-2.0

//! Regular files and directory entries: the operations that are sealfs's
//! own rather than the backing file's (those are wired in `rust/ops.rs`):
//! the seal ioctls, and making files, directories, nodes and symlinks in a
//! mount.
//!
//! Lock order: see `seals.rs`.

use crate::ext::{
    bindings,
    file::File,
    inode::{Dentry, InodeKind},
};
use crate::{
    inode::{self, SealfsInode},
    seals,
};
use kernel::{ioctl::_IO, prelude::*};

/// The type byte of sealfs's ioctls.
const IOC_MAGIC: u32 = 0xBE;
/// `SEALFS_IOC_ADD_SEALS`: the argument is the seal mask, by value.
pub(crate) const IOC_ADD_SEALS: u32 = _IO(IOC_MAGIC, 0x01);
/// `SEALFS_IOC_GET_SEALS`: returns the seal mask.
pub(crate) const IOC_GET_SEALS: u32 = _IO(IOC_MAGIC, 0x02);

/// `ioctl(2)` on a sealfs regular file.
pub(crate) fn ioctl(file: &File, inode: &SealfsInode, cmd: u32, arg: usize) -> Result<isize> {
    match cmd {
        IOC_ADD_SEALS => seals::add_seals(file, inode, arg).map(|()| 0),
        IOC_GET_SEALS => Ok(inode.data().seals.get() as isize),
        _ => Err(ENOTTY),
    }
}

/// `mknod(2)`, `creat(2)` and `mkdir(2)` in a mount, as ramfs; a regular
/// file gets its backing file.
pub(crate) fn mknod(dir: &SealfsInode, dentry: &Dentry, mode: u16, dev: u32) -> Result {
    let sb = dir.super_block();
    let new = match u32::from(mode) & bindings::S_IFMT {
        bindings::S_IFREG => {
            let name = inode::backing_name(dentry.name())?;
            let name = CStr::from_bytes_with_nul(&name).map_err(|_| EINVAL)?;
            inode::new_regular(sb, Some(dir), name, mode & 0o7777)?
        }
        bindings::S_IFDIR => {
            let new = inode::new_inode(sb, Some(dir), InodeKind::Directory, mode & 0o7777)?;
            // The subdirectory's "..".
            dir.inc_nlink();
            new
        }
        // FIFOs, sockets, devices: the type is part of the mode.
        _ => inode::new_inode(sb, Some(dir), InodeKind::Special(dev), mode)?,
    };
    dentry.instantiate_pinned(new);
    dir.touch_mtime_ctime();
    Ok(())
}

/// `symlink(2)` in a mount: the target is stored in the page cache.
pub(crate) fn symlink(dir: &SealfsInode, dentry: &Dentry, target: &CStr) -> Result {
    let new = inode::new_inode(dir.super_block(), Some(dir), InodeKind::Symlink, 0o777)?;
    new.set_symlink_target(target)?;
    dentry.instantiate_pinned(new);
    dir.touch_mtime_ctime();
    Ok(())
}
