// SPDX-License-Identifier: GPL-2.0

//! Lock class keys of our own locks and work items, which lockdep needs in
//! static storage (6.12's `kernel::sync::LockClassKey` cannot be made by a
//! module: its constructor and pointer are private to the crate).

use super::bindings;
use kernel::types::Opaque;

/// A `struct lock_class_key` in a `static`.
pub(crate) struct StaticLockClassKey(Opaque<bindings::lock_class_key>);

// SAFETY: only lockdep touches the key, under its own locking.
unsafe impl Sync for StaticLockClassKey {}

impl StaticLockClassKey {
    /// A key for a `static`: lockdep needs no initialisation of it.
    pub(crate) const fn new() -> Self {
        Self(Opaque::uninit())
    }

    /// The key, for the kernel's lock and work initialisers.
    pub(crate) fn as_ptr(&self) -> *mut bindings::lock_class_key {
        self.0.get()
    }
}
