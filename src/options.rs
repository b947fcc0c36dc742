// SPDX-License-Identifier: GPL-2.0

//! Mount options: `size=`, `nr_inodes=`, `mode=`, `uid=`, `gid=`,
//! `huge=`, with tmpfs's syntax (`k`, `m`, `g` suffixes; octal mode).
//! `size=` and `huge=` are handed to the private tmpfs mount that holds the
//! files' data, which enforces them.

use crate::ext::{
    shmem,
    task::{self, Kgid, Kuid},
};
use crate::superblock::SbInfo;
use kernel::{c_str, fmt, prelude::*, str::CString};

/// When the backing files may use transparent huge pages: tmpfs's
/// `huge=`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Huge {
    /// Never.
    Never,
    /// Whenever a huge page fits the file's range.
    Always,
    /// Only within the file's size: the default, as i915's gemfs.
    WithinSize,
    /// Only where `madvise(MADV_HUGEPAGE)` asks.
    Advise,
}

impl Huge {
    /// The value stored by [`Huge::to_u8`].
    pub(crate) fn from_u8(value: u8) -> Option<Self> {
        [Self::Never, Self::Always, Self::WithinSize, Self::Advise]
            .into_iter()
            .find(|huge| *huge as u8 == value)
    }

    /// `huge` as a `u8`, for an atomic (`u8::MAX`: none).
    pub(crate) fn to_u8(huge: Option<Self>) -> u8 {
        huge.map_or(u8::MAX, |huge| huge as u8)
    }

    fn parse(value: &[u8]) -> Result<Self> {
        Ok(match value {
            b"never" => Self::Never,
            b"always" => Self::Always,
            b"within_size" => Self::WithinSize,
            b"advise" => Self::Advise,
            _ => return Err(EINVAL),
        })
    }

    /// The value as tmpfs spells it.
    pub(crate) fn as_str(self) -> &'static str {
        self.as_cstr().to_str().unwrap_or("within_size")
    }

    fn as_cstr(self) -> &'static CStr {
        match self {
            Self::Never => c_str!("never"),
            Self::Always => c_str!("always"),
            Self::WithinSize => c_str!("within_size"),
            Self::Advise => c_str!("advise"),
        }
    }
}

/// A remount: applies the `nr_inodes=`, `size=` and `huge=` that `opts`
/// gives, as tmpfs does (`mode=`, `uid=` and `gid=` are for a new mount
/// only, as tmpfs ignores them on a remount).  `size=` and `huge=` go to
/// the private tmpfs mount, which refuses a size below what is in use.
/// All or nothing: every check comes before any change.
pub(crate) fn reconfigure(info: &SbInfo, opts: &MountOptions) -> Result {
    if let Some(max) = opts.nr_inodes {
        info.check_max_inodes(max).map_err(|why| {
            pr_err!("{}\n", why);
            EINVAL
        })?;
    }
    let size = opts
        .size
        .map(|size| CString::try_from_fmt(fmt!("{}", size)))
        .transpose()?;
    let mut tmpfs: KVec<(&CStr, &CStr)> = KVec::new();
    if let Some(size) = &size {
        tmpfs.push((c_str!("size"), size), GFP_KERNEL)?;
    }
    if let Some(huge) = opts.huge {
        tmpfs.push((c_str!("huge"), huge.as_cstr()), GFP_KERNEL)?;
    }
    if !tmpfs.is_empty() {
        info.tmpfs.reconfigure(&tmpfs)?;
    }
    info.set_options(opts);
    Ok(())
}

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
    /// Transparent huge pages for the files' data (`None`: not given;
    /// a new mount takes `within_size`).
    pub(crate) huge: Option<Huge>,
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
            huge: None,
        }
    }
}

impl MountOptions {
    /// Parses one `key=value`; `EINVAL` for an unknown key or a bad value,
    /// with a line in the kernel log naming it, as tmpfs logs.
    pub(crate) fn parse(&mut self, key: &CStr, value: Option<&CStr>) -> Result {
        self.parse_one(key, value).inspect_err(|_| {
            if matches!(
                key.as_bytes(),
                b"size" | b"nr_inodes" | b"mode" | b"uid" | b"gid" | b"huge"
            ) {
                pr_err!("Bad value for '{}'\n", key);
            } else {
                pr_err!("Unknown parameter '{}'\n", key);
            }
        })
    }

    fn parse_one(&mut self, key: &CStr, value: Option<&CStr>) -> Result {
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
            b"huge" => self.huge = Some(Huge::parse(value)?),
            _ => return Err(EINVAL),
        }
        Ok(())
    }

    /// The `huge=` of a new superblock: the one given, else
    /// `within_size` where the kernel has huge pages (tmpfs refuses the
    /// option where it has none; a `huge=` given there is refused alike).
    pub(crate) fn new_huge(&self) -> Option<Huge> {
        self.huge
            .or_else(|| shmem::huge_pages_available().then_some(Huge::WithinSize))
    }

    /// The options of the private tmpfs mount of a new superblock: the
    /// size limit, rounded up to whole pages by tmpfs as by a tmpfs mount,
    /// and the huge pages.
    pub(crate) fn tmpfs_options(&self) -> Result<CString> {
        let size = self.size.unwrap_or(0);
        match self.new_huge() {
            Some(huge) => CString::try_from_fmt(fmt!("size={},huge={}", size, huge.as_str())),
            None => CString::try_from_fmt(fmt!("size={}", size)),
        }
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
