// SPDX-License-Identifier: GPL-2.0

//! The page cache of a file (`struct address_space`) and its folios.
//!
//! A [`Mapping`] is borrowed from its inode.  Folios are seen two ways: as
//! a [`Folio`] borrowed during a scan of the mapping (the scan holds a
//! reference on each for the scan's batch), or as a [`LockedFolio`], an
//! owned reference with the folio lock held, for filling a new folio.

use super::bindings;
use core::{mem::MaybeUninit, ops::ControlFlow, ptr::NonNull};
use kernel::{prelude::*, types::Opaque};

/// The page cache of an inode.
///
/// # Invariants
///
/// The wrapped `address_space` is valid for the lifetime of the borrow.
#[repr(transparent)]
pub(crate) struct Mapping(Opaque<bindings::address_space>);

impl Mapping {
    /// # Safety
    ///
    /// `ptr` must be a valid `address_space` that outlives `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::address_space) -> &'a Self {
        // SAFETY: `repr(transparent)`, and valid for `'a` by the caller.
        unsafe { &*ptr.cast() }
    }

    /// How many pages the page cache holds now.
    pub(crate) fn nr_pages(&self) -> usize {
        // SAFETY: the mapping is valid (type invariant).
        unsafe { bindings::sealfs_helper_mapping_nrpages(self.0.get()) as usize }
    }

    /// Stops new writable shared mappings (`mapping_deny_writable`); fails
    /// with `EBUSY` if one exists.  Undone by [`Mapping::allow_writable`].
    pub(crate) fn deny_writable(&self) -> Result {
        // SAFETY: the mapping is valid (type invariant).
        kernel::error::to_result(unsafe {
            bindings::sealfs_helper_mapping_deny_writable(self.0.get())
        })
    }

    /// Undoes one successful [`Mapping::deny_writable`].
    pub(crate) fn allow_writable(&self) {
        // SAFETY: the mapping is valid (type invariant); the caller undoes
        // its own denial.
        unsafe { bindings::sealfs_helper_mapping_allow_writable(self.0.get()) };
    }

    /// Calls `f` on every folio of the page cache from page index `start`,
    /// in index order, until `f` breaks.  Each folio is referenced by the
    /// scan while `f` sees it (that reference is part of its count).
    pub(crate) fn scan_folios(&self, start: usize, mut f: impl FnMut(&Folio) -> ControlFlow<()>) {
        let mut batch = MaybeUninit::<bindings::folio_batch>::uninit();
        let batch = batch.as_mut_ptr();
        let mut index = start as _;
        // SAFETY: `batch` is ours; `folio_batch_init` initialises it.
        unsafe { bindings::sealfs_helper_folio_batch_init(batch) };
        loop {
            // SAFETY: the mapping is valid; `filemap_get_folios` fills the
            // batch with referenced folios and advances `index`.
            let nr = unsafe {
                bindings::filemap_get_folios(self.0.get(), &mut index, usize::MAX as _, batch)
            };
            if nr == 0 {
                return;
            }
            let mut flow = ControlFlow::Continue(());
            for i in 0..nr as usize {
                // SAFETY: the first `nr` slots hold referenced folios.
                let folio = unsafe { Folio::from_raw((*batch).folios[i]) };
                flow = f(folio);
                if flow.is_break() {
                    break;
                }
            }
            // SAFETY: drops the batch's references; it is reinitialised.
            unsafe { bindings::sealfs_helper_folio_batch_release(batch) };
            if flow.is_break() || index == 0 {
                return;
            }
            // SAFETY: we hold no lock here.
            unsafe { bindings::sealfs_helper_cond_resched() };
        }
    }

    /// The folio at page `index`, created (not uptodate) if there is none,
    /// locked and referenced.
    pub(crate) fn get_or_create_folio(&self, index: usize) -> Result<LockedFolio> {
        // SAFETY: the mapping is valid; `__filemap_get_folio` returns a
        // referenced, locked folio (FGP_LOCK) or an `ERR_PTR`.
        let folio = unsafe {
            let gfp = (*self.0.get()).gfp_mask;
            bindings::__filemap_get_folio(
                self.0.get(),
                index as _,
                bindings::sealfs_const_FGP_LOCK
                    | bindings::sealfs_const_FGP_CREAT
                    | bindings::sealfs_const_FGP_WRITE,
                gfp,
            )
        };
        // SAFETY: the result is a folio or an `ERR_PTR`.
        if unsafe { bindings::IS_ERR(folio.cast()) } {
            // SAFETY: as above.
            return Err(Error::from_errno(
                unsafe { bindings::PTR_ERR(folio.cast()) } as i32,
            ));
        }
        // INVARIANT: locked and referenced, as just said.
        Ok(LockedFolio(NonNull::new(folio).ok_or(ENOMEM)?))
    }
}

/// A folio of the page cache, referenced by whoever lent it.
///
/// # Invariants
///
/// The wrapped folio is valid and referenced for the borrow's lifetime.
#[repr(transparent)]
pub(crate) struct Folio(Opaque<bindings::folio>);

impl Folio {
    /// # Safety
    ///
    /// `ptr` must be a valid folio, referenced for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::folio) -> &'a Self {
        // SAFETY: `repr(transparent)`, and valid for `'a` by the caller.
        unsafe { &*ptr.cast() }
    }

    /// The byte offset of the folio in its file.
    pub(crate) fn pos(&self) -> i64 {
        // SAFETY: the folio is valid (type invariant).
        unsafe { bindings::sealfs_helper_folio_pos(self.0.get()) }
    }

    /// The folio's size in bytes.
    pub(crate) fn size(&self) -> usize {
        // SAFETY: the folio is valid (type invariant).
        unsafe { bindings::sealfs_helper_folio_size(self.0.get()) }
    }

    /// Whether the folio holds the file's data (zeroes or written bytes).
    pub(crate) fn is_uptodate(&self) -> bool {
        // SAFETY: the folio is valid (type invariant).
        unsafe { bindings::sealfs_helper_folio_test_uptodate(self.0.get()) }
    }

    /// Whether the folio is allocated to the file: it holds data, or it
    /// was reserved by `fallocate` and reads as zeroes until written (dirty
    /// but not uptodate, shmem's "fallocated but unwritten" state).  Such a
    /// folio is charged, and a hole to `SEEK_DATA`, as shmem's.
    pub(crate) fn is_allocated(&self) -> bool {
        // SAFETY: the folio is valid (type invariant).
        self.is_uptodate() || unsafe { bindings::sealfs_helper_folio_test_dirty(self.0.get()) }
    }

    /// The references to the folio beyond what the page cache (one per
    /// page), the page tables mapping it (one per mapping), and `held` more
    /// known holders account for: GUP pins (each worth
    /// `GUP_PIN_COUNTING_BIAS`), `get_user_pages` and pipe references, or a
    /// per-CPU LRU batch that has not been drained yet.
    pub(crate) fn extra_refs(&self, held: i64) -> i64 {
        let folio = self.0.get();
        // SAFETY: the folio is valid (type invariant).
        let (refs, mapped, pages) = unsafe {
            (
                bindings::sealfs_helper_folio_ref_count(folio),
                bindings::sealfs_helper_folio_mapcount(folio),
                bindings::sealfs_helper_folio_nr_pages(folio),
            )
        };
        i64::from(refs) - i64::from(mapped) - pages as i64 - held
    }
}

/// A referenced, locked folio of the page cache.
///
/// # Invariants
///
/// `self.0` is a valid folio in a page cache, locked, with a reference
/// owned by this value; both are released on drop.
pub(crate) struct LockedFolio(NonNull<bindings::folio>);

impl LockedFolio {
    /// Borrows the folio.
    pub(crate) fn folio(&self) -> &Folio {
        // SAFETY: the folio is referenced while `self` lives (invariant).
        unsafe { Folio::from_raw(self.0.as_ptr()) }
    }

    /// Reserves a new folio for the file without filling it (`fallocate`):
    /// marks it dirty, so that nothing drops it from the cache (only
    /// truncation may), and leaves it not uptodate, so that it reads as
    /// zeroes and counts as a hole until it is first written or faulted in
    /// (`read_folio` and `write_begin` zero it then).  See
    /// [`Folio::is_allocated`].
    pub(crate) fn mark_allocated(&self) {
        // SAFETY: the folio is locked and referenced (type invariant).
        unsafe { bindings::folio_mark_dirty(self.0.as_ptr()) };
    }

    /// Fills the folio with zeroes and marks it uptodate: it holds data.
    pub(crate) fn zero_and_mark_uptodate(&self) {
        let folio = self.0.as_ptr();
        // SAFETY: the folio is locked and referenced (type invariant), as
        // these need.
        unsafe {
            bindings::sealfs_helper_folio_zero_range(folio, 0, self.folio().size());
            bindings::sealfs_helper_folio_mark_uptodate(folio);
        }
    }
}

impl Drop for LockedFolio {
    fn drop(&mut self) {
        // SAFETY: the lock and reference are ours (type invariant).
        unsafe {
            bindings::folio_unlock(self.0.as_ptr());
            bindings::sealfs_helper_folio_put(self.0.as_ptr());
        }
    }
}

/// Drains every CPU's LRU caches (the per-CPU folio batches), as
/// `lru_add_drain_all()`, which is not exported to modules.
///
/// A folio just added to the page cache waits in its CPU's LRU-add batch,
/// which holds a reference: to a pin scan it looks pinned until the batch
/// is drained.  This runs a work item on each online CPU that releases an
/// empty `folio_batch`; `__folio_batch_release()` (exported) drains the
/// local CPU's LRU caches (`lru_add_drain()`) on the first release of a
/// batch, which is what `lru_add_drain_all()`'s per-CPU work does.
pub(crate) fn lru_add_drain_all() -> Result {
    // SAFETY: reading the number of possible CPU ids, fixed at boot.
    let nr_cpus = unsafe { bindings::nr_cpu_ids } as usize;
    let mut works = KVec::<Opaque<bindings::work_struct>>::with_capacity(nr_cpus, GFP_KERNEL)?;
    // SAFETY: pins the set of online CPUs until the unlock below, so each
    // work runs on the CPU it was queued on.
    unsafe { bindings::cpus_read_lock() };
    // Only the address of the kernel's online mask is taken here.
    let online = &raw const bindings::__cpu_online_mask;
    // SAFETY: as above.
    let mut cpu = unsafe { bindings::sealfs_helper_cpumask_next(-1, online) } as usize;
    while cpu < nr_cpus && works.len() < works.capacity() {
        // The capacity is reserved: `push` does not move earlier items,
        // which the workqueue points to.
        if works.push(Opaque::uninit(), GFP_KERNEL).is_err() {
            break;
        }
        let last = works.len() - 1;
        let work = works[last].get();
        // SAFETY: `work` is ours and not queued; it stays put until it has
        // been flushed below; `drain_work` has the right signature.
        unsafe {
            bindings::init_work_with_key(
                work,
                Some(drain_work),
                false,
                kernel::c_str!("sealfs_lru_drain").as_char_ptr(),
                DRAIN_WORK_KEY.0.get(),
            );
            bindings::queue_work_on(cpu as i32, bindings::system_wq, work);
            cpu = bindings::sealfs_helper_cpumask_next(cpu as i32, online) as usize;
        }
    }
    for work in works.iter() {
        // SAFETY: every item was initialised and queued above.
        unsafe { bindings::flush_work(work.get()) };
    }
    // SAFETY: taken above.
    unsafe { bindings::cpus_read_unlock() };
    Ok(())
}

/// The lockdep class of the drain work items, in static storage as
/// lockdep needs.
struct LockClassKey(Opaque<bindings::lock_class_key>);

// SAFETY: only lockdep touches the key, under its own locking.
unsafe impl Sync for LockClassKey {}

static DRAIN_WORK_KEY: LockClassKey = LockClassKey(Opaque::uninit());

/// Drains the LRU caches of the CPU we run on, as `lru_add_drain()` (not
/// exported): the folios this task just added to the page cache, which
/// its CPU's LRU-add batch still holds, stop looking pinned.
pub(crate) fn lru_add_drain() {
    let mut batch = MaybeUninit::<bindings::folio_batch>::uninit();
    // SAFETY: `batch` is ours; once initialised it is empty and not yet
    // "drained", so `__folio_batch_release` drains this CPU's LRU caches
    // and puts no folio.
    unsafe {
        bindings::sealfs_helper_folio_batch_init(batch.as_mut_ptr());
        bindings::__folio_batch_release(batch.as_mut_ptr());
    }
}

/// The work of [`lru_add_drain_all`] on one CPU.
///
/// # Safety
///
/// Called by the workqueue, in process context.
unsafe extern "C" fn drain_work(_work: *mut bindings::work_struct) {
    lru_add_drain();
}
