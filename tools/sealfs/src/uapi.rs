// SPDX-License-Identifier: GPL-2.0

//! The numbers of `include/uapi/linux/sealfs.h`, and the ioctls built from
//! them.
//!
//! The values are those of the C header; a host unit test compiles the
//! header and compares. Most programs need none of this: [`CreateOptions`]
//! and [`SealedFile`] make the calls.
//!
//! ```
//! assert_eq!(sealfs::uapi::SEALFS_MAGIC, 0x5345_414c);
//! assert_eq!(sealfs::uapi::SEALFS_IOC_ADD_SEALS, 0xbe01);
//! ```
//!
//! [`CreateOptions`]: crate::CreateOptions
//! [`SealedFile`]: crate::SealedFile

use rustix::ioctl::{Ioctl, IoctlOutput, Opcode, opcode};
use std::ffi::{CStr, c_void};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// The ioctl type byte of sealfs (`SEALFS_IOC_MAGIC`).
pub const SEALFS_IOC_MAGIC: u8 = 0xBE;

/// `statfs(2)`'s `f_type` of a sealfs file or mount (`SEALFS_MAGIC`,
/// "SEAL" in ASCII).
pub const SEALFS_MAGIC: u32 = 0x5345_414c;

/// `statfs(2)`'s `f_type` of tmpfs, where kernel memfds live without
/// `MFD_HUGETLB` (`TMPFS_MAGIC`).
pub const TMPFS_MAGIC: u32 = 0x0102_1994;

/// `statfs(2)`'s `f_type` of hugetlbfs, where `MFD_HUGETLB` memfds live
/// (`HUGETLBFS_MAGIC`).
pub const HUGETLBFS_MAGIC: u32 = 0x9584_58f6;

/// The misc device whose `SEALFS_IOC_CREATE` creates anonymous files.
pub const DEVICE_PATH: &str = "/dev/sealfs";

/// The longest name `SEALFS_IOC_CREATE` accepts, in bytes: memfd's
/// `MFD_NAME_MAX_LEN` (`NAME_MAX` less `strlen("memfd:")`).
pub const NAME_MAX_LEN: usize = 249;

/// Create flag `SEALFS_CLOEXEC` (as `MFD_CLOEXEC`): close the fd on exec.
pub const SEALFS_CLOEXEC: u32 = 0x0001;
/// Create flag `SEALFS_ALLOW_SEALING` (as `MFD_ALLOW_SEALING`): the file
/// starts without `F_SEAL_SEAL`.
pub const SEALFS_ALLOW_SEALING: u32 = 0x0002;
/// Create flag `SEALFS_NOEXEC_SEAL` (as `MFD_NOEXEC_SEAL`): no x bits and
/// `F_SEAL_EXEC` from the start; implies allowing seals.
pub const SEALFS_NOEXEC_SEAL: u32 = 0x0008;
/// Create flag `SEALFS_EXEC` (as `MFD_EXEC`): mode 0777.
pub const SEALFS_EXEC: u32 = 0x0010;

/// The argument of `SEALFS_IOC_CREATE` (`struct sealfs_create`).
///
/// ```
/// assert_eq!(std::mem::size_of::<sealfs::uapi::SealfsCreate>(), 16);
/// ```
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealfsCreate {
    /// User pointer to the NUL-terminated name.
    pub name: u64,
    /// `SEALFS_*` create flags.
    pub flags: u32,
    /// Must be 0.
    pub reserved: u32,
}

/// `SEALFS_IOC_CREATE`: `_IOW(0xBE, 0x00, struct sealfs_create)`, on an fd
/// of `/dev/sealfs`; returns the new file's fd.
pub const SEALFS_IOC_CREATE: Opcode = opcode::write::<SealfsCreate>(SEALFS_IOC_MAGIC, 0x00);
/// `SEALFS_IOC_ADD_SEALS`: `_IO(0xBE, 0x01)`, on a sealfs file; the seal
/// mask is the argument, by value (as `F_ADD_SEALS`).
pub const SEALFS_IOC_ADD_SEALS: Opcode = opcode::none(SEALFS_IOC_MAGIC, 0x01);
/// `SEALFS_IOC_GET_SEALS`: `_IO(0xBE, 0x02)`, on a sealfs file; returns the
/// seal mask (as `F_GET_SEALS`).
pub const SEALFS_IOC_GET_SEALS: Opcode = opcode::none(SEALFS_IOC_MAGIC, 0x02);
/// `SEALFS_IOC_OPEN_READONLY`: `_IO(0xBE, 0x03)`, on a sealfs file; the
/// argument is 0 or `O_CLOEXEC`, by value; returns a new read-only fd of
/// the file.
pub const SEALFS_IOC_OPEN_READONLY: Opcode = opcode::none(SEALFS_IOC_MAGIC, 0x03);

/// `SEALFS_IOC_CREATE` with a name and flags; its output is the new fd.
pub(crate) struct Create<'a> {
    arg: SealfsCreate,
    _name: &'a CStr,
}

impl<'a> Create<'a> {
    pub(crate) fn new(name: &'a CStr, flags: u32) -> Self {
        Self {
            arg: SealfsCreate {
                name: name.as_ptr() as usize as u64,
                flags,
                reserved: 0,
            },
            _name: name,
        }
    }
}

// SAFETY: the opcode is SEALFS_IOC_CREATE, whose argument is a pointer to a
// `struct sealfs_create` that the kernel only reads, with a name pointer
// that `_name` keeps alive; a successful call returns a new fd we own.
unsafe impl Ioctl for Create<'_> {
    type Output = OwnedFd;
    const IS_MUTATING: bool = false;

    fn opcode(&self) -> Opcode {
        SEALFS_IOC_CREATE
    }

    fn as_ptr(&mut self) -> *mut c_void {
        (&mut self.arg as *mut SealfsCreate).cast()
    }

    unsafe fn output_from_ptr(out: IoctlOutput, _: *mut c_void) -> rustix::io::Result<OwnedFd> {
        // SAFETY: a successful SEALFS_IOC_CREATE returns a new fd that
        // nobody else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(out as RawFd) })
    }
}

/// `SEALFS_IOC_ADD_SEALS` with a seal mask passed by value.
pub(crate) struct AddSeals(pub(crate) u32);

// SAFETY: the argument is an integer passed by value, not a pointer; the
// kernel touches no user memory.
unsafe impl Ioctl for AddSeals {
    type Output = ();
    const IS_MUTATING: bool = false;

    fn opcode(&self) -> Opcode {
        SEALFS_IOC_ADD_SEALS
    }

    fn as_ptr(&mut self) -> *mut c_void {
        self.0 as usize as *mut c_void
    }

    unsafe fn output_from_ptr(_: IoctlOutput, _: *mut c_void) -> rustix::io::Result<()> {
        Ok(())
    }
}

/// `SEALFS_IOC_OPEN_READONLY` with `O_CLOEXEC`; its output is the new fd.
pub(crate) struct OpenReadOnly;

// SAFETY: the argument is an integer passed by value, not a pointer; the
// result is a new fd, which the output takes ownership of.
unsafe impl Ioctl for OpenReadOnly {
    type Output = OwnedFd;
    const IS_MUTATING: bool = false;

    fn opcode(&self) -> Opcode {
        SEALFS_IOC_OPEN_READONLY
    }

    fn as_ptr(&mut self) -> *mut c_void {
        rustix::fs::OFlags::CLOEXEC.bits() as usize as *mut c_void
    }

    unsafe fn output_from_ptr(out: IoctlOutput, _: *mut c_void) -> rustix::io::Result<OwnedFd> {
        // SAFETY: a successful SEALFS_IOC_OPEN_READONLY returns a new fd
        // that nobody else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(out as RawFd) })
    }
}

/// `SEALFS_IOC_GET_SEALS`; its output is the seal mask.
pub(crate) struct GetSeals;

// SAFETY: no argument; the result is the return value.
unsafe impl Ioctl for GetSeals {
    type Output = u32;
    const IS_MUTATING: bool = false;

    fn opcode(&self) -> Opcode {
        SEALFS_IOC_GET_SEALS
    }

    fn as_ptr(&mut self) -> *mut c_void {
        std::ptr::null_mut()
    }

    unsafe fn output_from_ptr(out: IoctlOutput, _: *mut c_void) -> rustix::io::Result<u32> {
        Ok(out as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `_IOC(dir, type, nr, size)` of asm-generic/ioctl.h, written out.
    const fn ioc(dir: u64, ty: u64, nr: u64, size: u64) -> u64 {
        (dir << 30) | (size << 16) | (ty << 8) | nr
    }

    #[test]
    fn opcodes_follow_the_ioc_encoding() {
        // _IOC_WRITE is 1 on x86, arm, riscv (asm-generic).
        assert_eq!(u64::from(SEALFS_IOC_CREATE), ioc(1, 0xBE, 0, 16));
        assert_eq!(u64::from(SEALFS_IOC_CREATE), 0x4010_BE00);
        assert_eq!(u64::from(SEALFS_IOC_ADD_SEALS), ioc(0, 0xBE, 1, 0));
        assert_eq!(u64::from(SEALFS_IOC_GET_SEALS), 0xBE02);
    }

    #[test]
    fn create_argument_is_the_c_struct() {
        assert_eq!(std::mem::size_of::<SealfsCreate>(), 16);
        assert_eq!(std::mem::align_of::<SealfsCreate>(), 8);
        assert_eq!(std::mem::offset_of!(SealfsCreate, flags), 8);
        assert_eq!(std::mem::offset_of!(SealfsCreate, reserved), 12);
    }

    #[test]
    fn create_passes_the_name_pointer_and_flags() {
        let name = c"config";
        let mut create = Create::new(name, SEALFS_CLOEXEC | SEALFS_ALLOW_SEALING);
        assert_eq!(create.arg.name, name.as_ptr() as u64);
        assert_eq!(create.arg.flags, 0x3);
        assert_eq!(create.arg.reserved, 0);
        assert_eq!(
            create.as_ptr(),
            (&mut create.arg as *mut SealfsCreate).cast()
        );
    }

    #[test]
    fn add_seals_passes_the_mask_by_value() {
        assert_eq!(AddSeals(0x0f).as_ptr() as usize, 0x0f);
    }

    #[test]
    fn create_flags_are_the_memfd_flags() {
        use rustix::fs::MemfdFlags;
        assert_eq!(SEALFS_CLOEXEC, MemfdFlags::CLOEXEC.bits());
        assert_eq!(SEALFS_ALLOW_SEALING, MemfdFlags::ALLOW_SEALING.bits());
        assert_eq!(SEALFS_NOEXEC_SEAL, MemfdFlags::NOEXEC_SEAL.bits());
        assert_eq!(SEALFS_EXEC, MemfdFlags::EXEC.bits());
    }

    /// Every number above against the C header itself, when a C compiler
    /// is there (it is wherever the module builds).
    #[test]
    fn values_match_the_c_header() {
        let include = concat!(env!("CARGO_MANIFEST_DIR"), "/../../include/uapi");
        if !std::path::Path::new(include)
            .join("linux/sealfs.h")
            .exists()
        {
            eprintln!("skipped: no include/uapi/linux/sealfs.h beside the crate");
            return;
        }
        let dir = std::env::temp_dir().join(format!("sealfs-uapi-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("uapi.c");
        let exe = dir.join("uapi");
        std::fs::write(
            &src,
            r#"#include <stdio.h>
#include <stddef.h>
#include <linux/sealfs.h>
int main(void)
{
	printf("%lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %zu\n",
	       (unsigned long)SEALFS_IOC_MAGIC, (unsigned long)SEALFS_MAGIC,
	       (unsigned long)SEALFS_SEAL_SEAL, (unsigned long)SEALFS_SEAL_SHRINK,
	       (unsigned long)SEALFS_SEAL_GROW, (unsigned long)SEALFS_SEAL_WRITE,
	       (unsigned long)SEALFS_SEAL_FUTURE_WRITE, (unsigned long)SEALFS_SEAL_EXEC,
	       (unsigned long)SEALFS_CLOEXEC, (unsigned long)SEALFS_ALLOW_SEALING,
	       (unsigned long)SEALFS_NOEXEC_SEAL, (unsigned long)SEALFS_EXEC,
	       (unsigned long)SEALFS_IOC_CREATE, (unsigned long)SEALFS_IOC_ADD_SEALS,
	       (unsigned long)SEALFS_IOC_GET_SEALS,
	       (unsigned long)offsetof(struct sealfs_create, reserved),
	       sizeof(struct sealfs_create));
	return 0;
}
"#,
        )
        .unwrap();
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let built = std::process::Command::new(&cc)
            .arg(format!("-I{include}"))
            .arg("-o")
            .arg(&exe)
            .arg(&src)
            .status();
        match built {
            Ok(s) if s.success() => {}
            Ok(s) => panic!("{cc} failed on the header: {s}"),
            Err(e) => {
                eprintln!("skipped: no C compiler ({cc}: {e})");
                let _ = std::fs::remove_dir_all(&dir);
                return;
            }
        }
        let out = std::process::Command::new(&exe).output().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let got: Vec<u64> = String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        use crate::Seals;
        let want: Vec<u64> = vec![
            SEALFS_IOC_MAGIC.into(),
            SEALFS_MAGIC.into(),
            Seals::SEAL.bits().into(),
            Seals::SHRINK.bits().into(),
            Seals::GROW.bits().into(),
            Seals::WRITE.bits().into(),
            Seals::FUTURE_WRITE.bits().into(),
            Seals::EXEC.bits().into(),
            SEALFS_CLOEXEC.into(),
            SEALFS_ALLOW_SEALING.into(),
            SEALFS_NOEXEC_SEAL.into(),
            SEALFS_EXEC.into(),
            u64::from(SEALFS_IOC_CREATE),
            u64::from(SEALFS_IOC_ADD_SEALS),
            u64::from(SEALFS_IOC_GET_SEALS),
            std::mem::offset_of!(SealfsCreate, reserved) as u64,
            std::mem::size_of::<SealfsCreate>() as u64,
        ];
        assert_eq!(got, want);
    }
}
