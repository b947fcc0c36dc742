// SPDX-License-Identifier: GPL-2.0

//! `SEALFS_IOC_CREATE`: anonymous sealable files, by the rules of
//! memfd_create(2) (`mm/memfd.c`, spec section 2), on an internal mount
//! (the pattern of `mm/secretmem.c`).

use crate::ext::{
    file::{new_pseudo_file, FdReservation},
    task,
    user::{read_user_name, SealfsCreate},
};
use crate::{
    inode,
    seals::{self, SEAL_EXEC, SEAL_SEAL},
    superblock::ANON_MOUNT,
};
use kernel::{prelude::*, str::CStr};

/// Close the descriptor on exec.
const CLOEXEC: u32 = 0x1;
/// Allow seals to be added (otherwise the file starts with `F_SEAL_SEAL`).
const ALLOW_SEALING: u32 = 0x2;
/// memfd's `MFD_HUGETLB`: not offered by sealfs.
const HUGETLB: u32 = 0x4;
/// Not executable, ever: no x bits, and `F_SEAL_EXEC`.
const NOEXEC_SEAL: u32 = 0x8;
/// Executable: mode 0777.
const EXEC: u32 = 0x10;
/// The flags sealfs knows.
const ALL_FLAGS: u32 = CLOEXEC | ALLOW_SEALING | NOEXEC_SEAL | EXEC;

/// `vm.memfd_noexec` = 1: no exec flag means `MFD_NOEXEC_SEAL`.
const NOEXEC_SCOPE_NOEXEC_SEAL: u32 = 1;
/// `vm.memfd_noexec` = 2: as 1, and `MFD_EXEC` is refused.
const NOEXEC_SCOPE_NOEXEC_ENFORCED: u32 = 2;

/// The longest name, as memfd's `MFD_NAME_MAX_LEN`: `NAME_MAX` less
/// memfd's "memfd:" prefix, so a name valid for one is valid for the other.
const NAME_MAX_LEN: usize = 255 - "memfd:".len();

/// Creates an anonymous file as `memfd_create(2)`, from the
/// `struct sealfs_create` at user address `arg`; returns its descriptor.
pub(crate) fn create(arg: usize, module: &'static ThisModule) -> Result<isize> {
    let req = SealfsCreate::read(arg)?;
    let mut flags = req.flags;
    // memfd's order: flags, then the sysctl, then the name.
    if flags & !ALL_FLAGS != 0 || flags & HUGETLB != 0 || req.reserved != 0 {
        return Err(EINVAL);
    }
    if flags & EXEC != 0 && flags & NOEXEC_SEAL != 0 {
        return Err(EINVAL);
    }
    apply_noexec_sysctl(&mut flags)?;
    // The dentry and the backing file have the same name, so that
    // `/proc/PID/fd/N` and `/proc/PID/maps` both show `/sealfs:NAME (deleted)`.
    let name = read_user_name(req.name, NAME_MAX_LEN, inode::NAME_PREFIX)?;
    let name = CStr::from_bytes_with_nul(&name).map_err(|_| EINVAL)?;

    let fd = FdReservation::new(flags & CLOEXEC != 0)?;
    // The new file is a user of the internal mount while it is open
    // (`AnonMount`); the caller's device file is one already, so this
    // does not mount.
    let user = ANON_MOUNT.hold()?;
    let mount = user.mount();
    let file_inode = inode::new_regular(mount.super_block(), None, name, 0o777)?;
    // An anonymous file has no name in any directory.
    file_inode.clear_nlink();
    if flags & NOEXEC_SEAL != 0 {
        file_inode.set_permissions(0o666);
        seals::init(&file_inode, SEAL_EXEC)?;
    } else if flags & ALLOW_SEALING != 0 {
        seals::init(&file_inode, 0)?;
    } else {
        seals::init(&file_inode, SEAL_SEAL)?;
    }
    let file = new_pseudo_file(&mount, file_inode, name, module, user)?;
    Ok(fd.install(file) as isize)
}

/// Applies `vm.memfd_noexec` of the caller's pid namespaces to `flags`,
/// exactly as memfd's `check_sysctl_memfd_noexec`: no exec flag becomes
/// `EXEC` or `NOEXEC_SEAL`, and an enforcing namespace refuses anything
/// but `NOEXEC_SEAL` with `EACCES`.
fn apply_noexec_sysctl(flags: &mut u32) -> Result {
    let scope = task::memfd_noexec_scope();
    if *flags & (EXEC | NOEXEC_SEAL) == 0 {
        *flags |= if scope >= NOEXEC_SCOPE_NOEXEC_SEAL {
            NOEXEC_SEAL
        } else {
            EXEC
        };
    }
    if *flags & NOEXEC_SEAL == 0 && scope >= NOEXEC_SCOPE_NOEXEC_ENFORCED {
        return Err(EACCES);
    }
    Ok(())
}
