// SPDX-License-Identifier: GPL-2.0

//! Our kernel abstractions: the safe wrappers sealfs needs that the 6.12
//! `kernel` crate does not have yet (the VFS, shmem backing files, VMAs, misc
//! devices).
//!
//! All of the module's `unsafe` code lives under `rust/`; `src/` is safe
//! Rust built on these wrappers.  Each wrapper is shaped like the kernel
//! crate's later abstraction of the same object, so that a port to a newer
//! kernel swaps the wrapper and leaves `src/` alone.

pub(crate) mod bindings;
pub(crate) mod file;
pub(crate) mod folio;
pub(crate) mod fs;
pub(crate) mod inode;
pub(crate) mod lockdep;
pub(crate) mod miscdev;
pub(crate) mod mm;
pub(crate) mod ops;
pub(crate) mod shmem;
pub(crate) mod task;
pub(crate) mod user;
