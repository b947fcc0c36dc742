// SPDX-License-Identifier: GPL-2.0

//! The operation tables of a [`FileSystem`]: superblock, inode and file
//! operations.
//!
//! Each table is a `const` with only the hooks we implement; each hook is
//! either the kernel's generic function or a thin `extern "C"` function
//! here that turns the raw pointers into the safe wrappers and calls the
//! filesystem or the file's backing file.
//!
//! A regular file keeps no pages: its own mapping is empty (`empty_aops`),
//! and the data operations go to its shmem backing file
//! ([`super::shmem::BackingFile`]), which checks the seals itself.  Only
//! `mmap` asks the filesystem first (the seal checks), then moves the VMA
//! to the backing file, whose `vm_ops` are shmem's.
//!
//! Lock order: the sealfs inode's `i_rwsem`, then the backing inode's
//! (shmem takes it in `write_iter`, `fallocate` and `setattr`).

use super::{
    bindings,
    file::{File, VmaNew},
    fs::{cstr, FileSystem, SeqFile, StatFs, SuperBlock},
    inode::{Dentry, Inode, InodeWithData, SetAttr},
    shmem::BackingFile,
};
use core::{marker::PhantomData, mem::MaybeUninit};
use kernel::{
    container_of,
    error::from_result,
    ffi::{c_char, c_int, c_long, c_uint, c_ulong},
    prelude::*,
    types::Opaque,
};

// `struct module` is opaque to Rust, and only its address is used; the
// kernel crate's `module!` declares it the same way.
#[allow(improper_ctypes)]
extern "C" {
    /// This module, the owner of the file operations (`THIS_MODULE`).
    static __this_module: Opaque<bindings::module>;
}

/// The operation tables of filesystem `T`.
pub(crate) struct Tables<T>(PhantomData<T>);

impl<T: FileSystem> Tables<T> {
    pub(crate) const SUPER: bindings::super_operations = bindings::super_operations {
        alloc_inode: Some(alloc_inode::<T>),
        free_inode: Some(free_inode::<T>),
        evict_inode: Some(evict_inode::<T>),
        // Nothing backs an inode: drop it with its last reference.
        drop_inode: Some(bindings::generic_delete_inode),
        statfs: Some(statfs::<T>),
        show_options: Some(show_options::<T>),
        // SAFETY: all-zero is a valid table: `None` means "not provided".
        ..unsafe { core::mem::zeroed() }
    };

    pub(crate) const FILE: bindings::file_operations = bindings::file_operations {
        // SAFETY: only the address of the module is taken.
        owner: unsafe { __this_module.get() },
        read_iter: Some(read_iter::<T>),
        write_iter: Some(write_iter::<T>),
        splice_read: Some(splice_read::<T>),
        // Feeds `write_iter`, which the backing file checks.
        splice_write: Some(bindings::iter_file_splice_write),
        mmap: Some(mmap::<T>),
        get_unmapped_area: Some(get_unmapped_area::<T>),
        llseek: Some(llseek::<T>),
        fallocate: Some(fallocate::<T>),
        fsync: Some(bindings::noop_fsync),
        release: Some(super::file::release_anon_user::<T>),
        show_fdinfo: Some(show_fdinfo::<T>),
        unlocked_ioctl: Some(ioctl::<T>),
        compat_ioctl: super::file::COMPAT_IOCTL,
        // SAFETY: all-zero is a valid table: `None` means "not provided".
        ..unsafe { core::mem::zeroed() }
    };

    pub(crate) const FILE_INODE: bindings::inode_operations = bindings::inode_operations {
        permission: Some(permission::<T>),
        setattr: Some(setattr::<T>),
        getattr: Some(getattr::<T>),
        // SAFETY: all-zero is a valid table: `None` means "not provided".
        ..unsafe { core::mem::zeroed() }
    };

    pub(crate) const DIR_INODE: bindings::inode_operations = bindings::inode_operations {
        create: Some(create::<T>),
        lookup: Some(bindings::simple_lookup),
        link: Some(bindings::simple_link),
        unlink: Some(bindings::simple_unlink),
        symlink: Some(symlink::<T>),
        mkdir: Some(mkdir::<T>),
        rmdir: Some(bindings::simple_rmdir),
        mknod: Some(mknod::<T>),
        rename: Some(bindings::simple_rename),
        setattr: Some(setattr::<T>),
        getattr: Some(bindings::simple_getattr),
        // SAFETY: all-zero is a valid table: `None` means "not provided".
        ..unsafe { core::mem::zeroed() }
    };
}

/// # Safety
///
/// Called by the VFS with a superblock of `T`.
unsafe extern "C" fn alloc_inode<T: FileSystem>(
    _sb: *mut bindings::super_block,
) -> *mut bindings::inode {
    // Charged to the caller's memory cgroup, as shmem's inode cache is.
    let Ok(boxed) = KBox::<InodeWithData<T>>::new_uninit(GFP_KERNEL_ACCOUNT) else {
        return core::ptr::null_mut();
    };
    let ptr = KBox::into_raw(boxed).cast::<InodeWithData<T>>();
    // SAFETY: `ptr` is a new allocation of the right layout; we initialise
    // `data` and let `inode_init_once` initialise the inode, as a slab
    // constructor would; `free_inode` frees it.
    unsafe {
        (&raw mut (*ptr).backing).write(None);
        (&raw mut (*ptr).data).write(T::InodeData::default());
        bindings::inode_init_once(&raw mut (*ptr).inode);
        &raw mut (*ptr).inode
    }
}

/// # Safety
///
/// Called by the VFS (from an RCU callback) with an inode that
/// `alloc_inode::<T>` made, once, when nothing uses it any more.
unsafe extern "C" fn free_inode<T: FileSystem>(inode: *mut bindings::inode) {
    // SAFETY: the inode sits in an `InodeWithData<T>` allocated as a
    // `KBox` by `alloc_inode`; this is its only release.
    unsafe {
        let ptr = container_of!(inode, InodeWithData<T>, inode).cast_mut();
        core::ptr::drop_in_place(&raw mut (*ptr).backing);
        core::ptr::drop_in_place(&raw mut (*ptr).data);
        drop(KBox::from_raw(ptr.cast::<MaybeUninit<InodeWithData<T>>>()));
    }
}

/// # Safety
///
/// Called by the VFS with an inode of `T` being evicted.
unsafe extern "C" fn evict_inode<T: FileSystem>(inode: *mut bindings::inode) {
    // SAFETY: `inode` is being evicted: nothing else uses it, so no borrow
    // of its backing file is alive.  Its own pages (a symlink's) go first,
    // as for every filesystem; the backing file's with its last reference
    // (a mapping may still hold it).
    unsafe {
        bindings::truncate_inode_pages_final(&raw mut (*inode).i_data);
        let data = container_of!(inode, InodeWithData<T>, inode).cast_mut();
        drop((*data).backing.take());
        T::evict_inode(Inode::from_raw(inode));
        bindings::clear_inode(inode);
    }
}

/// # Safety
///
/// Called by the VFS (`/proc/mounts`) with a `seq_file` to fill and the
/// root of a mount of `T`.
unsafe extern "C" fn show_options<T: FileSystem>(
    seq: *mut bindings::seq_file,
    root: *mut bindings::dentry,
) -> c_int {
    // SAFETY: the dentry's superblock is of `T`, held by the mount; the
    // `seq_file` is ours to write for the call.
    let (sb, mut out) = unsafe {
        (
            SuperBlock::<T>::from_raw((*root).d_sb),
            SeqFile::from_raw(seq),
        )
    };
    // Writing to a `seq_file` cannot fail (see `SeqFile`).
    let _ = T::show_options(sb, &mut out);
    0
}

/// # Safety
///
/// Called by the VFS with a dentry of a superblock of `T` and a buffer.
unsafe extern "C" fn statfs<T: FileSystem>(
    dentry: *mut bindings::dentry,
    buf: *mut kernel::bindings::kstatfs,
) -> c_int {
    // 6.12's `kernel::bindings` knows `struct kstatfs` only by name; the
    // complete struct is ours.
    let buf = buf.cast::<bindings::kstatfs>();
    // SAFETY: both are valid for the call (function safety requirement);
    // `simple_statfs` fills in the type, block size and name length.
    let ret = unsafe { bindings::simple_statfs(dentry, buf.cast()) };
    if ret != 0 {
        return ret;
    }
    let mut st = StatFs::default();
    // SAFETY: the dentry's superblock is of `T`.
    T::statfs(unsafe { SuperBlock::from_raw((*dentry).d_sb) }, &mut st);
    // SAFETY: `buf` is a valid `kstatfs` (the full struct is ours, from
    // gen-bindings).
    unsafe {
        (*buf).f_blocks = st.blocks;
        (*buf).f_bfree = st.blocks_free;
        (*buf).f_bavail = st.blocks_free;
        (*buf).f_files = st.files;
        (*buf).f_ffree = st.files_free;
    }
    0
}

/// # Safety
///
/// Called by the VFS with a mapping of a regular file of `T`; `file` is
/// referenced for the call.
unsafe extern "C" fn mmap<T: FileSystem>(
    file: *mut bindings::file,
    vma: *mut bindings::vm_area_struct,
) -> c_int {
    from_result(|| {
        // SAFETY: the VFS holds `file` and its inode for the call, and
        // `vma` is the new VMA (function safety requirement).
        let (file, vma) = unsafe { (File::from_raw(file), VmaNew::from_raw(vma)) };
        T::mmap(file, file_inode::<T>(file), vma)?;
        Ok(0)
    })
}

/// The inode of an open file of `T`.
fn file_inode<T: FileSystem>(file: &File) -> &Inode<T> {
    // SAFETY: `file` is an open file of `T` (only our tables call this),
    // and it references its inode for as long as it is borrowed.
    unsafe {
        Inode::from_raw(bindings::sealfs_helper_file_inode(
            (file as *const File).cast(),
        ))
    }
}

/// `show_fdinfo`: the filesystem's lines of `/proc/PID/fdinfo/N`.
///
/// # Safety
///
/// Called by procfs with a `seq_file` to fill and an open regular file of
/// `T`, held for the call.
unsafe extern "C" fn show_fdinfo<T: FileSystem>(
    seq: *mut bindings::seq_file,
    file: *mut bindings::file,
) {
    // SAFETY: the file is held for the call; the `seq_file` is ours to
    // write for the call.
    let (file, mut out) = unsafe { (File::from_raw(file), SeqFile::from_raw(seq)) };
    // Writing to a `seq_file` cannot fail (see `SeqFile`).
    let _ = T::show_fdinfo(file_inode::<T>(file), &mut out);
}

/// The backing file of an open regular file of `T`.
fn backing<T: FileSystem>(file: &File) -> Result<&BackingFile> {
    file_inode::<T>(file).backing().ok_or(EINVAL)
}

/// `read_iter`: from the backing file.  No lock: as for shmem, a read
/// racing a write or truncate sees some of either.
///
/// # Safety
///
/// Called by the VFS with a valid `kiocb` of an open regular file of `T`
/// and a destination iterator.
unsafe extern "C" fn read_iter<T: FileSystem>(
    iocb: *mut bindings::kiocb,
    to: *mut bindings::iov_iter,
) -> isize {
    // SAFETY: the VFS holds the file for the call.
    let file = unsafe { File::from_raw((*iocb).ki_filp) };
    match backing::<T>(file) {
        // SAFETY: `iocb` and `to` are valid for the call.
        Ok(backing) => unsafe { backing.read_iter(iocb, to) },
        Err(e) => e.to_errno() as isize,
    }
}

/// `write_iter`: to the backing file, whose `write_begin` refuses what
/// the seals forbid, under the sealfs inode's `i_rwsem` (which
/// `add_seals` takes too); then the sealfs inode takes the new size and
/// times.
///
/// # Safety
///
/// Called by the VFS with a valid `kiocb` of an open regular file of `T`
/// and a source iterator.
unsafe extern "C" fn write_iter<T: FileSystem>(
    iocb: *mut bindings::kiocb,
    from: *mut bindings::iov_iter,
) -> isize {
    // SAFETY: the VFS holds the file for the call.
    let file = unsafe { File::from_raw((*iocb).ki_filp) };
    let inode = file_inode::<T>(file);
    let Some(backing) = inode.backing() else {
        return EINVAL.to_errno() as isize;
    };
    let guard = inode.lock();
    // As `generic_file_write_iter`: a write that writes something clears
    // the setuid and setgid bits of the sealfs inode (shmem clears them
    // on the backing inode, which has none).
    // SAFETY: `from` is valid for the call.
    if unsafe { bindings::sealfs_helper_iov_iter_count(from) } > 0 {
        if let Err(e) = guard.file_modified(file, false) {
            return e.to_errno() as isize;
        }
    }
    // SAFETY: `iocb` and `from` are valid for the call.
    let ret = unsafe { backing.write_iter(iocb, from) };
    guard.sync_with(backing);
    ret
}

/// `splice_read`: from the backing file.
///
/// # Safety
///
/// Called by the VFS with an open regular file of `T` and valid `ppos`
/// and `pipe`.
unsafe extern "C" fn splice_read<T: FileSystem>(
    file: *mut bindings::file,
    ppos: *mut bindings::loff_t,
    pipe: *mut bindings::pipe_inode_info,
    len: usize,
    flags: c_uint,
) -> isize {
    // SAFETY: the VFS holds the file for the call.
    let file = unsafe { File::from_raw(file) };
    match backing::<T>(file) {
        // SAFETY: `ppos` and `pipe` are valid for the call.
        Ok(backing) => unsafe { backing.splice_read(ppos, pipe, len, flags) },
        Err(e) => e.to_errno() as isize,
    }
}

/// `get_unmapped_area`: where shmem would map the backing file, aligned
/// for huge pages.
///
/// # Safety
///
/// Called by `mmap` with an open regular file of `T`.
unsafe extern "C" fn get_unmapped_area<T: FileSystem>(
    file: *mut bindings::file,
    addr: c_ulong,
    len: c_ulong,
    pgoff: c_ulong,
    flags: c_ulong,
) -> c_ulong {
    // SAFETY: the VFS holds the file for the call.
    let file = unsafe { File::from_raw(file) };
    match backing::<T>(file) {
        Ok(backing) => backing.get_unmapped_area(addr, len, pgoff, flags),
        Err(e) => e.to_errno() as c_ulong,
    }
}

/// `lseek(2)`: `SEEK_DATA` and `SEEK_HOLE` as shmem finds them, the rest
/// against the backing file's size; the position is the sealfs file's.
///
/// # Safety
///
/// Called by the VFS with an open regular file of `T`.
unsafe extern "C" fn llseek<T: FileSystem>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    // SAFETY: the VFS holds `file` for the call.
    let file = unsafe { File::from_raw(file) };
    let result = backing::<T>(file).and_then(|backing| match whence as u32 {
        bindings::SEEK_DATA | bindings::SEEK_HOLE => {
            let pos = backing.seek_hole_data(offset, whence)?;
            file.set_pos(pos)
        }
        _ => file.generic_llseek(offset, whence, backing.size()),
    });
    match result {
        Ok(pos) => pos,
        Err(e) => e.to_errno().into(),
    }
}

/// `fallocate(2)`: shmem's on the backing file (mode, seals and all),
/// then the sealfs inode takes the new size.
///
/// # Safety
///
/// Called by the VFS (`vfs_fallocate`) with an open regular file of `T`.
unsafe extern "C" fn fallocate<T: FileSystem>(
    file: *mut bindings::file,
    mode: c_int,
    offset: bindings::loff_t,
    len: bindings::loff_t,
) -> c_long {
    from_result(|| {
        // SAFETY: the VFS holds `file` for the call.
        let file = unsafe { File::from_raw(file) };
        let inode = file_inode::<T>(file);
        let backing = inode.backing().ok_or(EINVAL)?;
        let guard = inode.lock();
        let result = backing.fallocate(mode, offset, len);
        guard.sync_with(backing);
        result?;
        // As `shmem_fallocate` does for its file, once it succeeded, and
        // as it, whatever that gives: the allocation is done.
        let _ = guard.file_modified(file, true);
        Ok(0)
    })
}

/// `permission` of a regular file: the filesystem's check, then the mode's
/// (`generic_permission`).
///
/// # Safety
///
/// Called by the VFS with a referenced regular inode of `T`.
unsafe extern "C" fn permission<T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    inode: *mut bindings::inode,
    mask: c_int,
) -> c_int {
    // SAFETY: the inode is of `T`, and the VFS holds it for the call (or,
    // in an RCU path walk, keeps it alive: `free_inode` runs only after a
    // grace period).
    let sealfs_inode = unsafe { Inode::<T>::from_raw(inode) };
    if let Err(e) = T::permission(sealfs_inode, mask & bindings::MAY_EXEC as c_int != 0) {
        return e.to_errno();
    }
    // SAFETY: as above; `generic_permission` may be called in RCU walk
    // mode (`MAY_NOT_BLOCK`) too, as the VFS calls us.
    unsafe { bindings::generic_permission(idmap, inode, mask) }
}

/// `getattr` of a regular file: the size and blocks are the backing
/// file's, the rest the sealfs inode's.
///
/// # Safety
///
/// Called by the VFS with a path to an inode of `T` and a `kstat` to fill.
unsafe extern "C" fn getattr<T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    path: *const bindings::path,
    stat: *mut bindings::kstat,
    request_mask: u32,
    query_flags: c_uint,
) -> c_int {
    // SAFETY: all valid for the call.
    let ret = unsafe { bindings::simple_getattr(idmap, path, stat, request_mask, query_flags) };
    if ret != 0 {
        return ret;
    }
    // SAFETY: the path's dentry is positive, with an inode of `T`, held
    // by the path for the call.
    let inode = unsafe { Inode::<T>::from_raw((*(*path).dentry).d_inode) };
    if let Some(backing) = inode.backing() {
        // SAFETY: `stat` is valid for the call.
        unsafe {
            (*stat).size = backing.size();
            (*stat).blocks = backing.blocks();
        }
    }
    0
}

/// # Safety
///
/// Called by the VFS with an open regular file of `T`.
unsafe extern "C" fn ioctl<T: FileSystem>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    from_result(|| {
        // SAFETY: the VFS holds `file` for the call.
        let file = unsafe { File::from_raw(file) };
        T::ioctl(file, file_inode::<T>(file), cmd, arg).map(|ret| ret as c_long)
    })
}

/// # Safety
///
/// Called by the VFS (`notify_change`) with `i_rwsem` of the dentry's
/// inode, an inode of `T`, held.
unsafe extern "C" fn setattr<T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
    attr: *mut bindings::iattr,
) -> c_int {
    from_result(|| {
        // SAFETY: all valid for the call; `setattr_prepare` checks the
        // caller's permission for the change.
        kernel::error::to_result(unsafe { bindings::setattr_prepare(idmap, dentry, attr) })?;
        // SAFETY: the dentry is positive, with an inode of `T`.
        let inode = unsafe { Inode::<T>::from_raw((*dentry).d_inode) };
        // SAFETY: `attr` is valid.
        let change = unsafe { SetAttr::from_raw(attr) };
        T::setattr(inode, &change)?;
        if let (Some(size), Some(backing)) = (change.size, inode.backing()) {
            // shmem checks the size seals, unmaps and frees what is cut
            // off, or keeps what `fallocate(FALLOC_FL_KEEP_SIZE)` put past
            // the old end.
            let result = backing.lock().truncate(size);
            // SAFETY: the VFS holds the inode's `i_rwsem` (function safety
            // requirement), as `i_size_write` needs.
            unsafe { bindings::sealfs_helper_i_size_write(inode.as_ptr(), backing.size()) };
            result?;
        }
        // SAFETY: as for `setattr_prepare`.  Not marked dirty (nor does
        // `shmem_setattr` mark its inode): nothing writes a sealfs inode
        // back, as it has no `write_inode` and its device is the noop one.
        unsafe { bindings::setattr_copy(idmap, inode.as_ptr(), attr) };
        Ok(0)
    })
}

/// Runs a directory operation of `T`.
///
/// # Safety
///
/// `dir` must be a directory inode of `T` and `dentry` a negative dentry
/// in it, both held by the VFS (with `dir`'s `i_rwsem`) for the call.
unsafe fn in_dir<T: FileSystem>(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    op: impl FnOnce(&Inode<T>, &Dentry) -> Result,
) -> c_int {
    // SAFETY: guaranteed by the caller.
    let (dir, dentry) = unsafe { (Inode::from_raw(dir), Dentry::from_raw(dentry)) };
    from_result(|| {
        op(dir, dentry)?;
        Ok(0)
    })
}

/// # Safety
///
/// Called by the VFS; see [`in_dir`].
unsafe extern "C" fn mknod<T: FileSystem>(
    _idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: bindings::umode_t,
    dev: bindings::dev_t,
) -> c_int {
    // SAFETY: as the VFS calls `mknod`.
    unsafe { in_dir::<T>(dir, dentry, |dir, dentry| T::mknod(dir, dentry, mode, dev)) }
}

/// # Safety
///
/// Called by the VFS; see [`in_dir`].
unsafe extern "C" fn create<T: FileSystem>(
    _idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: bindings::umode_t,
    _excl: bool,
) -> c_int {
    let mode = (mode & 0o7777) | bindings::S_IFREG as u16;
    // SAFETY: as the VFS calls `create`.
    unsafe { in_dir::<T>(dir, dentry, |dir, dentry| T::mknod(dir, dentry, mode, 0)) }
}

/// # Safety
///
/// Called by the VFS; see [`in_dir`].
unsafe extern "C" fn mkdir<T: FileSystem>(
    _idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: bindings::umode_t,
) -> c_int {
    let mode = (mode & 0o7777) | bindings::S_IFDIR as u16;
    // SAFETY: as the VFS calls `mkdir`.
    unsafe { in_dir::<T>(dir, dentry, |dir, dentry| T::mknod(dir, dentry, mode, 0)) }
}

/// # Safety
///
/// Called by the VFS; see [`in_dir`]; `target` is a C string.
unsafe extern "C" fn symlink<T: FileSystem>(
    _idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    target: *const c_char,
) -> c_int {
    // SAFETY: as the VFS calls `symlink`; `target` lives for the call.
    unsafe {
        let target = cstr(target);
        in_dir::<T>(dir, dentry, |dir, dentry| T::symlink(dir, dentry, target))
    }
}
