// SPDX-License-Identifier: GPL-2.0

//! What sealfs asks of the calling task: its pid namespace's
//! `vm.memfd_noexec`, its user namespace's ids, and killable sleeps.

use super::bindings;
use kernel::prelude::*;

/// A user id in the kernel's global space (`kuid_t`).
pub(crate) type Kuid = bindings::kuid_t;
/// A group id in the kernel's global space (`kgid_t`).
pub(crate) type Kgid = bindings::kgid_t;

/// `vm.memfd_noexec` as it applies to the caller: the strictest value of
/// its pid namespace and the namespaces above it
/// (`pidns_memfd_noexec_scope`, as memfd_create(2) reads it).
pub(crate) fn memfd_noexec_scope() -> u32 {
    // SAFETY: `current` is always valid in process context, and its
    // active pid namespace lives as long as the task.
    let scope = unsafe {
        let ns = bindings::task_active_pid_ns(bindings::get_current());
        bindings::sealfs_helper_pidns_memfd_noexec_scope(ns)
    };
    scope.max(0) as u32
}

/// The kernel user id of `uid` in the caller's user namespace; `EINVAL`
/// if it has no mapping there.
pub(crate) fn kuid_of(uid: u32) -> Result<Kuid> {
    // SAFETY: the caller's user namespace is valid in process context.
    let kuid = unsafe { bindings::make_kuid(bindings::sealfs_helper_current_user_ns(), uid) };
    // SAFETY: a plain value check.
    if !unsafe { bindings::sealfs_helper_uid_valid(kuid) } {
        return Err(EINVAL);
    }
    Ok(kuid)
}

/// The kernel group id of `gid` in the caller's user namespace; `EINVAL`
/// if it has no mapping there.
pub(crate) fn kgid_of(gid: u32) -> Result<Kgid> {
    // SAFETY: the caller's user namespace is valid in process context.
    let kgid = unsafe { bindings::make_kgid(bindings::sealfs_helper_current_user_ns(), gid) };
    // SAFETY: a plain value check.
    if !unsafe { bindings::sealfs_helper_gid_valid(kgid) } {
        return Err(EINVAL);
    }
    Ok(kgid)
}

/// Sleeps for `ms` milliseconds unless a fatal signal comes; returns
/// whether one did.
pub(crate) fn sleep_killable_ms(ms: u32) -> bool {
    // SAFETY: converts a duration; no state involved.
    let jiffies = unsafe { bindings::__msecs_to_jiffies(ms) };
    // SAFETY: we sleep in process context and hold no spinlock (callers
    // hold at most sleeping locks).
    unsafe { bindings::schedule_timeout_killable(jiffies as _) };
    // SAFETY: checks the current task's signals.
    unsafe { bindings::sealfs_helper_fatal_signal_pending() }
}

/// `uid` as the initial user namespace sees it (`/proc/mounts`, as tmpfs
/// shows it): its overflow id if it has no mapping there.
pub(crate) fn uid_in_init_ns(uid: Kuid) -> u32 {
    // SAFETY: `init_user_ns` is static; a lookup in its map.
    unsafe { bindings::from_kuid_munged(&raw mut bindings::init_user_ns, uid) }
}

/// `gid` as the initial user namespace sees it.
pub(crate) fn gid_in_init_ns(gid: Kgid) -> u32 {
    // SAFETY: as for `uid_in_init_ns`.
    unsafe { bindings::from_kgid_munged(&raw mut bindings::init_user_ns, gid) }
}
