// SPDX-License-Identifier: GPL-2.0

//! `/dev/sealfs`: the misc device whose ioctl creates anonymous files.

use crate::ext::{
    file::File,
    fs::AnonUser,
    miscdev::{MiscDevice, MiscDeviceOptions},
    user::SealfsCreate,
};
use crate::{
    memfd,
    superblock::{Sealfs, ANON_MOUNT},
    THIS_MODULE,
};
use kernel::{c_str, ioctl::_IOW, prelude::*};

/// `SEALFS_IOC_CREATE`.
const IOC_CREATE: u32 = _IOW::<SealfsCreate>(0xBE, 0x00);

/// The device node: world read-write, as creating a file needs no privilege
/// (anyone may call `memfd_create(2)`).
pub(crate) const OPTIONS: MiscDeviceOptions = MiscDeviceOptions {
    name: c_str!("sealfs"),
    mode: 0o666,
};

/// The `/dev/sealfs` device.
pub(crate) struct SealfsDevice;

/// An open file of the device.  It keeps the internal mount of anonymous
/// files (`superblock::ANON_MOUNT`) while it is open: the files it makes
/// go there, and a program making files in a loop does not mount and
/// unmount for each.
pub(crate) struct DeviceFile {
    _anon_mount: AnonUser<Sealfs>,
}

#[vtable]
impl MiscDevice for SealfsDevice {
    type Ptr = KBox<DeviceFile>;

    fn open(_file: &File) -> Result<KBox<DeviceFile>> {
        Ok(KBox::new(
            DeviceFile {
                _anon_mount: ANON_MOUNT.hold()?,
            },
            GFP_KERNEL,
        )?)
    }

    fn ioctl(_device: &DeviceFile, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            IOC_CREATE => memfd::create(arg, &THIS_MODULE),
            // The seal ioctls belong to sealfs files, not to the device.
            _ => Err(ENOTTY),
        }
    }
}
