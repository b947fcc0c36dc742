// SPDX-License-Identifier: GPL-2.0

//! Regular files and directory entries: the operations that are sealfs's
//! own rather than the backing file's (those are wired in `rust/ops.rs`):
//! the seal ioctls, and making files, directories, nodes and symlinks in a
//! mount.
//!
//! Lock order: see `seals.rs`.

use crate::ext::{
    bindings,
    file::{FdReservation, File},
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
/// `SEALFS_IOC_OPEN_READONLY`: the argument is 0 or `O_CLOEXEC`; returns a
/// new read-only descriptor of the file.
pub(crate) const IOC_OPEN_READONLY: u32 = _IO(IOC_MAGIC, 0x03);

/// `ioctl(2)` on a sealfs regular file.
pub(crate) fn ioctl(file: &File, inode: &SealfsInode, cmd: u32, arg: usize) -> Result<isize> {
    match cmd {
        IOC_ADD_SEALS => seals::add_seals(file, inode, arg).map(|()| 0),
        IOC_GET_SEALS => Ok(inode.data().seals.get() as isize),
        IOC_OPEN_READONLY => open_read_only(file, arg),
        _ => Err(ENOTTY),
    }
}

/// `SEALFS_IOC_OPEN_READONLY`: a new descriptor of the same file, opened
/// `O_RDONLY`, as reopening `/proc/self/fd/N` read-only gives, for
/// programs in a sandbox without `/proc` (spec section 9).  It cannot add
/// seals (`EPERM`), map the file writable and shared (`EACCES`) or write
/// (`EBADF`): the VFS's rules for a read-only descriptor.  It only ever
/// takes rights away: the descriptor it is called on must be readable
/// (`EBADF` otherwise).
fn open_read_only(file: &File, arg: usize) -> Result<isize> {
    let cloexec = match arg {
        0 => false,
        flags if flags == bindings::O_CLOEXEC as usize => true,
        _ => return Err(EINVAL),
    };
    if !file.is_readable() {
        return Err(EBADF);
    }
    let fd = FdReservation::new(cloexec)?;
    let new = file.reopen_read_only()?;
    Ok(fd.install(new) as isize)
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
