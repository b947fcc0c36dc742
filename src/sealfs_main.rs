// SPDX-License-Identifier: GPL-2.0

//! sealfs: a sealable, tmpfs-like in-memory filesystem with memfd semantics.
//!
//! The module registers two things: the misc device `/dev/sealfs`, whose
//! ioctl creates anonymous sealable files as `memfd_create(2)` does (on an
//! internal mount), and the filesystem type `sealfs`, for mounts whose
//! files can be sealed too.  `Documentation/filesystems/sealfs.rst`
//! describes the design; `seals.rs` is where to start reading.

#[path = "../rust/mod.rs"]
mod ext;

mod device;
mod file;
mod inode;
mod memfd;
mod options;
mod seals;
mod superblock;

use ext::{
    fs::{AnonMountGuard, Registration},
    miscdev::MiscDeviceRegistration,
};
use kernel::prelude::*;

module! {
    type: SealfsModule,
    name: "sealfs",
    author: "The sealfs developers",
    description: "Sealable in-memory filesystem with memfd semantics",
    license: "GPL",
}

/// The module's registrations, undone in declaration order on unload:
/// first the filesystem type, so no new mount can be made, then the
/// device, so no new anonymous file can be made, then the storage of the
/// internal mount of anonymous files (which is not mounted: each user
/// holds a module reference).
struct SealfsModule {
    _fs_type: Registration<superblock::Sealfs>,
    _device: Pin<KBox<MiscDeviceRegistration<device::SealfsDevice>>>,
    _anon_mount: AnonMountGuard<superblock::Sealfs>,
}

impl kernel::Module for SealfsModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let anon_mount = superblock::ANON_MOUNT.init(module)?;
        let device = KBox::pin_init(
            MiscDeviceRegistration::register(device::OPTIONS, module),
            GFP_KERNEL,
        )?;
        // Last: from here on the filesystem can be mounted.
        let fs_type = Registration::register(&superblock::SEALFS_TYPE, module)?;
        Ok(Self {
            _fs_type: fs_type,
            _device: device,
            _anon_mount: anon_mount,
        })
    }
}
