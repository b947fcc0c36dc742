// SPDX-License-Identifier: GPL-2.0

//! `sealctl`: create, seal and inspect sealfs files from a shell.
//!
//! ```text
//! sealctl create NAME [--size BYTES] [--seal SEALS] [--from FILE] -- CMD [ARGS...]
//! sealctl seals FD|PATH
//! sealctl seal FD|PATH [--shrink] [--grow] [--write] [--future-write] [--exec] [--seal]
//! ```
//!
//! Every error ends the command with a status other than 0 and one line on
//! standard error, `sealctl: REASON`.

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};
use sealfs::{CreateOptions, SealedFile, Seals};
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Create, seal and inspect sealfs files (memfd-like sealable files).
#[derive(Parser, Debug)]
#[command(name = "sealctl", version, about, long_about = None)]
#[command(after_help = "\
Seal names: seal, shrink, grow, write, future_write, exec, future_exec, all
(also F_SEAL_*, SEALFS_SEAL_* and -).
Exit status: 0 on success; 1 on an error, with one line on standard error;
2 on a usage error; for `create`, the status of CMD (126/127: CMD could
not be run).

Example: share a config snapshot read-only with a child:
  sealctl create app.conf --from app.conf --seal seal,shrink,grow,write -- \\
      sh -c 'cat <&$SEALFS_FD; sealctl seals $SEALFS_FD'")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Create an anonymous sealfs file, fill it, seal it, and run CMD
    /// with its fd inherited (its number in $SEALFS_FD).
    Create(CreateArgs),
    /// Print the seals of an fd of sealctl, /proc/PID/fd/N, or a file in
    /// a sealfs mount, as "NAMES (MASK)".
    Seals(SealsArgs),
    /// Add seals to a file in a sealfs mount, /proc/PID/fd/N or an fd of
    /// sealctl, then print its seals.
    Seal(SealArgs),
}

#[derive(Args, Debug)]
struct CreateArgs {
    /// The file's name: /proc/PID/fd shows "/sealfs:NAME (deleted)"; at
    /// most 249 bytes.
    #[arg(value_name = "NAME")]
    name: OsString,

    /// The size after filling, in bytes (suffixes K, M, G for KiB, MiB,
    /// GiB): pads with zeros or truncates.
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    size: Option<u64>,

    /// Seals to add once the file is filled, separated by commas (may be
    /// repeated), e.g. "seal,shrink,grow,write".
    #[arg(long = "seal", value_name = "SEALS", value_parser = parse_seals)]
    seals: Vec<Seals>,

    /// Fill the file with the contents of FILE ("-": standard input).
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,

    /// Give CMD a read-only fd (SEALFS_IOC_OPEN_READONLY: no /proc
    /// needed) instead of the read-write one, so it cannot add seals
    /// either.
    #[arg(long)]
    read_only: bool,

    /// The environment variable that gives CMD the fd's number.
    #[arg(long, value_name = "VAR", default_value = "SEALFS_FD")]
    env: OsString,

    /// Create the file executable (MFD_EXEC, mode 0777) instead of with
    /// MFD_NOEXEC_SEAL (no x bits, F_SEAL_EXEC from the start).
    #[arg(long)]
    executable: bool,

    /// Create a kernel memfd instead when the device is absent (the
    /// sealfs module is not loaded); memfd's rules then apply.
    #[arg(long)]
    memfd_fallback: bool,

    /// The sealfs device.
    #[arg(long, value_name = "PATH", default_value = sealfs::uapi::DEVICE_PATH)]
    device: PathBuf,

    /// The command to run, after "--", and its arguments.
    #[arg(last = true, required = true, value_name = "CMD")]
    command: Vec<OsString>,
}

#[derive(Args, Debug)]
struct SealsArgs {
    /// An fd number of sealctl (e.g. $SEALFS_FD), /proc/PID/fd/N, or a
    /// path in a sealfs mount ("./3" for a file named 3).
    #[arg(value_name = "FD|PATH")]
    target: String,

    /// Print only the mask, in hexadecimal.
    #[arg(long)]
    numeric: bool,
}

#[derive(Args, Debug)]
struct SealArgs {
    /// A path in a sealfs mount, /proc/PID/fd/N (opened read-write), or
    /// an fd number of sealctl (which must be open for writing).
    #[arg(value_name = "FD|PATH")]
    target: String,

    /// F_SEAL_SHRINK: the file cannot shrink.
    #[arg(long)]
    shrink: bool,

    /// F_SEAL_GROW: the file cannot grow.
    #[arg(long)]
    grow: bool,

    /// F_SEAL_WRITE: no byte can change (refused while a writable shared
    /// mapping exists).
    #[arg(long)]
    write: bool,

    /// F_SEAL_FUTURE_WRITE: no new writes or writable mappings.
    #[arg(long)]
    future_write: bool,

    /// F_SEAL_EXEC: the x bits cannot change (on an executable file, adds
    /// shrink, grow, write and future_write too).
    #[arg(long)]
    exec: bool,

    /// SEALFS_SEAL_FUTURE_EXEC: no new executable mapping and no exec of
    /// the file (sealfs only).
    #[arg(long)]
    future_exec: bool,

    /// F_SEAL_SEAL: no seal can be added after these.
    #[arg(long)]
    seal: bool,

    /// More seals, as a list ("shrink,grow,write").
    #[arg(long, value_name = "SEALS", value_parser = parse_seals)]
    seals: Vec<Seals>,
}

/// A failure: the one line to print, and the exit status.
struct Fail {
    message: String,
    status: u8,
}

impl From<sealfs::Error> for Fail {
    fn from(e: sealfs::Error) -> Self {
        Fail {
            message: e.to_string(),
            status: 1,
        }
    }
}

impl From<sealfs::FromFdError> for Fail {
    fn from(e: sealfs::FromFdError) -> Self {
        Fail {
            message: e.to_string(),
            status: 1,
        }
    }
}

/// "CONTEXT failed: Permission denied (EACCES)".
fn io_fail(context: impl std::fmt::Display, e: &io::Error) -> Fail {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text).to_string();
    let message = match e.raw_os_error() {
        Some(n) => match sealfs::errno_name(n) {
            Some(name) => format!("{context} failed: {text} ({name})"),
            None => format!("{context} failed: {text} (errno {n})"),
        },
        None => format!("{context} failed: {text}"),
    };
    Fail { message, status: 1 }
}

fn parse_seals(s: &str) -> Result<Seals, String> {
    s.parse::<Seals>().map_err(|e| e.to_string())
}

/// "4096", "4K", "16KiB", "1M", "2G".
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let num: u64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a size in bytes"))?;
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        _ => return Err(format!("'{s}': unknown unit '{unit}' (K, M, G)")),
    };
    num.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("'{s}' is too large"))
}

/// FD|PATH: a number is one of our fds, anything else a path.
fn open_target(target: &str, write: bool) -> Result<SealedFile, Fail> {
    let fd = if !target.is_empty() && target.bytes().all(|b| b.is_ascii_digit()) {
        our_fd(target)?
    } else {
        let path = Path::new(target);
        let file = File::options()
            .read(true)
            .write(write)
            .open(path)
            .map_err(|e| {
                let how = if write { "for writing" } else { "for reading" };
                io_fail(format_args!("opening {} {how}", path.display()), &e)
            })?;
        OwnedFd::from(file)
    };
    SealedFile::from_fd_or_memfd(fd).map_err(|e| Fail {
        message: format!("{target}: {e}"),
        status: 1,
    })
}

/// A duplicate of fd N of this process (same open file, same mode).
fn our_fd(n: &str) -> Result<OwnedFd, Fail> {
    let raw: i32 = n.parse().map_err(|_| Fail {
        message: format!("'{n}' is not an fd number"),
        status: 1,
    })?;
    // Only borrow an fd that is open: /proc/self/fd lists them.
    if std::fs::symlink_metadata(format!("/proc/self/fd/{raw}")).is_err() {
        return Err(Fail {
            message: format!("fd {raw} is not open in sealctl (inherit it, or give a path)"),
            status: 1,
        });
    }
    // SAFETY: fd `raw` is open (checked above) and stays open while
    // borrowed: this single-threaded program closes no fd it did not open.
    let fd = unsafe { BorrowedFd::borrow_raw(raw) };
    fd.try_clone_to_owned()
        .map_err(|e| io_fail(format_args!("duplicating fd {raw}"), &e))
}

fn print_seals(file: &SealedFile, numeric: bool) -> Result<(), Fail> {
    let seals = file.seals()?;
    if numeric {
        println!("{:#06x}", seals.bits());
    } else if file.backend() == sealfs::Backend::Memfd {
        println!("{seals} ({:#06x}, memfd)", seals.bits());
    } else {
        println!("{seals} ({:#06x})", seals.bits());
    }
    Ok(())
}

fn seals_cmd(a: SealsArgs) -> Result<u8, Fail> {
    let file = open_target(&a.target, false)?;
    print_seals(&file, a.numeric)?;
    Ok(0)
}

fn seal_cmd(a: SealArgs) -> Result<u8, Fail> {
    let mut seals = a.seals.iter().fold(Seals::empty(), |acc, s| acc | *s);
    for (on, seal) in [
        (a.shrink, Seals::SHRINK),
        (a.grow, Seals::GROW),
        (a.write, Seals::WRITE),
        (a.future_write, Seals::FUTURE_WRITE),
        (a.exec, Seals::EXEC),
        (a.future_exec, Seals::FUTURE_EXEC),
        (a.seal, Seals::SEAL),
    ] {
        if on {
            seals |= seal;
        }
    }
    if seals.is_empty() {
        return Err(Fail {
            message:
                "no seal given (--shrink, --grow, --write, --future-write, --exec, --seal, --seals)"
                    .into(),
            status: 2,
        });
    }
    let file = open_target(&a.target, true)?;
    file.add_seals(seals)?;
    print_seals(&file, false)?;
    Ok(0)
}

fn create_cmd(a: CreateArgs) -> Result<u8, Fail> {
    let opts = CreateOptions::new()
        .allow_sealing(true)
        .close_on_exec(true)
        .memfd_fallback(a.memfd_fallback)
        .device(&a.device);
    let opts = if a.executable {
        opts.executable(true)
    } else {
        opts.noexec_seal(true)
    };
    let file = opts.create(&a.name)?;
    let mut f = file.as_file();
    if let Some(from) = &a.from {
        let copied = if from.as_os_str() == "-" {
            io::copy(&mut io::stdin().lock(), &mut f)
        } else {
            let mut src = File::open(from)
                .map_err(|e| io_fail(format_args!("opening {}", from.display()), &e))?;
            io::copy(&mut src, &mut f)
        };
        copied
            .map_err(|e| io_fail(format_args!("copying {} into the file", from.display()), &e))?;
    }
    if let Some(size) = a.size {
        f.set_len(size)
            .map_err(|e| io_fail(format_args!("setting the size to {size}"), &e))?;
    }
    // CMD reads from the start: the fd shares our file offset.
    f.seek(SeekFrom::Start(0))
        .map_err(|e| io_fail("seeking to the start", &e))?;
    let seals = a.seals.iter().fold(Seals::empty(), |acc, s| acc | *s);
    if !seals.is_empty() {
        file.add_seals(seals)?;
    }

    let handed = if a.read_only {
        file.reopen_read_only()?
    } else {
        file
    };
    handed.set_close_on_exec(false)?;
    let (program, args) = a.command.split_first().expect("clap requires CMD");
    let mut cmd = Command::new(program);
    cmd.args(args).env(&a.env, handed.as_raw_fd().to_string());
    let status = match cmd.status() {
        Ok(status) => status,
        Err(e) => {
            let mut fail = io_fail(format_args!("running {}", program.to_string_lossy()), &e);
            fail.status = if e.kind() == io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            return Err(fail);
        }
    };
    drop(handed);
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(sig)) => 128u8.wrapping_add(sig as u8),
        _ => 1,
    })
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = e.print();
                    return ExitCode::SUCCESS;
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    return ExitCode::from(2);
                }
                _ => {}
            }
            // clap's message is a paragraph, then the usage: one line of
            // the paragraph.
            let text = e.render().to_string();
            let para: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let line = para.join(" ");
            let line = line.strip_prefix("error: ").unwrap_or(&line);
            eprintln!("sealctl: {line} (see sealctl --help)");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Cmd::Create(a) => create_cmd(a),
        Cmd::Seals(a) => seals_cmd(a),
        Cmd::Seal(a) => seal_cmd(a),
    };
    match result {
        Ok(status) => ExitCode::from(status),
        Err(fail) => {
            eprintln!("sealctl: {}", fail.message);
            ExitCode::from(fail.status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("4K"), Ok(4096));
        assert_eq!(parse_size("16KiB"), Ok(16384));
        assert_eq!(parse_size("1m"), Ok(1 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert!(parse_size("").is_err());
        assert!(parse_size("1T").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn create_takes_the_command_after_the_dashes() {
        let cli = Cli::try_parse_from([
            "sealctl",
            "create",
            "cfg",
            "--size",
            "1K",
            "--seal",
            "shrink,grow",
            "--seal",
            "write",
            "--",
            "cat",
            "-n",
        ])
        .unwrap();
        let Cmd::Create(a) = cli.command else {
            panic!()
        };
        assert_eq!(a.name, "cfg");
        assert_eq!(a.size, Some(1024));
        let seals = a.seals.iter().fold(Seals::empty(), |acc, s| acc | *s);
        assert_eq!(seals, Seals::SHRINK | Seals::GROW | Seals::WRITE);
        assert_eq!(a.command, ["cat", "-n"]);
        assert_eq!(a.env, "SEALFS_FD");
    }

    #[test]
    fn create_needs_a_command() {
        let e = Cli::try_parse_from(["sealctl", "create", "cfg"]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MissingRequiredArgument);
    }

    #[test]
    fn bad_seal_names_are_usage_errors() {
        let e = Cli::try_parse_from(["sealctl", "create", "x", "--seal", "wirte", "--", "true"])
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValueValidation);
        assert!(e.to_string().contains("unknown seal 'wirte'"));
    }

    #[test]
    fn seal_flags() {
        let cli = Cli::try_parse_from(["sealctl", "seal", "/mnt/f", "--write", "--seal"]).unwrap();
        let Cmd::Seal(a) = cli.command else { panic!() };
        assert!(a.write && a.seal && !a.grow);
        let cli = Cli::try_parse_from(["sealctl", "seal", "/mnt/f", "--future-exec"]).unwrap();
        let Cmd::Seal(a) = cli.command else { panic!() };
        assert!(a.future_exec && !a.exec);
    }

    #[test]
    fn every_flag_has_help() {
        let cmd = Cli::command();
        for sub in cmd.get_subcommands() {
            assert!(sub.get_about().is_some(), "{}", sub.get_name());
            for arg in sub.get_arguments() {
                assert!(
                    arg.get_help().is_some(),
                    "{} {}",
                    sub.get_name(),
                    arg.get_id()
                );
            }
        }
    }
}
