// SPDX-License-Identifier: GPL-2.0

//! The operation tables of a [`FileSystem`]: superblock, inode, file,
//! address-space and VM operations.
//!
//! Each table is a `const` with only the hooks we implement; each hook is
//! either the kernel's generic function (the page cache does the work, as
//! for ramfs) or a thin `extern "C"` function here that turns the raw
//! pointers into the safe wrappers and calls the filesystem.
//!
//! The VM operations matter for sealing: they are our own, with `fault`
//! and `map_pages` from the page cache and no `page_mkwrite`, like
//! `shmem_vm_ops`.  With `page_mkwrite` (as in `generic_file_vm_ops`) 6.12
//! would consider a shared mapping to need dirty tracking and refuse
//! `FOLL_LONGTERM` write pins (io_uring fixed buffers) on it.

use super::{
    bindings,
    file::{File, VmaNew},
    fs::{cstr, FileSystem, StatFs, SuperBlock},
    inode::{Dentry, Inode, InodeWithData, SetAttr},
};
use core::{marker::PhantomData, mem::MaybeUninit};
use kernel::{
    container_of,
    error::from_result,
    ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void},
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
        // SAFETY: all-zero is a valid table: `None` means "not provided".
        ..unsafe { core::mem::zeroed() }
    };

    pub(crate) const FILE: bindings::file_operations = bindings::file_operations {
        // SAFETY: only the address of the module is taken.
        owner: unsafe { __this_module.get() },
        read_iter: Some(read_iter),
        // `generic_file_write_iter` takes i_rwsem around the write, and
        // `write_begin` below asks the filesystem before each folio.
        write_iter: Some(bindings::generic_file_write_iter),
        splice_read: Some(bindings::filemap_splice_read),
        splice_write: Some(bindings::iter_file_splice_write),
        mmap: Some(mmap::<T>),
        llseek: Some(llseek::<T>),
        fallocate: Some(fallocate::<T>),
        fsync: Some(bindings::noop_fsync),
        unlocked_ioctl: Some(ioctl::<T>),
        compat_ioctl: super::file::COMPAT_IOCTL,
        // SAFETY: all-zero is a valid table: `None` means "not provided".
        ..unsafe { core::mem::zeroed() }
    };

    pub(crate) const FILE_INODE: bindings::inode_operations = bindings::inode_operations {
        setattr: Some(setattr::<T>),
        getattr: Some(bindings::simple_getattr),
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

    pub(crate) const ADDRESS_SPACE: bindings::address_space_operations =
        bindings::address_space_operations {
            read_folio: Some(read_folio::<T>),
            write_begin: Some(write_begin::<T>),
            write_end: Some(write_end),
            // Marks the folio dirty without accounting: no writeback, but
            // a dirty folio is never dropped by reclaim or drop_caches.
            dirty_folio: Some(bindings::noop_dirty_folio),
            // SAFETY: all-zero is a valid table: `None` means "not
            // provided".
            ..unsafe { core::mem::zeroed() }
        };

    pub(crate) const VM: bindings::vm_operations_struct = bindings::vm_operations_struct {
        fault: Some(bindings::filemap_fault),
        map_pages: Some(bindings::filemap_map_pages),
        // SAFETY: all-zero is a valid table: `None` means "not provided",
        // and there must be no `page_mkwrite` (see the file comment).
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
        core::ptr::drop_in_place(&raw mut (*ptr).data);
        drop(KBox::from_raw(ptr.cast::<MaybeUninit<InodeWithData<T>>>()));
    }
}

/// # Safety
///
/// Called by the VFS with an inode of `T` being evicted.
unsafe extern "C" fn evict_inode<T: FileSystem>(inode: *mut bindings::inode) {
    // SAFETY: `inode` is being evicted; its pages go first, as for every
    // filesystem (`truncate_inode_pages_final`), then `clear_inode`.
    unsafe {
        bindings::truncate_inode_pages_final(&raw mut (*inode).i_data);
        T::evict_inode(Inode::from_raw(inode));
        bindings::clear_inode(inode);
    }
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
    match T::llseek(file, file_inode::<T>(file), offset, whence) {
        Ok(pos) => pos,
        Err(e) => e.to_errno().into(),
    }
}

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
        T::fallocate(file, file_inode::<T>(file), mode, offset, len)?;
        Ok(0)
    })
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
        if let Some(size) = change.size {
            let old = inode.size();
            if size < old {
                // SAFETY: `i_rwsem` is held (function safety requirement);
                // this sets `i_size` and drops the page cache beyond it,
                // unmapping it first.
                unsafe { bindings::truncate_setsize(inode.as_ptr(), size) };
                T::folios_removed(inode);
            } else if size > old {
                // Growing keeps what `fallocate(FALLOC_FL_KEEP_SIZE)`
                // allocated past the old end, as tmpfs does.
                // SAFETY: `i_rwsem` is held, as `i_size_write` needs.
                unsafe { bindings::sealfs_helper_i_size_write(inode.as_ptr(), size) };
            }
        }
        // SAFETY: as for `setattr_prepare`.
        unsafe {
            bindings::setattr_copy(idmap, inode.as_ptr(), attr);
            bindings::__mark_inode_dirty(inode.as_ptr(), bindings::I_DIRTY_SYNC as i32);
        }
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

/// `read_iter`: copies from the page cache, and zeroes for holes, as
/// shmem's `shmem_file_read_iter`: reading a hole must not allocate pages
/// (`generic_file_read_iter` would fill the cache through `read_folio`).
/// No lock is taken: as for shmem, a read racing a write or truncate sees
/// some of either, page by page.
///
/// # Safety
///
/// Called by the VFS with a valid `kiocb` of an open regular file of ours
/// and a destination iterator.
unsafe extern "C" fn read_iter(iocb: *mut bindings::kiocb, to: *mut bindings::iov_iter) -> isize {
    let page_size = kernel::page::PAGE_SIZE;
    // SAFETY: the VFS holds the file, and so its inode and mapping, for the
    // call; `iocb` and `to` are valid and ours for the call.
    unsafe {
        let file = (*iocb).ki_filp;
        let inode = bindings::sealfs_helper_file_inode(file);
        let mapping = (*inode).i_mapping;
        let mut total: usize = 0;
        while bindings::sealfs_helper_iov_iter_count(to) > 0 {
            let pos = (*iocb).ki_pos;
            let size = bindings::sealfs_helper_i_size_read(inode);
            if pos < 0 || pos >= size {
                break;
            }
            let index = (pos as usize) / page_size;
            let offset = (pos as usize) % page_size;
            let len = (page_size - offset).min((size - pos) as usize);
            // A lookup only: no lock, no creation.
            let folio = bindings::__filemap_get_folio(mapping, index as _, 0, 0);
            let present = !bindings::IS_ERR(folio.cast());
            let copied = if present && bindings::sealfs_helper_folio_test_uptodate(folio) {
                let page = bindings::sealfs_helper_folio_file_page(folio, index as _);
                bindings::copy_page_to_iter(page, offset, len, to)
            } else {
                bindings::iov_iter_zero(len, to)
            };
            if present {
                bindings::sealfs_helper_folio_put(folio);
            }
            (*iocb).ki_pos += copied as i64;
            total += copied;
            if copied < len {
                if total == 0 {
                    return EFAULT.to_errno() as isize;
                }
                break;
            }
            bindings::sealfs_helper_cond_resched();
        }
        bindings::sealfs_helper_file_accessed(file);
        total as isize
    }
}

/// `read_folio`: a new folio of the page cache (a hole being read or
/// faulted in) becomes zeroes.  As ramfs's `simple_read_folio`, plus the
/// filesystem's accounting.
///
/// # Safety
///
/// Called by the page cache with a locked folio of a mapping of `T`.
unsafe extern "C" fn read_folio<T: FileSystem>(
    _file: *mut bindings::file,
    folio: *mut bindings::folio,
) -> c_int {
    // SAFETY: the folio is locked in its mapping, whose host is our inode,
    // referenced by the mapping's users for the call.
    let inode =
        unsafe { Inode::<T>::from_raw((*(*folio).__bindgen_anon_1.__bindgen_anon_1.mapping).host) };
    // SAFETY: the folio is valid (locked by our caller); a dirty one was
    // reserved, and charged, by `fallocate`.
    let (pages, reserved) = unsafe {
        (
            bindings::sealfs_helper_folio_nr_pages(folio) as usize,
            bindings::sealfs_helper_folio_test_dirty(folio),
        )
    };
    let ret = if reserved {
        Ok(())
    } else {
        T::charge_folio(inode, pages)
    };
    // SAFETY: the folio is locked and referenced by our caller; we must
    // unlock it, as `read_folio` does in every case.
    unsafe {
        if ret.is_ok() {
            bindings::sealfs_helper_folio_zero_range(
                folio,
                0,
                bindings::sealfs_helper_folio_size(folio),
            );
            bindings::sealfs_helper_folio_mark_uptodate(folio);
        }
        bindings::folio_unlock(folio);
    }
    match ret {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `write_begin`: asks the filesystem whether the write may change the
/// page cache, then gets the folio as ramfs does (`simple_write_begin`).
///
/// # Safety
///
/// Called by `generic_perform_write` (with `i_rwsem` held) or
/// `page_symlink` on a mapping of `T`, with valid out-pointers.
unsafe extern "C" fn write_begin<T: FileSystem>(
    file: *mut bindings::file,
    mapping: *mut bindings::address_space,
    pos: bindings::loff_t,
    len: c_uint,
    foliop: *mut *mut bindings::folio,
    fsdata: *mut *mut c_void,
) -> c_int {
    // SAFETY: the mapping's host is our inode, held by the writer.
    let inode = unsafe { Inode::<T>::from_raw((*mapping).host) };
    if let Err(e) = T::may_write(inode, pos, len) {
        return e.to_errno();
    }
    // SAFETY: the arguments are the caller's, passed on.
    let ret = unsafe { bindings::simple_write_begin(file, mapping, pos, len, foliop, fsdata) };
    if ret != 0 {
        return ret;
    }
    // SAFETY: on success `*foliop` is a locked, referenced folio.
    let folio = unsafe { *foliop };
    // SAFETY: as above.
    if !unsafe { bindings::sealfs_helper_folio_test_uptodate(folio) } {
        // A new folio: charge it, and make all of it zeroes now, so that
        // whatever part the copy does not fill reads back as zeroes.
        // `simple_write_begin`'s own zeroing around `[pos, pos + len)`
        // assumes the write fits in the folio; with large-folio chunks
        // (`mapping_set_large_folios`) `len` may run past a small folio,
        // and its zeroing then leaves the bytes before `pos` stale (the
        // differential fuzzer showed it).  Zeroing it all costs the write
        // path (see the benchmark); zeroing only the uncovered range,
        // clamped to the folio, would not.
        // SAFETY: the folio is valid.  A dirty one was reserved, and
        // charged, by `fallocate`.
        let (pages, reserved) = unsafe {
            (
                bindings::sealfs_helper_folio_nr_pages(folio) as usize,
                bindings::sealfs_helper_folio_test_dirty(folio),
            )
        };
        let charged = if reserved {
            Ok(())
        } else {
            T::charge_folio(inode, pages)
        };
        if let Err(e) = charged {
            // SAFETY: the lock and reference are ours to give back; the
            // new folio leaves the cache, so that only charged folios
            // stay in it (and count in `st_blocks`).
            unsafe {
                bindings::generic_error_remove_folio(mapping, folio);
                bindings::folio_unlock(folio);
                bindings::sealfs_helper_folio_put(folio);
            }
            return e.to_errno();
        }
        // SAFETY: the folio is locked and ours until `write_end`.
        unsafe {
            bindings::sealfs_helper_folio_zero_range(
                folio,
                0,
                bindings::sealfs_helper_folio_size(folio),
            );
            bindings::sealfs_helper_folio_mark_uptodate(folio);
        }
    }
    0
}

/// `write_end`: ramfs's (`simple_write_end`, reached through the exported
/// `ram_aops`, as the function itself is static): zeroes what a short copy
/// left of a new folio, marks it uptodate and dirty, updates `i_size`.
///
/// # Safety
///
/// Called by the page cache after a successful `write_begin`.
unsafe extern "C" fn write_end(
    file: *mut bindings::file,
    mapping: *mut bindings::address_space,
    pos: bindings::loff_t,
    len: c_uint,
    copied: c_uint,
    folio: *mut bindings::folio,
    fsdata: *mut c_void,
) -> c_int {
    // SAFETY: `ram_aops` is a constant table of the kernel.
    match unsafe { bindings::ram_aops.write_end } {
        // SAFETY: `write_begin` got the folio with `simple_write_begin`,
        // which this pairs with; the arguments are the caller's.
        Some(write_end) => unsafe { write_end(file, mapping, pos, len, copied, folio, fsdata) },
        None => {
            // Not reachable (ramfs always has one); fail the write rather
            // than leave the folio locked.
            // SAFETY: the lock and reference are ours to give back.
            unsafe {
                bindings::folio_unlock(folio);
                bindings::sealfs_helper_folio_put(folio);
            }
            EIO.to_errno()
        }
    }
}
