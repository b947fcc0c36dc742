// SPDX-License-Identifier: GPL-2.0

//! `/dev/sealfs`: the misc device whose ioctl creates anonymous files.

use crate::ext::{
    file::File,
    miscdev::{MiscDevice, MiscDeviceOptions},
    user::SealfsCreate,
};
use crate::{memfd, THIS_MODULE};
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

#[vtable]
impl MiscDevice for SealfsDevice {
    fn ioctl(_file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            IOC_CREATE => memfd::create(arg, &THIS_MODULE),
            // The seal ioctls belong to sealfs files, not to the device.
            _ => Err(ENOTTY),
        }
    }
}
