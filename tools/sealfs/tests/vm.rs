// SPDX-License-Identifier: GPL-2.0

//! Integration tests against the real module: they run in the test VM
//! (`tests/vm-test.sh`, from `make check`), as root with sealfs loaded.
//!
//! Without `/dev/sealfs` each test says it is skipped and passes, unless
//! `SEALFS_VM_TEST=1` is set (as vm-test.sh does): then a missing device
//! is a failure.

use rustix::fs::{Mode, OFlags};
use rustix::mm::{MapFlags, ProtFlags};
use sealfs::{Backend, CreateOptions, Rule, SealedFile, Seals};
use std::ffi::c_void;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

const PAGE: usize = 4096;

/// Whether to run: the device is there, or its absence is a failure.
fn have_sealfs() -> bool {
    if Path::new(sealfs::uapi::DEVICE_PATH).exists() {
        return true;
    }
    if std::env::var_os("SEALFS_VM_TEST").is_some_and(|v| v == "1") {
        panic!("SEALFS_VM_TEST=1 but /dev/sealfs does not exist (module not loaded?)");
    }
    eprintln!("skipped: no /dev/sealfs (run in the VM: tests/vm-test.sh)");
    false
}

macro_rules! need_sealfs {
    () => {
        if !have_sealfs() {
            return;
        }
    };
}

fn sealable(name: &str) -> SealedFile {
    CreateOptions::new()
        .allow_sealing(true)
        .close_on_exec(true)
        .noexec_seal(true)
        .create(name)
        .unwrap()
}

/// A shared mapping of `len` bytes, unmapped on drop.
struct Map(*mut c_void, usize);

impl Map {
    fn new(fd: impl AsFd, len: usize, prot: ProtFlags, flags: MapFlags) -> rustix::io::Result<Map> {
        // SAFETY: a new mapping at an address the kernel picks.
        unsafe { rustix::mm::mmap(std::ptr::null_mut(), len, prot, flags, fd, 0) }
            .map(|p| Map(p, len))
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: we mapped it, nothing borrows it.
        unsafe { rustix::mm::munmap(self.0, self.1) }.unwrap();
    }
}

fn mode_of(fd: impl AsFd) -> u32 {
    rustix::fs::fstat(fd).unwrap().st_mode & 0o7777
}

#[test]
fn create_allow_sealing_gives_an_unsealed_sealfs_file() {
    need_sealfs!();
    let file = CreateOptions::new()
        .allow_sealing(true)
        .create("vm-test")
        .unwrap();
    assert_eq!(file.backend(), Backend::Sealfs);
    assert_eq!(file.seals().unwrap(), Seals::empty());
    let link = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).unwrap();
    assert_eq!(link.to_str().unwrap(), "/sealfs:vm-test (deleted)");
    // Opened O_RDWR, and close-on-exec only when asked.
    let fl = rustix::fs::fcntl_getfl(&file).unwrap();
    assert_eq!(fl & OFlags::RWMODE, OFlags::RDWR);
    assert!(
        !rustix::io::fcntl_getfd(&file)
            .unwrap()
            .contains(rustix::io::FdFlags::CLOEXEC)
    );
    let file = CreateOptions::new()
        .close_on_exec(true)
        .create("c")
        .unwrap();
    assert!(
        rustix::io::fcntl_getfd(&file)
            .unwrap()
            .contains(rustix::io::FdFlags::CLOEXEC)
    );
}

#[test]
fn create_without_allow_sealing_starts_with_f_seal_seal() {
    need_sealfs!();
    let file = CreateOptions::new().create("no-sealing").unwrap();
    assert_eq!(file.seals().unwrap(), Seals::SEAL);
    let err = file.add_seals(Seals::WRITE).unwrap_err();
    assert_eq!(err.rule(), &Rule::SealSealed);
    assert_eq!(err.errno_name(), "EPERM");
    // Even an empty mask (spec 3, step 3).
    let err = file.add_seals(Seals::empty()).unwrap_err();
    assert_eq!(err.rule(), &Rule::SealSealed);
}

#[test]
fn noexec_seal_and_executable_set_the_mode_and_seals() {
    need_sealfs!();
    let file = CreateOptions::new()
        .noexec_seal(true)
        .create("noexec")
        .unwrap();
    assert_eq!(file.seals().unwrap(), Seals::EXEC);
    assert_eq!(mode_of(&file) & 0o111, 0);
    let sysctl = std::fs::read_to_string("/proc/sys/vm/memfd_noexec").unwrap_or_default();
    match CreateOptions::new().executable(true).create("exec") {
        Ok(file) => assert_eq!(mode_of(&file), 0o777),
        Err(e) => {
            assert_eq!(sysctl.trim(), "2", "{e}");
            assert_eq!(e.rule(), &Rule::ExecForbidden);
        }
    }
}

#[test]
fn names_longer_than_249_bytes_are_refused() {
    need_sealfs!();
    CreateOptions::new().create("n".repeat(249)).unwrap();
    CreateOptions::new().create("").unwrap();
    let err = CreateOptions::new().create("n".repeat(250)).unwrap_err();
    assert_eq!(err.rule(), &Rule::NameTooLong { len: 250 });
    assert_eq!(err.errno_name(), "EINVAL");
}

#[test]
fn sealed_contents_stay_and_writes_are_eperm() {
    need_sealfs!();
    let file = sealable("contents");
    let mut f = file.as_file();
    f.write_all(b"key = value\n").unwrap();
    file.add_seals(Seals::SEAL | Seals::SHRINK | Seals::GROW | Seals::WRITE)
        .unwrap();
    assert_eq!(file.seals().unwrap(), Seals::IMMUTABLE | Seals::EXEC);
    let err = f.write_all(b"x").unwrap_err();
    assert_eq!(
        err.raw_os_error(),
        Some(rustix::io::Errno::PERM.raw_os_error())
    );
    assert!(f.set_len(0).is_err());
    assert!(f.set_len(1 << 20).is_err());
    f.seek(SeekFrom::Start(0)).unwrap();
    let mut text = String::new();
    f.read_to_string(&mut text).unwrap();
    assert_eq!(text, "key = value\n");
}

#[test]
fn write_seal_with_a_writable_shared_mapping_is_ebusy() {
    need_sealfs!();
    let file = sealable("mapped");
    file.as_file().set_len(PAGE as u64).unwrap();
    let map = Map::new(
        &file,
        PAGE,
        ProtFlags::READ | ProtFlags::WRITE,
        MapFlags::SHARED,
    )
    .unwrap();
    let err = file.add_seals(Seals::WRITE | Seals::SHRINK).unwrap_err();
    assert_eq!(err.rule(), &Rule::WritableMapping);
    assert_eq!(err.errno(), 16);
    assert_eq!(
        err.to_string(),
        "F_SEAL_WRITE refused: the file has a writable shared mapping (EBUSY)"
    );
    // All or nothing: SHRINK was not added either.
    assert_eq!(file.seals().unwrap(), Seals::EXEC);
    drop(map);
    file.add_seals(Seals::WRITE).unwrap();
    // A new writable shared mapping is refused now; a private one is fine.
    assert!(
        Map::new(
            &file,
            PAGE,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::SHARED
        )
        .is_err()
    );
    Map::new(
        &file,
        PAGE,
        ProtFlags::READ | ProtFlags::WRITE,
        MapFlags::PRIVATE,
    )
    .unwrap();
}

#[test]
fn exec_seal_on_an_executable_file_implies_write_and_its_checks() {
    need_sealfs!();
    let file = match CreateOptions::new()
        .allow_sealing(true)
        .executable(true)
        .create("x")
    {
        Ok(f) => f,
        Err(e) if e.rule() == &Rule::ExecForbidden => return,
        Err(e) => panic!("{e}"),
    };
    file.as_file().set_len(PAGE as u64).unwrap();
    let map = Map::new(
        &file,
        PAGE,
        ProtFlags::READ | ProtFlags::WRITE,
        MapFlags::SHARED,
    )
    .unwrap();
    let err = file.add_seals(Seals::EXEC).unwrap_err();
    assert_eq!(err.rule(), &Rule::WritableMapping);
    assert_eq!(
        err.to_string(),
        "F_SEAL_WRITE (implied by F_SEAL_EXEC on an executable file) refused: \
         the file has a writable shared mapping (EBUSY)"
    );
    drop(map);
    file.add_seals(Seals::EXEC).unwrap();
    assert_eq!(
        file.seals().unwrap(),
        Seals::EXEC | Seals::SHRINK | Seals::GROW | Seals::WRITE | Seals::FUTURE_WRITE
    );
}

/// Splices the file's first page into a new pipe, which then holds a
/// reference to it; returns the pipe's ends.
fn splice_first_page(file: &SealedFile) -> (OwnedFd, OwnedFd) {
    let (rd, wr) = rustix::pipe::pipe().unwrap();
    let mut off = 0u64;
    let n = rustix::pipe::splice(
        file,
        Some(&mut off),
        &wr,
        None,
        PAGE,
        rustix::pipe::SpliceFlags::empty(),
    )
    .unwrap();
    assert_eq!(n, PAGE);
    (rd, wr)
}

#[test]
fn write_seal_while_a_pipe_holds_a_page_is_pinned_pages() {
    need_sealfs!();
    let file = sealable("pinned");
    file.as_file().write_all(&[b'a'; 2 * PAGE]).unwrap();
    let (rd, _wr) = splice_first_page(&file);
    let err = file.add_seals(Seals::WRITE).unwrap_err();
    assert_eq!(err.rule(), &Rule::PinnedPages, "{err}");
    assert!(
        err.to_string()
            .starts_with("F_SEAL_WRITE refused: pages of the file stayed pinned")
    );
    assert_eq!(err.errno_name(), "EBUSY");
    let mut buf = [0u8; PAGE];
    assert_eq!(rustix::io::read(&rd, &mut buf).unwrap(), PAGE);
    file.add_seals(Seals::WRITE).unwrap();
}

#[test]
fn ebusy_names_both_causes_from_fdinfo() {
    need_sealfs!();
    let file = sealable("both");
    file.as_file().write_all(&[b'a'; 2 * PAGE]).unwrap();
    let _map = Map::new(
        &file,
        PAGE,
        ProtFlags::READ | ProtFlags::WRITE,
        MapFlags::SHARED,
    )
    .unwrap();
    let (rd, wr) = splice_first_page(&file);
    let cause = file.busy_cause().unwrap();
    assert_eq!(cause.writable_mappings, 1);
    // At least the page in the pipe (a page just written on another CPU
    // may still be in that CPU's LRU batch, which fdinfo does not drain).
    assert!(cause.pinned_folios >= 1, "{cause:?}");
    let err = file.add_seals(Seals::WRITE).unwrap_err();
    assert_eq!(err.rule(), &Rule::WritableMappingAndPinnedPages, "{err}");
    drop(rd);
    drop(wr);
}

#[test]
fn future_exec_is_a_seal_of_sealfs() {
    need_sealfs!();
    let file = sealable("fexec");
    file.add_seals(Seals::FUTURE_EXEC).unwrap();
    assert_eq!(file.seals().unwrap(), Seals::EXEC | Seals::FUTURE_EXEC);
    let err = Map::new(
        &file,
        PAGE,
        ProtFlags::READ | ProtFlags::EXEC,
        MapFlags::PRIVATE,
    );
    assert_eq!(err.err(), Some(rustix::io::Errno::PERM));
}

#[test]
fn a_read_only_fd_cannot_add_seals() {
    need_sealfs!();
    let file = sealable("ro");
    let ro = file.reopen_read_only().unwrap();
    assert_eq!(ro.seals().unwrap(), Seals::EXEC);
    let err = ro.add_seals(Seals::GROW).unwrap_err();
    assert_eq!(err.rule(), &Rule::NotOpenForWriting);
    assert_eq!(
        err.to_string(),
        "adding F_SEAL_GROW refused: the fd is not open for writing (EPERM)"
    );
}

#[test]
fn unknown_seal_bits_are_einval() {
    need_sealfs!();
    let file = sealable("bits");
    let err = file
        .add_seals(Seals::from_bits_retain(0x80 | 0x8))
        .unwrap_err();
    assert_eq!(err.rule(), &Rule::UnknownSeals { bits: 0x80 });
    assert_eq!(err.errno_name(), "EINVAL");
    assert_eq!(file.seals().unwrap(), Seals::EXEC);
}

#[test]
fn seals_belong_to_the_file_not_the_fd() {
    need_sealfs!();
    let file = sealable("inode");
    file.add_seals(Seals::WRITE).unwrap();
    let path = format!("/proc/self/fd/{}", file.as_raw_fd());
    let again = SealedFile::open(&path).unwrap();
    assert_eq!(again.seals().unwrap(), Seals::WRITE | Seals::EXEC);
    assert!(again.as_file().write_all(b"x").is_err());
}

#[test]
fn future_write_keeps_existing_mappings_writable() {
    need_sealfs!();
    let file = sealable("future");
    file.as_file().set_len(PAGE as u64).unwrap();
    let map = Map::new(
        &file,
        PAGE,
        ProtFlags::READ | ProtFlags::WRITE,
        MapFlags::SHARED,
    )
    .unwrap();
    file.add_seals(Seals::FUTURE_WRITE).unwrap();
    // SAFETY: the mapping is PAGE bytes, writable.
    unsafe { *(map.0 as *mut u8) = b'z' };
    assert!(file.as_file().write_all(b"x").is_err());
    let mut b = [0u8; 1];
    file.as_file().read_exact(&mut b).unwrap();
    assert_eq!(&b, b"z");
}

#[test]
fn from_fd_takes_sealfs_files_only() {
    need_sealfs!();
    let file = sealable("from-fd");
    let fd: OwnedFd = file.into();
    let file = SealedFile::from_fd(fd).unwrap();
    assert_eq!(file.backend(), Backend::Sealfs);

    let memfd = rustix::fs::memfd_create("m", rustix::fs::MemfdFlags::ALLOW_SEALING).unwrap();
    let err = SealedFile::from_fd(memfd).unwrap_err();
    assert!(
        matches!(err.error().rule(), Rule::NotSealfs { .. }),
        "{err}"
    );
    let file = SealedFile::from_fd_or_memfd(err.into_fd()).unwrap();
    assert_eq!(file.backend(), Backend::Memfd);

    let dev = File::open(sealfs::uapi::DEVICE_PATH).unwrap();
    let err = SealedFile::from_fd(dev).unwrap_err();
    assert!(
        matches!(err.error().rule(), Rule::NotSealfs { .. }),
        "{err}"
    );
}

#[test]
fn memfd_fallback_only_when_asked() {
    need_sealfs!();
    let opts = CreateOptions::new()
        .allow_sealing(true)
        .device("/dev/no-such-sealfs");
    let err = opts.create("x").unwrap_err();
    assert_eq!(err.rule(), &Rule::DeviceMissing);
    let file = opts.memfd_fallback(true).create("x").unwrap();
    assert_eq!(file.backend(), Backend::Memfd);
    file.add_seals(Seals::WRITE).unwrap();
    assert_eq!(file.seals().unwrap(), Seals::WRITE);
}

/// A sealfs mount in a new directory, unmounted and removed on drop.
struct Mount(PathBuf);

impl Mount {
    fn new(tag: &str) -> Mount {
        let dir = std::env::temp_dir().join(format!("sealfs-vm-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        rustix::mount::mount(
            "none",
            &dir,
            "sealfs",
            rustix::mount::MountFlags::empty(),
            None,
        )
        .unwrap();
        Mount(dir)
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = rustix::mount::unmount(&self.0, rustix::mount::UnmountFlags::empty());
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn files_of_a_mount_are_sealed_by_path() {
    need_sealfs!();
    let mnt = Mount::new("path");
    let path = mnt.0.join("config");
    std::fs::write(&path, b"a = 1\n").unwrap();
    let st = rustix::fs::statfs(&mnt.0).unwrap();
    assert_eq!(st.f_type as u64, u64::from(sealfs::uapi::SEALFS_MAGIC));
    let file = SealedFile::open(&path).unwrap();
    assert_eq!(file.seals().unwrap(), Seals::empty());
    file.add_seals(Seals::WRITE | Seals::GROW).unwrap();
    let ro = SealedFile::open_read_only(&path).unwrap();
    assert_eq!(ro.seals().unwrap(), Seals::WRITE | Seals::GROW);
    assert!(
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"b")
            .is_err()
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"a = 1\n");
    // A directory of the mount is on sealfs, but not a sealable file.
    let dir = rustix::fs::open(&mnt.0, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).unwrap();
    let err = SealedFile::from_fd(dir).unwrap_err();
    assert_eq!(err.error().rule(), &Rule::NotSealable);
    drop(file);
    drop(ro);
}
