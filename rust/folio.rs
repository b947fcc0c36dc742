// SPDX-License-Identifier: GPL-2.0

//! The page cache of a file (`struct address_space`): its count of
//! writable shared mappings, and the folios that someone beyond the page
//! cache and the page tables holds (pins), as `mm/memfd.c` finds them.

use super::{bindings, lockdep::StaticLockClassKey};
use core::mem::MaybeUninit;
use kernel::{
    ffi::{c_ulong, c_void},
    prelude::*,
    types::Opaque,
};

/// The xarray mark of folios found pinned: memfd's `MEMFD_TAG_PINNED`.
/// Nothing else uses it on a shmem mapping, which has no writeback.
const TAG_PINNED: bindings::xa_mark_t = bindings::sealfs_const_PAGECACHE_TAG_TOWRITE;
/// Entries looked at between two reschedules (`XA_CHECK_SCHED`).
const CHECK_SCHED: u32 = 4096;

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

    /// The raw `address_space`, for the walks of its VMAs (`super::mm`).
    pub(crate) fn as_ptr(&self) -> *mut bindings::address_space {
        self.0.get()
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

    /// How many shared mappings that may be written exist (the count
    /// `F_SEAL_WRITE` refuses, `i_mmap_writable`; 0 once denied).
    pub(crate) fn writable_mappings(&self) -> u32 {
        // SAFETY: the mapping is valid (type invariant); a racy read of a
        // counter, for a report.
        let count = unsafe {
            bindings::sealfs_helper_atomic_read(&raw const (*self.0.get()).i_mmap_writable)
        };
        count.max(0) as u32
    }

    /// How many folios have references beyond the page cache and their
    /// page-table mappings now (see [`Mapping::mark_pinned`]); marks
    /// nothing.
    pub(crate) fn count_pinned(&self) -> usize {
        let mut pinned = 0;
        self.walk(None, |_, folio| {
            // SAFETY: the walk gives folios of the page cache, under its
            // lock.
            if unsafe { has_extra_refs(folio) } {
                pinned += 1;
            }
        });
        pinned
    }

    /// Marks every folio that has references beyond the page cache and
    /// its page-table mappings; returns whether it marked any.  As memfd's
    /// `memfd_tag_pins`, the walk takes no folio reference: it looks at
    /// each entry under the xarray lock, so a 1 GiB file costs one pass
    /// over the tree, not a reference per folio.
    ///
    /// The caller must serialise with other users of the mark: sealfs
    /// calls it with the inode's `i_rwsem` held.
    pub(crate) fn mark_pinned(&self) -> bool {
        let mut marked = false;
        self.walk(None, |xas, folio| {
            // SAFETY: the walk gives folios of the page cache, under its
            // lock.
            if unsafe { has_extra_refs(folio) } {
                // SAFETY: `xas` is at `folio`'s entry, under the lock.
                unsafe { bindings::xas_set_mark(xas, TAG_PINNED) };
                marked = true;
            }
        });
        marked
    }

    /// Looks again at the marked folios: unmarks those that are no longer
    /// pinned, and all of them if `last`; returns whether any still is.
    pub(crate) fn recheck_pinned(&self, last: bool) -> bool {
        let mut pinned = false;
        self.walk(Some(TAG_PINNED), |xas, folio| {
            // SAFETY: the walk gives folios of the page cache, under its
            // lock.
            let still = unsafe { has_extra_refs(folio) };
            pinned |= still;
            if !still || last {
                // SAFETY: `xas` is at `folio`'s entry, under the lock.
                unsafe { bindings::xas_clear_mark(xas, TAG_PINNED) };
            }
        });
        pinned
    }

    /// Calls `f` on each folio of the mapping (only those marked `mark`,
    /// if given), with the xarray lock held and the state at its entry.
    /// Swap entries (values) are skipped.  The lock is dropped every
    /// `CHECK_SCHED` entries to reschedule, as memfd's walk does.
    fn walk(
        &self,
        mark: Option<bindings::xa_mark_t>,
        mut f: impl FnMut(*mut bindings::xa_state, *mut bindings::folio),
    ) {
        // SAFETY: the mapping is valid (type invariant); `i_pages` lives
        // as long as it.
        let xa = unsafe { &raw mut (*self.0.get()).i_pages };
        // `XA_STATE(xas, xa, 0)`.
        let mut xas = bindings::xa_state {
            xa,
            xa_index: 0,
            xa_shift: 0,
            xa_sibs: 0,
            xa_offset: 0,
            xa_pad: 0,
            xa_node: XAS_RESTART as *mut bindings::xa_node,
            xa_alloc: core::ptr::null_mut(),
            xa_update: None,
            xa_lru: core::ptr::null_mut(),
        };
        let mut latency = 0;
        // SAFETY: `xa` is valid; the lock is dropped below.
        unsafe { bindings::sealfs_helper_xa_lock_irq(xa) };
        // `xas_for_each` and `xas_for_each_marked`: the first entry, then
        // the next one from where the walk stands (the inline fast path
        // within a node, `xas_find*` across nodes or after a pause).
        // SAFETY: `xas` walks `xa`, whose lock we hold.
        let mut entry = unsafe {
            match mark {
                Some(mark) => bindings::xas_find_marked(&mut xas, c_ulong::MAX, mark),
                None => bindings::xas_find(&mut xas, c_ulong::MAX),
            }
        };
        while !entry.is_null() {
            // A value entry is a swapped-out page: no folio, no pin.
            if entry as usize & 1 == 0 {
                f(&mut xas, entry.cast());
            }
            latency += 1;
            if latency == CHECK_SCHED {
                latency = 0;
                // SAFETY: `xas_pause` lets the walk go on after the lock
                // is retaken; we hold it now, as the unlock needs.
                unsafe {
                    bindings::xas_pause(&mut xas);
                    bindings::sealfs_helper_xa_unlock_irq(xa);
                    bindings::sealfs_helper_cond_resched();
                    bindings::sealfs_helper_xa_lock_irq(xa);
                }
            }
            // SAFETY: as above; each call moves on from the last entry.
            entry = unsafe {
                match mark {
                    Some(mark) => {
                        bindings::sealfs_helper_xas_next_marked(&mut xas, c_ulong::MAX, mark)
                    }
                    None => next_entry(&mut xas, c_ulong::MAX),
                }
            };
        }
        // SAFETY: taken above.
        unsafe { bindings::sealfs_helper_xa_unlock_irq(xa) };
    }
}

/// `XAS_RESTART`: the state of an `xa_state` that has not walked yet.
const XAS_RESTART: usize = 3;
/// The offset of the last slot of an xarray node (`XA_CHUNK_MASK`).
const XA_CHUNK_MASK: c_ulong = bindings::sealfs_const_XA_CHUNK_MASK;

/// `xas_next_entry()`: the next present entry after the one `xas` stands
/// on, up to index `max`; null at the end.
///
/// The C function is static inline, and this is its body: the common step
/// reads the next slot of the same leaf node, and anything else (a node
/// boundary, a special entry, a paused or restarted state) goes to the
/// exported `xas_find()`, as there.  It is written out here rather than
/// reached through `rust/helpers.c` because the pin scan takes this step
/// once per folio: an out-of-line call per step made `F_SEAL_WRITE` on a
/// 1 GiB file of 4 KiB folios take 1.5 times as long as memfd's own
/// (inlined) walk of the same xarray.
///
/// # Safety
///
/// `xas` must walk an xarray whose lock the caller holds, from an entry
/// that `xas_find` or this function returned, or from a state that
/// `xas_pause` left (a special state: the slow path, as in C).
#[inline(always)]
unsafe fn next_entry(xas: &mut bindings::xa_state, max: c_ulong) -> *mut c_void {
    let node = xas.xa_node;
    // `xas_not_node()`: no node, or a special state (low bits set); then
    // a node that is not a leaf, or an offset that is not the index's:
    // the slow path.
    let in_leaf = !node.is_null()
        && node as usize & 3 == 0
        // SAFETY: a pointer without the low bits is a node of the xarray,
        // alive under its lock (function safety requirement).
        && unsafe { (*node).shift } == 0
        && c_ulong::from(xas.xa_offset) == xas.xa_index & XA_CHUNK_MASK;
    if !in_leaf {
        // SAFETY: as required by `xas_find`, which this is the slow path of.
        return unsafe { bindings::xas_find(xas, max) };
    }
    loop {
        if xas.xa_index >= max || c_ulong::from(xas.xa_offset) == XA_CHUNK_MASK {
            // SAFETY: as above.
            return unsafe { bindings::xas_find(xas, max) };
        }
        // `xa_entry()`: a `READ_ONCE` of the slot (`rcu_dereference_check`
        // under the lock).  The offset is below `XA_CHUNK_MASK`, so the
        // slot is in the node's array.
        // SAFETY: `node` is a live leaf node (checked above).
        let entry = unsafe {
            core::ptr::read_volatile(&raw const (*node).slots[usize::from(xas.xa_offset) + 1])
        };
        // `xa_is_internal()`: a sibling, retry or zero entry: slow path.
        if entry as usize & 3 == 2 {
            // SAFETY: as above.
            return unsafe { bindings::xas_find(xas, max) };
        }
        xas.xa_offset += 1;
        xas.xa_index += 1;
        if !entry.is_null() {
            return entry;
        }
    }
}

/// memfd's `memfd_folio_has_extra_refs`: a folio's references are the
/// page cache's (one per page) and its page-table mappings'; any other is
/// a pin, a pipe buffer, an LRU batch or a transient lookup.
///
/// Inline, as it runs once per folio; the uncommon case is not.
///
/// # Safety
///
/// `folio` must be in a page cache whose xarray lock the caller holds, so
/// that it cannot be freed or split.
#[inline(always)]
unsafe fn has_extra_refs(folio: *mut bindings::folio) -> bool {
    // `folio_ref_count()` and `folio_test_large()`: an `atomic_read()` and
    // a flag, read here rather than through helpers, as this runs once per
    // folio (see `next_entry`).  Both are read racily, as memfd reads them.
    // SAFETY: `folio` is valid (function safety requirement).
    let (refs, flags) = unsafe {
        let page = &raw const (*folio).__bindgen_anon_1.page;
        (
            core::ptr::read_volatile(&raw const (*page)._refcount.counter),
            core::ptr::read_volatile(&raw const (*page).flags),
        )
    };
    if flags & (1 << bindings::pageflags_PG_head) != 0 {
        // A large folio: `folio_large_mapcount()` and `folio_nr_pages()`,
        // the fields of its first tail page.  Read here too, as with the
        // default `huge=within_size` each folio of a large file is one:
        // two helper calls per folio made `F_SEAL_WRITE` on 1 GiB take 1.8
        // times as long as memfd's walk of the same huge folios.
        // `_folio_nr_pages` exists on 64-bit kernels only, as this reading
        // of `folio_nr_pages()`: elsewhere this does not compile.
        // SAFETY: a large folio has its first tail page, valid as the
        // folio is (function safety requirement); the counts are read
        // racily, as memfd reads them; the size cannot change under the
        // xarray lock.
        let (mapcount, pincount, nr_pages) = unsafe {
            let tail = &raw const (*folio).__bindgen_anon_2.__bindgen_anon_1;
            (
                core::ptr::read_volatile(&raw const (*tail)._large_mapcount.counter) + 1,
                core::ptr::read_volatile(&raw const (*tail)._pincount.counter),
                (*tail)._folio_nr_pages,
            )
        };
        // Beyond memfd: `folio_maybe_dma_pinned()` as well.  memfd's
        // formula alone can miss a pin of a large folio while a fault maps
        // several of its pages, as `filemap_map_folio_range()` raises the
        // mapcount by that many before the references; a `FOLL_PIN` pin
        // (O_DIRECT, io_uring) also counts in `_pincount`, which no
        // mapping changes.  It adds no refusal memfd would not make: each
        // such pin is a reference too.
        return pincount > 0 || i64::from(refs) - i64::from(mapcount) != i64::from(nr_pages);
    }
    // The common case: a small folio with only the page cache's reference.
    // A mapping holds a reference of its own, so that is a small, unmapped
    // folio with nothing extra: the full formula gives the same answer.
    if refs == 1 {
        return false;
    }
    // SAFETY: as required by the callee, which is this function's.
    unsafe { has_extra_refs_small(folio, refs) }
}

/// The rest of [`has_extra_refs`], out of line: a small folio that is
/// mapped or has references beyond the page cache's.  Its mapcount is
/// `folio_mapcount()`'s, which also knows the page types that reuse the
/// field.
///
/// # Safety
///
/// As for [`has_extra_refs`], and `folio` is small.
#[inline(never)]
unsafe fn has_extra_refs_small(folio: *mut bindings::folio, refs: i32) -> bool {
    // SAFETY: `folio` is valid (function safety requirement).
    i64::from(refs) - i64::from(unsafe { bindings::sealfs_helper_folio_mapcount(folio) }) != 1
}

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
                DRAIN_WORK_KEY.as_ptr(),
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

/// The lockdep class of the drain work items.
static DRAIN_WORK_KEY: StaticLockClassKey = StaticLockClassKey::new();

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
