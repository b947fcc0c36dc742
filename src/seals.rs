// SPDX-License-Identifier: GPL-2.0

//! Seals: the set on each inode, adding to it, and what each seal refuses.
//!
//! A seal restricts what anyone may do to a file from then on, whoever
//! holds it and however they opened it: the set belongs to the inode, not
//! to the open file, so reopening `/proc/self/fd/N` gains nothing.  Seals
//! are only ever added (memfd's rules, `mm/memfd.c`, spec section 3).
//!
//! Lock order (as `mm/filemap.c`'s table): inode `i_rwsem` -> `mmap_lock`
//! -> mapping `i_mmap_rwsem` -> `i_pages` lock.
//!
//! - The seal set is written only under `i_rwsem` (`add_seals`), and every
//!   path that changes the file's bytes or size through the VFS checks it
//!   under the same lock: `write_iter` (via `write_begin`), `setattr`
//!   (truncate), `fallocate`.  So once `add_seals` returns, no write,
//!   truncate or hole punch that started before it is still in flight.
//! - `f_op->mmap` runs under `mmap_lock`, so it must not take `i_rwsem`:
//!   it reads the set locklessly.  A mapping that races with
//!   `F_SEAL_WRITE` is caught by the `i_mmap_writable` counter instead:
//!   in 6.12.y, `mmap_region()` counts a new shared mapping with
//!   `VM_MAYWRITE` (`mapping_map_writable`, which fails while denied)
//!   *before* `f_op->mmap`, and keeps that count until the mapping is
//!   linked.  `add_seals` denies writable mappings while it works
//!   (`mapping_deny_writable`, which fails while any is counted).  Either
//!   the seal sees the mapping and fails with `EBUSY`, or the mapping's
//!   `f_op->mmap` sees the seal (see `add_seals` for the ordering).
//! - Pages pinned before the seal (GUP: O_DIRECT, io_uring fixed buffers,
//!   vmsplice) could still be written through the pin: `wait_for_pins`
//!   waits for them, or the seal fails.

use crate::ext::{
    file::{File, VmaNew},
    folio::{lru_add_drain, lru_add_drain_all, Mapping},
    inode::SetAttr,
    task,
};
use crate::inode::SealfsInode;
use core::{
    ops::ControlFlow,
    sync::atomic::{fence, AtomicU32, Ordering},
};
use kernel::prelude::*;

/// Prevents adding more seals.
pub(crate) const SEAL_SEAL: u32 = 0x1;
/// Prevents shrinking the file.
pub(crate) const SEAL_SHRINK: u32 = 0x2;
/// Prevents growing the file.
pub(crate) const SEAL_GROW: u32 = 0x4;
/// Prevents every write: no byte changes, ever.
pub(crate) const SEAL_WRITE: u32 = 0x8;
/// Prevents new writes, but lets existing writable mappings go on.
pub(crate) const SEAL_FUTURE_WRITE: u32 = 0x10;
/// Prevents changing the x bits of the mode.
pub(crate) const SEAL_EXEC: u32 = 0x20;
/// Every seal there is.
const ALL_SEALS: u32 =
    SEAL_SEAL | SEAL_SHRINK | SEAL_GROW | SEAL_WRITE | SEAL_FUTURE_WRITE | SEAL_EXEC;

/// The seals of one inode.
///
/// # Invariants
///
/// Bits are only ever added, and only by [`add_seals`] with the inode's
/// `i_rwsem` held (or to a new inode nobody else sees yet).  Readers that
/// do not hold `i_rwsem` (`mmap`) may see a set that is about to grow.
pub(crate) struct SealSet(AtomicU32);

impl SealSet {
    /// A set with `seals`.
    pub(crate) const fn new(seals: u32) -> Self {
        Self(AtomicU32::new(seals))
    }

    /// The seals now.
    pub(crate) fn get(&self) -> u32 {
        self.0.load(Ordering::Acquire)
    }

    /// Replaces the seals of a new inode, before anyone else can see it.
    pub(crate) fn init(&self, seals: u32) {
        self.0.store(seals, Ordering::Release);
    }

    /// Whether any write seal is set: no new way to write may open.
    pub(crate) fn is_write_sealed(&self) -> bool {
        self.get() & (SEAL_WRITE | SEAL_FUTURE_WRITE) != 0
    }

    fn add(&self, seals: u32) {
        self.0.fetch_or(seals, Ordering::AcqRel);
    }
}

/// `SEALFS_IOC_ADD_SEALS`: adds `seals` to the file's inode, in memfd's
/// exact order of checks (spec section 3), all of them or none.
pub(crate) fn add_seals(file: &File, inode: &SealfsInode, seals: usize) -> Result {
    // 1. Sealing is writing: a read-only descriptor (also a read-only
    //    reopen of /proc/self/fd/N) may not.
    if !file.is_writable() {
        return Err(EPERM);
    }
    // 2. Unknown bits, including any above 32.
    let mut seals = u32::try_from(seals).map_err(|_| EINVAL)?;
    if seals & !ALL_SEALS != 0 {
        return Err(EINVAL);
    }
    let guard = inode.lock();
    let set = &guard.data().seals;
    let current = set.get();
    // 3. F_SEAL_SEAL freezes the set, even against an empty mask.
    if current & SEAL_SEAL != 0 {
        return Err(EPERM);
    }
    // 4. W^X: sealing the x bits of an executable file also seals its
    //    contents, before step 5, so the implied write seal is checked like
    //    an explicit one.
    if seals & SEAL_EXEC != 0 && guard.mode() & 0o111 != 0 {
        seals |= SEAL_SHRINK | SEAL_GROW | SEAL_WRITE | SEAL_FUTURE_WRITE;
    }
    // 5. A new write seal: no writable shared mapping may exist or appear,
    //    and no pinned page may be written after we return.
    let mapping = guard.mapping();
    let new_write_seal = seals & SEAL_WRITE != 0 && current & SEAL_WRITE == 0;
    if new_write_seal {
        mapping.deny_writable()?;
        if let Err(e) = wait_for_pins(mapping) {
            mapping.allow_writable();
            return Err(e);
        }
    }
    // 6. All together.
    set.add(seals);
    if new_write_seal {
        // Unlike memfd, lift the denial now that the seal is set.  memfd
        // keeps it, because 6.12.y checks memfd seals in `do_mmap()`,
        // before `mmap_region()` counts a shared mapping with
        // `VM_MAYWRITE` as writable.  A module's check runs later, in
        // `f_op->mmap`, so a kept denial would make `mapping_map_writable()`
        // refuse every read-only shared mapping of an `O_RDWR` descriptor
        // before `check_mmap` could clear its `VM_MAYWRITE`.  Without the
        // denial, every new mapping passes `check_mmap`, which sees the
        // seal: the fence orders the seal before the counter, and
        // `mapping_map_writable()`, a full barrier, comes before
        // `f_op->mmap`.  A mapping that saw no seal was counted before its
        // `f_op->mmap` and stays counted until it is linked, so the
        // denial above failed with `EBUSY` for it.
        fence(Ordering::SeqCst);
        mapping.allow_writable();
    }
    Ok(())
}

/// The last round of [`wait_for_pins`]: rounds 1 to 4 sleep 10, 20, 40 and
/// 80 ms before they look again, about 150 ms in all, as memfd's
/// `LAST_SCAN` (`(HZ << scan) / 200`).
const LAST_SCAN: u32 = 4;

/// Waits until no folio of `mapping` has references beyond the page cache
/// and the page tables mapping it; `EBUSY` if some still have after the
/// last round.
///
/// A reference beyond those is a GUP pin (O_DIRECT, io_uring fixed
/// buffers), a `get_user_pages` or pipe reference (vmsplice, splice), or a
/// per-CPU LRU batch, which round 0 drains.  The holder could write the
/// page after the seal, so the seal must wait for it to go.  No new pin
/// for writing can appear meanwhile: the caller holds `i_rwsem` (no
/// `write`), and writable shared mappings are denied.
fn wait_for_pins(mapping: &Mapping) -> Result {
    // As memfd: the folios the caller just wrote sit in its CPU's LRU-add
    // batch; draining it locally is cheap and saves a round.
    lru_add_drain();
    if !has_pinned_folio(mapping) {
        return Ok(());
    }
    for scan in 0..=LAST_SCAN {
        let killed = if scan == 0 {
            // The cheap cause first: references held by LRU batches.
            lru_add_drain_all()?;
            false
        } else {
            task::sleep_killable_ms(5 << scan)
        };
        if !has_pinned_folio(mapping) {
            return Ok(());
        }
        // Killed: this was the last look.
        if killed {
            break;
        }
    }
    Err(EBUSY)
}

/// Whether any folio of `mapping` has an extra reference.
fn has_pinned_folio(mapping: &Mapping) -> bool {
    let mut pinned = false;
    mapping.scan_folios(0, |folio| {
        // The scan holds one reference itself.
        if folio.extra_refs(1) != 0 {
            pinned = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    pinned
}

/// `f_op->mmap`'s part: a write-sealed file may not get a new writable
/// shared mapping (`EPERM`), and its read-only shared mappings lose
/// `VM_MAYWRITE`, so `mprotect` cannot make them writable later (`EACCES`).
/// Private mappings are left alone: their writes never reach the file, and
/// clearing `VM_MAYWRITE` there would break copy-on-write (spec 8).
pub(crate) fn check_mmap(seals: &SealSet, vma: &VmaNew) -> Result {
    if !seals.is_write_sealed() || !vma.is_shared() {
        return Ok(());
    }
    vma.try_clear_maywrite().map_err(|_| EPERM)
}

/// `write_begin`'s part: may a buffered write of `len` bytes at `pos`
/// change the file of `size` bytes?  As shmem's `shmem_write_begin`, the
/// check is per chunk of the write, so a write across EOF under
/// `F_SEAL_GROW` stops at the first chunk that would grow the file.
pub(crate) fn check_write(seals: &SealSet, pos: i64, len: u32, size: i64) -> Result {
    let seals = seals.get();
    if seals & (SEAL_WRITE | SEAL_FUTURE_WRITE) != 0 {
        return Err(EPERM);
    }
    if seals & SEAL_GROW != 0 && pos.saturating_add(i64::from(len)) > size {
        return Err(EPERM);
    }
    Ok(())
}

/// `setattr`'s part, as shmem's `shmem_setattr`: the size may not move
/// against `SHRINK`/`GROW`, nor the x bits change against `EXEC`.  Called
/// with `i_rwsem` held.
pub(crate) fn check_setattr(seals: &SealSet, mode: u16, size: i64, attr: &SetAttr) -> Result {
    let seals = seals.get();
    if let Some(new_mode) = attr.mode {
        if seals & SEAL_EXEC != 0 && (mode ^ new_mode) & 0o111 != 0 {
            return Err(EPERM);
        }
    }
    if let Some(new_size) = attr.size {
        if (new_size < size && seals & SEAL_SHRINK != 0)
            || (new_size > size && seals & SEAL_GROW != 0)
        {
            return Err(EPERM);
        }
    }
    Ok(())
}

/// `fallocate`'s part, as shmem's `shmem_fallocate`: punching a hole
/// writes (zeroes), and allocating past EOF grows, even with
/// `FALLOC_FL_KEEP_SIZE`.  Called with `i_rwsem` held.
pub(crate) fn check_fallocate(seals: &SealSet, punch: bool, end: i64, size: i64) -> Result {
    let seals = seals.get();
    if punch {
        if seals & (SEAL_WRITE | SEAL_FUTURE_WRITE) != 0 {
            return Err(EPERM);
        }
    } else if seals & SEAL_GROW != 0 && end > size {
        return Err(EPERM);
    }
    Ok(())
}
