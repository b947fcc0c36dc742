// SPDX-License-Identifier: GPL-2.0

//! [`Seals`]: the seal mask, with the values of `F_SEAL_*`.

use std::fmt;
use std::str::FromStr;

bitflags::bitflags! {
    /// A set of seals, with the bit values of `F_SEAL_*` (`linux/fcntl.h`)
    /// and `SEALFS_SEAL_*` (`linux/sealfs.h`), so a mask moves between
    /// memfd and sealfs code unchanged.
    ///
    /// Its [`Display`](fmt::Display) form is the comma-separated lower-case
    /// names (`"shrink,grow,write"`, or `"none"`), which [`FromStr`] parses
    /// back; it also accepts `F_SEAL_*` names, `-` for `_`, and `all`.
    ///
    /// ```
    /// use sealfs::Seals;
    ///
    /// let seals: Seals = "shrink,grow,write".parse()?;
    /// assert_eq!(seals, Seals::SHRINK | Seals::GROW | Seals::WRITE);
    /// assert_eq!(seals.bits(), 0x0e);
    /// assert_eq!(seals.to_string(), "shrink,grow,write");
    /// assert_eq!(Seals::SEAL.bits(), 1); // F_SEAL_SEAL
    /// # Ok::<(), sealfs::ParseSealsError>(())
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Seals: u32 {
        /// `F_SEAL_SEAL`: no more seals can be added.
        const SEAL = 0x0001;
        /// `F_SEAL_SHRINK`: the file cannot shrink.
        const SHRINK = 0x0002;
        /// `F_SEAL_GROW`: the file cannot grow.
        const GROW = 0x0004;
        /// `F_SEAL_WRITE`: no byte of the file can change, by any path;
        /// refused while a writable shared mapping exists.  On sealfs,
        /// read-only shared mappings do not stop it: they lose the right
        /// to become writable (`mprotect`: `EACCES`), in every process.
        const WRITE = 0x0008;
        /// `F_SEAL_FUTURE_WRITE`: no new way to write (write(2), new
        /// writable shared mappings), existing writable mappings go on.
        const FUTURE_WRITE = 0x0010;
        /// `F_SEAL_EXEC`: the x bits of the mode cannot change; on an
        /// executable file it also adds `SHRINK`, `GROW`, `WRITE` and
        /// `FUTURE_WRITE`.
        const EXEC = 0x0020;
        /// No new executable mapping and no exec of the file (sealfs only:
        /// a memfd refuses the bit with `EINVAL`).
        const FUTURE_EXEC = 0x0040;
    }
}

/// Each seal with its short name and its `F_SEAL_*` name, in bit order.
const NAMES: [(Seals, &str, &str); 7] = [
    (Seals::SEAL, "seal", "F_SEAL_SEAL"),
    (Seals::SHRINK, "shrink", "F_SEAL_SHRINK"),
    (Seals::GROW, "grow", "F_SEAL_GROW"),
    (Seals::WRITE, "write", "F_SEAL_WRITE"),
    (Seals::FUTURE_WRITE, "future_write", "F_SEAL_FUTURE_WRITE"),
    (Seals::EXEC, "exec", "F_SEAL_EXEC"),
    (Seals::FUTURE_EXEC, "future_exec", "SEALFS_SEAL_FUTURE_EXEC"),
];

impl Seals {
    /// The seals that make a file's contents immutable for anyone:
    /// `SEAL | SHRINK | GROW | WRITE` (what a receiver of a snapshot
    /// checks for).
    ///
    /// ```
    /// use sealfs::Seals;
    /// assert_eq!(Seals::IMMUTABLE.bits(), 0x0f);
    /// ```
    pub const IMMUTABLE: Seals = Seals::SEAL
        .union(Seals::SHRINK)
        .union(Seals::GROW)
        .union(Seals::WRITE);

    /// The `F_SEAL_*` names joined by `|` (`"F_SEAL_SHRINK|F_SEAL_GROW"`),
    /// unknown bits as hexadecimal, `"0"` for the empty set.
    ///
    /// ```
    /// use sealfs::Seals;
    /// assert_eq!((Seals::WRITE | Seals::SEAL).c_names(), "F_SEAL_SEAL|F_SEAL_WRITE");
    /// assert_eq!(Seals::from_bits_retain(0x88).c_names(), "F_SEAL_WRITE|0x80");
    /// ```
    pub fn c_names(self) -> String {
        let mut parts: Vec<String> = NAMES
            .iter()
            .filter(|(s, _, _)| self.contains(*s))
            .map(|(_, _, c)| (*c).to_string())
            .collect();
        let unknown = self.bits() & !Seals::all().bits();
        if unknown != 0 {
            parts.push(format!("{unknown:#x}"));
        }
        if parts.is_empty() {
            "0".into()
        } else {
            parts.join("|")
        }
    }

    /// The bits outside the seven seals sealfs knows (the six of Linux and
    /// `FUTURE_EXEC`; a set made with [`Seals::from_bits_retain`] may have
    /// some; the kernel refuses them with `EINVAL`).
    ///
    /// ```
    /// use sealfs::Seals;
    /// assert_eq!(Seals::from_bits_retain(0x81).unknown_bits(), 0x80);
    /// ```
    pub fn unknown_bits(self) -> u32 {
        self.bits() & !Seals::all().bits()
    }
}

impl fmt::Display for Seals {
    /// `"seal,shrink,grow,write"`, `"none"` for the empty set; unknown
    /// bits as hexadecimal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (seal, name, _) in NAMES {
            if self.contains(seal) {
                if !first {
                    f.write_str(",")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        let unknown = self.unknown_bits();
        if unknown != 0 {
            if !first {
                f.write_str(",")?;
            }
            write!(f, "{unknown:#x}")?;
            first = false;
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

/// The error of parsing a [`Seals`] list: the word that is no seal.
///
/// ```
/// let err = "shrink,wirte".parse::<sealfs::Seals>().unwrap_err();
/// assert_eq!(err.word(), "wirte");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseSealsError {
    word: String,
}

impl ParseSealsError {
    /// The word that is not a seal name.
    ///
    /// ```
    /// let err = "grow,bogus".parse::<sealfs::Seals>().unwrap_err();
    /// assert_eq!(err.word(), "bogus");
    /// ```
    pub fn word(&self) -> &str {
        &self.word
    }
}

impl fmt::Display for ParseSealsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown seal '{}' (seals: seal, shrink, grow, write, future_write, exec, all, none)",
            self.word
        )
    }
}

impl std::error::Error for ParseSealsError {}

impl FromStr for Seals {
    type Err = ParseSealsError;

    /// Parses a list separated by commas, `|` or spaces: `seal`, `shrink`,
    /// `grow`, `write`, `future_write` (or `future-write`), `exec`, `all`,
    /// `none`, case-insensitive, with or without the `F_SEAL_` prefix; a
    /// number (`0x0f`, `15`) is taken as the mask, unknown bits kept.
    ///
    /// ```
    /// use sealfs::Seals;
    /// assert_eq!("F_SEAL_WRITE|future-write".parse(), Ok(Seals::WRITE | Seals::FUTURE_WRITE));
    /// assert_eq!("0x0f".parse(), Ok(Seals::IMMUTABLE));
    /// assert_eq!("".parse(), Ok(Seals::empty()));
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut seals = Seals::empty();
        for word in s.split([',', '|', ' ']).filter(|w| !w.is_empty()) {
            seals |= parse_word(word).ok_or_else(|| ParseSealsError { word: word.into() })?;
        }
        Ok(seals)
    }
}

fn parse_word(word: &str) -> Option<Seals> {
    if let Some(hex) = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16)
            .ok()
            .map(Seals::from_bits_retain);
    }
    if word.bytes().all(|b| b.is_ascii_digit()) {
        return word.parse().ok().map(Seals::from_bits_retain);
    }
    let lower = word.to_ascii_lowercase().replace('-', "_");
    let name = lower
        .strip_prefix("f_seal_")
        .or_else(|| lower.strip_prefix("sealfs_seal_"))
        .unwrap_or(&lower);
    match name {
        "all" => return Some(Seals::all()),
        "none" => return Some(Seals::empty()),
        _ => {}
    }
    NAMES
        .iter()
        .find(|(_, n, _)| *n == name)
        .map(|(s, _, _)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::fs::SealFlags;

    #[test]
    fn values_are_the_f_seal_values() {
        assert_eq!(Seals::SEAL.bits(), SealFlags::SEAL.bits());
        assert_eq!(Seals::SHRINK.bits(), SealFlags::SHRINK.bits());
        assert_eq!(Seals::GROW.bits(), SealFlags::GROW.bits());
        assert_eq!(Seals::WRITE.bits(), SealFlags::WRITE.bits());
        assert_eq!(Seals::FUTURE_WRITE.bits(), SealFlags::FUTURE_WRITE.bits());
        assert_eq!(Seals::EXEC.bits(), SealFlags::EXEC.bits());
        // SEALFS_SEAL_FUTURE_EXEC, the next free F_SEAL_* bit.
        assert_eq!(Seals::FUTURE_EXEC.bits(), 0x40);
        assert_eq!(Seals::all().bits(), 0x7f);
    }

    #[test]
    fn display_and_parse_round_trip() {
        for bits in 0..=0x7f {
            let seals = Seals::from_bits(bits).unwrap();
            assert_eq!(seals.to_string().parse::<Seals>(), Ok(seals), "{bits:#x}");
            assert_eq!(seals.c_names().parse::<Seals>(), Ok(seals), "{bits:#x}");
        }
    }

    #[test]
    fn display_names() {
        assert_eq!(Seals::empty().to_string(), "none");
        assert_eq!(
            Seals::all().to_string(),
            "seal,shrink,grow,write,future_write,exec,future_exec"
        );
        assert_eq!(Seals::from_bits_retain(0x81).to_string(), "seal,0x80");
        assert_eq!(Seals::empty().c_names(), "0");
    }

    #[test]
    fn parse_accepts_the_spellings() {
        assert_eq!("WRITE".parse(), Ok(Seals::WRITE));
        assert_eq!("f_seal_future_write".parse(), Ok(Seals::FUTURE_WRITE));
        assert_eq!(
            "future-write exec".parse(),
            Ok(Seals::FUTURE_WRITE | Seals::EXEC)
        );
        assert_eq!("all".parse(), Ok(Seals::all()));
        assert_eq!("none".parse(), Ok(Seals::empty()));
        assert_eq!("0x40".parse::<Seals>().map(|s| s.bits()), Ok(0x40));
        assert_eq!("future-exec".parse(), Ok(Seals::FUTURE_EXEC));
        assert_eq!("SEALFS_SEAL_FUTURE_EXEC".parse(), Ok(Seals::FUTURE_EXEC));
        assert_eq!("6".parse(), Ok(Seals::SHRINK | Seals::GROW));
    }

    #[test]
    fn parse_rejects_other_words() {
        let err = "shrink,bogus".parse::<Seals>().unwrap_err();
        assert_eq!(err.word(), "bogus");
        assert!(err.to_string().contains("unknown seal 'bogus'"));
        assert!("0xzz".parse::<Seals>().is_err());
        assert!("F_SEAL_".parse::<Seals>().is_err());
    }

    #[test]
    fn unknown_bits_are_reported() {
        assert_eq!(Seals::from_bits_retain(0x180).unknown_bits(), 0x180);
        assert_eq!(Seals::all().unknown_bits(), 0);
        assert_eq!(Seals::from_bits_retain(0x88).c_names(), "F_SEAL_WRITE|0x80");
    }
}
