// SPDX-License-Identifier: GPL-2.0

//! Misc character devices: `/dev/NAME` whose file operations are a Rust type.
//!
//! Shaped like the kernel crate's `kernel::miscdevice` (6.13 and later): a
//! pinned [`MiscDeviceRegistration<T>`] that registers on initialisation and
//! deregisters on drop, and a `#[vtable]` trait [`MiscDevice`].  Unlike the
//! 6.13 version the `file_operations` table lives inside the registration,
//! so that its `owner` can be this module: an open file of the device then
//! holds a module reference and `rmmod` cannot pull the code from under it.

use super::{bindings, file::File};
use core::marker::PhantomData;
use kernel::{
    error::{from_result, to_result},
    ffi::{c_int, c_long, c_uint, c_ulong, c_void},
    init::pin_init_from_closure,
    prelude::*,
    types::{ForeignOwnable, Opaque},
};

/// What a misc device does with its files.
#[vtable]
pub(crate) trait MiscDevice: Sized {
    /// What each open file of the device owns (`private_data`).
    type Ptr: ForeignOwnable + Send + Sync;

    /// An open of the device: makes what the file will own.
    fn open(file: &File) -> Result<Self::Ptr>;

    /// The last close of a file of the device.
    fn release(device: Self::Ptr, _file: &File) {
        drop(device);
    }

    /// Handles `ioctl(2)` on an open file of the device.  `arg` is the raw
    /// argument: a user pointer or a value, as `cmd` says.
    fn ioctl(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &File,
        _cmd: u32,
        _arg: usize,
    ) -> Result<isize> {
        Err(ENOTTY)
    }
}

/// How the device node looks.
pub(crate) struct MiscDeviceOptions {
    /// The name under `/dev`.
    pub(crate) name: &'static CStr,
    /// The mode of the device node.
    pub(crate) mode: u16,
}

/// A registered misc device.
///
/// # Invariants
///
/// `misc` is registered with the misc subsystem, with `fops` as its file
/// operations, from the end of initialisation until drop.  Both are pinned,
/// as the misc core keeps pointers to them.
#[pin_data(PinnedDrop)]
pub(crate) struct MiscDeviceRegistration<T: MiscDevice> {
    #[pin]
    fops: Opaque<bindings::file_operations>,
    #[pin]
    misc: Opaque<bindings::miscdevice>,
    _device: PhantomData<T>,
}

// SAFETY: the registration is only read by the misc core, which serialises
// registration and lookup with its own mutex; moving the owner between
// threads or sharing it changes nothing.
unsafe impl<T: MiscDevice> Send for MiscDeviceRegistration<T> {}
// SAFETY: as for `Send`: no method of ours touches the fields after
// registration except `drop`, which has exclusive access.
unsafe impl<T: MiscDevice> Sync for MiscDeviceRegistration<T> {}

impl<T: MiscDevice> MiscDeviceRegistration<T> {
    /// Registers the device; `module` becomes the owner of its open files.
    pub(crate) fn register(
        opts: MiscDeviceOptions,
        module: &'static ThisModule,
    ) -> impl PinInit<Self, Error> {
        let fops = bindings::file_operations {
            owner: module.as_ptr(),
            open: Some(open::<T>),
            release: Some(release::<T>),
            unlocked_ioctl: if T::HAS_IOCTL { Some(ioctl::<T>) } else { None },
            compat_ioctl: if T::HAS_IOCTL {
                super::file::COMPAT_IOCTL
            } else {
                None
            },
            ..Default::default()
        };
        // SAFETY: the closure fully initialises the slot: it writes `fops`
        // and `misc`, then registers `misc`.  On error it returns before
        // registering, or `misc_register` failed and registered nothing, so
        // there is nothing to undo; on success the slot is pinned (that is
        // what `pin_init_from_closure` initialises), as the invariant needs.
        unsafe {
            pin_init_from_closure(move |slot: *mut Self| {
                let fops_ptr = Opaque::raw_get(core::ptr::addr_of!((*slot).fops));
                fops_ptr.write(fops);
                let misc = Opaque::raw_get(core::ptr::addr_of!((*slot).misc));
                misc.write(bindings::miscdevice {
                    minor: bindings::MISC_DYNAMIC_MINOR as i32,
                    name: opts.name.as_char_ptr(),
                    fops: fops_ptr,
                    mode: opts.mode,
                    ..Default::default()
                });
                to_result(bindings::misc_register(misc))
            })
        }
    }
}

#[pinned_drop]
impl<T: MiscDevice> PinnedDrop for MiscDeviceRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: by the type invariant `misc` is registered, and this is
        // the only place that deregisters it.
        unsafe { bindings::misc_deregister(self.misc.get()) };
    }
}

/// `unlocked_ioctl` of the device's files.
///
/// # Safety
///
/// Called by the VFS with a valid `file` that it holds a reference to for
/// the whole call.
unsafe extern "C" fn ioctl<T: MiscDevice>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: `private_data` holds what `open::<T>` made, until `release`,
    // which cannot run during a call on the file.
    let device = unsafe { T::Ptr::borrow((*file).private_data) };
    // SAFETY: the VFS holds a reference to `file` across this call.
    let file = unsafe { File::from_raw(file) };
    from_result(|| T::ioctl(device, file, cmd, arg).map(|ret| ret as c_long))
}

/// `open` of the device's files.
///
/// # Safety
///
/// Called by `misc_open` with a new file of the device.
unsafe extern "C" fn open<T: MiscDevice>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    from_result(|| {
        // SAFETY: the file is new and held by the VFS for the call.
        let device = T::open(unsafe { File::from_raw(file) })?;
        // SAFETY: the file is ours to set up; `release` takes it back.
        unsafe { (*file).private_data = device.into_foreign() as *mut c_void };
        Ok(0)
    })
}

/// `release` of the device's files.
///
/// # Safety
///
/// Called by the VFS, once, on the last close of a file that `open::<T>`
/// set up.
unsafe extern "C" fn release<T: MiscDevice>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `private_data` came from `into_foreign` in `open`, and this
    // is its only release; no other call on the file can run now.
    let device = unsafe { T::Ptr::from_foreign((*file).private_data) };
    // SAFETY: the VFS holds the file for the call.
    T::release(device, unsafe { File::from_raw(file) });
    0
}
