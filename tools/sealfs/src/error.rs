// SPDX-License-Identifier: GPL-2.0

//! [`Error`]: an errno, the call it came from, and the rule that refused
//! the call (spec sections 2 and 3, as memfd).

use crate::Seals;
use rustix::io::Errno;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The result of this crate's calls.
///
/// ```
/// fn seals_of(file: &sealfs::SealedFile) -> sealfs::Result<sealfs::Seals> {
///     file.seals()
/// }
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the failed call was doing.
///
/// ```
/// use sealfs::{CreateOptions, Operation};
/// let err = CreateOptions::new().device("/nonexistent/sealfs").create("x").unwrap_err();
/// assert_eq!(err.operation(), &Operation::OpenDevice("/nonexistent/sealfs".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Opening the device (`/dev/sealfs`, or the path given to
    /// [`CreateOptions::device`](crate::CreateOptions::device)).
    OpenDevice(PathBuf),
    /// Creating a file: `SEALFS_IOC_CREATE`, or `memfd_create(2)` for the
    /// fallback.
    Create {
        /// Whether this was the kernel memfd fallback.
        memfd: bool,
    },
    /// Adding seals (`SEALFS_IOC_ADD_SEALS` or `F_ADD_SEALS`).
    AddSeals {
        /// The seals asked for.
        requested: Seals,
        /// Whether the call added `F_SEAL_WRITE` only because `F_SEAL_EXEC`
        /// was asked for on a file with x bits (W^X, spec 3 step 4).
        implied_write: bool,
    },
    /// Reading the seals (`SEALFS_IOC_GET_SEALS` or `F_GET_SEALS`).
    GetSeals,
    /// Checking that an fd is a sealfs file (or a memfd), in
    /// [`SealedFile::from_fd`](crate::SealedFile::from_fd).
    Check,
    /// Opening a path.
    Open(PathBuf),
    /// Opening the file again read-only (`SEALFS_IOC_OPEN_READONLY`).
    OpenReadOnly,
    /// Another system call on the file, named here.
    Syscall(&'static str),
}

/// The rule that refused a call: each errno of memfd's rules for creating
/// files and adding seals (spec sections 2 and 3) has its own.
///
/// ```
/// use sealfs::{CreateOptions, Rule};
/// let err = CreateOptions::new().create("n".repeat(250)).unwrap_err();
/// assert_eq!(err.rule(), &Rule::NameTooLong { len: 250 });
/// assert_eq!(err.rule().to_string(), "the name is 250 bytes, longer than 249");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// `ENOENT`, `ENODEV`, `ENXIO` opening the device: the sealfs module is
    /// not loaded.
    DeviceMissing,
    /// `EINVAL` from create: unknown flag bits, `MFD_HUGETLB`, or
    /// `MFD_EXEC` together with `MFD_NOEXEC_SEAL` (spec 2).
    InvalidFlags,
    /// `EINVAL` from create: the name is longer than
    /// [`NAME_MAX_LEN`](crate::uapi::NAME_MAX_LEN) bytes (checked before the
    /// call, as the kernel would refuse it).
    NameTooLong {
        /// The name's length in bytes.
        len: usize,
    },
    /// `EINVAL`: the name has a NUL byte inside (checked before the call).
    NameHasNul,
    /// `EFAULT` from create: the kernel could not read the name.
    BadNamePointer,
    /// `EACCES` from create: `vm.memfd_noexec = 2` refuses executable
    /// files; ask for [`noexec_seal`](crate::CreateOptions::noexec_seal).
    ExecForbidden,
    /// `EPERM` adding seals, step 1: the fd is not open for writing.
    NotOpenForWriting,
    /// `EINVAL` adding seals, step 2: bits outside the six seals.
    UnknownSeals {
        /// The unknown bits.
        bits: u32,
    },
    /// `EPERM` adding seals, step 3: `F_SEAL_SEAL` is set (also when the
    /// file was created without allowing seals).
    SealSealed,
    /// `EBUSY` adding seals, step 5: a shared mapping that may be written
    /// exists, so `F_SEAL_WRITE` cannot be added (on sealfs, one writable
    /// now or registered with userfaultfd; on a memfd, also a read-only one
    /// of an `O_RDWR` descriptor).
    WritableMapping,
    /// `EBUSY` adding seals, step 5: pages of the file were still pinned
    /// (O_DIRECT, io_uring fixed buffers, vmsplice) after the kernel's
    /// wait of about 150 ms.
    PinnedPages,
    /// `EBUSY` adding seals, step 5: both a writable shared mapping and
    /// pinned pages.
    WritableMappingAndPinnedPages,
    /// `EBUSY` adding seals, step 5, whose cause was gone when the crate
    /// looked (a mapping or pin that went away meanwhile).
    Busy,
    /// `EINTR` adding seals: a signal killed the wait for pinned pages.
    Interrupted,
    /// The fd is not on sealfs (its `statfs` `f_type` is another one),
    /// reported by [`SealedFile::from_fd`](crate::SealedFile::from_fd) with
    /// `ENOTTY`, the errno the sealfs ioctls would give.
    NotSealfs {
        /// The file's `statfs` `f_type`.
        f_type: u64,
    },
    /// `ENOTTY` from a seal ioctl, or `EINVAL` from `F_ADD_SEALS` with only
    /// known bits: the file does not support seals.
    NotSealable,
    /// Any other errno: the system's description of it.
    Os,
}

/// A memfd's `F_ADD_SEALS` refused with `EBUSY` in less time than this was
/// refused by the mapping check; the pin wait sleeps 10 + 20 + 40 + 80 ms
/// before it gives up.  A memfd gives no reason, so the crate can only
/// guess from the time for the memfd fallback; on sealfs it reads the
/// reason from `/proc/self/fdinfo/N` ([`BusyCause`]).
///
/// ```
/// assert_eq!(sealfs::PIN_WAIT_MIN.as_millis(), 100);
/// ```
pub const PIN_WAIT_MIN: Duration = Duration::from_millis(100);

/// Why `F_SEAL_WRITE` would be refused with `EBUSY` now, from the lines
/// sealfs adds to `/proc/PID/fdinfo/N` (`writable_mappings:` and
/// `pinned_folios:`).
///
/// ```
/// let cause = sealfs::BusyCause::parse("pos:\t0\nseals:\t0x0000\nwritable_mappings:\t1\npinned_folios:\t0\n");
/// assert_eq!(cause, Some(sealfs::BusyCause { writable_mappings: 1, pinned_folios: 0 }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusyCause {
    /// Shared mappings that make `F_SEAL_WRITE` fail: writable now, or
    /// registered with userfaultfd (read-only ones lose the right to
    /// become writable when the seal is added).
    pub writable_mappings: u64,
    /// Folios with references beyond the page cache and the page tables.
    pub pinned_folios: u64,
}

impl BusyCause {
    /// The cause in the text of a sealfs fdinfo file; `None` if it has
    /// neither line (not a sealfs file).
    pub fn parse(fdinfo: &str) -> Option<Self> {
        let value = |key: &str| {
            fdinfo
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
                .and_then(|v| v.trim().parse().ok())
        };
        Some(Self {
            writable_mappings: value("writable_mappings")?,
            pinned_folios: value("pinned_folios")?,
        })
    }

    /// The rule this cause makes of an `EBUSY`.
    pub fn rule(self) -> Rule {
        match (self.writable_mappings > 0, self.pinned_folios > 0) {
            (true, true) => Rule::WritableMappingAndPinnedPages,
            (true, false) => Rule::WritableMapping,
            (false, true) => Rule::PinnedPages,
            (false, false) => Rule::Busy,
        }
    }
}

/// An error of this crate: the errno, the call, and the rule that refused
/// it.
///
/// Its [`Display`](fmt::Display) form is one line:
/// `"F_SEAL_WRITE refused: the file has a writable shared mapping (EBUSY)"`.
///
/// ```no_run
/// use sealfs::{CreateOptions, Rule, Seals};
///
/// let file = CreateOptions::new().allow_sealing(true).create("buf")?;
/// file.as_file().set_len(4096)?;
/// let map = unsafe {
///     rustix::mm::mmap(
///         std::ptr::null_mut(), 4096,
///         rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
///         rustix::mm::MapFlags::SHARED, &file, 0,
///     )?
/// };
/// let err = file.add_seals(Seals::WRITE).unwrap_err();
/// assert_eq!(err.rule(), &Rule::WritableMapping);
/// assert_eq!(err.errno(), 16); // EBUSY
/// assert_eq!(
///     err.to_string(),
///     "F_SEAL_WRITE refused: the file has a writable shared mapping (EBUSY)"
/// );
/// # let _ = map;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    op: Operation,
    rule: Rule,
    errno: Errno,
}

impl Error {
    pub(crate) fn new(op: Operation, rule: Rule, errno: Errno) -> Self {
        Self { op, rule, errno }
    }

    /// An error whose rule is only the errno ([`Rule::Os`]).
    pub(crate) fn os(op: Operation, errno: Errno) -> Self {
        Self::new(op, Rule::Os, errno)
    }

    /// The errno (`EBUSY` is 16).
    ///
    /// ```
    /// let err = sealfs::CreateOptions::new().device("/nonexistent/sealfs").create("x").unwrap_err();
    /// assert_eq!(err.errno(), 2); // ENOENT
    /// ```
    pub fn errno(&self) -> i32 {
        self.errno.raw_os_error()
    }

    /// The errno's symbolic name (`"EBUSY"`), or `"errno N"`.
    ///
    /// ```
    /// let err = sealfs::CreateOptions::new().device("/nonexistent/sealfs").create("x").unwrap_err();
    /// assert_eq!(err.errno_name(), "ENOENT");
    /// ```
    pub fn errno_name(&self) -> String {
        errno_name(self.errno.raw_os_error())
            .map(str::to_string)
            .unwrap_or_else(|| format!("errno {}", self.errno.raw_os_error()))
    }

    /// The rule that refused the call.
    ///
    /// ```
    /// let err = sealfs::CreateOptions::new().device("/nonexistent/sealfs").create("x").unwrap_err();
    /// assert_eq!(err.rule(), &sealfs::Rule::DeviceMissing);
    /// ```
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// The call that failed.
    ///
    /// ```
    /// let err = sealfs::CreateOptions::new().device("/nonexistent/sealfs").create("x").unwrap_err();
    /// assert!(matches!(err.operation(), sealfs::Operation::OpenDevice(_)));
    /// ```
    pub fn operation(&self) -> &Operation {
        &self.op
    }

    /// The error as [`std::io::Error`] of the same errno (its kind follows
    /// the errno), keeping this error's message.
    ///
    /// ```
    /// let err = sealfs::CreateOptions::new().device("/nonexistent/sealfs").create("x").unwrap_err();
    /// let io = err.into_io_error();
    /// assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    /// ```
    pub fn into_io_error(self) -> std::io::Error {
        let kind = std::io::Error::from_raw_os_error(self.errno()).kind();
        std::io::Error::new(kind, self)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.op {
            Operation::AddSeals {
                requested,
                implied_write,
            } if self.rule.is_busy() => {
                if *implied_write && !requested.contains(Seals::WRITE) {
                    f.write_str("F_SEAL_WRITE (implied by F_SEAL_EXEC on an executable file)")?;
                } else {
                    f.write_str("F_SEAL_WRITE")?;
                }
            }
            Operation::AddSeals { requested, .. } => write!(f, "adding {}", requested.c_names())?,
            Operation::OpenDevice(p) => write!(f, "opening {}", p.display())?,
            Operation::Create { memfd: false } => f.write_str("creating a sealfs file")?,
            Operation::Create { memfd: true } => f.write_str("memfd_create")?,
            Operation::GetSeals => f.write_str("reading the seals")?,
            Operation::Check => f.write_str("taking the fd as a sealfs file")?,
            Operation::Open(p) => write!(f, "opening {}", p.display())?,
            Operation::OpenReadOnly => f.write_str("opening the file read-only")?,
            Operation::Syscall(name) => f.write_str(name)?,
        }
        let errno = self.errno_name();
        match &self.rule {
            Rule::Os => {
                let text = std::io::Error::from_raw_os_error(self.errno()).to_string();
                // "Permission denied (os error 13)" -> "Permission denied"
                let text = text.split(" (os error").next().unwrap_or(&text);
                write!(f, " failed: {text} ({errno})")
            }
            rule => write!(f, " refused: {rule} ({errno})"),
        }
    }
}

impl fmt::Display for Rule {
    /// The rule in words, without the errno.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::DeviceMissing => f.write_str("the sealfs module is not loaded (no device)"),
            Rule::InvalidFlags => {
                f.write_str("unknown flag bits, MFD_HUGETLB, or MFD_EXEC with MFD_NOEXEC_SEAL")
            }
            Rule::NameTooLong { len } => write!(
                f,
                "the name is {len} bytes, longer than {}",
                crate::uapi::NAME_MAX_LEN
            ),
            Rule::NameHasNul => f.write_str("the name contains a NUL byte"),
            Rule::BadNamePointer => f.write_str("the kernel could not read the name"),
            Rule::ExecForbidden => {
                f.write_str("vm.memfd_noexec=2 forbids executable files (use noexec_seal)")
            }
            Rule::NotOpenForWriting => f.write_str("the fd is not open for writing"),
            Rule::UnknownSeals { bits } => write!(f, "unknown seal bits {bits:#x}"),
            Rule::SealSealed => f.write_str("F_SEAL_SEAL is set, no seal can be added"),
            Rule::WritableMapping => f.write_str("the file has a writable shared mapping"),
            Rule::PinnedPages => f.write_str(
                "pages of the file stayed pinned (O_DIRECT, io_uring, vmsplice) through the wait",
            ),
            Rule::WritableMappingAndPinnedPages => {
                f.write_str("the file has a writable shared mapping, and pages of it are pinned")
            }
            Rule::Busy => {
                f.write_str("the file had a writable shared mapping or pinned pages, gone since")
            }
            Rule::Interrupted => f.write_str("a signal ended the wait for pinned pages"),
            Rule::NotSealfs { f_type } => {
                write!(f, "the file is not on sealfs (statfs f_type {f_type:#x})")
            }
            Rule::NotSealable => f.write_str("the file does not support seals"),
            Rule::Os => f.write_str("system error"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        e.into_io_error()
    }
}

impl Rule {
    /// Whether this is one of the `EBUSY` rules of `F_SEAL_WRITE`.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            Rule::WritableMapping
                | Rule::PinnedPages
                | Rule::WritableMappingAndPinnedPages
                | Rule::Busy
        )
    }
}

/// The symbolic name of an errno (`16` is `"EBUSY"`), for the errnos these
/// calls can return.
///
/// ```
/// assert_eq!(sealfs::errno_name(1), Some("EPERM"));
/// assert_eq!(sealfs::errno_name(100_000), None);
/// ```
pub fn errno_name(errno: i32) -> Option<&'static str> {
    const NAMES: &[(Errno, &str)] = &[
        (Errno::PERM, "EPERM"),
        (Errno::NOENT, "ENOENT"),
        (Errno::SRCH, "ESRCH"),
        (Errno::INTR, "EINTR"),
        (Errno::IO, "EIO"),
        (Errno::NXIO, "ENXIO"),
        (Errno::TOOBIG, "E2BIG"),
        (Errno::NOEXEC, "ENOEXEC"),
        (Errno::BADF, "EBADF"),
        (Errno::AGAIN, "EAGAIN"),
        (Errno::NOMEM, "ENOMEM"),
        (Errno::ACCESS, "EACCES"),
        (Errno::FAULT, "EFAULT"),
        (Errno::BUSY, "EBUSY"),
        (Errno::EXIST, "EEXIST"),
        (Errno::XDEV, "EXDEV"),
        (Errno::NODEV, "ENODEV"),
        (Errno::NOTDIR, "ENOTDIR"),
        (Errno::ISDIR, "EISDIR"),
        (Errno::INVAL, "EINVAL"),
        (Errno::NFILE, "ENFILE"),
        (Errno::MFILE, "EMFILE"),
        (Errno::NOTTY, "ENOTTY"),
        (Errno::TXTBSY, "ETXTBSY"),
        (Errno::FBIG, "EFBIG"),
        (Errno::NOSPC, "ENOSPC"),
        (Errno::SPIPE, "ESPIPE"),
        (Errno::ROFS, "EROFS"),
        (Errno::NAMETOOLONG, "ENAMETOOLONG"),
        (Errno::NOSYS, "ENOSYS"),
        (Errno::LOOP, "ELOOP"),
        (Errno::OPNOTSUPP, "EOPNOTSUPP"),
        (Errno::OVERFLOW, "EOVERFLOW"),
    ];
    NAMES
        .iter()
        .find(|(e, _)| e.raw_os_error() == errno)
        .map(|(_, n)| *n)
}

/// The rule behind an errno of `SEALFS_IOC_CREATE` or `memfd_create(2)`
/// (spec section 2).
pub(crate) fn create_rule(errno: Errno) -> Rule {
    match errno {
        Errno::INVAL => Rule::InvalidFlags,
        Errno::FAULT => Rule::BadNamePointer,
        Errno::ACCESS => Rule::ExecForbidden,
        Errno::NOTTY => Rule::NotSealable,
        _ => Rule::Os,
    }
}

/// The rule behind an errno of opening the device.
pub(crate) fn open_device_rule(errno: Errno) -> Rule {
    match errno {
        Errno::NOENT | Errno::NODEV | Errno::NXIO => Rule::DeviceMissing,
        _ => Rule::Os,
    }
}

/// The rule behind an errno of adding seals (spec section 3), knowing
/// whether the fd is open for writing, the bits asked for that the file's
/// kind does not know (a memfd has no `FUTURE_EXEC`), the kernel's reason
/// for an `EBUSY` (sealfs's fdinfo), and, without one (a memfd), how long
/// the kernel took to say no.
pub(crate) fn add_seals_rule(
    errno: Errno,
    fd_writable: bool,
    unknown: u32,
    busy: Option<BusyCause>,
    elapsed: Duration,
) -> Rule {
    match errno {
        Errno::PERM if !fd_writable => Rule::NotOpenForWriting,
        Errno::PERM => Rule::SealSealed,
        Errno::INVAL if unknown != 0 => Rule::UnknownSeals { bits: unknown },
        Errno::INVAL | Errno::NOTTY => Rule::NotSealable,
        Errno::BUSY => match busy {
            Some(cause) => cause.rule(),
            None if elapsed >= PIN_WAIT_MIN => Rule::PinnedPages,
            None => Rule::WritableMapping,
        },
        Errno::INTR => Rule::Interrupted,
        _ => Rule::Os,
    }
}

/// The rule behind an errno of reading the seals.
pub(crate) fn get_seals_rule(errno: Errno) -> Rule {
    match errno {
        Errno::INVAL | Errno::NOTTY => Rule::NotSealable,
        _ => Rule::Os,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(requested: Seals) -> Operation {
        Operation::AddSeals {
            requested,
            implied_write: false,
        }
    }

    #[test]
    fn add_seals_errnos_map_to_spec_section_3() {
        let fast = Duration::from_millis(1);
        let slow = Duration::from_millis(160);
        let busy = |w, p| {
            Some(BusyCause {
                writable_mappings: w,
                pinned_folios: p,
            })
        };
        assert_eq!(
            add_seals_rule(Errno::PERM, false, 0, None, fast),
            Rule::NotOpenForWriting
        );
        assert_eq!(
            add_seals_rule(Errno::PERM, true, 0, None, fast),
            Rule::SealSealed
        );
        assert_eq!(
            add_seals_rule(Errno::INVAL, true, 0x80, None, fast),
            Rule::UnknownSeals { bits: 0x80 }
        );
        assert_eq!(
            add_seals_rule(Errno::INVAL, true, 0, None, fast),
            Rule::NotSealable
        );
        // sealfs says why (fdinfo), however long the call took.
        assert_eq!(
            add_seals_rule(Errno::BUSY, true, 0, busy(1, 0), slow),
            Rule::WritableMapping
        );
        assert_eq!(
            add_seals_rule(Errno::BUSY, true, 0, busy(0, 3), fast),
            Rule::PinnedPages
        );
        assert_eq!(
            add_seals_rule(Errno::BUSY, true, 0, busy(2, 1), fast),
            Rule::WritableMappingAndPinnedPages
        );
        assert_eq!(
            add_seals_rule(Errno::BUSY, true, 0, busy(0, 0), fast),
            Rule::Busy
        );
        // A memfd does not: the time is all there is.
        assert_eq!(
            add_seals_rule(Errno::BUSY, true, 0, None, fast),
            Rule::WritableMapping
        );
        assert_eq!(
            add_seals_rule(Errno::BUSY, true, 0, None, slow),
            Rule::PinnedPages
        );
        assert_eq!(
            add_seals_rule(Errno::INTR, true, 0, None, slow),
            Rule::Interrupted
        );
        assert_eq!(
            add_seals_rule(Errno::NOTTY, true, 0, None, fast),
            Rule::NotSealable
        );
        assert_eq!(add_seals_rule(Errno::NOMEM, true, 0, None, fast), Rule::Os);
    }

    #[test]
    fn busy_cause_is_read_from_fdinfo() {
        let text = "pos:\t0\nflags:\t02\nmnt_id:\t1\nino:\t2\nseals:\t0x0000\n\
                    writable_mappings:\t0\npinned_folios:\t7\n";
        assert_eq!(
            BusyCause::parse(text),
            Some(BusyCause {
                writable_mappings: 0,
                pinned_folios: 7
            })
        );
        assert_eq!(BusyCause::parse("pos:\t0\nflags:\t02\n"), None);
    }

    #[test]
    fn create_errnos_map_to_spec_section_2() {
        assert_eq!(create_rule(Errno::INVAL), Rule::InvalidFlags);
        assert_eq!(create_rule(Errno::FAULT), Rule::BadNamePointer);
        assert_eq!(create_rule(Errno::ACCESS), Rule::ExecForbidden);
        assert_eq!(create_rule(Errno::MFILE), Rule::Os);
        assert_eq!(open_device_rule(Errno::NOENT), Rule::DeviceMissing);
        assert_eq!(open_device_rule(Errno::ACCESS), Rule::Os);
        assert_eq!(get_seals_rule(Errno::NOTTY), Rule::NotSealable);
    }

    #[test]
    fn messages_name_the_seal_the_rule_and_the_errno() {
        let e = Error::new(add(Seals::WRITE), Rule::WritableMapping, Errno::BUSY);
        assert_eq!(
            e.to_string(),
            "F_SEAL_WRITE refused: the file has a writable shared mapping (EBUSY)"
        );
        let e = Error::new(
            add(Seals::SHRINK | Seals::GROW | Seals::WRITE),
            Rule::PinnedPages,
            Errno::BUSY,
        );
        assert!(
            e.to_string()
                .starts_with("F_SEAL_WRITE refused: pages of the file stayed pinned")
        );
        let e = Error::new(
            Operation::AddSeals {
                requested: Seals::EXEC,
                implied_write: true,
            },
            Rule::WritableMapping,
            Errno::BUSY,
        );
        assert_eq!(
            e.to_string(),
            "F_SEAL_WRITE (implied by F_SEAL_EXEC on an executable file) refused: \
             the file has a writable shared mapping (EBUSY)"
        );
        let e = Error::new(add(Seals::GROW), Rule::SealSealed, Errno::PERM);
        assert_eq!(
            e.to_string(),
            "adding F_SEAL_GROW refused: F_SEAL_SEAL is set, no seal can be added (EPERM)"
        );
        let e = Error::new(add(Seals::WRITE), Rule::NotOpenForWriting, Errno::PERM);
        assert_eq!(
            e.to_string(),
            "adding F_SEAL_WRITE refused: the fd is not open for writing (EPERM)"
        );
        let e = Error::new(
            add(Seals::from_bits_retain(0x80)),
            Rule::UnknownSeals { bits: 0x80 },
            Errno::INVAL,
        );
        assert_eq!(
            e.to_string(),
            "adding 0x80 refused: unknown seal bits 0x80 (EINVAL)"
        );
        let e = Error::new(
            add(Seals::FUTURE_EXEC),
            Rule::UnknownSeals { bits: 0x40 },
            Errno::INVAL,
        );
        assert_eq!(
            e.to_string(),
            "adding SEALFS_SEAL_FUTURE_EXEC refused: unknown seal bits 0x40 (EINVAL)"
        );
        let e = Error::new(
            add(Seals::WRITE),
            Rule::WritableMappingAndPinnedPages,
            Errno::BUSY,
        );
        assert_eq!(
            e.to_string(),
            "F_SEAL_WRITE refused: the file has a writable shared mapping, and pages of it are pinned (EBUSY)"
        );
        let e = Error::new(
            Operation::Create { memfd: false },
            Rule::ExecForbidden,
            Errno::ACCESS,
        );
        assert_eq!(
            e.to_string(),
            "creating a sealfs file refused: vm.memfd_noexec=2 forbids executable files \
             (use noexec_seal) (EACCES)"
        );
        let e = Error::new(
            Operation::OpenDevice("/dev/sealfs".into()),
            Rule::DeviceMissing,
            Errno::NOENT,
        );
        assert_eq!(
            e.to_string(),
            "opening /dev/sealfs refused: the sealfs module is not loaded (no device) (ENOENT)"
        );
        let e = Error::new(
            Operation::Check,
            Rule::NotSealfs { f_type: 0xef53 },
            Errno::NOTTY,
        );
        assert_eq!(
            e.to_string(),
            "taking the fd as a sealfs file refused: the file is not on sealfs \
             (statfs f_type 0xef53) (ENOTTY)"
        );
        let e = Error::os(Operation::Open("/x".into()), Errno::ACCESS);
        assert_eq!(
            e.to_string(),
            "opening /x failed: Permission denied (EACCES)"
        );
    }

    #[test]
    fn errno_and_io_error() {
        let e = Error::new(add(Seals::WRITE), Rule::WritableMapping, Errno::BUSY);
        assert_eq!(e.errno(), 16);
        assert_eq!(e.errno_name(), "EBUSY");
        let io = std::io::Error::from(e.clone());
        assert_eq!(io.to_string(), e.to_string());
        assert_eq!(io.kind(), std::io::ErrorKind::ResourceBusy);
        assert_eq!(errno_name(Errno::NOTTY.raw_os_error()), Some("ENOTTY"));
    }
}
