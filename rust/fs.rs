// SPDX-License-Identifier: GPL-2.0

//! Filesystem types: registration, mounting through `fs_context`, and the
//! superblock that `fill_super` sets up.
//!
//! Shaped after Wedson Almeida Filho's VFS abstractions: a [`FileSystem`]
//! trait implemented by the filesystem, and a [`Registration`] that
//! registers the type, kept in a `static` [`FileSystemType`], and
//! unregisters it on drop.

use super::bindings;
use core::{
    marker::PhantomData,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{
    error::{from_result, to_result},
    ffi::c_int,
    prelude::*,
    types::Opaque,
};

/// A filesystem type implemented in Rust.
pub(crate) trait FileSystem {
    /// The name in `/proc/filesystems` and for `mount -t`.
    const NAME: &'static CStr;

    /// Sets up a new superblock: its parameters and its root directory.
    fn fill_super(sb: &SuperBlock) -> Result;
}

/// Storage for a `struct file_system_type`.
///
/// It must be a `static`: the type embeds the lock class keys of its
/// superblocks and inodes (`s_umount_key`, `i_mutex_key`, ...), and lockdep
/// only accepts keys in static storage (a heap-allocated type makes every
/// mount WARN in `lockdep_init_map_type`).
///
/// # Invariants
///
/// `fs_type` is written only by [`Registration::register`] while
/// `registered` is false (it sets it first), and read by the VFS only while
/// registered.
pub(crate) struct FileSystemType {
    fs_type: Opaque<bindings::file_system_type>,
    registered: AtomicBool,
}

// SAFETY: `fs_type` is written once, before registration, by the one caller
// that won `registered`; afterwards only the VFS reads it, under its locks.
unsafe impl Sync for FileSystemType {}

impl FileSystemType {
    /// Storage for a type that is not registered yet.
    pub(crate) const fn new() -> Self {
        Self {
            fs_type: Opaque::uninit(),
            registered: AtomicBool::new(false),
        }
    }
}

/// A registered filesystem type.
///
/// # Invariants
///
/// `storage.fs_type` is registered with the VFS, as filesystem `T`, for as
/// long as the `Registration` lives.
pub(crate) struct Registration<T: FileSystem> {
    storage: &'static FileSystemType,
    _fs: PhantomData<T>,
}

impl<T: FileSystem> Registration<T> {
    /// Registers filesystem `T` in `storage`; `module` becomes the owner of
    /// its superblocks, so a mount keeps the module loaded.  `EBUSY` if
    /// `storage` is registered already.
    pub(crate) fn register(
        storage: &'static FileSystemType,
        module: &'static ThisModule,
    ) -> Result<Self> {
        if storage.registered.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        let fs_type = storage.fs_type.get();
        // SAFETY: we won `registered`, so nobody else writes `fs_type` and
        // the VFS does not know it yet (type invariant of
        // `FileSystemType`); it is `'static`, as registration needs.
        let ret = unsafe {
            fs_type.write(bindings::file_system_type {
                name: T::NAME.as_char_ptr(),
                owner: module.as_ptr(),
                init_fs_context: Some(init_fs_context::<T>),
                kill_sb: Some(bindings::kill_litter_super),
                fs_flags: bindings::FS_USERNS_MOUNT as c_int,
                ..Default::default()
            });
            bindings::register_filesystem(fs_type)
        };
        if let Err(e) = to_result(ret) {
            storage.registered.store(false, Ordering::Release);
            return Err(e);
        }
        Ok(Self {
            storage,
            _fs: PhantomData,
        })
    }
}

impl<T: FileSystem> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: the type is registered (type invariant), and this is the
        // only place that unregisters it.  Every superblock holds a module
        // reference, so none can outlive the module that drops us.
        unsafe { bindings::unregister_filesystem(self.storage.fs_type.get()) };
        self.storage.registered.store(false, Ordering::Release);
    }
}

/// The operation tables of filesystem `T`.
struct Tables<T>(PhantomData<T>);

impl<T: FileSystem> Tables<T> {
    const CONTEXT: bindings::fs_context_operations = bindings::fs_context_operations {
        get_tree: Some(get_tree::<T>),
        // SAFETY: all-zero is a valid `fs_context_operations`: every other
        // member is an optional function pointer, and `None` means "not
        // provided".
        ..unsafe { core::mem::zeroed() }
    };
}

/// `init_fs_context` of the type: every mount starts here.
///
/// # Safety
///
/// Called by the VFS with a valid, newly allocated `fs_context`.
unsafe extern "C" fn init_fs_context<T: FileSystem>(
    fc: *mut kernel::bindings::fs_context,
) -> c_int {
    // 6.12's `kernel::bindings` knows `struct fs_context` only by name; the
    // complete struct is ours (see `bindings`).
    let fc = fc.cast::<bindings::fs_context>();
    // SAFETY: `fc` is valid and not yet shared (function safety
    // requirement); the table is a promoted constant, so `'static`.
    unsafe { (*fc).ops = &Tables::<T>::CONTEXT };
    0
}

/// `get_tree` of the context: a new superblock for each mount, as tmpfs.
///
/// # Safety
///
/// Called by the VFS with a valid `fs_context` set up by `init_fs_context`.
unsafe extern "C" fn get_tree<T: FileSystem>(fc: *mut bindings::fs_context) -> c_int {
    // SAFETY: `fc` is valid (function safety requirement), and
    // `fill_super::<T>` has the signature `get_tree_nodev` expects.
    unsafe { bindings::get_tree_nodev(fc, Some(fill_super::<T>)) }
}

/// # Safety
///
/// Called by `get_tree_nodev` with a new, locked superblock of this type.
unsafe extern "C" fn fill_super<T: FileSystem>(
    sb: *mut bindings::super_block,
    _fc: *mut bindings::fs_context,
) -> c_int {
    from_result(|| {
        // SAFETY: `sb` is a new superblock that only this call sets up, and
        // it outlives the call (function safety requirement).
        let sb = unsafe { SuperBlock::from_raw(sb) };
        T::fill_super(sb)?;
        Ok(0)
    })
}

/// The parameters of a new superblock.
pub(crate) struct SuperParams {
    /// `statfs`'s `f_type`.
    pub(crate) magic: u32,
    /// The log2 of the block size.
    pub(crate) blocksize_bits: u8,
}

/// A superblock of a filesystem of this module.
///
/// # Invariants
///
/// The wrapped superblock is valid for the lifetime of the borrow, and was
/// created for a [`FileSystem`] registered by this module.
#[repr(transparent)]
pub(crate) struct SuperBlock(Opaque<bindings::super_block>);

impl SuperBlock {
    /// Borrows a superblock from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid superblock of this module's filesystem that
    /// stays valid for `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::super_block) -> &'a Self {
        // SAFETY: `SuperBlock` is `repr(transparent)` over `super_block`,
        // and the caller guarantees validity for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// Sets the parameters of a superblock being filled, with the VFS's
    /// simple operations: `statfs` from the superblock, and inodes dropped
    /// as soon as their last reference goes (nothing backs them).
    pub(crate) fn set_params(&self, params: &SuperParams) {
        let sb = self.0.get();
        // SAFETY: only `fill_super` gets a `&SuperBlock`, and it runs before
        // the superblock is visible to anyone else, so nothing races these
        // writes.
        unsafe {
            (*sb).s_magic = params.magic as usize;
            (*sb).s_maxbytes = i64::MAX;
            (*sb).s_blocksize_bits = params.blocksize_bits;
            (*sb).s_blocksize = 1 << params.blocksize_bits;
            (*sb).s_time_gran = 1;
            (*sb).s_op = &SIMPLE_SUPER_OPS;
        }
    }

    /// Gives the superblock an empty root directory with `mode`'s
    /// permission bits, owned by the mounting task (`inode_init_owner`).
    pub(crate) fn set_empty_root(&self, mode: u16) -> Result {
        let sb = self.0.get();
        // SAFETY: `sb` is valid (type invariant).
        let inode = unsafe { bindings::new_inode(sb) };
        if inode.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `inode` is a new inode that only we reference; the
        // operation tables are the VFS's own `'static` ones; `d_make_root`
        // takes over our inode reference, and drops it if it fails.
        unsafe {
            (*inode).i_ino = bindings::get_next_ino() as usize;
            bindings::inode_init_owner(
                &raw mut bindings::nop_mnt_idmap,
                inode,
                core::ptr::null(),
                bindings::S_IFDIR as u16 | (mode & 0o7777),
            );
            bindings::simple_inode_init_ts(inode);
            (*inode).i_op = &raw const bindings::simple_dir_inode_operations;
            (*inode).__bindgen_anon_3.i_fop = &raw const bindings::simple_dir_operations;
            bindings::set_nlink(inode, 2);
            let root = bindings::d_make_root(inode);
            if root.is_null() {
                return Err(ENOMEM);
            }
            (*sb).s_root = root;
        }
        Ok(())
    }
}

/// Superblock operations for a filesystem with nothing behind its inodes.
static SIMPLE_SUPER_OPS: bindings::super_operations = bindings::super_operations {
    statfs: Some(bindings::simple_statfs),
    drop_inode: Some(bindings::generic_delete_inode),
    // SAFETY: all-zero is a valid `super_operations`: every other member is
    // an optional function pointer, `None` meaning "not provided".
    ..unsafe { core::mem::zeroed() }
};
