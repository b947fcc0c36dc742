// SPDX-License-Identifier: GPL-2.0

//! `/dev/sealfs`: the misc device whose ioctls create anonymous files.

use crate::ext::{
    file::File,
    miscdev::{MiscDevice, MiscDeviceOptions},
};
use kernel::{c_str, prelude::*};

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
    fn ioctl(_file: &File, _cmd: u32, _arg: usize) -> Result<isize> {
        // No command is defined yet: every number is unknown.
        Err(ENOTTY)
    }
}
