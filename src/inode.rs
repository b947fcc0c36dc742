// SPDX-License-Identifier: GPL-2.0

//! sealfs inodes: the data each carries, and making new ones within the
//! mount's `nr_inodes=` limit.

use crate::ext::{
    fs::SuperBlock,
    inode::{Inode, InodeKind},
};
use crate::{seals::SealSet, superblock::Sealfs};
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::{prelude::*, types::ARef};

/// An inode of sealfs.
pub(crate) type SealfsInode = Inode<Sealfs>;

/// What every sealfs inode carries beside the VFS inode.
pub(crate) struct InodeData {
    /// The file's seals (regular files; always empty for the rest).
    pub(crate) seals: SealSet,
    /// How many pages of the page cache are charged to the mount's
    /// `size=` (see `superblock::SbInfo`).
    pub(crate) charged_pages: AtomicUsize,
}

impl Default for InodeData {
    fn default() -> Self {
        Self {
            // Files of a mount start with no seals (spec section 1);
            // anonymous files set theirs at creation.
            seals: SealSet::new(0),
            charged_pages: AtomicUsize::new(0),
        }
    }
}

/// Makes an inode of `kind` on `sb`, counted against `nr_inodes=`
/// (`ENOSPC` beyond it); eviction gives the count back.
pub(crate) fn new_inode(
    sb: &SuperBlock<Sealfs>,
    dir: Option<&SealfsInode>,
    kind: InodeKind,
    mode: u16,
) -> Result<ARef<SealfsInode>> {
    sb.data().reserve_inode()?;
    Inode::new(sb, dir, kind, mode).inspect_err(|_| sb.data().release_inode())
}

/// Charges `pages` new pages of `inode` to its mount: `ENOSPC` beyond
/// `size=`.
pub(crate) fn charge_pages(inode: &SealfsInode, pages: usize) -> Result {
    let sb = inode.super_block().data();
    // Pages dropped behind our back (a clean hole page dropped from the
    // cache) are given back first.
    uncharge_removed(inode);
    sb.try_charge(pages)?;
    inode
        .data()
        .charged_pages
        .fetch_add(pages, Ordering::AcqRel);
    Ok(())
}

/// Gives back the charge of pages no longer in the page cache.
///
/// As shmem's `shmem_recalc_inode`, the count of pages gone is derived from
/// the page cache's own count rather than tracked page by page: a page is
/// charged after it enters the cache, so the charged count can only exceed
/// the cache's count by pages that left it.
pub(crate) fn uncharge_removed(inode: &SealfsInode) {
    let charged = &inode.data().charged_pages;
    let mut old = charged.load(Ordering::Acquire);
    loop {
        let present = inode.mapping().nr_pages();
        if old <= present {
            return;
        }
        match charged.compare_exchange(old, present, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => {
                inode.super_block().data().uncharge(old - present);
                return;
            }
            Err(now) => old = now,
        }
    }
}
