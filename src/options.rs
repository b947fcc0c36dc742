// SPDX-License-Identifier: GPL-2.0

//! Mount options: `size=`, `nr_inodes=`, `mode=`, `uid=`, `gid=`, with
//! tmpfs's syntax (`k`, `m`, `g` suffixes; octal mode).

use crate::ext::task::{self, Kgid, Kuid};
use kernel::prelude::*;

/// The options of one mount.
pub(crate) struct MountOptions {
    /// Page-cache bytes allowed (`None`: no limit).
    pub(crate) size: Option<u64>,
    /// Inodes allowed, the root included (`None`: no limit).
    pub(crate) nr_inodes: Option<u64>,
    /// Permission bits of the root directory.
    pub(crate) mode: u16,
    /// Owner of the root directory (`None`: the mounter).
    pub(crate) uid: Option<Kuid>,
    /// Group of the root directory (`None`: the mounter's).
    pub(crate) gid: Option<Kgid>,
}

impl Default for MountOptions {
    fn default() -> Self {
        Self {
            size: None,
            nr_inodes: None,
            // As tmpfs: world-writable and sticky.
            mode: 0o1777,
            uid: None,
            gid: None,
        }
    }
}

impl MountOptions {
    /// Parses one `key=value`; `EINVAL` for an unknown key or a bad value.
    pub(crate) fn parse(&mut self, key: &CStr, value: Option<&CStr>) -> Result {
        let value = value.ok_or(EINVAL)?.as_bytes();
        match key.as_bytes() {
            b"size" => self.size = Some(parse_size(value)?),
            b"nr_inodes" => self.nr_inodes = Some(parse_size(value)?),
            b"mode" => {
                let mode = parse_number(value, 8)?;
                self.mode = u16::try_from(mode & 0o7777).map_err(|_| EINVAL)?;
            }
            b"uid" => self.uid = Some(task::kuid_of(parse_id(value)?)?),
            b"gid" => self.gid = Some(task::kgid_of(parse_id(value)?)?),
            _ => return Err(EINVAL),
        }
        Ok(())
    }
}

/// A number in `radix`, all of `s`.
fn parse_number(s: &[u8], radix: u32) -> Result<u64> {
    if s.is_empty() {
        return Err(EINVAL);
    }
    s.iter().try_fold(0u64, |acc, &c| {
        let digit = char::from(c).to_digit(radix).ok_or(EINVAL)?;
        acc.checked_mul(u64::from(radix))
            .and_then(|n| n.checked_add(u64::from(digit)))
            .ok_or(EINVAL)
    })
}

/// A decimal size with an optional `k`, `m` or `g` suffix (any case).
fn parse_size(s: &[u8]) -> Result<u64> {
    let (digits, shift) = match s.last().map(u8::to_ascii_lowercase) {
        Some(b'k') => (&s[..s.len() - 1], 10),
        Some(b'm') => (&s[..s.len() - 1], 20),
        Some(b'g') => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    parse_number(digits, 10)?
        .checked_mul(1 << shift)
        .ok_or(EINVAL)
}

/// A decimal user or group id.
fn parse_id(s: &[u8]) -> Result<u32> {
    u32::try_from(parse_number(s, 10)?).map_err(|_| EINVAL)
}
