// SPDX-License-Identifier: GPL-2.0

//! Filesystem types: registration, internal mounts, mounting through
//! `fs_context` with mount options, and the superblock.
//!
//! Shaped after Wedson Almeida Filho's VFS abstractions: a [`FileSystem`]
//! trait implemented by the filesystem, and a [`Registration`] that
//! registers the type, kept in a `static` [`FileSystemType`], and
//! unregisters it on drop.  The operation tables of the type are in
//! [`super::ops`]; this file owns the superblock and the mount.

use super::{
    bindings,
    file::{File, VmaNew},
    inode::{Dentry, Inode, SetAttr},
    lockdep::StaticLockClassKey,
};
use core::{
    cell::UnsafeCell,
    marker::PhantomData,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{
    error::{from_result, to_result},
    ffi::{c_char, c_int},
    prelude::*,
    str::CStr,
    types::{ForeignOwnable, Opaque},
};

/// A filesystem type implemented in Rust: what the VFS asks of it.
///
/// The callbacks are called from the operation tables in [`super::ops`],
/// with the raw pointers already turned into these safe views.
pub(crate) trait FileSystem: Sized + Send + Sync + 'static {
    /// The name in `/proc/filesystems` and for `mount -t`.
    const NAME: &'static CStr;
    /// `statfs`'s `f_type`.
    const MAGIC: u32;
    /// The options of one mount, parsed from `-o`.
    type Options: Default + Send;
    /// What each superblock owns (`s_fs_info`).
    type SuperData: Send + Sync;
    /// What each inode carries beside the C inode, in the same allocation.
    type InodeData: Default + Send + Sync;

    /// Parses one mount option; `value` is `None` for a flag.
    fn parse_param(opts: &mut Self::Options, key: &CStr, value: Option<&CStr>) -> Result;
    /// The data of a new superblock, from the options of its mount.
    fn new_super(opts: &Self::Options) -> Result<Self::SuperData>;
    /// Gives a new superblock its root directory.
    fn fill_super(sb: &SuperBlock<Self>, opts: &Self::Options) -> Result;
    /// A remount with new options (only those given are in `opts`).
    fn reconfigure(sb: &SuperBlock<Self>, opts: &Self::Options) -> Result;
    /// Writes the mount's options for `/proc/mounts`, each as `,key=value`.
    fn show_options(sb: &SuperBlock<Self>, out: &mut SeqFile<'_>) -> core::fmt::Result;
    /// Fills in the block and inode counts of `statfs(2)`.
    fn statfs(sb: &SuperBlock<Self>, st: &mut StatFs);
    /// An inode is going away: its pages and backing file are already
    /// gone.
    fn evict_inode(inode: &Inode<Self>);

    /// `mknod`, `create` and `mkdir` in directory `dir`.
    fn mknod(dir: &Inode<Self>, dentry: &Dentry, mode: u16, dev: u32) -> Result;
    /// `symlink` in directory `dir`.
    fn symlink(dir: &Inode<Self>, dentry: &Dentry, target: &CStr) -> Result;

    /// Checks an access to a regular file beyond its mode (`permission`):
    /// `exec` for `MAY_EXEC`.  The mode is checked after, as usual.
    fn permission(inode: &Inode<Self>, exec: bool) -> Result;
    /// Checks a `setattr` that `setattr_prepare` allowed, before anything
    /// changes (a size change then goes to the backing file, which checks
    /// it again).  Called with `i_rwsem` held.
    fn setattr(inode: &Inode<Self>, attr: &SetAttr) -> Result;
    /// `ioctl(2)` on an open regular file.
    fn ioctl(file: &File, inode: &Inode<Self>, cmd: u32, arg: usize) -> Result<isize>;
    /// `mmap(2)` of a regular file: checks the mapping, then moves it to
    /// the file's backing file ([`super::shmem::BackingFile::map`]).
    fn mmap(file: &File, inode: &Inode<Self>, vma: &VmaNew) -> Result;
    /// `/proc/PID/fdinfo/N` of a regular file: lines after the generic
    /// ones, each `key:\tvalue\n`.
    fn show_fdinfo(inode: &Inode<Self>, out: &mut SeqFile<'_>) -> core::fmt::Result;
}

/// The counts of `statfs(2)` a filesystem fills in; `simple_statfs` gives
/// the rest (type, block size, name length).
#[derive(Default)]
pub(crate) struct StatFs {
    /// Total blocks (of the superblock's block size).
    pub(crate) blocks: u64,
    /// Free blocks.
    pub(crate) blocks_free: u64,
    /// Total inodes.
    pub(crate) files: u64,
    /// Free inodes.
    pub(crate) files_free: u64,
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
/// `fs_type` is written only by [`Registration::register`] or
/// [`AnonMount::init`] while `in_use` is false (they set it first), and
/// read by the VFS only while in use.
pub(crate) struct FileSystemType {
    fs_type: Opaque<bindings::file_system_type>,
    in_use: AtomicBool,
}

// SAFETY: `fs_type` is written once, before the VFS sees it, by the one
// caller that won `in_use`; afterwards only the VFS reads it, under its locks.
unsafe impl Sync for FileSystemType {}

impl FileSystemType {
    /// Storage for a type that is not in use yet.
    pub(crate) const fn new() -> Self {
        Self {
            fs_type: Opaque::uninit(),
            in_use: AtomicBool::new(false),
        }
    }

    /// Claims the storage and fills it in for filesystem `T`, owned by
    /// `owner` (null: nobody).  `EBUSY` if it is in use already.
    fn claim<T: FileSystem>(
        &self,
        owner: *mut bindings::module,
    ) -> Result<*mut bindings::file_system_type> {
        if self.in_use.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        let fs_type = self.fs_type.get();
        // SAFETY: we won `in_use`, so nobody else writes `fs_type` and the
        // VFS does not know it yet (type invariant).
        unsafe {
            fs_type.write(bindings::file_system_type {
                name: T::NAME.as_char_ptr(),
                owner,
                init_fs_context: Some(init_fs_context::<T>),
                kill_sb: Some(kill_sb::<T>),
                fs_flags: bindings::FS_USERNS_MOUNT as c_int,
                ..Default::default()
            })
        };
        Ok(fs_type)
    }

    fn release(&self) {
        self.in_use.store(false, Ordering::Release);
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
    /// its superblocks, so a mount keeps the module loaded.
    pub(crate) fn register(
        storage: &'static FileSystemType,
        module: &'static ThisModule,
    ) -> Result<Self> {
        let fs_type = storage.claim::<T>(module.as_ptr())?;
        // SAFETY: `fs_type` is filled in and `'static`, as registration needs.
        if let Err(e) = to_result(unsafe { bindings::register_filesystem(fs_type) }) {
            storage.release();
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
        // `free_inode` runs from RCU callbacks: wait for them before the
        // module's code goes.
        // SAFETY: `rcu_barrier` may be called from any sleepable context.
        unsafe { bindings::rcu_barrier() };
        self.storage.release();
    }
}

/// The mount of filesystem `T` that only the kernel sees, for anonymous
/// files (as `mm/secretmem.c`'s), made while it has users.
///
/// A superblock of `T` holds a reference to the module (its type's owner),
/// and so does every file on it, through its mount.  That is what keeps
/// the module's code until the last of it has run: `__fput()` drops the
/// reference of the file operations *before* it puts the dentry (our
/// `evict_inode`, and our `free_inode` after an RCU grace period) and the
/// mount (our `kill_sb`), and the superblock's reference goes only after
/// `kill_sb` has returned, in the VFS (`deactivate_locked_super`).  The
/// RCU callbacks are waited for by `rmmod` ([`Registration`]'s drop).
///
/// So the mount cannot live as long as the module (nothing could unload
/// it): it is made for its first user and dropped with its last.  Its
/// users are the open files of the device that makes anonymous files (so
/// making them in a loop does not mount each time) and the anonymous
/// files (so that all files open at once share one superblock, as memfds
/// share `shm_mnt`: `copy_file_range` between two of them works).  Each
/// file made on the mount also holds the mount itself, through its path,
/// as does a reopen through `/proc/self/fd/N`, and any path to one of them
/// (a path walk through `/proc/PID/fd/N`, a fanotify event).  So the last
/// reference to the mount is dropped either by a device file's `release`
/// (our code, while that file still holds the module) or by the VFS's code
/// (`__fput()` of a file after its `release` dropped its user, a
/// `path_put`), in process context with no lock of ours held, and never by
/// an inode's eviction: an inode still referenced when the mount goes (an
/// inotify or fanotify mark, landlock) is evicted inside `kill_sb`
/// (`fsnotify_sb_delete`, `security_sb_delete`), while the superblock
/// still holds the module.  (A reopen that outlives every user keeps its
/// superblock; the next user mounts a new one.)
///
/// The mount is made with the kernel's credentials, as `kern_mount` at
/// module init would: the superblock's user namespace is the initial one,
/// whoever opened the device first.
///
/// Lock order: `lock` is taken with no other lock of ours held, and the
/// mount is made and dropped outside it only by `release`.
///
/// # Invariants
///
/// `state` is accessed only with `lock` held, after [`AnonMount::init`].
/// `state.mnt` is null exactly when `state.users` is 0; otherwise it is a
/// mount of `fs_type` one reference to which `state` owns.
pub(crate) struct AnonMount<T: FileSystem> {
    fs_type: FileSystemType,
    lock: Opaque<bindings::mutex>,
    state: UnsafeCell<AnonState>,
    _fs: PhantomData<T>,
}

struct AnonState {
    mnt: *mut bindings::vfsmount,
    users: usize,
}

// SAFETY: `state` is only accessed under `lock` (type invariant); the rest
// is set once by `init` before any user.
unsafe impl<T: FileSystem> Sync for AnonMount<T> {}

/// The lock class of [`AnonMount::lock`], in static storage as lockdep
/// needs.
static ANON_LOCK_KEY: StaticLockClassKey = StaticLockClassKey::new();

impl<T: FileSystem> AnonMount<T> {
    /// Storage for the mount, not usable before [`AnonMount::init`].
    pub(crate) const fn new() -> Self {
        Self {
            fs_type: FileSystemType::new(),
            lock: Opaque::uninit(),
            state: UnsafeCell::new(AnonState {
                mnt: core::ptr::null_mut(),
                users: 0,
            }),
            _fs: PhantomData,
        }
    }

    /// Makes the storage usable, with `module` as the owner of the mount's
    /// superblocks; the guard ends that at module exit.
    pub(crate) fn init(&'static self, module: &'static ThisModule) -> Result<AnonMountGuard<T>> {
        self.fs_type.claim::<T>(module.as_ptr())?;
        // SAFETY: `lock` is ours and unused: no user exists before `init`
        // returns; the name and key are static.
        unsafe {
            bindings::__mutex_init(
                self.lock.get(),
                kernel::c_str!("sealfs_anon_mount").as_char_ptr(),
                ANON_LOCK_KEY.as_ptr(),
            )
        };
        Ok(AnonMountGuard(self))
    }

    /// Runs `f` on the state, under the lock.
    fn with_state<R>(&self, f: impl FnOnce(&mut AnonState) -> R) -> R {
        // SAFETY: initialised by `init`, which the device (the only way to
        // a user) is registered after.
        unsafe { bindings::mutex_lock(self.lock.get()) };
        // SAFETY: the lock is held (type invariant).
        let ret = f(unsafe { &mut *self.state.get() });
        // SAFETY: taken above.
        unsafe { bindings::mutex_unlock(self.lock.get()) };
        ret
    }

    /// Becomes a user, mounting for the first one.
    pub(crate) fn hold(&'static self) -> Result<AnonUser<T>> {
        self.with_state(|state| {
            if state.mnt.is_null() {
                // SAFETY: `init_task` is static; the new credentials are
                // ours until `put_cred` below.
                let cred = unsafe { bindings::prepare_kernel_cred(&raw mut bindings::init_task) };
                if cred.is_null() {
                    return Err(ENOMEM);
                }
                // SAFETY: the type is filled in by `init` and `'static`;
                // internal mounts take no options.  The mount (and the
                // private tmpfs mount `fill_super` makes) is made with the
                // kernel's credentials, which are ours to put after.
                let mnt = unsafe {
                    let old = bindings::override_creds(cred);
                    let mnt = bindings::vfs_kern_mount(
                        self.fs_type.fs_type.get(),
                        bindings::sealfs_const_SB_KERNMOUNT as c_int,
                        T::NAME.as_char_ptr(),
                        core::ptr::null_mut(),
                    );
                    bindings::revert_creds(old);
                    bindings::sealfs_helper_put_cred(cred);
                    mnt
                };
                // SAFETY: a value check.
                if unsafe { bindings::IS_ERR(mnt.cast()) } {
                    // SAFETY: `mnt` is an `ERR_PTR`.
                    return Err(Error::from_errno(
                        unsafe { bindings::PTR_ERR(mnt.cast()) } as i32
                    ));
                }
                // INVARIANT: the new reference is the state's.
                state.mnt = mnt;
            }
            state.users += 1;
            Ok(AnonUser(self))
        })
    }

    /// Stops being a user (`AnonUser`'s drop); the last drops the state's
    /// reference to the mount.
    fn release(&self) {
        let mnt = self.with_state(|state| {
            state.users -= 1;
            if state.users == 0 {
                core::mem::take(&mut state.mnt)
            } else {
                core::ptr::null_mut()
            }
        });
        if !mnt.is_null() {
            // SAFETY: the reference was the state's (type invariant), now
            // ours.  When it is the last one, the superblock goes now, in
            // a device file's `release`, which still holds the module (a
            // file of the mount holds the mount through its path).
            unsafe { bindings::mntput(mnt) };
        }
    }
}

/// A user of an [`AnonMount`], which stays mounted while it lives.
///
/// # Invariants
///
/// Counted in the mount's `users` from `hold` until drop.
pub(crate) struct AnonUser<T: FileSystem + 'static>(&'static AnonMount<T>);

impl<T: FileSystem> AnonUser<T> {
    /// A reference to the mount, for making a file on it.
    pub(crate) fn mount(&self) -> MountRef<T> {
        self.0.with_state(|state| {
            // SAFETY: `mnt` is a live mount while we are a user (type
            // invariants of both); `mntget` takes a reference for the
            // `MountRef`.
            let mnt = unsafe { bindings::mntget(state.mnt) };
            // INVARIANT: the reference is the `MountRef`'s.
            MountRef(mnt, PhantomData)
        })
    }
}

impl<T: FileSystem> Drop for AnonUser<T> {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// A reference to a mount of filesystem `T`.
///
/// # Invariants
///
/// `self.0` is a mount of `T` whose reference this value owns.
pub(crate) struct MountRef<T: FileSystem>(*mut bindings::vfsmount, PhantomData<T>);

impl<T: FileSystem> MountRef<T> {
    /// The mount.
    pub(crate) fn as_ptr(&self) -> *mut bindings::vfsmount {
        self.0
    }

    /// The superblock of the mount.
    pub(crate) fn super_block(&self) -> &SuperBlock<T> {
        // SAFETY: the mount is live while referenced (type invariant) and
        // keeps its superblock, which is of `T`, set up by `fill_super`.
        unsafe { SuperBlock::from_raw((*self.0).mnt_sb) }
    }
}

impl<T: FileSystem> Drop for MountRef<T> {
    fn drop(&mut self) {
        // SAFETY: the reference is ours (type invariant).  It is never the
        // last: the caller's device file, a user, keeps the state's
        // meanwhile (the new file's own user may already be gone, closed
        // by another thread once installed).
        unsafe { bindings::mntput(self.0) };
    }
}

/// Ends an [`AnonMount`] at module exit.
pub(crate) struct AnonMountGuard<T: FileSystem + 'static>(&'static AnonMount<T>);

impl<T: FileSystem> Drop for AnonMountGuard<T> {
    fn drop(&mut self) {
        // No user is left: each is an open file (of the device, or of the
        // mount), which holds a module reference, and the module is going.  `free_inode` runs from RCU callbacks: wait
        // for them before the module's code goes.
        // SAFETY: `rcu_barrier` may be called from any sleepable context.
        unsafe { bindings::rcu_barrier() };
        self.0.fs_type.release();
    }
}

/// The operation tables of the `fs_context` of filesystem `T`.
struct ContextTables<T>(PhantomData<T>);

impl<T: FileSystem> ContextTables<T> {
    const CONTEXT: bindings::fs_context_operations = bindings::fs_context_operations {
        parse_param: Some(parse_param::<T>),
        get_tree: Some(get_tree::<T>),
        reconfigure: Some(reconfigure::<T>),
        free: Some(free_fs_context::<T>),
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
    from_result(|| {
        // 6.12's `kernel::bindings` knows `struct fs_context` only by name;
        // the complete struct is ours (see `bindings`).
        let fc = fc.cast::<bindings::fs_context>();
        let opts = KBox::new(T::Options::default(), GFP_KERNEL)?;
        // SAFETY: `fc` is valid and not yet shared (function safety
        // requirement); the table is a promoted constant, so `'static`.
        // `free_fs_context` takes the options back.
        unsafe {
            (*fc).fs_private = opts.into_foreign() as *mut _;
            (*fc).ops = &ContextTables::<T>::CONTEXT;
        }
        Ok(0)
    })
}

/// Borrows the options of a context set up by `init_fs_context::<T>`.
///
/// # Safety
///
/// `fc` must be a valid context of type `T`, not used elsewhere for `'a`.
unsafe fn options<'a, T: FileSystem>(fc: *mut bindings::fs_context) -> &'a mut T::Options {
    // SAFETY: `fs_private` holds a `KBox<T::Options>` from
    // `init_fs_context`, and the VFS calls context operations one at a time.
    unsafe { &mut *(*fc).fs_private.cast::<T::Options>() }
}

/// `parse_param`: one `key[=value]` of the mount's options.
///
/// # Safety
///
/// Called by the VFS with a valid context of type `T` and parameter.
unsafe extern "C" fn parse_param<T: FileSystem>(
    fc: *mut bindings::fs_context,
    param: *mut bindings::fs_parameter,
) -> c_int {
    from_result(|| {
        // SAFETY: `param` is valid for the call, and its key a C string.
        let key = unsafe { CStr::from_char_ptr((*param).key) };
        // "source" is the VFS's (the device name): give it back.
        if key.as_bytes() == b"source" {
            return Err(Error::from_errno(-(bindings::ENOPARAM as i32)));
        }
        // SAFETY: `param` is valid; the string member is the active one
        // when the type says so.
        let value = unsafe {
            if (*param).type_() == bindings::fs_value_type_fs_value_is_string
                && !(*param).__bindgen_anon_1.string.is_null()
            {
                Some(CStr::from_char_ptr((*param).__bindgen_anon_1.string))
            } else if (*param).type_() == bindings::fs_value_type_fs_value_is_flag {
                None
            } else {
                return Err(EINVAL);
            }
        };
        // SAFETY: `fc` is our context (function safety requirement).
        T::parse_param(unsafe { options::<T>(fc) }, key, value)?;
        Ok(0)
    })
}

/// `free` of the context: drops the options.
///
/// # Safety
///
/// Called by the VFS, once, with a context set up by `init_fs_context::<T>`.
unsafe extern "C" fn free_fs_context<T: FileSystem>(fc: *mut bindings::fs_context) {
    // SAFETY: `fc` is valid (function safety requirement).
    let ptr = unsafe { (*fc).fs_private };
    if !ptr.is_null() {
        // SAFETY: `ptr` came from `into_foreign` in `init_fs_context`, and
        // this is its only release.
        drop(unsafe { KBox::<T::Options>::from_foreign(ptr) });
    }
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

/// `reconfigure` of the context: a remount, with the superblock's
/// `s_umount` held by the VFS.
///
/// # Safety
///
/// Called by `reconfigure_super` with a valid context of type `T` whose
/// root is the mounted superblock's.
unsafe extern "C" fn reconfigure<T: FileSystem>(fc: *mut bindings::fs_context) -> c_int {
    from_result(|| {
        // SAFETY: `fc` is our context (function safety requirement); its
        // root holds the superblock, which is of `T` and set up.
        let (opts, sb) = unsafe { (options::<T>(fc), SuperBlock::from_raw((*(*fc).root).d_sb)) };
        T::reconfigure(sb, opts)?;
        Ok(0)
    })
}

/// A `seq_file` being filled (`/proc/mounts`), written with `write!`.
///
/// # Invariants
///
/// `self.0` is a valid `seq_file` that the caller lets us write to for
/// `'a`.
pub(crate) struct SeqFile<'a>(*mut bindings::seq_file, PhantomData<&'a mut ()>);

impl SeqFile<'_> {
    /// # Safety
    ///
    /// `ptr` must be a `seq_file` being shown, ours to write for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::seq_file) -> SeqFile<'a> {
        SeqFile(ptr, PhantomData)
    }
}

impl core::fmt::Write for SeqFile<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        // SAFETY: the `seq_file` is ours to write (type invariant).  When
        // its buffer is full, `seq_file` itself shows again with a bigger
        // one, so the result needs no handling here.
        unsafe { bindings::seq_write(self.0, s.as_ptr().cast(), s.len()) };
        Ok(())
    }
}

/// # Safety
///
/// Called by `get_tree_nodev` with a new, locked superblock of this type
/// and the context of the mount.
unsafe extern "C" fn fill_super<T: FileSystem>(
    sb: *mut bindings::super_block,
    fc: *mut bindings::fs_context,
) -> c_int {
    from_result(|| {
        // SAFETY: `fc` is our context (function safety requirement).
        let opts = unsafe { options::<T>(fc) };
        let data = KBox::new(T::new_super(opts)?, GFP_KERNEL)?;
        // SAFETY: `sb` is a new superblock that only this call sets up; the
        // operation tables are `'static`.  `kill_sb` frees `s_fs_info`,
        // also when this function fails.
        unsafe {
            (*sb).s_fs_info = data.into_foreign() as *mut _;
            (*sb).s_magic = T::MAGIC as usize;
            (*sb).s_maxbytes = bindings::sealfs_const_MAX_LFS_FILESIZE;
            (*sb).s_blocksize_bits = kernel::page::PAGE_SHIFT as u8;
            (*sb).s_blocksize = kernel::page::PAGE_SIZE;
            (*sb).s_time_gran = 1;
            (*sb).s_op = &super::ops::Tables::<T>::SUPER;
            // As tmpfs: once a write has found nothing to remove (no
            // setuid/setgid bit, no file capability), the inode is marked
            // `S_NOSEC` and later writes skip the look; `notify_change`
            // clears the mark when such a bit is set.
            (*sb).s_flags |= bindings::sealfs_const_SB_NOSEC;
        }
        // SAFETY: `sb` is valid, of type `T`, and has its `s_fs_info`.
        let sb = unsafe { SuperBlock::from_raw(sb) };
        T::fill_super(sb, opts)?;
        Ok(0)
    })
}

/// `kill_sb`: as ramfs (`kill_litter_super` drops the dentries that pin
/// the tree), then the superblock's data.
///
/// # Safety
///
/// Called by the VFS, once, with a superblock of this type.
unsafe extern "C" fn kill_sb<T: FileSystem>(sb: *mut bindings::super_block) {
    // SAFETY: `sb` is valid until `kill_litter_super` returns; after it,
    // no inode of `sb` is left to use `s_fs_info`.
    let data = unsafe { (*sb).s_fs_info };
    // SAFETY: as above.
    unsafe { bindings::kill_litter_super(sb) };
    if !data.is_null() {
        // SAFETY: `data` came from `into_foreign` in `fill_super`, and this
        // is its only release.
        drop(unsafe { KBox::<T::SuperData>::from_foreign(data) });
    }
}

/// A superblock of filesystem `T`.
///
/// # Invariants
///
/// The wrapped superblock is valid for the lifetime of the borrow, was set
/// up by `fill_super::<T>`, and so has a `T::SuperData` in `s_fs_info`.
#[repr(transparent)]
pub(crate) struct SuperBlock<T: FileSystem>(Opaque<bindings::super_block>, PhantomData<T>);

impl<T: FileSystem> SuperBlock<T> {
    /// Borrows a superblock from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid superblock of filesystem `T`, with its
    /// `s_fs_info` set, that stays valid for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::super_block) -> &'a Self {
        // SAFETY: `SuperBlock` is `repr(transparent)` over `super_block`,
        // and the caller guarantees validity for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The raw superblock.
    pub(crate) fn as_ptr(&self) -> *mut bindings::super_block {
        self.0.get()
    }

    /// The filesystem's data of this superblock.
    pub(crate) fn data(&self) -> &T::SuperData {
        // SAFETY: `s_fs_info` holds a `T::SuperData` that lives as long as
        // the superblock (type invariant).
        unsafe { &*(*self.0.get()).s_fs_info.cast::<T::SuperData>() }
    }

    /// Makes `inode` the root directory.  Only for `fill_super`.
    pub(crate) fn set_root(&self, inode: kernel::types::ARef<Inode<T>>) -> Result {
        let inode = kernel::types::ARef::into_raw(inode);
        // SAFETY: `d_make_root` takes over our inode reference (and drops
        // it if it fails); the superblock is still private to `fill_super`.
        unsafe {
            let root = bindings::d_make_root(inode.as_ptr().cast());
            if root.is_null() {
                return Err(ENOMEM);
            }
            (*self.0.get()).s_root = root;
        }
        Ok(())
    }
}

/// Borrows a C string argument of the VFS.
///
/// # Safety
///
/// `ptr` must be a valid NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn cstr<'a>(ptr: *const c_char) -> &'a CStr {
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_char_ptr(ptr) }
}
