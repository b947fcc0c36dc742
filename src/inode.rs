// SPDX-License-Identifier: GPL-2.0

//! sealfs inodes: the data each carries, and making new ones within the
//! mount's `nr_inodes=` limit, regular files with their backing file.

use crate::ext::{
    fs::SuperBlock,
    inode::{Inode, InodeKind},
    shmem::BackingFile,
};
use crate::{seals::SealSet, superblock::Sealfs};
use kernel::{prelude::*, types::ARef};

/// An inode of sealfs.
pub(crate) type SealfsInode = Inode<Sealfs>;

/// What every sealfs inode carries beside the VFS inode.
pub(crate) struct InodeData {
    /// The file's seals (regular files; always empty for the rest).  The
    /// backing inode carries a copy, which shmem checks (`seals.rs`).
    pub(crate) seals: SealSet,
}

impl Default for InodeData {
    fn default() -> Self {
        Self {
            // Files of a mount start with no seals (spec section 1);
            // anonymous files set theirs at creation.
            seals: SealSet::new(0),
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
    new_counted(sb, dir, kind, mode)
}

/// The prefix of a backing file's name: the mappings of a sealfs file
/// show `/sealfs:NAME (deleted)` in `/proc/PID/maps`.
pub(crate) const NAME_PREFIX: &[u8] = b"sealfs:";

/// Makes a regular file on `sb` whose data is in a new shmem file of the
/// superblock's tmpfs mount, named `backing_name` (`NAME_PREFIX` and the
/// file's name).
pub(crate) fn new_regular(
    sb: &SuperBlock<Sealfs>,
    dir: Option<&SealfsInode>,
    backing_name: &CStr,
    mode: u16,
) -> Result<ARef<SealfsInode>> {
    let backing = BackingFile::new(&sb.data().tmpfs, backing_name)?;
    new_counted(sb, dir, InodeKind::Regular(backing), mode)
}

/// `NAME_PREFIX` and `name`, NUL-terminated.
pub(crate) fn backing_name(name: &[u8]) -> Result<KVec<u8>> {
    let mut full = KVec::with_capacity(NAME_PREFIX.len() + name.len() + 1, GFP_KERNEL)?;
    full.extend_from_slice(NAME_PREFIX, GFP_KERNEL)?;
    full.extend_from_slice(name, GFP_KERNEL)?;
    full.push(0, GFP_KERNEL)?;
    Ok(full)
}

fn new_counted(
    sb: &SuperBlock<Sealfs>,
    dir: Option<&SealfsInode>,
    kind: InodeKind,
    mode: u16,
) -> Result<ARef<SealfsInode>> {
    sb.data().reserve_inode()?;
    Inode::new(sb, dir, kind, mode).inspect_err(|_| sb.data().release_inode())
}
