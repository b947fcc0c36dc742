// SPDX-License-Identifier: GPL-2.0

//! The kernel's C interface as sealfs sees it: all of `kernel::bindings`,
//! plus the items 6.12 does not bind, generated at build time by
//! `rust/gen-bindings` from `bindings_extra.h` with the kernel's own bindgen
//! command, so that the types they use are the kernel crate's own.

#![allow(
    dead_code,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    unreachable_pub,
    clippy::all,
    clippy::undocumented_unsafe_blocks,
    missing_docs,
    improper_ctypes,
    unknown_lints,
    unnecessary_transmutes
)]

include!("../gen/bindings_generated.rs");
