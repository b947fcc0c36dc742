// SPDX-License-Identifier: GPL-2.0

//! Seals: the set on each inode, adding to it, and what each seal refuses.
//!
//! A seal restricts what anyone may do to a file from then on, whoever
//! holds it and however they opened it: the set belongs to the inode, not
//! to the open file, so reopening `/proc/self/fd/N` gains nothing.  Seals
//! are only ever added (memfd's rules, `mm/memfd.c`, spec section 3).
//!
//! # Two inodes, one set of seals
//!
//! A regular sealfs file's data is in its backing file, a shmem file
//! (`rust/shmem.rs`).  The sealfs inode has the names, the mode and the
//! seal set; the backing inode has the pages, the mappings (every VMA of
//! the file has the backing file as its `vm_file`) and a copy of the seal
//! set in `SHMEM_I(inode)->seals`, always with `F_SEAL_SEAL` added.  shmem
//! checks that copy on every path that reaches the backing file: writes
//! (`shmem_write_begin`), `fallocate` (also `madvise(MADV_REMOVE)`, through
//! a VMA), truncation (`shmem_setattr`) and new mappings of the backing
//! inode (`memfd_check_seals_mmap` in `do_mmap`, for `/proc/PID/map_files`).
//! So sealfs checks only what shmem cannot see: the mode of the sealfs
//! inode (`F_SEAL_EXEC`), mappings of the sealfs file (`check_mmap`), and
//! its own seal, `SEAL_FUTURE_EXEC`: `check_mmap` refuses new executable
//! mappings, `check_permission` refuses exec (at the open), and the
//! backing inode needs no copy of it, as nothing on its mount can be
//! executed (`SB_I_NOEXEC`).  Like `F_SEAL_FUTURE_WRITE`, it binds only
//! mappings made after it: one made before keeps `VM_MAYEXEC` (`mprotect`,
//! `mremap` and `fork` keep what it may do), and an `mmap` that read the
//! seals before `add_seals` stored them may still finish after it.
//!
//! Lock order (as `mm/filemap.c`'s table): sealfs inode `i_rwsem` ->
//! backing inode `i_rwsem` -> `mmap_lock` (of any address space that maps
//! the file; one at a time) -> backing mapping `i_mmap_rwsem` -> `i_pages`
//! lock.  Nothing that holds an `mmap_lock` takes an `i_rwsem` of sealfs
//! or of a backing inode (`write` faults in its buffer under `i_rwsem`, the
//! order used here; `madvise(MADV_REMOVE)` drops `mmap_lock` before its
//! `fallocate`).
//!
//! # Why no byte changes once `add_seals(F_SEAL_WRITE)` has returned
//!
//! 1. Writes through a file (`write`, `pwrite`, splice, `copy_file_range`,
//!    io_uring, also of a `map_files` reopen of the backing file) end in
//!    shmem's `write_begin`, which reads the seals under the backing
//!    inode's `i_rwsem`; `fallocate` and truncation check them under it
//!    too.  `add_seals` writes the copy under that lock, so a write that
//!    started before the seal has finished when it returns, and every
//!    later one sees the seal.
//! 2. Shared mappings that exist are counted in the backing mapping's
//!    `i_mmap_writable` while they have `VM_MAYWRITE` (`__vma_link_file`,
//!    also for each `fork`), writable now or not.  `stop_writers` takes
//!    `VM_MAYWRITE` away from the read-only ones, or fails with `EBUSY`
//!    (see "Read-only shared mappings" below); then it denies writable
//!    mappings there (`mapping_deny_writable`), which fails if any is
//!    still counted, and keeps the denial for good, as memfd does: a later
//!    `mmap` of the backing inode (`map_files`) fails in `mmap_region`'s
//!    `mapping_map_writable` unless `memfd_check_seals_mmap` already
//!    cleared its `VM_MAYWRITE`.
//! 3. Mappings of the sealfs file in flight: `mmap_region()` counts a new
//!    shared mapping with `VM_MAYWRITE` in the *sealfs* file's mapping
//!    (`mapping_map_writable(file->f_mapping)`) before `f_op->mmap`, and
//!    drops that count only after the VMA is linked (to the backing
//!    mapping, where it is then counted).  `add_seals` denies writable
//!    mappings of the sealfs mapping first, which fails with `EBUSY` while
//!    such an `mmap` is in flight, and lifts that denial once the seal is
//!    set: a denial kept there would make `mapping_map_writable` refuse a
//!    read-only shared mapping of an `O_RDWR` descriptor before
//!    `check_mmap` could clear its `VM_MAYWRITE` (memfd clears it earlier,
//!    in `do_mmap`, which a module cannot reach; spec section 8).  An
//!    `mmap` that comes later sees the seal in `check_mmap`: the seal is
//!    stored before the fence that precedes the lift, and
//!    `mapping_map_writable` (a full barrier, which succeeds only after
//!    the lift) comes before `f_op->mmap`.  It then refuses `VM_WRITE`
//!    (`EPERM`) or clears `VM_MAYWRITE`, so the VMA is not counted in the
//!    backing mapping, whose denial (2) it would otherwise break.  A new
//!    sealfs mapping never merges into an existing VMA before
//!    `f_op->mmap`: the VMA's file is the backing file, the new one's the
//!    sealfs file (spec section 8's merge case).
//! 4. Pages pinned before the seal (GUP: O_DIRECT, io_uring fixed
//!    buffers, vmsplice) could still be written through the pin:
//!    `wait_for_pins` waits for them, after the denial of point 2, or the
//!    seal fails.  No new pin for writing can appear meanwhile: no
//!    writable shared mapping exists (2, 3), and the backing inode's
//!    `i_rwsem` holds off `write`.
//!
//! # Read-only shared mappings made before the seal (spec section 9)
//!
//! A `PROT_READ`, `MAP_SHARED` mapping of a descriptor opened for writing
//! has `VM_MAYWRITE`, so `mprotect(PROT_WRITE)` could make it writable;
//! memfd therefore refuses `F_SEAL_WRITE` (`EBUSY`) while one exists.
//! sealfs takes `VM_MAYWRITE` away from such mappings as part of the seal
//! instead (`stop_writers`), with both `i_rwsem`s held:
//!
//! a. A look at every VMA of the backing file, under `i_mmap_rwsem`: if a
//!    shared one is writable now (`VM_WRITE`) or registered with
//!    userfaultfd (whose `UFFDIO_COPY` fills holes without `VM_WRITE`,
//!    and which requires `VM_MAYWRITE` to stay), `EBUSY`, nothing changed.
//! b. If read-only shared mappings with `VM_MAYWRITE` exist, the pin wait
//!    (point 4) runs now, before anything changes, so that a file with
//!    pinned pages fails with `EBUSY` and nothing changed (spec 3, step
//!    5), as on a memfd.  (Without such mappings (b) and (c) are skipped:
//!    memfd's order, (d) then (e).)
//! c. One walk under `i_mmap_rwsem` takes a reference (`mmgrab`) to each
//!    address space with a shared VMA that has `VM_MAYWRITE`.  Then, with
//!    `i_mmap_rwsem` dropped (an `mmap_lock` is never taken under it), one
//!    at a time: its `mmap_lock` for writing, killable.  No VMA of that
//!    address space can now appear, go, or change its flags but ours (a
//!    process that is exiting removes its VMAs under that lock too, so it
//!    is done like any other).  An unstable one (`MMF_UNSTABLE`: the child
//!    of a `fork` that failed part way, whose tree still holds its
//!    parent's VMAs past the failure, or one the OOM reaper tears down) is
//!    left alone, and its VMAs, still counted, make (d) fail until they
//!    are gone.  A stable one's VMAs are walked (`find_vma`): if one of its
//!    shared VMAs of the file is writable or registered, `EBUSY` (a race
//!    with `mprotect` or `UFFDIO_REGISTER` since (a)); otherwise each loses
//!    `VM_MAYWRITE` and leaves `i_mmap_writable`
//!    (`LockedVma::try_clear_maywrite`).
//! d. `mapping_deny_writable` (point 2) succeeds only when no VMA is
//!    counted.  If one is, a VMA with `VM_MAYWRITE` appeared after (c) was
//!    done with its address space: the child of a `fork` that copied a VMA
//!    before (c) reached the parent, an `mmap` of the backing file through
//!    `map_files`, or a `remap_file_pages` (which maps the VMA's file
//!    again, through `do_mmap`).  Then (a) to (d) run again, a few times,
//!    then `EBUSY`.
//! e. The pin wait, at memfd's place (point 4): from (d) on no pin for
//!    writing can be taken, and this waits for those taken before,
//!    including any taken after (b) through a mapping that a racing
//!    `mprotect` made writable and then read-only again.
//!
//! Once (d) holds, no shared VMA of the file has `VM_MAYWRITE` and none can
//! get it: `mprotect` adds `VM_WRITE` only with `VM_MAYWRITE` (`EACCES`),
//! `fork` and `mremap` copy a VMA's flags under its address space's
//! `mmap_lock`, userfaultfd registers only `VM_MAYWRITE` VMAs (`EPERM`),
//! and a new `mmap` (also `remap_file_pages`') meets point 3 or the denial
//! of point 2.  Each racing call ends one of two ways: before (c) locks
//! its address space, its writable VMA (or its child's) makes the seal
//! fail with `EBUSY`; after, the VMA it works on has no `VM_MAYWRITE`.
//!
//! A failed seal changes nothing, but when something races it: when a
//! call makes a mapping writable or registered after (a), when `fork`,
//! `remap_file_pages` or `map_files` keep adding `VM_MAYWRITE` mappings
//! through every try of (d), when a page is pinned after (b) and stays
//! pinned through (e), or when the sealer is killed, the mappings that (c)
//! had done keep no `VM_MAYWRITE`.  (Giving it back is not safe: a
//! mapping made under `F_SEAL_FUTURE_WRITE` lacks it too, and must.)
//! Those mappings are still `VM_SHARED`, so `remap_file_pages` of them
//! may give it back while the file is not write-sealed.
//!
//! While (c) waits for an address space's `mmap_lock` (held by a page
//! fault, or by a reader of `/proc/PID/mem`), writers of the file wait for
//! the `i_rwsem`s it holds; the wait is killable.
//!
//! `F_SEAL_FUTURE_WRITE` needs no denial: writable mappings made before it
//! keep working (as memfd), and new ones see it in `check_mmap` (sealfs
//! file) or `memfd_check_seals_mmap` (backing file), as `add_seals` stores
//! it before returning.

use crate::ext::{
    file::{File, VmaNew},
    folio::{lru_add_drain, lru_add_drain_all, Mapping},
    fs::SeqFile,
    inode::SetAttr,
    mm::VmaState,
    task,
};
use crate::inode::SealfsInode;
use core::{
    fmt::{self, Write},
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
/// Prevents new executable mappings and exec of the file; executable
/// mappings made before it keep working (sealfs only, spec section 9).
pub(crate) const SEAL_FUTURE_EXEC: u32 = 0x40;
/// The seals memfd has, which the backing inode's copy may hold.
const MEMFD_SEALS: u32 =
    SEAL_SEAL | SEAL_SHRINK | SEAL_GROW | SEAL_WRITE | SEAL_FUTURE_WRITE | SEAL_EXEC;
/// Every seal there is.
const ALL_SEALS: u32 = MEMFD_SEALS | SEAL_FUTURE_EXEC;

/// The seals of one inode.
///
/// # Invariants
///
/// Bits are only ever added, and only by [`add_seals`] with the inode's
/// and its backing inode's `i_rwsem` held (or by [`init`], to a new inode
/// nobody else sees yet).  Readers that do not hold them (`mmap`) may see
/// a set that is about to grow.
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

    /// Whether any write seal is set: no new way to write may open.
    pub(crate) fn is_write_sealed(&self) -> bool {
        self.get() & (SEAL_WRITE | SEAL_FUTURE_WRITE) != 0
    }

    /// Whether no new way to execute the file may open.
    pub(crate) fn is_exec_sealed(&self) -> bool {
        self.get() & SEAL_FUTURE_EXEC != 0
    }

    fn add(&self, seals: u32) {
        self.0.fetch_or(seals, Ordering::AcqRel);
    }
}

/// Gives a new regular file, not yet visible to anyone, its first seals,
/// on both inodes.
pub(crate) fn init(inode: &SealfsInode, seals: u32) -> Result {
    let backing = inode.backing().ok_or(EINVAL)?;
    inode.data().seals.0.store(seals, Ordering::Release);
    backing.lock().set_seals(seals & MEMFD_SEALS);
    Ok(())
}

/// `SEALFS_IOC_ADD_SEALS`: adds `seals` to the file's inode, in memfd's
/// exact order of checks (spec section 3), all of them or none.  See the
/// file comment for why the result holds.
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
    let backing = inode.backing().ok_or(EINVAL)?;
    let guard = inode.lock();
    let backing_guard = backing.lock();
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
    let own = guard.mapping();
    let pages = backing.mapping();
    let new_write_seal = seals & SEAL_WRITE != 0 && current & SEAL_WRITE == 0;
    if new_write_seal {
        own.deny_writable()?;
        if let Err(e) = stop_writers(pages) {
            own.allow_writable();
            return Err(e);
        }
    }
    // 6. All together, on both inodes.
    set.add(seals);
    // shmem knows memfd's seals; SEAL_FUTURE_EXEC needs no help there, as
    // nothing on the private mount can be executed (`rust/shmem.rs`).
    backing_guard.set_seals(set.get() & MEMFD_SEALS);
    if new_write_seal {
        // Point 3 of the file comment: the seal before the lift.  The
        // backing mapping stays denied (point 2).
        fence(Ordering::SeqCst);
        own.allow_writable();
    }
    Ok(())
}

/// How many times [`stop_writers`] looks for shared mappings with
/// `VM_MAYWRITE` that appeared while it was taking that away.
const DENY_TRIES: u32 = 4;

/// Steps (a) to (e) of the file comment: no shared mapping of the backing
/// file may be written, now or later, and no page is pinned, or `EBUSY`
/// (`EINTR` if a fatal signal comes while it waits).  On success the
/// backing mapping stays denied writable mappings.
fn stop_writers(pages: &Mapping) -> Result {
    let mut revoking = false;
    for _ in 0..DENY_TRIES {
        // (a); a file with no mapping at all has nothing to look at (one
        // mapped meanwhile is counted, and makes (d) fail and come back).
        if pages.is_mapped() && pages.count_vmas(blocks_write_seal) != 0 {
            return Err(EBUSY);
        }
        // Read-only shared mappings that may become writable: (b), then
        // (c).  Without any, memfd's order: (d), then (e).
        if pages.writable_mappings() != 0 {
            if !revoking {
                wait_for_pins(pages)?;
                revoking = true;
            }
            revoke_write_access(pages)?;
        }
        match pages.deny_writable() {
            Err(e) if e == EBUSY => continue,
            Err(e) => return Err(e),
            Ok(()) => {
                if let Err(e) = wait_for_pins(pages) {
                    pages.allow_writable();
                    return Err(e);
                }
                return Ok(());
            }
        }
    }
    Err(EBUSY)
}

/// Whether a mapping in this state makes `F_SEAL_WRITE` fail: a shared one
/// that is writable now, or that userfaultfd may fill.
fn blocks_write_seal(vma: VmaState) -> bool {
    vma.is_shared() && (vma.is_writable() || vma.is_userfaultfd_armed())
}

/// Step (c) of the file comment: takes `VM_MAYWRITE` away from every
/// shared mapping of `pages`, one address space at a time, or fails with
/// `EBUSY` if one is writable or registered with userfaultfd (a race with
/// (a)), or `EINTR`.  Mappings that appear meanwhile are left to (d).
fn revoke_write_access(pages: &Mapping) -> Result {
    for mm in pages.users_of_vmas(VmaState::is_shared_maywrite)? {
        // An unstable address space (a failed `fork`'s child, or one the
        // OOM reaper tears down) keeps its VMAs counted: (d) fails for it.
        let Some(locked) = mm.write_lock_stable()? else {
            continue;
        };
        // Nothing changes in this address space if one of its mappings
        // blocks the seal.
        locked.for_each_vma_of(pages, |vma| {
            if blocks_write_seal(vma.state()) {
                Err(EBUSY)
            } else {
                Ok(())
            }
        })?;
        locked.for_each_vma_of(pages, |vma| {
            if vma.state().is_shared_maywrite() {
                vma.try_clear_maywrite()
            } else {
                Ok(())
            }
        })?;
    }
    Ok(())
}

/// The last round of [`wait_for_pins`]: rounds 1 to 4 sleep 10, 20, 40 and
/// 80 ms before they look again, about 150 ms in all, as memfd's
/// `LAST_SCAN` (`(HZ << scan) / 200`).
const LAST_SCAN: u32 = 4;

/// Waits until no folio of `mapping` has references beyond the page cache
/// and the page tables mapping it; `EBUSY` if some still have after the
/// last round.  memfd's `memfd_wait_for_pins`: one walk marks the pinned
/// folios, later rounds look only at those.
///
/// A reference beyond those is a GUP pin (O_DIRECT, io_uring fixed
/// buffers), a `get_user_pages` or pipe reference (vmsplice, splice), or a
/// per-CPU LRU batch, which round 0 drains.  The holder could write the
/// page after the seal, so the seal must wait for it to go.  The caller
/// holds the backing inode's `i_rwsem`, which serialises the marks.
fn wait_for_pins(mapping: &Mapping) -> Result {
    // As memfd: the folios the caller just wrote sit in its CPU's LRU-add
    // batch; draining it locally is cheap and saves a round.
    lru_add_drain();
    if !mapping.mark_pinned() {
        return Ok(());
    }
    for scan in 0..=LAST_SCAN {
        let last = if scan == 0 {
            // The cheap cause first: references held by LRU batches.
            if let Err(e) = lru_add_drain_all() {
                mapping.recheck_pinned(true);
                return Err(e);
            }
            false
        } else {
            // Killed: this is the last look.
            task::sleep_killable_ms(5 << scan) || scan == LAST_SCAN
        };
        if !mapping.recheck_pinned(last) {
            return Ok(());
        }
        if last {
            break;
        }
    }
    Err(EBUSY)
}

/// `/proc/PID/fdinfo/N`: the seals, and what would make `F_SEAL_WRITE`
/// fail with `EBUSY` now (spec section 9): the shared mappings that may be
/// written (writable now, or registered with userfaultfd: read-only ones
/// do not count, the seal takes their `VM_MAYWRITE`), and the folios with
/// references beyond the page cache and the page tables.  Both are read racily, for a report.  Only the reader's
/// own CPU's LRU caches are drained first (a system-wide drain on every
/// read would let any reader disturb every CPU), so a folio just added on
/// another CPU can count as pinned until its batch drains; the seal's own
/// wait drains them all.
pub(crate) fn show_fdinfo(inode: &SealfsInode, out: &mut SeqFile<'_>) -> fmt::Result {
    writeln!(out, "seals:\t{:#06x}", inode.data().seals.get())?;
    if let Some(backing) = inode.backing() {
        let pages = backing.mapping();
        lru_add_drain();
        writeln!(
            out,
            "writable_mappings:\t{}",
            pages.count_vmas(blocks_write_seal)
        )?;
        writeln!(out, "pinned_folios:\t{}", pages.count_pinned())?;
    }
    Ok(())
}

/// `f_op->mmap`'s part: a write-sealed file may not get a new writable
/// shared mapping (`EPERM`), and its read-only shared mappings lose
/// `VM_MAYWRITE`, so `mprotect` cannot make them writable later (`EACCES`).
/// Private mappings are left alone: their writes never reach the file, and
/// clearing `VM_MAYWRITE` there would break copy-on-write (spec 8).
/// Under `SEAL_FUTURE_EXEC` no new mapping, shared or private, may be
/// executable (`EPERM`), and each loses `VM_MAYEXEC` (`mprotect`:
/// `EACCES`).
pub(crate) fn check_mmap(seals: &SealSet, vma: &VmaNew) -> Result {
    if seals.is_exec_sealed() {
        vma.try_clear_mayexec().map_err(|_| EPERM)?;
    }
    if !seals.is_write_sealed() || !vma.is_shared() {
        return Ok(());
    }
    vma.try_clear_maywrite().map_err(|_| EPERM)
}

/// `permission`'s part: under `SEAL_FUTURE_EXEC` the file cannot be
/// executed (`execve`, `execveat`, `fexecve`, `access(X_OK)`: `EACCES`),
/// whatever its mode.
pub(crate) fn check_permission(seals: &SealSet, exec: bool) -> Result {
    if exec && seals.is_exec_sealed() {
        return Err(EACCES);
    }
    Ok(())
}

/// `setattr`'s part: the x bits may not change against `EXEC` (as
/// `shmem_setattr`).  The size seals are the backing file's to check, as
/// it is the backing file that is truncated.  Called with `i_rwsem` held.
pub(crate) fn check_setattr(seals: &SealSet, mode: u16, attr: &SetAttr) -> Result {
    if let Some(new_mode) = attr.mode {
        if seals.get() & SEAL_EXEC != 0 && (mode ^ new_mode) & 0o111 != 0 {
            return Err(EPERM);
        }
    }
    Ok(())
}
