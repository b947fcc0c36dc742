// SPDX-License-Identifier: GPL-2.0

//! Inodes with per-inode data of the filesystem beside them, their locks,
//! and directory entries.
//!
//! Each inode of a [`FileSystem`] `T` lives in an [`InodeWithData`]: the C
//! inode plus a `T::InodeData` and, for a regular file, the shmem file that
//! holds its data, in one allocation made by `alloc_inode` and freed by
//! `free_inode` (Wedson Almeida Filho's `INodeWithData<T>`), so they are
//! found from the inode with `container_of!`.

use super::{
    bindings,
    folio::Mapping,
    fs::{FileSystem, SuperBlock},
    shmem::BackingFile,
};
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    container_of,
    prelude::*,
    types::{ARef, AlwaysRefCounted, Opaque},
};

/// The allocation behind every inode of filesystem `T`.
///
/// # Invariants
///
/// `backing` is written only by [`Inode::new`], before the inode is
/// visible to anyone, and taken only by `evict_inode`, when nothing uses
/// the inode any more; in between it is only read.
#[repr(C)]
pub(crate) struct InodeWithData<T: FileSystem> {
    pub(crate) backing: Option<BackingFile>,
    pub(crate) data: T::InodeData,
    pub(crate) inode: bindings::inode,
}

/// An inode of filesystem `T`.
///
/// # Invariants
///
/// The wrapped inode is valid (a reference is held for the lifetime of the
/// borrow), belongs to a superblock of `T`, and so sits in an
/// [`InodeWithData<T>`] made by `T`'s `alloc_inode`.
#[repr(transparent)]
pub(crate) struct Inode<T: FileSystem>(Opaque<bindings::inode>, PhantomData<T>);

// SAFETY: inodes are reference counted by the VFS and used from any thread;
// the per-inode data is `Send + Sync` (trait bounds).
unsafe impl<T: FileSystem> Send for Inode<T> {}
// SAFETY: as for `Send`; every method takes the locks the field it touches
// needs, or reads a field that is stable for the inode's life.
unsafe impl<T: FileSystem> Sync for Inode<T> {}

// SAFETY: `ihold` and `iput` are the inode's reference counting; an inode
// stays valid while its count is non-zero.
unsafe impl<T: FileSystem> AlwaysRefCounted for Inode<T> {
    fn inc_ref(&self) {
        // SAFETY: the inode is valid and has a reference (type invariant).
        unsafe { bindings::ihold(self.0.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it owns.
        unsafe { bindings::iput(obj.as_ptr().cast()) };
    }
}

/// What kind of inode [`Inode::new`] makes.
pub(crate) enum InodeKind {
    /// A regular file whose data is in this shmem file, with `T`'s file
    /// operations.
    Regular(BackingFile),
    /// A directory, with `T`'s directory operations.
    Directory,
    /// A symbolic link stored in the page cache.
    Symlink,
    /// A FIFO, socket or device node with this device number.
    Special(u32),
}

impl<T: FileSystem> Inode<T> {
    /// Borrows an inode from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid inode of a superblock of `T`, referenced for
    /// `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *const bindings::inode) -> &'a Self {
        // SAFETY: `Inode` is `repr(transparent)` over `inode`, and the
        // caller guarantees validity for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The raw inode.
    pub(crate) fn as_ptr(&self) -> *mut bindings::inode {
        self.0.get()
    }

    /// Makes a new inode of `kind` on `sb`, owned by the caller's fsuid
    /// and fsgid (with `dir`'s setgid rules when given), with permission
    /// bits `mode`, and this filesystem's operations.
    pub(crate) fn new(
        sb: &SuperBlock<T>,
        dir: Option<&Inode<T>>,
        kind: InodeKind,
        mode: u16,
    ) -> Result<ARef<Self>> {
        // SAFETY: `sb` is valid (type invariant of `SuperBlock`).
        let inode = unsafe { bindings::new_inode(sb.as_ptr()) };
        if inode.is_null() {
            return Err(ENOMEM);
        }
        let file_type = match kind {
            InodeKind::Regular(_) => bindings::S_IFREG,
            InodeKind::Directory => bindings::S_IFDIR,
            InodeKind::Symlink => bindings::S_IFLNK,
            InodeKind::Special(_) => 0,
        } as u16;
        let dir_ptr = dir.map_or(core::ptr::null(), |d| d.as_ptr().cast_const());
        // SAFETY: `inode` is new and only we reference it; the tables are
        // `'static`; `new_inode` made it on our superblock, so it is in an
        // `InodeWithData<T>` (`alloc_inode`), whose `backing` nobody else
        // can see yet (its type invariant).
        unsafe {
            (*inode).i_ino = bindings::get_next_ino() as _;
            bindings::inode_init_owner(
                &raw mut bindings::nop_mnt_idmap,
                inode,
                dir_ptr,
                file_type | mode,
            );
            bindings::simple_inode_init_ts(inode);
            match kind {
                InodeKind::Regular(backing) => {
                    // The inode's own mapping stays empty: its pages are
                    // the backing file's.
                    (*inode).i_op = &super::ops::Tables::<T>::FILE_INODE;
                    (*inode).__bindgen_anon_3.i_fop = &super::ops::Tables::<T>::FILE;
                    (*(*inode).i_mapping).a_ops = &raw const bindings::empty_aops;
                    let with_data = container_of!(inode, InodeWithData<T>, inode).cast_mut();
                    (*with_data).backing = Some(backing);
                }
                InodeKind::Directory => {
                    (*inode).i_op = &super::ops::Tables::<T>::DIR_INODE;
                    (*inode).__bindgen_anon_3.i_fop = &raw const bindings::simple_dir_operations;
                    // "." and the entry in the parent.
                    bindings::inc_nlink(inode);
                }
                InodeKind::Symlink => {
                    // The target is stored in the inode's page cache, as
                    // ramfs does, off reclaim's lists.
                    let mapping = (*inode).i_mapping;
                    (*mapping).a_ops = &raw const bindings::ram_aops;
                    bindings::sealfs_helper_mapping_set_gfp_mask(
                        mapping,
                        bindings::sealfs_const_GFP_HIGHUSER,
                    );
                    bindings::sealfs_helper_mapping_set_unevictable(mapping);
                    (*inode).i_op = &raw const bindings::page_symlink_inode_operations;
                    bindings::inode_nohighmem(inode);
                }
                InodeKind::Special(dev) => {
                    bindings::init_special_inode(inode, (*inode).i_mode, dev);
                }
            }
        }
        // SAFETY: `new_inode` gave us the one reference, which the `ARef`
        // now owns; the inode is of `T` (see above).
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(inode.cast())) })
    }

    /// The shmem file that holds a regular file's data; `None` for other
    /// inodes.
    pub(crate) fn backing(&self) -> Option<&BackingFile> {
        let ptr = self.0.get();
        // SAFETY: the inode sits in an `InodeWithData<T>` (type invariant);
        // `backing` does not change while the inode is referenced, as our
        // borrow shows it is (invariant of `InodeWithData`).
        unsafe {
            (*container_of!(ptr, InodeWithData<T>, inode))
                .backing
                .as_ref()
        }
    }

    /// The per-inode data.
    pub(crate) fn data(&self) -> &T::InodeData {
        let ptr = self.0.get();
        // SAFETY: the inode sits in an `InodeWithData<T>` (type invariant),
        // whose `data` lives as long as the inode.
        unsafe { &(*container_of!(ptr, InodeWithData<T>, inode)).data }
    }

    /// The superblock of the inode.
    pub(crate) fn super_block(&self) -> &SuperBlock<T> {
        // SAFETY: `i_sb` is set at creation and outlives the inode, and it
        // is a superblock of `T` (type invariant).
        unsafe { SuperBlock::from_raw((*self.0.get()).i_sb) }
    }

    /// The page cache of the inode.
    pub(crate) fn mapping(&self) -> &Mapping {
        // SAFETY: `i_mapping` is the inode's own `i_data` for this
        // filesystem, and lives as long as the inode.
        unsafe { Mapping::from_raw((*self.0.get()).i_mapping) }
    }

    /// The file type and permission bits.  Changes only under `i_rwsem`.
    pub(crate) fn mode(&self) -> u16 {
        // SAFETY: the inode is valid; a racy read of a `u16` is what the
        // VFS itself does (it is changed with a single store).
        unsafe { core::ptr::read_volatile(&raw const (*self.0.get()).i_mode) }
    }

    /// Gives the inode to `uid` and `gid` (a mount's `uid=`/`gid=` for
    /// its root).  Only for a new inode.
    pub(crate) fn set_owner(&self, uid: Option<super::task::Kuid>, gid: Option<super::task::Kgid>) {
        // SAFETY: the inode is new and not visible to anyone else yet.
        unsafe {
            if let Some(uid) = uid {
                (*self.0.get()).i_uid = uid;
            }
            if let Some(gid) = gid {
                (*self.0.get()).i_gid = gid;
            }
        }
    }

    /// Changes the permission bits of a new inode (memfd's
    /// `MFD_NOEXEC_SEAL` drops the x bits).  Only for a new inode.
    pub(crate) fn set_permissions(&self, perm: u16) {
        // SAFETY: the inode is new and not visible to anyone else yet.
        unsafe {
            let mode = &raw mut (*self.0.get()).i_mode;
            *mode = (*mode & !0o7777) | (perm & 0o7777);
        }
    }

    /// Drops the link count to 0: an anonymous file, as memfd's.
    pub(crate) fn clear_nlink(&self) {
        // SAFETY: the inode is valid (type invariant).
        unsafe { bindings::clear_nlink(self.0.get()) };
    }

    /// Adds a link (a subdirectory's `..` in a directory).
    pub(crate) fn inc_nlink(&self) {
        // SAFETY: the inode is valid (type invariant).
        unsafe { bindings::inc_nlink(self.0.get()) };
    }

    /// Sets mtime and ctime to now: the directory or file changed.
    pub(crate) fn touch_mtime_ctime(&self) {
        // SAFETY: the inode is valid (type invariant).
        unsafe {
            let now = bindings::inode_set_ctime_current(self.0.get());
            bindings::sealfs_helper_inode_set_mtime_to_ts(self.0.get(), now);
        }
    }

    /// Takes `i_rwsem` for writing (`inode_lock`).
    pub(crate) fn lock(&self) -> InodeGuard<'_, T> {
        // SAFETY: the inode is valid (type invariant); the guard unlocks.
        unsafe { bindings::sealfs_helper_inode_lock(self.0.get()) };
        InodeGuard(self)
    }

    /// Stores the page contents of a symbolic link.
    pub(crate) fn set_symlink_target(&self, target: &CStr) -> Result {
        let len = target.len() + 1;
        // SAFETY: the inode is a new symlink of ours (page-cache backed
        // with our address-space operations); `target` is NUL-terminated.
        kernel::error::to_result(unsafe {
            bindings::page_symlink(self.0.get(), target.as_char_ptr(), len as i32)
        })
    }
}

/// `i_rwsem` of an inode, held for writing.
///
/// # Invariants
///
/// The guard's inode is locked (`inode_lock`) until the guard drops.
pub(crate) struct InodeGuard<'a, T: FileSystem>(&'a Inode<T>);

impl<T: FileSystem> InodeGuard<'_, T> {
    /// Before a write or `fallocate` through `file`, a file of this inode:
    /// clears the setuid and setgid bits where the VFS would
    /// (`file_remove_privs`), and for `fallocate` also updates the times
    /// (`file_modified`), as `generic_file_write_iter` and
    /// `shmem_fallocate` do for the file they are given.
    pub(crate) fn file_modified(&self, file: &super::file::File, update_times: bool) -> Result {
        let file = (file as *const super::file::File)
            .cast_mut()
            .cast::<bindings::file>();
        // SAFETY: `i_rwsem` is held (type invariant), as both need; the
        // file is held by the caller and is a file of this inode.
        kernel::error::to_result(unsafe {
            if update_times {
                bindings::file_modified(file)
            } else {
                bindings::file_remove_privs(file)
            }
        })
    }

    /// Takes the size and the modification times of `backing`, after a
    /// write, `fallocate` or truncate of it.
    pub(crate) fn sync_with(&self, backing: &BackingFile) {
        let (mtime, ctime) = backing.times();
        // SAFETY: `i_rwsem` is held (type invariant), as `i_size_write`
        // and the time setters need.
        unsafe {
            bindings::sealfs_helper_i_size_write(self.0.as_ptr(), backing.size());
            bindings::sealfs_helper_inode_set_mtime_to_ts(self.0.as_ptr(), mtime);
            bindings::sealfs_helper_inode_set_ctime_to_ts(self.0.as_ptr(), ctime);
        }
    }
}

impl<T: FileSystem> core::ops::Deref for InodeGuard<'_, T> {
    type Target = Inode<T>;

    fn deref(&self) -> &Inode<T> {
        self.0
    }
}

impl<T: FileSystem> Drop for InodeGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `i_rwsem` is held by this guard (type invariant).
        unsafe { bindings::sealfs_helper_inode_unlock(self.0.as_ptr()) };
    }
}

/// The attribute changes of a `setattr`, as a filesystem checks them.
pub(crate) struct SetAttr {
    /// The new size, if the size changes.
    pub(crate) size: Option<i64>,
    /// The new mode, if the mode changes.
    pub(crate) mode: Option<u16>,
}

impl SetAttr {
    /// # Safety
    ///
    /// `attr` must be valid for reads.
    pub(crate) unsafe fn from_raw(attr: *const bindings::iattr) -> Self {
        // SAFETY: guaranteed by the caller.
        let attr = unsafe { &*attr };
        Self {
            size: (attr.ia_valid & bindings::ATTR_SIZE != 0).then_some(attr.ia_size),
            mode: (attr.ia_valid & bindings::ATTR_MODE != 0).then_some(attr.ia_mode),
        }
    }
}

/// A directory entry being created, borrowed from the VFS.
///
/// # Invariants
///
/// The wrapped dentry is valid, negative and locked in its parent for the
/// lifetime of the borrow (the VFS holds the parent's `i_rwsem`).
#[repr(transparent)]
pub(crate) struct Dentry(Opaque<bindings::dentry>);

impl Dentry {
    /// # Safety
    ///
    /// `ptr` must be a negative dentry the VFS is creating, valid for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::dentry) -> &'a Self {
        // SAFETY: `repr(transparent)`, and valid for `'a` by the caller.
        unsafe { &*ptr.cast() }
    }

    /// The entry's name (without a NUL), stable while it is being created.
    pub(crate) fn name(&self) -> &[u8] {
        // SAFETY: the dentry is valid and locked in its parent (type
        // invariant), so its name cannot change; `d_name.len` bytes of it
        // are valid at `d_name.name`.
        unsafe {
            let name = &(*self.0.get()).d_name;
            core::slice::from_raw_parts(
                name.name,
                name.__bindgen_anon_1.__bindgen_anon_1.len as usize,
            )
        }
    }

    /// Attaches `inode` to the entry and pins the entry in the dcache, as
    /// ramfs does: the dcache is the only index of an in-memory tree (the
    /// pin is dropped by unlink/rmdir and by `kill_litter_super`).
    pub(crate) fn instantiate_pinned<T: FileSystem>(&self, inode: ARef<Inode<T>>) {
        let inode = ARef::into_raw(inode);
        // SAFETY: the dentry is negative (type invariant); `d_instantiate`
        // takes over our inode reference; `dget` takes the pin.
        unsafe {
            bindings::d_instantiate(self.0.get(), inode.as_ptr().cast());
            bindings::sealfs_helper_dget(self.0.get());
        }
    }
}
