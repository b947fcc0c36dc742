// SPDX-License-Identifier: GPL-2.0

//! Open files, new anonymous files and their descriptors, and the VMA an
//! `mmap` is setting up.

use super::{
    bindings,
    fs::{AnonUser, FileSystem, MountRef},
    inode::Inode,
};
use core::ptr::NonNull;
use kernel::{
    ffi::{c_long, c_uint, c_ulong},
    prelude::*,
    types::{ARef, ForeignOwnable, Opaque},
};

/// An open file, borrowed from the VFS.
///
/// # Invariants
///
/// The wrapped `struct file` is valid and has a reference held for as long
/// as a `&File` exists: the VFS holds one across every file operation it
/// calls us for.
#[repr(transparent)]
pub(crate) struct File(Opaque<bindings::file>);

impl File {
    /// Borrows a `File` from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a valid `struct file` that stays valid, with a
    /// reference held, for the lifetime `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *const bindings::file) -> &'a File {
        // SAFETY: `File` is `repr(transparent)` over `struct file`, and the
        // caller guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// Whether the file was opened for writing (`FMODE_WRITE`).  The mode
    /// of an open file never gains or loses write access.
    pub(crate) fn is_writable(&self) -> bool {
        // SAFETY: the file is valid (type invariant); `f_mode` is set at
        // open.
        unsafe { (*self.0.get()).f_mode & bindings::sealfs_const_FMODE_WRITE != 0 }
    }

    /// `generic_file_llseek_size`: `SEEK_SET`, `SEEK_CUR` and `SEEK_END`
    /// for a file of `eof` bytes.
    pub(crate) fn generic_llseek(&self, offset: i64, whence: i32, eof: i64) -> Result<i64> {
        // SAFETY: the file is valid (type invariant).
        let ret = unsafe {
            bindings::generic_file_llseek_size(
                self.0.get(),
                offset,
                whence,
                bindings::sealfs_const_MAX_LFS_FILESIZE,
                eof,
            )
        };
        if ret < 0 {
            return Err(Error::from_errno(ret as i32));
        }
        Ok(ret)
    }

    /// Whether the file was opened for reading (`FMODE_READ`).
    pub(crate) fn is_readable(&self) -> bool {
        // SAFETY: the file is valid (type invariant); `f_mode` is set at
        // open.
        unsafe { (*self.0.get()).f_mode & bindings::sealfs_const_FMODE_READ != 0 }
    }

    /// A new open file of the same file, read-only: what opening
    /// `/proc/self/fd/N` with `O_RDONLY` gives (read permission and the
    /// security hooks are checked as that open checks them), without
    /// `/proc`.
    pub(crate) fn reopen_read_only(&self) -> Result<OwnedFile> {
        let file = self.0.get();
        // SAFETY: the file is valid and holds its path and inode (type
        // invariant); `inode_permission` and `dentry_open` take what they
        // keep.  The mounts of sealfs are not idmapped.
        let new = unsafe {
            let inode = bindings::sealfs_helper_file_inode(file);
            kernel::error::to_result(bindings::inode_permission(
                &raw mut bindings::nop_mnt_idmap,
                inode,
                (bindings::MAY_READ | bindings::MAY_OPEN) as i32,
            ))?;
            bindings::dentry_open(
                &raw const (*file).f_path,
                (bindings::O_RDONLY | bindings::O_LARGEFILE) as i32,
                bindings::sealfs_helper_current_cred(),
            )
        };
        // SAFETY: `dentry_open` returns a file or an `ERR_PTR`.
        if unsafe { bindings::IS_ERR(new.cast()) } {
            // SAFETY: `new` is an `ERR_PTR`.
            return Err(Error::from_errno(
                unsafe { bindings::PTR_ERR(new.cast()) } as i32
            ));
        }
        // INVARIANT: `dentry_open` gave us the only reference.
        Ok(OwnedFile(NonNull::new(new).ok_or(ENOMEM)?))
    }

    /// Sets the file position (`vfs_setpos`), checking it against the
    /// maximum file size.
    pub(crate) fn set_pos(&self, pos: i64) -> Result<i64> {
        // SAFETY: the file is valid (type invariant); the caller's lseek
        // holds what the VFS needs for `f_pos`.
        let ret = unsafe {
            bindings::vfs_setpos(self.0.get(), pos, bindings::sealfs_const_MAX_LFS_FILESIZE)
        };
        if ret < 0 {
            return Err(Error::from_errno(ret as i32));
        }
        Ok(ret)
    }
}

/// `compat_ioctl` of our files (the device's and sealfs's): the argument of
/// every command is a value or a pointer to a layout that is the same for
/// 32-bit callers, so converting the pointer is all a compat call needs.
#[cfg(CONFIG_COMPAT)]
pub(crate) const COMPAT_IOCTL: Option<
    unsafe extern "C" fn(*mut bindings::file, c_uint, c_ulong) -> c_long,
> = Some(bindings::compat_ptr_ioctl);
/// Without `CONFIG_COMPAT` there are no 32-bit callers.
#[cfg(not(CONFIG_COMPAT))]
pub(crate) const COMPAT_IOCTL: Option<
    unsafe extern "C" fn(*mut bindings::file, c_uint, c_ulong) -> c_long,
> = None;

/// A new anonymous file: a pseudo dentry named `name` for `inode` on an
/// internal mount, opened read-write with the inode's file operations, as
/// `memfd_create(2)` makes them (`O_LARGEFILE`, seekable, pread/pwrite).
///
/// The file holds a reference to `module`, the owner of its operations:
/// `__fput` drops it (`fops_put`), as `anon_inode_getfile` expects.  It
/// also keeps `user` (in `private_data`) until its `release`
/// ([`release_anon_user`]), so that the internal mount stays while any of
/// its files is open, and files made meanwhile share its superblock.
pub(crate) fn new_pseudo_file<T: FileSystem>(
    mount: &MountRef<T>,
    inode: ARef<Inode<T>>,
    name: &CStr,
    module: &'static ThisModule,
    user: AnonUser<T>,
) -> Result<OwnedFile> {
    let mnt = mount.as_ptr();
    let user = KBox::new(user, GFP_KERNEL)?;
    let inode = ARef::into_raw(inode);
    // SAFETY: we run in a call into the module (an ioctl of its device), so
    // it is alive and `__module_get` is allowed.
    unsafe { bindings::__module_get(module.as_ptr()) };
    // SAFETY: `inode` is referenced (ours, taken over by the file on
    // success); the mount is live; the file operations are the inode's own,
    // `'static`; `name` is NUL-terminated.
    let file = unsafe {
        let inode = inode.as_ptr().cast::<bindings::inode>();
        bindings::alloc_file_pseudo(
            inode,
            mnt,
            name.as_char_ptr(),
            bindings::O_RDWR as i32,
            (*inode).__bindgen_anon_3.i_fop,
        )
    };
    // SAFETY: `alloc_file_pseudo` returns a file or an `ERR_PTR`.
    if unsafe { bindings::IS_ERR(file.cast()) } {
        // SAFETY: on failure the inode reference and the module reference
        // are still ours to drop.
        unsafe {
            bindings::iput(inode.as_ptr().cast());
            bindings::module_put(module.as_ptr());
            return Err(Error::from_errno(bindings::PTR_ERR(file.cast()) as i32));
        }
    }
    // SAFETY: the file is new and private to us; `release_anon_user`
    // takes `private_data` back.
    unsafe {
        (*file).f_mode |= bindings::sealfs_const_FMODE_LSEEK
            | bindings::sealfs_const_FMODE_PREAD
            | bindings::sealfs_const_FMODE_PWRITE;
        (*file).f_flags |= bindings::O_LARGEFILE;
        (*file).private_data = user.into_foreign() as *mut _;
    }
    // INVARIANT: we own the new file's only reference.
    Ok(OwnedFile(NonNull::new(file).ok_or(ENOMEM)?))
}

/// `release` of a regular file of `T`: drops the [`AnonUser`] a file made
/// by [`new_pseudo_file`] keeps.  Other files (of a mount, or reopened
/// through `/proc/self/fd/N`, which hold the mount through their path)
/// have none.
///
/// # Safety
///
/// Called by `__fput`, once, with a file whose operations are `T`'s
/// regular-file operations, whose `private_data` only `new_pseudo_file`
/// sets.
pub(crate) unsafe extern "C" fn release_anon_user<T: FileSystem>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> kernel::ffi::c_int {
    // SAFETY: the file is valid for the call (function safety
    // requirement).
    let user = unsafe { (*file).private_data };
    if !user.is_null() {
        // SAFETY: a non-null `private_data` came from `into_foreign` in
        // `new_pseudo_file`, and this is its only release.  The file still
        // holds the mount, so the user's drop never drops the last
        // reference to it (see `AnonMount`).
        drop(unsafe { KBox::<AnonUser<T>>::from_foreign(user) });
    }
    0
}

/// A file with a reference owned by this value.
///
/// # Invariants
///
/// `self.0` is a valid file whose reference we own.
pub(crate) struct OwnedFile(NonNull<bindings::file>);

impl Drop for OwnedFile {
    fn drop(&mut self) {
        // SAFETY: the reference is ours (type invariant).
        unsafe { bindings::fput(self.0.as_ptr()) };
    }
}

/// A reserved, not yet installed file descriptor of the calling process.
///
/// # Invariants
///
/// `fd` is reserved by `get_unused_fd_flags` and neither installed nor
/// released yet.
pub(crate) struct FdReservation {
    fd: u32,
}

impl FdReservation {
    /// Reserves a descriptor, close-on-exec if asked.
    pub(crate) fn new(cloexec: bool) -> Result<Self> {
        let flags = if cloexec { bindings::O_CLOEXEC } else { 0 };
        // SAFETY: any flags are accepted.
        let fd = unsafe { bindings::get_unused_fd_flags(flags) };
        if fd < 0 {
            return Err(Error::from_errno(fd));
        }
        Ok(Self { fd: fd as u32 })
    }

    /// Installs `file` in the descriptor and returns its number.  User
    /// space can use (and close) it from now on.
    pub(crate) fn install(self, file: OwnedFile) -> u32 {
        let fd = self.fd;
        let file = core::mem::ManuallyDrop::new(file);
        // SAFETY: `fd` is reserved (type invariant); `fd_install` consumes
        // both the reservation and our file reference.
        unsafe { bindings::fd_install(fd, file.0.as_ptr()) };
        core::mem::forget(self);
        fd
    }
}

impl Drop for FdReservation {
    fn drop(&mut self) {
        // SAFETY: reserved and not installed (type invariant).
        unsafe { bindings::put_unused_fd(self.fd) };
    }
}

/// `VM_*` flags of a VMA.
pub(crate) mod flags {
    use super::bindings;

    /// Pages may be written.
    pub(crate) const WRITE: usize = bindings::VM_WRITE as usize;
    /// Shared with the file (`MAP_SHARED`): writes reach the page cache.
    pub(crate) const SHARED: usize = bindings::VM_SHARED as usize;
    /// `mprotect` may add `WRITE`.
    pub(crate) const MAYWRITE: usize = bindings::VM_MAYWRITE as usize;
    /// Pages may be executed.
    pub(crate) const EXEC: usize = bindings::VM_EXEC as usize;
    /// `mprotect` may add `EXEC`.
    pub(crate) const MAYEXEC: usize = bindings::VM_MAYEXEC as usize;
}

/// A VMA being set up by `f_op->mmap`, before it is visible to anyone.
///
/// Shaped like the kernel crate's `VmaNew` (6.15): the flag changes it
/// offers are only allowed while the mapping is being created.
///
/// # Invariants
///
/// The wrapped VMA is valid, in `mmap_region` before its insertion, with
/// `mmap_lock` held for writing by the caller, for the borrow's lifetime.
#[repr(transparent)]
pub(crate) struct VmaNew(Opaque<bindings::vm_area_struct>);

impl VmaNew {
    /// # Safety
    ///
    /// `ptr` must be the VMA passed to `f_op->mmap`, for the call's length.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::vm_area_struct) -> &'a Self {
        // SAFETY: `repr(transparent)`, and valid for `'a` by the caller.
        unsafe { &*ptr.cast() }
    }

    /// The VMA's `VM_*` flags.
    pub(crate) fn flags(&self) -> usize {
        // SAFETY: the VMA is valid (type invariant).
        unsafe { (*self.0.get()).__bindgen_anon_2.vm_flags }
    }

    /// Whether this is a shared mapping (`MAP_SHARED`).
    pub(crate) fn is_shared(&self) -> bool {
        self.flags() & flags::SHARED != 0
    }

    /// Whether the mapping is writable now.
    pub(crate) fn writable(&self) -> bool {
        self.flags() & flags::WRITE != 0
    }

    /// Clears `VM_MAYWRITE` so that `mprotect` can never make the mapping
    /// writable (it fails with `EACCES`).  Fails with `EINVAL` if the
    /// mapping is writable already.  Irreversible.
    ///
    /// In 6.12.y core mm has already counted a shared mapping with
    /// `VM_MAYWRITE` as writable (`mapping_map_writable`) when `f_op->mmap`
    /// runs; once this returns, the count of the linked VMA follows its
    /// final flags, so a mapping whose `VM_MAYWRITE` is cleared here is not
    /// counted as writable for its life.
    pub(crate) fn try_clear_maywrite(&self) -> Result {
        if self.writable() {
            return Err(EINVAL);
        }
        // SAFETY: the VMA is not yet visible and `mmap_lock` is held for
        // writing (type invariant), as `vm_flags_clear` needs.
        unsafe { bindings::sealfs_helper_vm_flags_clear(self.0.get(), flags::MAYWRITE as _) };
        Ok(())
    }

    /// Clears `VM_MAYEXEC` so that `mprotect` can never make the mapping
    /// executable (it fails with `EACCES`).  Fails with `EINVAL` if the
    /// mapping is executable already.  Irreversible.
    pub(crate) fn try_clear_mayexec(&self) -> Result {
        if self.flags() & flags::EXEC != 0 {
            return Err(EINVAL);
        }
        // SAFETY: the VMA is not yet visible and `mmap_lock` is held for
        // writing (type invariant), as `vm_flags_clear` needs.
        unsafe { bindings::sealfs_helper_vm_flags_clear(self.0.get(), flags::MAYEXEC as _) };
        Ok(())
    }

    /// The raw VMA, for moving it to a backing file (`super::shmem`).
    pub(crate) fn as_ptr(&self) -> *mut bindings::vm_area_struct {
        self.0.get()
    }
}
