// SPDX-License-Identifier: GPL-2.0

//! Open files (`struct file`), borrowed for the length of a file operation.

use super::bindings;
use kernel::types::Opaque;

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
}
