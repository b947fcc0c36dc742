// SPDX-License-Identifier: GPL-2.0

//! Regular files and directory entries: the operations that are ours
//! rather than the page cache's generic ones (those are wired in
//! `rust/ops.rs`): the seal ioctls, `SEEK_DATA`/`SEEK_HOLE`, `fallocate`,
//! and making files, directories, nodes and symlinks in a mount.
//!
//! Lock order: see `seals.rs`.  `fallocate` and `llseek` take `i_rwsem`.

use crate::ext::{
    bindings,
    file::File,
    inode::{Dentry, InodeKind},
    task,
};
use crate::{
    inode::{self, SealfsInode},
    seals,
};
use core::ops::ControlFlow;
use kernel::{
    ioctl::_IO,
    page::{PAGE_SHIFT, PAGE_SIZE},
    prelude::*,
};

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

/// `lseek(2)`: `SEEK_DATA` and `SEEK_HOLE` from the page cache (a folio
/// that is uptodate is data; anything else, including a folio `fallocate`
/// reserved and nobody wrote yet, is a hole, as tmpfs), the rest generic.
pub(crate) fn llseek(file: &File, inode: &SealfsInode, offset: i64, whence: i32) -> Result<i64> {
    let want_data = match whence as u32 {
        bindings::SEEK_DATA => true,
        bindings::SEEK_HOLE => false,
        _ => return file.generic_llseek(offset, whence, inode.size()),
    };
    // The size and the page cache must not move while we look.
    let guard = inode.lock();
    let size = guard.size();
    if offset < 0 || offset >= size {
        return Err(ENXIO);
    }
    let found = seek_hole_data(&guard, offset, want_data);
    let pos = match (want_data, found) {
        (true, Some(pos)) if pos < size => pos,
        (true, _) => return Err(ENXIO),
        // Past the last folio, and past EOF, everything is a hole.
        (false, pos) => pos.unwrap_or(size).min(size),
    };
    file.set_pos(pos)
}

/// The first byte at or after `offset` that is data (`want_data`) or a
/// hole; `None` if there is none among the folios (data: none at all;
/// hole: the hole starts after the last folio).
fn seek_hole_data(inode: &SealfsInode, offset: i64, want_data: bool) -> Option<i64> {
    let mut pos = offset;
    let mut found = None;
    inode
        .mapping()
        .scan_folios((offset >> PAGE_SHIFT) as usize, |folio| {
            let start = folio.pos();
            // The last folio below the maximum file size ends at 2^63.
            let end = start.saturating_add(folio.size() as i64);
            if end <= pos {
                return ControlFlow::Continue(());
            }
            if start > pos && !want_data {
                // A gap between folios: a hole at `pos`.
                found = Some(pos);
                return ControlFlow::Break(());
            }
            if folio.is_uptodate() == want_data {
                found = Some(pos.max(start));
                return ControlFlow::Break(());
            }
            pos = end;
            ControlFlow::Continue(())
        });
    if found.is_none() && !want_data {
        found = Some(pos);
    }
    found
}

/// `fallocate(2)` with mode 0, `FALLOC_FL_KEEP_SIZE` or
/// `FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE`, as tmpfs.
pub(crate) fn fallocate(inode: &SealfsInode, mode: i32, offset: i64, len: i64) -> Result {
    let keep_size = bindings::FALLOC_FL_KEEP_SIZE as i32;
    let punch = bindings::FALLOC_FL_PUNCH_HOLE as i32;
    if mode & !(keep_size | punch) != 0 {
        return Err(Error::from_errno(-(bindings::EOPNOTSUPP as i32)));
    }
    // `vfs_fallocate` checked that `offset >= 0`, `len > 0` and that the
    // sum does not overflow.
    let end = offset.checked_add(len).ok_or(EFBIG)?;
    let guard = inode.lock();
    let size = guard.size();
    seals::check_fallocate(&guard.data().seals, mode & punch != 0, end, size)?;
    if mode & punch != 0 {
        guard.punch_page_cache(offset, end - 1);
        inode::uncharge_removed(&guard);
        guard.touch_mtime_ctime();
        return Ok(());
    }
    let grows = mode & keep_size == 0 && end > size;
    if grows {
        guard.newsize_ok(end)?;
    }
    let first = (offset >> PAGE_SHIFT) as usize;
    let last = ((end - 1) >> PAGE_SHIFT) as usize;
    // All or nothing, as tmpfs: charge every missing page up front, so a
    // full mount fails before anything is allocated, and drop what this
    // call allocated if it fails later (a signal, no memory).
    inode::charge_pages(&guard, missing_pages(&guard, first, last))?;
    let mut made = KVec::new();
    let result = allocate_range(&guard, first, last, &mut made);
    if result.is_err() {
        for &(start, end) in made.iter() {
            guard.punch_page_cache(page_offset(start), page_offset(end).saturating_sub(1));
        }
    }
    // Gives back the charge of pages that others (faults) filled meanwhile,
    // or that the undo dropped.
    inode::uncharge_removed(&guard);
    result?;
    if grows {
        guard.set_size(end);
    }
    guard.touch_mtime_ctime();
    Ok(())
}

/// The byte offset of page `index`, capped at the largest file offset (the
/// page after the last one of a file of `MAX_LFS_FILESIZE` starts at 2^63).
fn page_offset(index: usize) -> i64 {
    i64::try_from(index << PAGE_SHIFT).unwrap_or(i64::MAX)
}

/// How many pages of `first..=last` are not allocated yet.
fn missing_pages(inode: &SealfsInode, first: usize, last: usize) -> usize {
    let mut present = 0;
    inode.mapping().scan_folios(first, |folio| {
        let start = (folio.pos() >> PAGE_SHIFT) as usize;
        if start > last {
            return ControlFlow::Break(());
        }
        if folio.is_allocated() {
            let end = start + folio.size() / PAGE_SIZE - 1;
            present += end.min(last) + 1 - start.max(first);
        }
        ControlFlow::Continue(())
    });
    (last + 1 - first).saturating_sub(present)
}

/// Reserves every page of `first..=last` that is not allocated yet (see
/// `Folio::is_allocated`); the pages were charged by the caller.  `made` collects the ranges of pages
/// (end exclusive) this call added, for the caller to undo on failure.
fn allocate_range(
    inode: &SealfsInode,
    first: usize,
    last: usize,
    made: &mut KVec<(usize, usize)>,
) -> Result {
    let mut index = first;
    while index <= last {
        if task::signal_pending() {
            return Err(EINTR);
        }
        let folio = inode.mapping().get_or_create_folio(index)?;
        let start = (folio.folio().pos() >> PAGE_SHIFT) as usize;
        let next = start + folio.folio().size() / PAGE_SIZE;
        if folio.folio().is_allocated() {
            // Reserved by an earlier call and still unwritten: as shmem,
            // make it data now, so that undoing this call (which drops
            // only what it reserved) cannot cancel the earlier guarantee.
            if !folio.folio().is_uptodate() {
                folio.zero_and_mark_uptodate();
            }
        } else {
            folio.mark_allocated();
            match made.last_mut() {
                Some(range) if range.1 == start => range.1 = next,
                _ => made.push((start, next), GFP_KERNEL)?,
            }
        }
        index = next;
    }
    Ok(())
}

/// `mknod(2)`, `creat(2)` and `mkdir(2)` in a mount, as ramfs.
pub(crate) fn mknod(dir: &SealfsInode, dentry: &Dentry, mode: u16, dev: u32) -> Result {
    let (kind, perm) = match u32::from(mode) & bindings::S_IFMT {
        bindings::S_IFREG => (InodeKind::Regular, mode & 0o7777),
        bindings::S_IFDIR => (InodeKind::Directory, mode & 0o7777),
        // FIFOs, sockets, devices: the type is part of the mode.
        _ => (InodeKind::Special(dev), mode),
    };
    let is_dir = matches!(kind, InodeKind::Directory);
    let new = inode::new_inode(dir.super_block(), Some(dir), kind, perm)?;
    if is_dir {
        // The subdirectory's "..".
        dir.inc_nlink();
    }
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
