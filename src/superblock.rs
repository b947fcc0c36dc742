// SPDX-License-Identifier: GPL-2.0

//! The `sealfs` filesystem type and its superblocks.

use crate::ext::fs::{FileSystem, FileSystemType, SuperBlock, SuperParams};
use kernel::{c_str, prelude::*};

/// `statfs`'s `f_type` for sealfs ("SEAL" in ASCII, as tmpfs uses 0x01021994).
pub(crate) const SEALFS_MAGIC: u32 = 0x5345_414c;

/// The registered `sealfs` type (static, as lockdep needs).
pub(crate) static SEALFS_TYPE: FileSystemType = FileSystemType::new();

/// The `sealfs` filesystem type.
pub(crate) struct Sealfs;

impl FileSystem for Sealfs {
    const NAME: &'static CStr = c_str!("sealfs");

    fn fill_super(sb: &SuperBlock) -> Result {
        sb.set_params(&SuperParams {
            magic: SEALFS_MAGIC,
            blocksize_bits: kernel::page::PAGE_SHIFT as u8,
        });
        // Like tmpfs, the root is world-writable and sticky: 01777.
        sb.set_empty_root(0o1777)
    }
}
