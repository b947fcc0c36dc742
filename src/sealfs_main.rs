// SPDX-License-Identifier: GPL-2.0

//! sealfs: a sealable, tmpfs-like in-memory filesystem with memfd semantics.
//!
//! The module registers two things: the misc device `/dev/sealfs`, whose
//! ioctls create anonymous sealable files as `memfd_create(2)` does, and the
//! filesystem type `sealfs`, for mounts whose files can be sealed too.
//! `Documentation/filesystems/sealfs.rst` describes the design.

#[path = "../rust/mod.rs"]
mod ext;

mod device;
mod superblock;

use ext::{fs, miscdev::MiscDeviceRegistration};
use kernel::prelude::*;

module! {
    type: Sealfs,
    name: "sealfs",
    author: "The sealfs developers",
    description: "Sealable in-memory filesystem with memfd semantics",
    license: "GPL",
}

/// The module's registrations, undone in declaration order on unload:
/// first the device, so no new anonymous file can be created, then the
/// filesystem type.
struct Sealfs {
    _device: Pin<KBox<MiscDeviceRegistration<device::SealfsDevice>>>,
    _fs_type: fs::Registration<superblock::Sealfs>,
}

impl kernel::Module for Sealfs {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let fs_type = fs::Registration::register(&superblock::SEALFS_TYPE, module)?;
        let device = KBox::pin_init(
            MiscDeviceRegistration::register(device::OPTIONS, module),
            GFP_KERNEL,
        )?;
        Ok(Self {
            _device: device,
            _fs_type: fs_type,
        })
    }
}
