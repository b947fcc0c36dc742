// SPDX-License-Identifier: GPL-2.0

//! Storage on shmem: the private tmpfs mount of each sealfs superblock, and
//! the shmem file (the *backing file*) that holds the data of each regular
//! sealfs file.
//!
//! sealfs owns the names and the seals; shmem owns the pages, as in
//! Android's Rust ashmem (`shmem.rs`) and i915's gemfs (a private tmpfs
//! mount with `huge=within_size`).  Reads, writes, splice, `fallocate`,
//! `SEEK_DATA`/`SEEK_HOLE` and size changes are passed to the backing file;
//! a mapping is moved to it (`vma_set_file`), so faults, huge pages, swap,
//! NUMA policy and userfaultfd are shmem's own.
//!
//! sealfs never gives the backing file to user space, but two paths reach
//! it anyway: the VMAs of the sealfs file's mappings (their `vm_file` is
//! the backing file: `madvise(MADV_REMOVE)` calls its `fallocate`), and
//! `/proc/PID/map_files/`, which opens the backing inode anew.  Neither can
//! get around a seal, because the backing inode carries the seals itself:
//! its `SHMEM_I(inode)->seals` mirrors the sealfs file's seals
//! ([`BackingGuard::set_seals`]), and shmem checks that word wherever memfd
//! relies on it (`shmem_write_begin`, `shmem_fallocate`, `shmem_setattr`,
//! and `memfd_check_seals_mmap` in `do_mmap`).  The mirror always has
//! `F_SEAL_SEAL` too, so `fcntl(F_ADD_SEALS)` on the backing file cannot
//! add seals around sealfs's protocol.  The backing inode has no
//! permission bits, so a `map_files` reopen needs `CAP_DAC_OVERRIDE`
//! whatever the sealfs file's mode, and the private mount is
//! `SB_I_NOEXEC`, so nothing on it is executed.

use super::{bindings, file::VmaNew, folio::Mapping};
use core::ptr::NonNull;
use kernel::{
    c_str,
    error::to_result,
    ffi::{c_uint, c_ulong, c_void},
    prelude::*,
    str::CStr,
};

/// Whether tmpfs takes `huge=`: it refuses the option (`EINVAL`) on a
/// kernel or CPU without transparent huge pages.
pub(crate) fn huge_pages_available() -> bool {
    // SAFETY: a read of the CPU's features, fixed at boot.
    cfg!(CONFIG_TRANSPARENT_HUGEPAGE)
        && unsafe { bindings::sealfs_helper_has_transparent_hugepage() }
}

/// `F_SEAL_SEAL`: kept in every backing inode's seals.
const F_SEAL_SEAL: u32 = 0x1;

/// Turns a pointer that may be an `ERR_PTR` into a `Result`.
fn from_err_ptr<T>(ptr: *mut T) -> Result<NonNull<T>> {
    // SAFETY: a value check on the pointer; nothing is dereferenced.
    if unsafe { bindings::IS_ERR(ptr.cast()) } {
        // SAFETY: as above.
        return Err(Error::from_errno(
            unsafe { bindings::PTR_ERR(ptr.cast()) } as i32
        ));
    }
    NonNull::new(ptr).ok_or(ENOMEM)
}

/// A private tmpfs mount, as i915's gemfs makes one: invisible to user
/// space, with options of its own.
///
/// # Invariants
///
/// `self.0` is a mount of tmpfs made by `vfs_kern_mount`, whose reference
/// this value owns.
pub(crate) struct TmpfsMount(NonNull<bindings::vfsmount>);

// SAFETY: a mount reference may be used and dropped from any thread.
unsafe impl Send for TmpfsMount {}
// SAFETY: the methods only read the mount, which the VFS synchronises.
unsafe impl Sync for TmpfsMount {}

impl TmpfsMount {
    /// Mounts tmpfs with `options` (tmpfs's syntax, `key=value,...`).
    pub(crate) fn new(options: &CStr) -> Result<Self> {
        // tmpfs's option parser writes into the string: give it a copy.
        let mut data = KVec::with_capacity(options.len() + 1, GFP_KERNEL)?;
        data.extend_from_slice(options.as_bytes_with_nul(), GFP_KERNEL)?;
        // SAFETY: a lookup by name.  It takes a reference on tmpfs's
        // module, which is none: tmpfs is built in (`put_filesystem` is
        // not exported; i915 does the same).
        let fs_type = unsafe { bindings::get_fs_type(c_str!("tmpfs").as_char_ptr()) };
        if fs_type.is_null() {
            return Err(ENODEV);
        }
        // SAFETY: `fs_type` is tmpfs's registered type; `data` is a
        // writable NUL-terminated string that outlives the call.
        let mnt = from_err_ptr(unsafe {
            bindings::vfs_kern_mount(
                fs_type,
                bindings::sealfs_const_SB_KERNMOUNT as i32,
                c_str!("tmpfs").as_char_ptr(),
                data.as_mut_ptr().cast::<c_void>(),
            )
        })?;
        // SAFETY: the superblock is new and only ours: nothing on it may
        // be executed (the module comment says why).
        unsafe { (*(*mnt.as_ptr()).mnt_sb).s_iflags |= bindings::SB_I_NOEXEC as c_ulong };
        // INVARIANT: the reference from `vfs_kern_mount` is ours.
        Ok(Self(mnt))
    }

    /// Changes the options named in `options` (`key`, `value` pairs), as a
    /// remount of tmpfs would: tmpfs checks them (`EINVAL` when the new
    /// size is smaller than what is in use, with a line in the kernel log).
    pub(crate) fn reconfigure(&self, options: &[(&CStr, &CStr)]) -> Result {
        // SAFETY: the mount is live (type invariant), and so its root.
        let root = unsafe { (*self.0.as_ptr()).mnt_root };
        // SAFETY: `root` is a dentry of a live superblock.
        let fc =
            from_err_ptr(unsafe { bindings::fs_context_for_reconfigure(root, 0, 0) })?.as_ptr();
        let mut result = Ok(());
        for (key, value) in options {
            // SAFETY: `fc` is ours; the strings outlive the call, which
            // copies the value.
            result = to_result(unsafe {
                bindings::vfs_parse_fs_string(
                    fc,
                    key.as_char_ptr(),
                    value.as_char_ptr(),
                    value.len(),
                )
            });
            if result.is_err() {
                break;
            }
        }
        if result.is_ok() {
            // SAFETY: `fc` is a reconfiguration context of tmpfs, whose
            // `reconfigure` is what `reconfigure_super()` (not exported)
            // calls, as here, with `s_umount` held for writing; nothing
            // else reconfigures this private superblock.
            result = to_result(unsafe {
                let sb = (*root).d_sb;
                bindings::down_write(&raw mut (*sb).s_umount);
                let ret = match (*(*fc).ops).reconfigure {
                    Some(reconfigure) => reconfigure(fc),
                    None => EINVAL.to_errno(),
                };
                bindings::up_write(&raw mut (*sb).s_umount);
                ret
            });
        }
        // SAFETY: the context is ours, and released once.
        unsafe { bindings::put_fs_context(fc) };
        result
    }

    /// The block counts of `statfs(2)`, tmpfs's own (`size=`).
    pub(crate) fn block_counts(&self) -> Result<(u64, u64)> {
        let mut st = bindings::kstatfs::default();
        // SAFETY: the mount is live (type invariant); `path` borrows it
        // and its root for the call.
        let ret = unsafe {
            let mnt = self.0.as_ptr();
            let path = bindings::path {
                mnt,
                dentry: (*mnt).mnt_root,
            };
            bindings::vfs_statfs(&path, (&raw mut st).cast())
        };
        to_result(ret)?;
        Ok((st.f_blocks, st.f_bfree))
    }
}

impl Drop for TmpfsMount {
    fn drop(&mut self) {
        // SAFETY: the reference is ours (type invariant).  Backing files
        // still open (a mapping's) hold references of their own.
        unsafe { bindings::mntput(self.0.as_ptr()) };
    }
}

/// The shmem file that holds the data of one regular sealfs file.
///
/// # Invariants
///
/// `self.0` is a file made by `shmem_file_setup_with_mnt` (so a tmpfs
/// file, with `shmem_file_operations`), whose reference this value owns.
/// sealfs never installs it in a file table.
pub(crate) struct BackingFile(NonNull<bindings::file>);

// SAFETY: a file reference may be used and dropped from any thread.
unsafe impl Send for BackingFile {}
// SAFETY: every method either only reads the file or goes through the
// kernel's own locking (the inode lock, the VFS helpers).
unsafe impl Sync for BackingFile {}

impl BackingFile {
    /// Makes an empty backing file on `mount`; `name` is what
    /// `/proc/PID/maps` shows for its mappings (with a `/` before it and
    /// ` (deleted)` after it, as memfd's).
    pub(crate) fn new(mount: &TmpfsMount, name: &CStr) -> Result<Self> {
        // SAFETY: the mount is live; `name` is NUL-terminated.  No memory
        // is reserved up front (`VM_NORESERVE`), as memfd's files.
        let file = from_err_ptr(unsafe {
            bindings::shmem_file_setup_with_mnt(
                mount.0.as_ptr(),
                name.as_char_ptr(),
                0,
                bindings::VM_NORESERVE as c_ulong,
            )
        })?;
        // As memfd's files: the file size limit is the filesystem's, not
        // 2 GiB (`generic_write_checks` looks at the file's flags).  The
        // inode gets no permission bits: the sealfs file's mode is what
        // counts, and a reopen through `/proc/PID/map_files` must not find
        // shmem's 0777 (sealfs's own calls check no permission).
        // SAFETY: the file and its inode are new and only ours.
        unsafe {
            (*file.as_ptr()).f_flags |= bindings::O_LARGEFILE;
            let inode = bindings::sealfs_helper_file_inode(file.as_ptr());
            (*inode).i_mode = bindings::S_IFREG as u16;
        }
        let backing = Self(file);
        // Every backing inode carries F_SEAL_SEAL (see the module comment);
        // shmem starts it with exactly that.
        backing.lock().set_seals(0);
        Ok(backing)
    }

    fn as_ptr(&self) -> *mut bindings::file {
        self.0.as_ptr()
    }

    fn inode(&self) -> *mut bindings::inode {
        // SAFETY: the file is valid (type invariant) and holds its inode.
        unsafe { bindings::sealfs_helper_file_inode(self.as_ptr()) }
    }

    /// The file's size (`i_size_read`).
    pub(crate) fn size(&self) -> i64 {
        // SAFETY: the inode is valid while the file is.
        unsafe { bindings::sealfs_helper_i_size_read(self.inode()) }
    }

    /// The 512-byte blocks shmem has allocated (`st_blocks`).
    pub(crate) fn blocks(&self) -> u64 {
        // SAFETY: the inode is valid; a racy read of the count, as
        // `stat(2)` of the backing file itself makes.
        unsafe { core::ptr::read_volatile(&raw const (*self.inode()).i_blocks) }
    }

    /// The last modification and change times.
    pub(crate) fn times(&self) -> (bindings::timespec64, bindings::timespec64) {
        // SAFETY: the inode is valid; the helpers read the times as the
        // VFS does.
        unsafe {
            (
                bindings::sealfs_helper_inode_get_mtime(self.inode()),
                bindings::sealfs_helper_inode_get_ctime(self.inode()),
            )
        }
    }

    /// The page cache, where the pages and the mappings are.
    pub(crate) fn mapping(&self) -> &Mapping {
        // SAFETY: `f_mapping` is the backing inode's mapping, which lives
        // as long as the file.
        unsafe { Mapping::from_raw((*self.as_ptr()).f_mapping) }
    }

    /// Takes the backing inode's `i_rwsem`, under which shmem writes,
    /// allocates and truncates and reads the seals.
    pub(crate) fn lock(&self) -> BackingGuard<'_> {
        // SAFETY: the inode is valid; the guard unlocks.
        unsafe { bindings::sealfs_helper_inode_lock(self.inode()) };
        // INVARIANT: locked just above.
        BackingGuard(self)
    }

    /// `read_iter`: reads into `to` at `(*iocb).ki_pos`, moving it on.
    ///
    /// # Safety
    ///
    /// `iocb` and `to` must be a valid kiocb and destination of a
    /// synchronous or asynchronous read, for the call's length.
    pub(crate) unsafe fn read_iter(
        &self,
        iocb: *mut bindings::kiocb,
        to: *mut bindings::iov_iter,
    ) -> isize {
        // SAFETY: `iocb` and `to` are valid (function safety requirement).
        unsafe {
            self.with_iocb(iocb, |file, backing_iocb| {
                bindings::vfs_iocb_iter_read(file, backing_iocb, to)
            })
        }
    }

    /// `write_iter`: writes `from` at `(*iocb).ki_pos` (or at the end, for
    /// `IOCB_APPEND`), moving it on.  shmem refuses what the seals forbid.
    ///
    /// shmem's `write_iter` is called directly, not through
    /// `vfs_iocb_iter_write()`: the VFS has checked the range and taken
    /// freeze protection on the sealfs file, and freeze protection of the
    /// private tmpfs superblock (`sb_start_write`), taken under the sealfs
    /// inode's `i_rwsem`, would order tmpfs's `sb_writers` after it, against
    /// every splice into a tmpfs file (`sb_writers`, then `pipe->mutex`,
    /// then an inode lock): lockdep sees a cycle.  Nothing can freeze that
    /// superblock: shmem has no `freeze_fs`, and no path reaches it.
    ///
    /// # Safety
    ///
    /// As [`BackingFile::read_iter`], for a write.
    pub(crate) unsafe fn write_iter(
        &self,
        iocb: *mut bindings::kiocb,
        from: *mut bindings::iov_iter,
    ) -> isize {
        // SAFETY: `iocb` and `from` are valid (function safety requirement);
        // the backing file's operations are shmem's, which have
        // `write_iter` (checked, not assumed).
        unsafe {
            self.with_iocb(iocb, |file, backing_iocb| {
                match (*(*file).f_op).write_iter {
                    Some(write_iter) => write_iter(backing_iocb, from),
                    None => EINVAL.to_errno() as isize,
                }
            })
        }
    }

    /// Runs `io` on the backing file with a clone of `iocb` (its flags and
    /// position), then moves `iocb`'s position as far as `io` moved it.
    ///
    /// # Safety
    ///
    /// `iocb` must be a valid kiocb for the call's length.
    unsafe fn with_iocb(
        &self,
        iocb: *mut bindings::kiocb,
        io: impl FnOnce(*mut bindings::file, *mut bindings::kiocb) -> isize,
    ) -> isize {
        let mut backing_iocb = core::mem::MaybeUninit::<bindings::kiocb>::uninit();
        // SAFETY: `iocb` is valid (function safety requirement).  The clone
        // is a synchronous kiocb (no completion) of the backing file, which
        // shmem always completes before returning, so it may live on our
        // stack; `kiocb_clone` initialises it.
        unsafe {
            bindings::sealfs_helper_kiocb_clone(backing_iocb.as_mut_ptr(), iocb, self.as_ptr());
            let ret = io(self.as_ptr(), backing_iocb.as_mut_ptr());
            (*iocb).ki_pos = (*backing_iocb.as_ptr()).ki_pos;
            ret
        }
    }

    /// `splice_read`: up to `len` bytes at `*ppos` into `pipe`; holes are
    /// spliced as zero pages without allocating, as memfd's.
    ///
    /// # Safety
    ///
    /// `ppos` and `pipe` must be valid for the call, as `splice_read`
    /// receives them.
    pub(crate) unsafe fn splice_read(
        &self,
        ppos: *mut bindings::loff_t,
        pipe: *mut bindings::pipe_inode_info,
        len: usize,
        flags: c_uint,
    ) -> isize {
        // SAFETY: guaranteed by the caller; the file is valid.
        unsafe { bindings::vfs_splice_read(self.as_ptr(), ppos, pipe, len, flags) }
    }

    /// `fallocate(2)`: shmem's, with its checks of the mode and the seals.
    /// Called directly, as `write_iter`: `vfs_fallocate()` has checked the
    /// arguments on the sealfs file, and its freeze protection of the
    /// private tmpfs would be taken under the sealfs inode's `i_rwsem`
    /// (see [`BackingFile::write_iter`]).
    pub(crate) fn fallocate(&self, mode: i32, offset: i64, len: i64) -> Result {
        // SAFETY: the file is valid and open for writing (`O_RDWR`); its
        // operations are shmem's, which have `fallocate` (checked, not
        // assumed).
        to_result(unsafe {
            match (*(*self.as_ptr()).f_op).fallocate {
                Some(fallocate) => fallocate(self.as_ptr(), mode, offset, len) as i32,
                None => -(bindings::EOPNOTSUPP as i32),
            }
        })
    }

    /// `SEEK_DATA` or `SEEK_HOLE` (`whence`) from `offset`, by shmem's
    /// `llseek` (`mapping_seek_hole_data` is not exported).  shmem also
    /// moves the backing file's position, which nothing reads: sealfs
    /// always gives the position of its own file.
    pub(crate) fn seek_hole_data(&self, offset: i64, whence: i32) -> Result<i64> {
        // SAFETY: the file is valid; its operations are shmem's, which
        // always have `llseek` (checked, not assumed).
        let ret = unsafe {
            match (*(*self.as_ptr()).f_op).llseek {
                Some(llseek) => llseek(self.as_ptr(), offset, whence),
                None => return Err(EINVAL),
            }
        };
        if ret < 0 {
            return Err(Error::from_errno(ret as i32));
        }
        Ok(ret)
    }

    /// An address for a new mapping of `len` bytes at page `pgoff`, as
    /// shmem picks it: aligned for huge pages where they may be used.
    pub(crate) fn get_unmapped_area(
        &self,
        addr: c_ulong,
        len: c_ulong,
        pgoff: c_ulong,
        flags: c_ulong,
    ) -> c_ulong {
        // SAFETY: the file is valid; its operations are shmem's, which
        // have `get_unmapped_area` (checked, not assumed).
        unsafe {
            match (*(*self.as_ptr()).f_op).get_unmapped_area {
                Some(get) => get(self.as_ptr(), addr, len, pgoff, flags),
                None => ENODEV.to_errno() as c_ulong,
            }
        }
    }

    /// Moves the new mapping `vma` to the backing file and lets shmem set
    /// it up: its `vm_ops`, so `vma_is_shmem()` holds for it.
    pub(crate) fn map(&self, vma: &VmaNew) -> Result {
        // SAFETY: the VMA is being set up by `mmap_region` (type invariant
        // of `VmaNew`), when `vma_set_file` may change its file; it takes
        // its own reference to the backing file and drops the one to the
        // sealfs file.  Then shmem's `mmap` is what `mmap_region` would
        // call for a mapping of the backing file (checked, not assumed).
        unsafe { bindings::vma_set_file(vma.as_ptr(), self.as_ptr()) };
        // SAFETY: as above.
        to_result(unsafe {
            match (*(*self.as_ptr()).f_op).mmap {
                Some(mmap) => mmap(self.as_ptr(), vma.as_ptr()),
                None => return Err(ENODEV),
            }
        })
    }
}

impl Drop for BackingFile {
    fn drop(&mut self) {
        // SAFETY: the reference is ours (type invariant).  The pages go
        // when the last reference does (a mapping may hold one).
        unsafe { bindings::fput(self.as_ptr()) };
    }
}

/// The backing inode's `i_rwsem`, held.
///
/// # Invariants
///
/// The backing inode is locked (`inode_lock`) until the guard drops.
pub(crate) struct BackingGuard<'a>(&'a BackingFile);

impl BackingGuard<'_> {
    /// Makes the backing inode carry `seals` (and `F_SEAL_SEAL`), so that
    /// shmem's own checks refuse what they forbid.
    pub(crate) fn set_seals(&self, seals: u32) {
        // SAFETY: `i_rwsem` is held (type invariant), under which shmem
        // reads and memfd writes `info->seals`; the pointer is to a field
        // of the backing inode, valid while the file is.
        unsafe {
            *bindings::sealfs_helper_shmem_seals_ptr(self.0.inode()) = seals | F_SEAL_SEAL;
        }
    }

    /// Changes the size to `size` (`notify_change`, as `truncate(2)` of
    /// the backing file would): shmem refuses it against the seals, and
    /// unmaps and frees what is cut off.
    pub(crate) fn truncate(&self, size: i64) -> Result {
        let mut attr = bindings::iattr {
            ia_valid: bindings::ATTR_SIZE,
            ia_size: size,
            ..Default::default()
        };
        // SAFETY: `i_rwsem` of the backing inode is held (type invariant),
        // as `notify_change` requires; the file holds its dentry; no
        // delegation can exist on an internal inode.
        to_result(unsafe {
            bindings::notify_change(
                &raw mut bindings::nop_mnt_idmap,
                (*self.0.as_ptr()).f_path.dentry,
                &mut attr,
                core::ptr::null_mut(),
            )
        })
    }
}

impl Drop for BackingGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: locked by this guard (type invariant).
        unsafe { bindings::sealfs_helper_inode_unlock(self.0.inode()) };
    }
}
