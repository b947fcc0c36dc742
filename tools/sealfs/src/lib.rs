// SPDX-License-Identifier: GPL-2.0

//! Sealable files from the sealfs kernel module, with a typed API in the
//! spirit of the `memfd` crate.
//!
//! sealfs gives `memfd_create(2)`-style anonymous files (an ioctl on
//! `/dev/sealfs`) and a mountable filesystem (`mount -t sealfs`) whose
//! files take memfd's seals: `F_SEAL_SEAL`, `SHRINK`, `GROW`, `WRITE`,
//! `FUTURE_WRITE` and `EXEC`. A receiver that checks the seals of an fd may
//! rely on them, whoever sent it. The numbers are those of
//! `include/uapi/linux/sealfs.h` ([`uapi`]).
//!
//! - [`CreateOptions`] creates a [`SealedFile`] (optionally a kernel memfd
//!   when the module is not loaded, if asked for);
//! - [`SealedFile::add_seals`] and [`SealedFile::seals`] seal it and read
//!   the seals; [`SealedFile::from_fd`] takes an fd received from someone
//!   else, after checking that it really is a sealfs file;
//! - [`Error`] carries the errno and the [`Rule`] that refused a call, in
//!   one line: `F_SEAL_WRITE refused: the file has a writable shared
//!   mapping (EBUSY)`.
//!
//! The `sealctl` command of this crate does the same from a shell.
//!
//! # Example: a read-only snapshot for a child process
//!
//! ```no_run
//! use sealfs::{CreateOptions, Seals};
//! use std::io::{Seek, SeekFrom, Write};
//! use std::process::Command;
//!
//! let file = CreateOptions::new()
//!     .allow_sealing(true)
//!     .close_on_exec(true)
//!     .noexec_seal(true)
//!     .create("config")?;
//! let mut f = file.as_file();
//! f.write_all(b"listen = 8080\n")?;
//! f.seek(SeekFrom::Start(0))?;
//! file.add_seals(Seals::SEAL | Seals::SHRINK | Seals::GROW | Seals::WRITE)?;
//!
//! // The child gets a read-only fd; the seals say nobody can change it.
//! let ro = file.reopen_read_only()?;
//! ro.set_close_on_exec(false)?;
//! let fd = std::os::fd::AsRawFd::as_raw_fd(&ro);
//! Command::new("cat").arg(format!("/proc/self/fd/{fd}")).status()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: trusting a received fd
//!
//! ```no_run
//! use sealfs::{SealedFile, Seals};
//! # fn receive_fd() -> std::os::fd::OwnedFd { unimplemented!() }
//! let file = SealedFile::from_fd(receive_fd())?; // refused unless on sealfs
//! if !file.seals()?.contains(Seals::IMMUTABLE) {
//!     return Err("the sender can still change this file".into());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![warn(rustdoc::all)]

mod error;
mod file;
mod seals;
pub mod uapi;

pub use error::{BusyCause, Error, Operation, PIN_WAIT_MIN, Result, Rule, errno_name};
pub use file::{Backend, CreateOptions, FromFdError, SealedFile};
pub use seals::{ParseSealsError, Seals};
