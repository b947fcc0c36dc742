// SPDX-License-Identifier: GPL-2.0

//! The shared mappings of a file that exist already, in whichever address
//! spaces they are: finding them (`mapping->i_mmap`), and taking the right
//! to write away from the read-only ones, under their address space's
//! `mmap_lock`.
//!
//! Lock order (`mm/rmap.c`): `mmap_lock` -> `i_mmap_rwsem`.  An address
//! space's `mmap_lock` is never taken under `i_mmap_rwsem`: the walks
//! below take a reference to an address space under `i_mmap_rwsem`, drop
//! it, and only then lock the address space.
//!
//! Nothing here changes a VMA while `i_mmap_rwsem` is held either:
//! changing flags waits for the VMA's per-VMA lock (`vma_start_write`),
//! whose holders (page faults) may reclaim memory, and reclaim takes
//! `i_mmap_rwsem` to unmap pages.  Under an address space's `mmap_lock`,
//! its own VMAs are walked (`find_vma`), not the file's tree: the cost is
//! that address space's, whoever else maps the file.

use super::{bindings, file::flags, folio::Mapping};
use core::{
    mem::offset_of,
    ptr::{read_volatile, NonNull},
};
use kernel::prelude::*;

/// What a walk sees of one VMA of a file: its flags, read under
/// `i_mmap_rwsem`, and whether userfaultfd watches it.
#[derive(Clone, Copy)]
pub(crate) struct VmaState {
    flags: usize,
    userfaultfd: bool,
}

impl VmaState {
    /// The state of `vma` now.
    ///
    /// # Safety
    ///
    /// `vma` must be valid for the call.
    unsafe fn read(vma: *mut bindings::vm_area_struct) -> Self {
        // SAFETY: valid (function safety requirement); a racing flag
        // change is read whole or not at all.
        unsafe {
            Self {
                flags: read_volatile(&raw const (*vma).__bindgen_anon_2.vm_flags),
                userfaultfd: bindings::sealfs_helper_userfaultfd_armed(vma),
            }
        }
    }

    /// Whether the mapping is shared (`VM_SHARED`): a `MAP_SHARED` mapping
    /// of a descriptor opened for writing.  Other `MAP_SHARED` mappings
    /// (of read-only descriptors) have only `VM_MAYSHARE` and can never
    /// write.
    pub(crate) fn is_shared(self) -> bool {
        self.flags & flags::SHARED != 0
    }

    /// Whether the mapping is shared and may be made writable: one of
    /// those counted in the file's `i_mmap_writable`
    /// (`vma_is_shared_maywrite`).
    pub(crate) fn is_shared_maywrite(self) -> bool {
        self.is_shared() && self.flags & flags::MAYWRITE != 0
    }

    /// Whether the mapping is writable now (`VM_WRITE`).
    pub(crate) fn is_writable(self) -> bool {
        self.flags & flags::WRITE != 0
    }

    /// Whether userfaultfd is registered on the mapping
    /// (`userfaultfd_armed`).  `UFFDIO_COPY` fills holes of a registered
    /// shared mapping without `VM_WRITE`, on the strength of the
    /// `VM_MAYWRITE` that registration required.
    pub(crate) fn is_userfaultfd_armed(self) -> bool {
        self.userfaultfd
    }
}

/// The VMA whose `shared.rb` node `node` is.
///
/// # Safety
///
/// `node` must be a node of a file's `i_mmap` tree.
unsafe fn vma_of(node: *mut bindings::rb_node) -> *mut bindings::vm_area_struct {
    // SAFETY: the nodes of `i_mmap` are the `shared.rb` fields of VMAs
    // (`vma_interval_tree_insert`), so this is `container_of`.
    unsafe {
        node.byte_sub(offset_of!(bindings::vm_area_struct, shared.rb))
            .cast()
    }
}

/// Nodes of `i_mmap` a walk visits between two reschedules.
const CHECK_SCHED: u32 = 256;

impl Mapping {
    /// Calls `f` on each VMA of the file, in any address space, with
    /// `i_mmap_rwsem` held for reading.  `f` must not sleep on anything
    /// reclaim may wait for (no allocation that may reclaim).
    fn walk_vmas(&self, mut f: impl FnMut(*mut bindings::vm_area_struct, VmaState)) {
        let mapping = self.as_ptr();
        let mut latency = 0;
        // SAFETY: the mapping is valid (type invariant of `Mapping`); the
        // lock is dropped below.
        unsafe { bindings::sealfs_helper_i_mmap_lock_read(mapping) };
        // SAFETY: `i_mmap` is the mapping's tree of VMAs, stable while its
        // lock is held.
        let mut node = unsafe { bindings::rb_first(&raw const (*mapping).i_mmap.rb_root) };
        while !node.is_null() {
            // SAFETY: `node` is in the tree, so its VMA is linked and valid
            // while the lock is held.  Its flags change under its address
            // space's `mmap_lock`, which we do not hold: a snapshot, read
            // once (`READ_ONCE`), as an rmap walk reads them.
            let (vma, state) = unsafe {
                let vma = vma_of(node);
                (vma, VmaState::read(vma))
            };
            f(vma, state);
            // SAFETY: `node` is in the tree, whose lock we hold.
            node = unsafe { bindings::rb_next(node) };
            latency += 1;
            if latency == CHECK_SCHED {
                latency = 0;
                // SAFETY: `i_mmap_rwsem` is a sleeping lock; the tree may
                // change only under it for writing, which we hold off.
                unsafe { bindings::sealfs_helper_cond_resched() };
            }
        }
        // SAFETY: taken above.
        unsafe { bindings::sealfs_helper_i_mmap_unlock_read(mapping) };
    }

    /// Whether the file has any VMA now (`mapping_mapped`), read without
    /// the lock: a VMA may be linked or unlinked as soon as it returns.
    pub(crate) fn is_mapped(&self) -> bool {
        // SAFETY: the mapping is valid (type invariant of `Mapping`); the
        // root's pointer is read once (`READ_ONCE`, as `RB_EMPTY_ROOT`).
        !unsafe { read_volatile(&raw const (*self.as_ptr()).i_mmap.rb_root.rb_node) }.is_null()
    }

    /// How many VMAs of the file, in any address space, `pred` accepts
    /// now.  A snapshot: they may change as soon as it is taken.
    pub(crate) fn count_vmas(&self, pred: impl Fn(VmaState) -> bool) -> usize {
        let mut count = 0;
        self.walk_vmas(|_, state| {
            count += usize::from(pred(state));
        });
        count
    }

    /// References to the address spaces that have VMAs of the file that
    /// `pred` accepts, each once (sorted by the address of their
    /// `mm_struct`).  VMAs linked after the walk are not seen.
    pub(crate) fn users_of_vmas(&self, pred: impl Fn(VmaState) -> bool) -> Result<KVVec<MmRef>> {
        // Room for one per VMA, allocated outside `i_mmap_rwsem` (reclaim
        // takes it), with `kvmalloc` as there may be many: VMAs linked
        // meanwhile beyond that room are left out.
        let room = self.count_vmas(&pred);
        let mut found = KVVec::<MmRef>::with_capacity(room, GFP_KERNEL)?;
        self.walk_vmas(|vma, state| {
            if pred(state) && found.len() < found.capacity() {
                // SAFETY: `vma` is linked in the tree, whose lock the walk
                // holds, so its address space has not been freed
                // (`exit_mmap` unlinks every VMA before the last `mmdrop`);
                // `mmgrab` keeps the structure from now on.
                let mm = unsafe {
                    let mm = (*vma).vm_mm;
                    bindings::sealfs_helper_mmgrab(mm);
                    mm
                };
                if let Some(mm) = NonNull::new(mm) {
                    // INVARIANT: `mmgrab` took a reference.  The room is
                    // reserved, so `push` does not allocate; on a failure
                    // the reference is dropped with the value.
                    let _ = found.push(MmRef(mm), GFP_NOWAIT);
                }
            }
        });
        // Each once: sorted, then the repeats dropped.
        found.as_mut_slice().sort_unstable_by_key(MmRef::addr);
        let mut users = KVVec::<MmRef>::with_capacity(found.len(), GFP_KERNEL)?;
        for mm in found {
            if users.as_slice().last().map(MmRef::addr) != Some(mm.addr()) {
                users.push(mm, GFP_KERNEL)?;
            }
        }
        Ok(users)
    }
}

/// A reference to an address space's structure (`mm_count`, as
/// `mmgrab`): the `mm_struct` and its `mmap_lock` stay until it is dropped
/// (`mmdrop`).  Its VMAs may still go, with the process (`exit_mmap`), but
/// only under that lock for writing.
///
/// # Invariants
///
/// The pointer is a valid `mm_struct` whose `mm_count` this holds one of.
pub(crate) struct MmRef(NonNull<bindings::mm_struct>);

impl MmRef {
    /// The address of the `mm_struct`, which tells address spaces apart.
    fn addr(&self) -> usize {
        self.0.as_ptr() as usize
    }

    /// Takes the address space's `mmap_lock` for writing (`EINTR` if a
    /// fatal signal comes first), under which its VMAs' flags may change;
    /// `None` (unlocked again) if the address space is unstable
    /// (`MMF_UNSTABLE`): the child of a `fork` that failed part way, whose
    /// VMA tree still holds its parent's VMAs past the failure, or one the
    /// OOM reaper is tearing down.  Such an address space is only ever
    /// torn down; as uprobes does (`register_for_each_vma`), it is left
    /// alone.
    pub(crate) fn write_lock_stable(&self) -> Result<Option<MmapWriteGuard<'_>>> {
        let mm = self.0.as_ptr();
        // SAFETY: the address space is valid (type invariant).
        let ret = unsafe { bindings::sealfs_helper_mmap_write_lock_killable(mm) };
        kernel::error::to_result(ret)?;
        // SAFETY: as above; the flag is set under `mmap_lock` for writing
        // (`dup_mmap`) or before the reaper takes it, and never cleared.
        if unsafe { bindings::sealfs_helper_check_stable_address_space(mm) } != 0 {
            // SAFETY: locked just above, by this task.
            unsafe { bindings::sealfs_helper_mmap_write_unlock(mm) };
            return Ok(None);
        }
        // INVARIANT: locked just above, and stable.
        Ok(Some(MmapWriteGuard(self)))
    }
}

impl Drop for MmRef {
    fn drop(&mut self) {
        // SAFETY: the reference is ours (type invariant).  The last one
        // frees the structure (`__mmdrop`), which sleeps on no lock the
        // caller may hold; the address space itself was torn down when
        // its last user went (`mmput`), not here.
        unsafe { bindings::sealfs_helper_mmdrop(self.0.as_ptr()) };
    }
}

/// An address space whose `mmap_lock` is held for writing.
///
/// # Invariants
///
/// The `mmap_lock` of the wrapped address space is held for writing by
/// this task until the guard drops, and the address space is stable: every
/// VMA in its tree is its own.
pub(crate) struct MmapWriteGuard<'a>(&'a MmRef);

impl MmapWriteGuard<'_> {
    /// Calls `f` on each VMA of `mapping`'s file in this address space, in
    /// address order, until it fails; returns that error.  The VMAs stay
    /// valid, and only this task may change them, while the lock is held.
    pub(crate) fn for_each_vma_of(
        &self,
        mapping: &Mapping,
        mut f: impl FnMut(&LockedVma) -> Result,
    ) -> Result {
        let mm = self.0 .0.as_ptr();
        let mut addr = 0;
        let mut latency = 0;
        loop {
            // SAFETY: `mm` is valid and its `mmap_lock` held (type
            // invariant), as `find_vma` needs.
            let vma = unsafe { bindings::find_vma(mm, addr) };
            if vma.is_null() {
                return Ok(());
            }
            // SAFETY: the tree holds only this address space's VMAs (type
            // invariant: stable), and one of them cannot be unlinked, freed
            // or changed without the `mmap_lock` that we hold for writing
            // (`munmap`, `mremap`, `exit_mmap`), so it is valid for the
            // guard's borrow; `vm_file` is set for a VMA's life.
            let (end, ours) = unsafe {
                let file = (*vma).vm_file;
                (
                    (*vma).__bindgen_anon_1.__bindgen_anon_1.vm_end,
                    !file.is_null() && (*file).f_mapping == mapping.as_ptr(),
                )
            };
            if ours {
                // SAFETY: as above, and it is a VMA of a file.
                f(unsafe { LockedVma::from_raw(vma) })?;
            }
            addr = end;
            latency += 1;
            if latency == CHECK_SCHED {
                latency = 0;
                // SAFETY: `mmap_lock` is a sleeping lock.
                unsafe { bindings::sealfs_helper_cond_resched() };
            }
        }
    }
}

impl Drop for MmapWriteGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: locked by this task (type invariant).
        unsafe { bindings::sealfs_helper_mmap_write_unlock(self.0 .0.as_ptr()) };
    }
}

/// A VMA of a file whose address space's `mmap_lock` we hold for writing.
///
/// # Invariants
///
/// The wrapped VMA is valid, has a file, and its address space's
/// `mmap_lock` is held for writing by this task, for the borrow's life.
#[repr(transparent)]
pub(crate) struct LockedVma(kernel::types::Opaque<bindings::vm_area_struct>);

impl LockedVma {
    /// # Safety
    ///
    /// `ptr` must be a VMA of a file, valid with its address space's
    /// `mmap_lock` held for writing by this task, for `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::vm_area_struct) -> &'a Self {
        // SAFETY: `repr(transparent)`, and valid for `'a` by the caller.
        unsafe { &*ptr.cast() }
    }

    fn flags(&self) -> usize {
        // SAFETY: the VMA is valid (type invariant).
        unsafe { (*self.0.get()).__bindgen_anon_2.vm_flags }
    }

    /// Its flags, and whether userfaultfd watches it; stable while the
    /// lock is held.
    pub(crate) fn state(&self) -> VmaState {
        // SAFETY: the VMA is valid (type invariant).
        unsafe { VmaState::read(self.0.get()) }
    }

    /// Takes `VM_MAYWRITE` away from a shared mapping that is not writable
    /// now, so that it cannot be made writable (`mprotect`: `EACCES`;
    /// userfaultfd registration: `EPERM`), and stops counting it in its
    /// file's `i_mmap_writable`, as a mapping made without `VM_MAYWRITE`
    /// is not counted.  The mapping stays `VM_SHARED`: `remap_file_pages`
    /// maps its file again, through `do_mmap`, whose checks decide then
    /// (on a write-sealed file, `memfd_check_seals_mmap` clears the bit
    /// again).  `EINVAL` if it is writable now, or not shared with
    /// `VM_MAYWRITE`.
    pub(crate) fn try_clear_maywrite(&self) -> Result {
        let vm_flags = self.flags();
        if vm_flags & flags::WRITE != 0
            || vm_flags & (flags::SHARED | flags::MAYWRITE) != flags::SHARED | flags::MAYWRITE
        {
            return Err(EINVAL);
        }
        let vma = self.0.get();
        // A shared `VM_MAYWRITE` VMA was counted in its file's mapping when
        // it was linked (`__vma_link_file`, `dup_mmap`), and
        // `__remove_shared_vm_struct` uncounts it only while it still has
        // `VM_MAYWRITE`: the count moves from the VMA's end to now, under
        // the same lock, and stays the number of such VMAs.
        // SAFETY: the VMA is valid, has a file, and its `mmap_lock` is held
        // for writing (type invariant), as `vm_flags_clear` needs.
        unsafe {
            bindings::sealfs_helper_vm_flags_clear(vma, flags::MAYWRITE as _);
            bindings::sealfs_helper_mapping_unmap_writable((*(*vma).vm_file).f_mapping);
        }
        Ok(())
    }
}
