//! Reading a file the user named (`--zone`, `$INCLUDE`, `--replay`, `--expect`, `--input`):
//! regular files only, and never more than a size cap; and writing one (`--save-dns`,
//! `--output`) whole or not at all ([`AtomicFile`]).
//!
//! Every one of those files may come from someone else (a zone file in a pull request, a list
//! of customer domains), so none of them may cost more than the cap, block, or abort the
//! process: `/dev/zero` would be read until memory runs out, a FIFO would wait forever for a
//! writer, and a 1 GB file would be read whole before being refused. So the file's type is
//! checked before it is opened (opening a FIFO for reading blocks until someone writes), its
//! size before it is read, and the read itself stops one byte past the cap (a file may grow,
//! and files under `/proc` say they are empty).

use std::fmt;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// A directory, FIFO, socket or device: reading one blocks, never ends, or makes no sense.
    #[error("it is {0}, not a regular file")]
    NotRegular(&'static str),
    /// Larger than the cap.
    #[error("it is larger than {}, the most mailcheck reads from it", Size(*limit))]
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
    /// The system refused (no such file, permission denied, ...).
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Reads the regular file at `path` whole, if it holds at most `limit` bytes.
///
/// Refuses anything else without reading it (or, for a file that grows or under-reports its
/// size, after reading `limit` + 1 bytes). Symbolic links are followed: what is checked is the
/// file they lead to.
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    // Checked before opening: `open` itself blocks on a FIFO until a writer comes.
    check_regular(&std::fs::metadata(path)?, limit)?;
    let file = File::open(path)?;
    // Checked again on what was opened, in case the path changed in between.
    let metadata = file.metadata()?;
    check_regular(&metadata, limit)?;
    let expected = usize::try_from(metadata.len()).unwrap_or(usize::MAX);
    read_limited(file, limit, expected)
}

/// Reads `reader` (standard input, for `--input -`) to its end, if that is at most `limit`
/// bytes; stops reading one byte past it.
pub fn read_stream_capped(reader: impl Read, limit: u64) -> Result<Vec<u8>, FileError> {
    read_limited(reader, limit, 0)
}

/// Reads at most `limit` + 1 bytes, so that one byte too many is seen without reading on.
fn read_limited(reader: impl Read, limit: u64, expected: usize) -> Result<Vec<u8>, FileError> {
    let capacity = expected.min(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut bytes = Vec::with_capacity(capacity.saturating_add(1));
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge { limit });
    }
    Ok(bytes)
}

fn check_regular(metadata: &Metadata, limit: u64) -> Result<(), FileError> {
    if !metadata.is_file() {
        return Err(FileError::NotRegular(kind(metadata)));
    }
    if metadata.len() > limit {
        return Err(FileError::TooLarge { limit });
    }
    Ok(())
}

/// What a file that is not a regular file is, in words.
fn kind(metadata: &Metadata) -> &'static str {
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    "a special file"
}

/// A size in the largest binary unit that divides it (`64 MiB`), else in bytes, for messages
/// that state a cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size(pub u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
        for (unit, name) in UNITS {
            if self.0 >= unit && self.0.is_multiple_of(unit) {
                return write!(f, "{} {name}", self.0 / unit);
            }
        }
        write!(f, "{} bytes", self.0)
    }
}

/// A file written whole or not at all (`--save-dns`, `--output`): a temporary file in the same
/// directory (a rename is atomic only within one file system), renamed over the file by
/// [`AtomicFile::commit`], removed if it never is. A run that fails or is cut short leaves the
/// file as it was, never half of a document.
pub struct AtomicFile {
    /// The file as the user named it, for messages.
    pub path: PathBuf,
    /// The file that is replaced: `path`, or the file a symbolic link at `path` points to
    /// (the link stays a link, as when the file is written in place).
    target: PathBuf,
    /// The temporary file (buffered), and its path; `None` once renamed.
    temporary: Option<(io::BufWriter<File>, PathBuf)>,
    /// How many bytes were written so far.
    written: u64,
}

impl AtomicFile {
    /// Creates the temporary file now: this is the check that the directory exists and may be
    /// written. A file already at `path` must be a file that may be written too (its
    /// permissions are kept): a read-only file is not replaced behind the user's back.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let existing = match fs::metadata(&target) {
            Ok(metadata) if metadata.is_dir() => {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "it is a directory",
                ));
            }
            Ok(metadata) => {
                // Opened for writing without truncating: the check changes nothing.
                OpenOptions::new().write(true).open(&target)?;
                Some(metadata.permissions())
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(error),
        };
        let (file, temporary) = create_beside(&target)?;
        if let Some(permissions) = existing {
            file.set_permissions(permissions)?;
        }
        Ok(AtomicFile {
            path: path.to_path_buf(),
            target,
            temporary: Some((io::BufWriter::new(file), temporary)),
            written: 0,
        })
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.written == 0
    }

    /// Makes what was written durable and renames the temporary file over the file.
    pub fn commit(mut self) -> io::Result<()> {
        let Some((file, temporary)) = self.temporary.take() else {
            return Ok(());
        };
        let written = file
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
            .and_then(|file| file.sync_all())
            .and_then(|()| fs::rename(&temporary, &self.target));
        if written.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        written
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = match &mut self.temporary {
            Some((file, _)) => file.write(buf)?,
            None => return Err(io::Error::other("the file was already committed")),
        };
        self.written += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.temporary {
            Some((file, _)) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some((_, temporary)) = self.temporary.take() {
            let _ = fs::remove_file(temporary);
        }
    }
}

/// Creates a new, empty file beside `target`, named after it and hidden
/// (`.run.json.12345.0.tmp`), never one that exists already.
fn create_beside(target: &Path) -> io::Result<(File, PathBuf)> {
    let directory = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "it names no file"))?
        .to_string_lossy();
    let mut attempt = 0;
    loop {
        let temporary = directory.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
        {
            Ok(file) => return Ok((file, temporary)),
            // Left over by a run that was killed: take the next name.
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A fresh directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("mailcheck-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reads_a_file_up_to_the_cap() {
        let dir = scratch("cap");
        let path = dir.join("ten");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_capped(&path, 10).unwrap(), b"0123456789");
        assert!(matches!(
            read_capped(&path, 9),
            Err(FileError::TooLarge { limit: 9 })
        ));
        let empty = dir.join("empty");
        std::fs::write(&empty, b"").unwrap();
        assert_eq!(read_capped(&empty, 0).unwrap(), b"");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_sparse_file_over_the_cap_is_refused_without_reading_it() {
        let dir = scratch("sparse");
        let path = dir.join("big");
        File::create(&path).unwrap().set_len(1 << 40).unwrap();
        let error = read_capped(&path, 1 << 20).unwrap_err();
        assert_eq!(
            error.to_string(),
            "it is larger than 1 MiB, the most mailcheck reads from it"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = scratch("kinds");
        assert_eq!(
            read_capped(&dir, 100).unwrap_err().to_string(),
            "it is a directory, not a regular file"
        );
        #[cfg(unix)]
        assert_eq!(
            read_capped(Path::new("/dev/zero"), 100)
                .unwrap_err()
                .to_string(),
            "it is a character device, not a regular file"
        );
        assert!(matches!(
            read_capped(&dir.join("missing"), 100),
            Err(FileError::Io(error)) if error.kind() == io::ErrorKind::NotFound
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_stream_is_read_one_byte_past_the_cap_at_most() {
        assert_eq!(read_stream_capped(&b"abc"[..], 3).unwrap(), b"abc");
        // An endless stream (like /dev/zero on stdin) ends at the cap.
        let endless = io::repeat(0);
        assert!(matches!(
            read_stream_capped(endless, 1000),
            Err(FileError::TooLarge { limit: 1000 })
        ));
    }

    #[test]
    fn sizes_are_said_in_the_largest_unit_that_fits() {
        assert_eq!(Size(64 << 20).to_string(), "64 MiB");
        assert_eq!(Size(1 << 30).to_string(), "1 GiB");
        assert_eq!(Size(1536).to_string(), "1536 bytes");
        assert_eq!(Size(2048).to_string(), "2 KiB");
        assert_eq!(Size(10).to_string(), "10 bytes");
    }
}
