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
    fs::{InternalMountGuard, Registration},
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
/// first the device, so no new anonymous file can be created, then the
/// internal mount of anonymous files (none is left: each holds a module
/// reference), then the filesystem type.
struct SealfsModule {
    _device: Pin<KBox<MiscDeviceRegistration<device::SealfsDevice>>>,
    _anon_mount: InternalMountGuard<superblock::Sealfs>,
    _fs_type: Registration<superblock::Sealfs>,
}

impl kernel::Module for SealfsModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let fs_type = Registration::register(&superblock::SEALFS_TYPE, module)?;
        let anon_mount = superblock::ANON_MOUNT.mount()?;
        let device = KBox::pin_init(
            MiscDeviceRegistration::register(device::OPTIONS, module),
            GFP_KERNEL,
        )?;
        Ok(Self {
            _device: device,
            _anon_mount: anon_mount,
            _fs_type: fs_type,
        })
    }
}
