// SPDX-License-Identifier: GPL-2.0

//! [`CreateOptions`] and [`SealedFile`].

use crate::Seals;
use crate::error::{
    BusyCause, Error, Operation, Result, Rule, add_seals_rule, create_rule, get_seals_rule,
    open_device_rule,
};
use crate::uapi::{self, DEVICE_PATH, NAME_MAX_LEN};
use rustix::fs::{MemfdFlags, Mode, OFlags, SealFlags};
use rustix::io::{Errno, FdFlags};
use std::ffi::{CString, OsStr};
use std::fmt;
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Which kernel object backs a [`SealedFile`].
///
/// ```no_run
/// use sealfs::{Backend, CreateOptions};
/// let file = CreateOptions::new().memfd_fallback(true).create("x")?;
/// if file.backend() == Backend::Memfd {
///     eprintln!("sealfs is not loaded: using a memfd");
/// }
/// # Ok::<(), sealfs::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// A sealfs file: from `/dev/sealfs` or a `sealfs` mount; sealed with
    /// the sealfs ioctls.
    Sealfs,
    /// A kernel memfd (`memfd_create(2)`), made by the
    /// [fallback](CreateOptions::memfd_fallback) or taken by
    /// [`SealedFile::from_fd_or_memfd`]; sealed with `fcntl(2)`.
    Memfd,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sealfs => "sealfs",
            Backend::Memfd => "memfd",
        })
    }
}

/// Whether the new file is executable; the last of
/// [`CreateOptions::noexec_seal`] and [`CreateOptions::executable`] wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exec {
    /// No flag: the kernel follows `vm.memfd_noexec`.
    Default,
    /// `MFD_NOEXEC_SEAL`.
    NoexecSeal,
    /// `MFD_EXEC`.
    Executable,
}

/// How to create a [`SealedFile`]: the flags of `SEALFS_IOC_CREATE`, which
/// are those of `memfd_create(2)`.
///
/// Every option is off by default, as every flag of `memfd_create(2)`.
///
/// ```no_run
/// use sealfs::{CreateOptions, Seals};
///
/// let file = CreateOptions::new()
///     .allow_sealing(true)
///     .close_on_exec(true)
///     .noexec_seal(true)
///     .create("config")?;
/// assert_eq!(file.seals()?, Seals::EXEC);
/// # Ok::<(), sealfs::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOptions {
    allow_sealing: bool,
    close_on_exec: bool,
    exec: Exec,
    memfd_fallback: bool,
    device: PathBuf,
}

impl Default for CreateOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl CreateOptions {
    /// Options with every flag off, the device `/dev/sealfs`, and no
    /// fallback.
    ///
    /// ```
    /// assert_eq!(sealfs::CreateOptions::new().flags(), 0);
    /// ```
    pub fn new() -> Self {
        Self {
            allow_sealing: false,
            close_on_exec: false,
            exec: Exec::Default,
            memfd_fallback: false,
            device: PathBuf::from(DEVICE_PATH),
        }
    }

    /// `MFD_ALLOW_SEALING`: the file starts with no seals. Without it, it
    /// starts with `F_SEAL_SEAL` and no seal can ever be added.
    ///
    /// ```
    /// let opts = sealfs::CreateOptions::new().allow_sealing(true);
    /// assert_eq!(opts.flags(), sealfs::uapi::SEALFS_ALLOW_SEALING);
    /// ```
    pub fn allow_sealing(mut self, allow: bool) -> Self {
        self.allow_sealing = allow;
        self
    }

    /// `MFD_CLOEXEC`: the fd is closed on exec.
    ///
    /// ```
    /// let opts = sealfs::CreateOptions::new().close_on_exec(true);
    /// assert_eq!(opts.flags(), sealfs::uapi::SEALFS_CLOEXEC);
    /// ```
    pub fn close_on_exec(mut self, cloexec: bool) -> Self {
        self.close_on_exec = cloexec;
        self
    }

    /// `MFD_NOEXEC_SEAL`: the file has no x bits and starts with
    /// `F_SEAL_EXEC` (sealing allowed). `false` goes back to the kernel's
    /// default (`vm.memfd_noexec`). Overrides [`executable`](Self::executable).
    ///
    /// ```
    /// use sealfs::{uapi, CreateOptions};
    /// let opts = CreateOptions::new().executable(true).noexec_seal(true);
    /// assert_eq!(opts.flags(), uapi::SEALFS_NOEXEC_SEAL);
    /// ```
    pub fn noexec_seal(mut self, noexec: bool) -> Self {
        self.exec = match (noexec, self.exec) {
            (true, _) => Exec::NoexecSeal,
            (false, Exec::NoexecSeal) => Exec::Default,
            (false, other) => other,
        };
        self
    }

    /// `MFD_EXEC`: the file is created with mode 0777 (refused with
    /// `EACCES` where `vm.memfd_noexec` is 2). `false` goes back to the
    /// kernel's default. Overrides [`noexec_seal`](Self::noexec_seal).
    ///
    /// ```
    /// use sealfs::{uapi, CreateOptions};
    /// let opts = CreateOptions::new().noexec_seal(true).executable(true);
    /// assert_eq!(opts.flags(), uapi::SEALFS_EXEC);
    /// ```
    pub fn executable(mut self, exec: bool) -> Self {
        self.exec = match (exec, self.exec) {
            (true, _) => Exec::Executable,
            (false, Exec::Executable) => Exec::Default,
            (false, other) => other,
        };
        self
    }

    /// Creates a kernel memfd with the same flags when the device does not
    /// exist (the sealfs module is not loaded). Off by default: a memfd
    /// has memfd's rules (`F_SEAL_WRITE` refused while any shared mapping
    /// of an `O_RDWR` fd exists), so a caller must ask for it.
    ///
    /// ```no_run
    /// use sealfs::{Backend, CreateOptions};
    /// let file = CreateOptions::new().allow_sealing(true).memfd_fallback(true).create("x")?;
    /// println!("backed by {}", file.backend()); // "sealfs" or "memfd"
    /// # Ok::<(), sealfs::Error>(())
    /// ```
    pub fn memfd_fallback(mut self, fallback: bool) -> Self {
        self.memfd_fallback = fallback;
        self
    }

    /// The device to create files with, `/dev/sealfs` unless set (for a
    /// container that puts it elsewhere).
    ///
    /// ```
    /// let opts = sealfs::CreateOptions::new().device("/run/sealfs");
    /// ```
    pub fn device(mut self, path: impl Into<PathBuf>) -> Self {
        self.device = path.into();
        self
    }

    /// The `SEALFS_*` (= `MFD_*`) flags these options pass to the kernel.
    ///
    /// ```
    /// use sealfs::{uapi, CreateOptions};
    /// let opts = CreateOptions::new().allow_sealing(true).close_on_exec(true);
    /// assert_eq!(opts.flags(), uapi::SEALFS_ALLOW_SEALING | uapi::SEALFS_CLOEXEC);
    /// ```
    pub fn flags(&self) -> u32 {
        let mut flags = 0;
        if self.close_on_exec {
            flags |= uapi::SEALFS_CLOEXEC;
        }
        if self.allow_sealing {
            flags |= uapi::SEALFS_ALLOW_SEALING;
        }
        match self.exec {
            Exec::Default => {}
            Exec::NoexecSeal => flags |= uapi::SEALFS_NOEXEC_SEAL,
            Exec::Executable => flags |= uapi::SEALFS_EXEC,
        }
        flags
    }

    /// Creates an anonymous file named `name` (shown as
    /// `/sealfs:NAME (deleted)` in `/proc/self/fd`), opened read-write.
    ///
    /// Errors: the name is checked first ([`Rule::NameHasNul`],
    /// [`Rule::NameTooLong`]: more than 249 bytes); then
    /// [`Rule::DeviceMissing`] when the module is not loaded (unless
    /// [`memfd_fallback`](Self::memfd_fallback)), and the kernel's
    /// [`Rule::InvalidFlags`], [`Rule::ExecForbidden`],
    /// [`Rule::BadNamePointer`].
    ///
    /// ```no_run
    /// use std::io::Write;
    /// let file = sealfs::CreateOptions::new().allow_sealing(true).create("data")?;
    /// file.as_file().write_all(b"hello")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create(&self, name: impl AsRef<OsStr>) -> Result<SealedFile> {
        let op = Operation::Create { memfd: false };
        let name =
            check_name(name.as_ref()).map_err(|rule| Error::new(op.clone(), rule, Errno::INVAL))?;
        let flags = self.flags();
        let device =
            match rustix::fs::open(&self.device, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty()) {
                Ok(dev) => dev,
                Err(e) => {
                    let rule = open_device_rule(e);
                    if self.memfd_fallback && rule == Rule::DeviceMissing {
                        return create_memfd(&name, flags);
                    }
                    return Err(Error::new(
                        Operation::OpenDevice(self.device.clone()),
                        rule,
                        e,
                    ));
                }
            };
        // SAFETY: `Create` is SEALFS_IOC_CREATE with a `struct
        // sealfs_create` pointing at `name`, which outlives the call; the
        // device is sealfs's (a wrong device answers ENOTTY).
        let fd = unsafe { rustix::ioctl::ioctl(&device, uapi::Create::new(&name, flags)) }
            .map_err(|e| Error::new(op, create_rule(e), e))?;
        Ok(SealedFile {
            file: File::from(fd),
            backend: Backend::Sealfs,
        })
    }
}

/// The name as a C string, or the rule it breaks.
fn check_name(name: &OsStr) -> std::result::Result<CString, Rule> {
    let bytes = name.as_bytes();
    if bytes.len() > NAME_MAX_LEN {
        return Err(Rule::NameTooLong { len: bytes.len() });
    }
    CString::new(bytes).map_err(|_| Rule::NameHasNul)
}

fn create_memfd(name: &CString, flags: u32) -> Result<SealedFile> {
    let fd = rustix::fs::memfd_create(name.as_c_str(), MemfdFlags::from_bits_retain(flags))
        .map_err(|e| Error::new(Operation::Create { memfd: true }, create_rule(e), e))?;
    Ok(SealedFile {
        file: File::from(fd),
        backend: Backend::Memfd,
    })
}

/// A sealable file: a sealfs file, or a kernel memfd when asked for.
///
/// Read and write it through [`as_file`](Self::as_file) (`&File`
/// implements `Read`, `Write` and `Seek`); seal it with
/// [`add_seals`](Self::add_seals).
///
/// ```no_run
/// use sealfs::{CreateOptions, Seals};
/// use std::io::Write;
///
/// let file = CreateOptions::new().allow_sealing(true).create("snapshot")?;
/// file.as_file().write_all(b"key = value\n")?;
/// file.add_seals(Seals::SHRINK | Seals::GROW | Seals::WRITE | Seals::SEAL)?;
/// assert!(file.seals()?.contains(Seals::IMMUTABLE));
/// assert!(file.as_file().write_all(b"more").is_err()); // EPERM
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SealedFile {
    file: File,
    backend: Backend,
}

/// The error of [`SealedFile::from_fd`]: why the fd was refused, and the
/// fd itself, given back.
///
/// ```no_run
/// let file = std::fs::File::open("/etc/hostname")?;
/// let err = sealfs::SealedFile::from_fd(file).unwrap_err();
/// eprintln!("{err}"); // ... the file is not on sealfs (statfs f_type 0xef53) (ENOTTY)
/// let file: std::fs::File = err.into_fd().into();
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct FromFdError {
    error: Error,
    fd: OwnedFd,
}

impl FromFdError {
    /// Why the fd was refused.
    ///
    /// ```no_run
    /// let err = sealfs::SealedFile::from_fd(std::fs::File::open("/etc/hostname")?).unwrap_err();
    /// assert!(matches!(err.error().rule(), sealfs::Rule::NotSealfs { .. }));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The fd, given back.
    ///
    /// ```no_run
    /// let err = sealfs::SealedFile::from_fd(std::fs::File::open("/etc/hostname")?).unwrap_err();
    /// let file = std::fs::File::from(err.into_fd()); // still open
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }

    /// The error, dropping (closing) the fd.
    ///
    /// ```no_run
    /// fn take(fd: std::os::fd::OwnedFd) -> sealfs::Result<sealfs::SealedFile> {
    ///     sealfs::SealedFile::from_fd(fd).map_err(sealfs::FromFdError::into_error)
    /// }
    /// ```
    pub fn into_error(self) -> Error {
        self.error
    }
}

impl fmt::Display for FromFdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for FromFdError {}

impl From<FromFdError> for Error {
    fn from(e: FromFdError) -> Self {
        e.error
    }
}

/// What kind of file `fd` is, for `from_fd`: its backend, or the error.
fn classify(fd: BorrowedFd<'_>, accept_memfd: bool) -> Result<Backend> {
    let st = rustix::fs::fstatfs(fd).map_err(|e| Error::os(Operation::Check, e))?;
    // `f_type` is a signed or unsigned word depending on the architecture;
    // the magic numbers are 32-bit.
    #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
    let f_type = (st.f_type as i64 as u64) & 0xffff_ffff;
    let stat = rustix::fs::fstat(fd).map_err(|e| Error::os(Operation::Check, e))?;
    let regular =
        rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::RegularFile;
    if f_type == u64::from(uapi::SEALFS_MAGIC) {
        if !regular {
            return Err(Error::new(
                Operation::Check,
                Rule::NotSealable,
                Errno::NOTTY,
            ));
        }
        return Ok(Backend::Sealfs);
    }
    let memfd_fs =
        f_type == u64::from(uapi::TMPFS_MAGIC) || f_type == u64::from(uapi::HUGETLBFS_MAGIC);
    // A tmpfs file that is not a memfd has no seals: F_GET_SEALS is EINVAL.
    if accept_memfd && memfd_fs && regular && rustix::fs::fcntl_get_seals(fd).is_ok() {
        return Ok(Backend::Memfd);
    }
    Err(Error::new(
        Operation::Check,
        Rule::NotSealfs { f_type },
        Errno::NOTTY,
    ))
}

impl SealedFile {
    /// Takes an fd that must be a sealfs file: its filesystem's `statfs`
    /// `f_type` must be `SEALFS_MAGIC` (0x5345414c), and it must be a
    /// regular file. Otherwise the fd is given back in the error.
    ///
    /// ```no_run
    /// use std::os::fd::{FromRawFd, OwnedFd};
    /// // An fd inherited from `sealctl create`:
    /// let n: i32 = std::env::var("SEALFS_FD")?.parse()?;
    /// let fd = unsafe { OwnedFd::from_raw_fd(n) };
    /// let file = sealfs::SealedFile::from_fd(fd)?;
    /// println!("{}", file.seals()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_fd(fd: impl Into<OwnedFd>) -> Result<Self, FromFdError> {
        Self::take(fd.into(), false)
    }

    /// As [`from_fd`](Self::from_fd), and also takes a kernel memfd that
    /// supports seals (its [`backend`](Self::backend) is then
    /// [`Backend::Memfd`]).
    ///
    /// ```no_run
    /// let fd = rustix::fs::memfd_create("m", rustix::fs::MemfdFlags::ALLOW_SEALING)?;
    /// let file = sealfs::SealedFile::from_fd_or_memfd(fd)?;
    /// assert_eq!(file.backend(), sealfs::Backend::Memfd);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_fd_or_memfd(fd: impl Into<OwnedFd>) -> Result<Self, FromFdError> {
        Self::take(fd.into(), true)
    }

    fn take(fd: OwnedFd, accept_memfd: bool) -> Result<Self, FromFdError> {
        match classify(fd.as_fd(), accept_memfd) {
            Ok(backend) => Ok(Self {
                file: File::from(fd),
                backend,
            }),
            Err(error) => Err(FromFdError { error, fd }),
        }
    }

    /// Opens a file of a sealfs mount, or `/proc/PID/fd/N` of a sealfs
    /// file, read-write (as adding seals needs), close-on-exec.
    ///
    /// ```no_run
    /// let file = sealfs::SealedFile::open("/mnt/sealfs/config")?;
    /// file.add_seals(sealfs::Seals::WRITE)?;
    /// # Ok::<(), sealfs::Error>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path.as_ref(), OFlags::RDWR)
    }

    /// As [`open`](Self::open), read-only: enough to read the seals, not to
    /// add any ([`Rule::NotOpenForWriting`]).
    ///
    /// ```no_run
    /// let file = sealfs::SealedFile::open_read_only("/proc/1234/fd/3")?;
    /// println!("{}", file.seals()?);
    /// # Ok::<(), sealfs::Error>(())
    /// ```
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path.as_ref(), OFlags::RDONLY)
    }

    fn open_with(path: &Path, mode: OFlags) -> Result<Self> {
        let fd = rustix::fs::open(path, mode | OFlags::CLOEXEC, Mode::empty())
            .map_err(|e| Error::os(Operation::Open(path.to_path_buf()), e))?;
        Self::from_fd(fd).map_err(FromFdError::into_error)
    }

    /// A new read-only open file of the same file, close-on-exec: to hand
    /// to a peer that must not add seals. Its seals are the same: they
    /// belong to the file. On sealfs it is `SEALFS_IOC_OPEN_READONLY`,
    /// which needs no `/proc` (a sandbox may have none); a memfd is
    /// reopened through `/proc/self/fd/N`.
    ///
    /// ```no_run
    /// let file = sealfs::CreateOptions::new().allow_sealing(true).create("x")?;
    /// let ro = file.reopen_read_only()?;
    /// assert!(ro.add_seals(sealfs::Seals::GROW).is_err()); // EPERM
    /// # Ok::<(), sealfs::Error>(())
    /// ```
    pub fn reopen_read_only(&self) -> Result<Self> {
        let fd = match self.backend {
            // SAFETY: SEALFS_IOC_OPEN_READONLY takes O_CLOEXEC by value and
            // returns a new fd.
            Backend::Sealfs => unsafe { rustix::ioctl::ioctl(&self.file, uapi::OpenReadOnly) }
                .map_err(|e| Error::os(Operation::OpenReadOnly, e))?,
            Backend::Memfd => {
                let path = PathBuf::from(format!("/proc/self/fd/{}", self.file.as_raw_fd()));
                rustix::fs::open(&path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())
                    .map_err(|e| Error::os(Operation::Open(path), e))?
            }
        };
        Ok(Self {
            file: File::from(fd),
            backend: self.backend,
        })
    }

    /// The kernel object behind the file.
    ///
    /// ```no_run
    /// let file = sealfs::CreateOptions::new().create("x")?;
    /// assert_eq!(file.backend(), sealfs::Backend::Sealfs);
    /// # Ok::<(), sealfs::Error>(())
    /// ```
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The seals of the file (`SEALFS_IOC_GET_SEALS`, or `F_GET_SEALS` for
    /// a memfd).
    ///
    /// ```no_run
    /// use sealfs::{CreateOptions, Seals};
    /// let file = CreateOptions::new().create("no-sealing")?;
    /// assert_eq!(file.seals()?, Seals::SEAL); // created without allow_sealing
    /// # Ok::<(), sealfs::Error>(())
    /// ```
    pub fn seals(&self) -> Result<Seals> {
        let bits = match self.backend {
            // SAFETY: SEALFS_IOC_GET_SEALS takes no argument.
            Backend::Sealfs => unsafe { rustix::ioctl::ioctl(&self.file, uapi::GetSeals) },
            Backend::Memfd => rustix::fs::fcntl_get_seals(&self.file).map(|s| s.bits()),
        }
        .map_err(|e| Error::new(Operation::GetSeals, get_seals_rule(e), e))?;
        Ok(Seals::from_bits_retain(bits))
    }

    /// Adds `seals`, all of them or none, by memfd's rules (spec section
    /// 3); the [`Error`] names the rule that refused them:
    /// [`Rule::NotOpenForWriting`], [`Rule::UnknownSeals`],
    /// [`Rule::SealSealed`], [`Rule::WritableMapping`],
    /// [`Rule::PinnedPages`], [`Rule::Interrupted`].
    ///
    /// ```no_run
    /// use sealfs::{CreateOptions, Rule, Seals};
    /// let file = CreateOptions::new().allow_sealing(true).create("x")?;
    /// file.add_seals(Seals::SEAL)?;
    /// let err = file.add_seals(Seals::WRITE).unwrap_err();
    /// assert_eq!(err.rule(), &Rule::SealSealed);
    /// assert_eq!(err.to_string(),
    ///     "adding F_SEAL_WRITE refused: F_SEAL_SEAL is set, no seal can be added (EPERM)");
    /// # Ok::<(), sealfs::Error>(())
    /// ```
    pub fn add_seals(&self, seals: Seals) -> Result<()> {
        let start = Instant::now();
        let result = match self.backend {
            // SAFETY: SEALFS_IOC_ADD_SEALS takes the mask by value.
            Backend::Sealfs => unsafe {
                rustix::ioctl::ioctl(&self.file, uapi::AddSeals(seals.bits()))
            },
            Backend::Memfd => {
                rustix::fs::fcntl_add_seals(&self.file, SealFlags::from_bits_retain(seals.bits()))
            }
        };
        result.map_err(|e| self.add_seals_error(e, seals, start.elapsed()))
    }

    fn add_seals_error(&self, e: Errno, seals: Seals, elapsed: std::time::Duration) -> Error {
        let writable = rustix::fs::fcntl_getfl(&self.file)
            .map(|fl| fl & OFlags::RWMODE != OFlags::RDONLY)
            .unwrap_or(true);
        let (unknown, busy) = match self.backend {
            // sealfs says why it is busy in the file's fdinfo.
            Backend::Sealfs => (
                seals.unknown_bits(),
                (e == Errno::BUSY).then(|| self.busy_cause()).flatten(),
            ),
            // memfd has no FUTURE_EXEC: it is unknown there.
            Backend::Memfd => (
                seals.bits() & !(Seals::all() - Seals::FUTURE_EXEC).bits(),
                None,
            ),
        };
        let rule = add_seals_rule(e, writable, unknown, busy, elapsed);
        let implied_write = rule.is_busy()
            && seals.contains(Seals::EXEC)
            && !seals.contains(Seals::WRITE)
            && rustix::fs::fstat(&self.file).is_ok_and(|st| st.st_mode & 0o111 != 0);
        Error::new(
            Operation::AddSeals {
                requested: seals,
                implied_write,
            },
            rule,
            e,
        )
    }

    /// What would make `F_SEAL_WRITE` fail with `EBUSY` now, from the
    /// file's `/proc/self/fdinfo/N` (sealfs only; `None` for a memfd or
    /// without `/proc`).
    ///
    /// ```no_run
    /// let file = sealfs::CreateOptions::new().allow_sealing(true).create("x")?;
    /// let cause = file.busy_cause().unwrap();
    /// assert_eq!(cause.writable_mappings, 0);
    /// # Ok::<(), sealfs::Error>(())
    /// ```
    pub fn busy_cause(&self) -> Option<BusyCause> {
        if self.backend != Backend::Sealfs {
            return None;
        }
        let path = format!("/proc/self/fdinfo/{}", self.file.as_raw_fd());
        BusyCause::parse(&std::fs::read_to_string(path).ok()?)
    }

    /// Sets or clears close-on-exec on the fd (clear it to hand the fd to
    /// a program you exec).
    ///
    /// ```no_run
    /// let file = sealfs::CreateOptions::new().close_on_exec(true).create("x")?;
    /// file.set_close_on_exec(false)?; // the next exec'd program inherits it
    /// # Ok::<(), sealfs::Error>(())
    /// ```
    pub fn set_close_on_exec(&self, cloexec: bool) -> Result<()> {
        let flags = if cloexec {
            FdFlags::CLOEXEC
        } else {
            FdFlags::empty()
        };
        rustix::io::fcntl_setfd(&self.file, flags)
            .map_err(|e| Error::os(Operation::Syscall("fcntl(F_SETFD)"), e))
    }

    /// The file, to read, write, map or stat it.
    ///
    /// ```no_run
    /// use std::io::Read;
    /// let file = sealfs::SealedFile::open_read_only("/mnt/sealfs/config")?;
    /// let mut text = String::new();
    /// file.as_file().read_to_string(&mut text)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_file(&self) -> &File {
        &self.file
    }

    /// The file, giving up the seal methods.
    ///
    /// ```no_run
    /// let file: std::fs::File = sealfs::CreateOptions::new().create("x")?.into_file();
    /// # Ok::<(), sealfs::Error>(())
    /// ```
    pub fn into_file(self) -> File {
        self.file
    }
}

impl AsFd for SealedFile {
    /// The file's fd, borrowed.
    ///
    /// ```no_run
    /// use std::os::fd::AsFd;
    /// let file = sealfs::CreateOptions::new().create("x")?;
    /// let st = rustix::fs::fstat(file.as_fd())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

impl AsRawFd for SealedFile {
    fn as_raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

impl From<SealedFile> for OwnedFd {
    fn from(file: SealedFile) -> Self {
        file.file.into()
    }
}

impl From<SealedFile> for File {
    fn from(file: SealedFile) -> Self {
        file.file
    }
}

impl TryFrom<OwnedFd> for SealedFile {
    type Error = FromFdError;

    /// As [`SealedFile::from_fd`].
    fn try_from(fd: OwnedFd) -> Result<Self, FromFdError> {
        Self::from_fd(fd)
    }
}

impl TryFrom<File> for SealedFile {
    type Error = FromFdError;

    /// As [`SealedFile::from_fd`].
    fn try_from(file: File) -> Result<Self, FromFdError> {
        Self::from_fd(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_encode_each_option() {
        let o = CreateOptions::new();
        assert_eq!(o.flags(), 0);
        assert_eq!(o.clone().allow_sealing(true).flags(), 0x2);
        assert_eq!(o.clone().close_on_exec(true).flags(), 0x1);
        assert_eq!(o.clone().noexec_seal(true).flags(), 0x8);
        assert_eq!(o.clone().executable(true).flags(), 0x10);
        assert_eq!(
            o.clone()
                .allow_sealing(true)
                .close_on_exec(true)
                .noexec_seal(true)
                .flags(),
            0xb
        );
    }

    #[test]
    fn exec_and_noexec_never_go_together() {
        let o = CreateOptions::new();
        assert_eq!(o.clone().noexec_seal(true).executable(true).flags(), 0x10);
        assert_eq!(o.clone().executable(true).noexec_seal(true).flags(), 0x8);
        assert_eq!(o.clone().noexec_seal(true).noexec_seal(false).flags(), 0);
        assert_eq!(o.clone().executable(true).noexec_seal(false).flags(), 0x10);
        assert_eq!(o.clone().noexec_seal(true).executable(false).flags(), 0x8);
    }

    #[test]
    fn names_are_checked_before_the_call() {
        assert!(check_name(OsStr::new("")).is_ok());
        assert!(check_name(OsStr::new(&"n".repeat(249))).is_ok());
        assert_eq!(
            check_name(OsStr::new(&"n".repeat(250))),
            Err(Rule::NameTooLong { len: 250 })
        );
        assert_eq!(check_name(OsStr::new("a\0b")), Err(Rule::NameHasNul));
    }

    #[test]
    fn a_missing_device_is_named() {
        let err = CreateOptions::new()
            .device("/nonexistent/sealfs")
            .create("x")
            .unwrap_err();
        assert_eq!(err.rule(), &Rule::DeviceMissing);
        assert_eq!(err.errno_name(), "ENOENT");
        assert_eq!(
            err.to_string(),
            "opening /nonexistent/sealfs refused: the sealfs module is not loaded (no device) (ENOENT)"
        );
    }

    #[test]
    fn the_memfd_fallback_is_explicit() {
        let file = CreateOptions::new()
            .allow_sealing(true)
            .noexec_seal(true)
            .memfd_fallback(true)
            .device("/nonexistent/sealfs")
            .create("fallback")
            .unwrap();
        assert_eq!(file.backend(), Backend::Memfd);
        assert_eq!(file.seals().unwrap(), Seals::EXEC);
        file.add_seals(Seals::GROW).unwrap();
        assert_eq!(file.seals().unwrap(), Seals::EXEC | Seals::GROW);
        let err = file.add_seals(Seals::from_bits_retain(0x100)).unwrap_err();
        assert_eq!(err.rule(), &Rule::UnknownSeals { bits: 0x100 });
        let ro = file.reopen_read_only().unwrap();
        let err = ro.add_seals(Seals::SHRINK).unwrap_err();
        assert_eq!(err.rule(), &Rule::NotOpenForWriting);
        file.add_seals(Seals::SEAL).unwrap();
        let err = file.add_seals(Seals::SHRINK).unwrap_err();
        assert_eq!(err.rule(), &Rule::SealSealed);
    }

    #[test]
    fn from_fd_wants_sealfs() {
        let tmp = std::env::temp_dir().join(format!("sealfs-from-fd-{}", std::process::id()));
        std::fs::write(&tmp, b"x").unwrap();
        let f = File::open(&tmp).unwrap();
        std::fs::remove_file(&tmp).unwrap();
        let err = SealedFile::from_fd(f).unwrap_err();
        assert!(matches!(err.error().rule(), Rule::NotSealfs { .. }));
        assert_eq!(err.error().errno_name(), "ENOTTY");
        // The fd comes back, still open.
        let fd = err.into_fd();
        assert!(rustix::fs::fstat(&fd).is_ok());

        let memfd = rustix::fs::memfd_create("m", MemfdFlags::ALLOW_SEALING).unwrap();
        let err = SealedFile::from_fd(memfd).unwrap_err();
        let f_type = u64::from(uapi::TMPFS_MAGIC);
        assert_eq!(err.error().rule(), &Rule::NotSealfs { f_type });
        let file = SealedFile::from_fd_or_memfd(err.into_fd()).unwrap();
        assert_eq!(file.backend(), Backend::Memfd);
    }
}
