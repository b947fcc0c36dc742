// SPDX-License-Identifier: GPL-2.0

//! Reading the arguments of our ioctls from user space.

use kernel::{
    prelude::*,
    types::FromBytes,
    uaccess::{UserPtr, UserSlice},
};

/// `struct sealfs_create` of the UAPI header.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct SealfsCreate {
    /// User pointer to the NUL-terminated name.
    pub(crate) name: u64,
    /// `SEALFS_*` creation flags.
    pub(crate) flags: u32,
    /// Must be zero.
    pub(crate) reserved: u32,
}

// SAFETY: plain integers with no padding (8 + 4 + 4 bytes): any bytes are a
// valid value.
unsafe impl FromBytes for SealfsCreate {}

impl SealfsCreate {
    /// Copies the argument of `SEALFS_IOC_CREATE` from user address `arg`.
    pub(crate) fn read(arg: usize) -> Result<Self> {
        UserSlice::new(arg as UserPtr, core::mem::size_of::<Self>())
            .reader()
            .read::<Self>()
    }
}

/// Copies the NUL-terminated string at user address `ptr`, of at most
/// `max_len` bytes before the NUL, after `prefix`, as memfd_create(2)
/// copies its name: `EFAULT` if it cannot be read (or its terminating NUL
/// changed under us), `EINVAL` if it is too long.  The result ends with
/// the NUL.
pub(crate) fn read_user_name(ptr: u64, max_len: usize, prefix: &[u8]) -> Result<KVec<u8>> {
    // SAFETY: `strnlen_user` checks the user address itself and returns 0
    // on a fault.
    let len =
        unsafe { kernel::bindings::strnlen_user(ptr as usize as *const _, max_len as isize + 1) };
    if len <= 0 {
        return Err(EFAULT);
    }
    // `len` counts the NUL.
    let len = len as usize;
    if len > max_len + 1 {
        return Err(EINVAL);
    }
    let mut name = KVec::with_capacity(prefix.len() + len, GFP_KERNEL)?;
    name.extend_from_slice(prefix, GFP_KERNEL)?;
    for _ in 0..len {
        name.push(0, GFP_KERNEL)?;
    }
    UserSlice::new(ptr as usize as UserPtr, len)
        .reader()
        .read_slice(&mut name[prefix.len()..])?;
    // The string may have changed between the two reads.
    if name.last() != Some(&0) {
        return Err(EFAULT);
    }
    Ok(name)
}
