//! Reading input files safely: every file bakelint reads because of its
//! input (Dockerfiles, bake files, `.dockerignore`, requirements files,
//! the config) goes through here.
//!
//! A path may name anything: a FIFO (opening it blocks until a writer
//! comes), a device (`/dev/zero` never ends), a socket, or a huge file.
//! Only regular files are opened (the type is checked before opening, and
//! again on the open handle), they are opened non-blocking on Unix so that
//! a file swapped for a FIFO in between cannot block either, and at most
//! [`MAX_FILE_BYTES`] are read.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The largest file bakelint reads (10 MiB). Real Dockerfiles and bake
/// files are a few kilobytes; a larger one is generated or not a build
/// definition at all, and linting it would take seconds and hundreds of
/// megabytes. The language server applies the same limit to documents.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// A file that could not be read or decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl FileError {
    fn new(path: &Path, message: impl Into<String>) -> Self {
        FileError {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// What a path is, in words, when it is not a regular file.
fn non_regular_kind(meta: &Metadata) -> Option<&'static str> {
    let ft = meta.file_type();
    if ft.is_file() {
        return None;
    }
    #[cfg(unix)]
    let special: [(bool, &'static str); 4] = {
        use std::os::unix::fs::FileTypeExt;
        [
            (ft.is_fifo(), "a FIFO"),
            (ft.is_socket(), "a socket"),
            (ft.is_char_device(), "a character device"),
            (ft.is_block_device(), "a block device"),
        ]
    };
    #[cfg(not(unix))]
    let special: [(bool, &'static str); 0] = [];
    let kind = [(ft.is_dir(), "a directory")]
        .into_iter()
        .chain(special)
        .find(|(is, _)| *is)
        .map_or("a special file", |(_, name)| name);
    Some(kind)
}

/// Refuses anything but a regular file.
fn check_regular(path: &Path, meta: &Metadata) -> Result<(), FileError> {
    match non_regular_kind(meta) {
        None => Ok(()),
        Some(kind) => Err(FileError::new(
            path,
            format!("not a regular file (it is {kind}), not read"),
        )),
    }
}

fn too_large(path: &Path, size: u64) -> FileError {
    FileError::new(
        path,
        format!(
            "file too large ({}; the limit is {})",
            human_size(size),
            human_size(MAX_FILE_BYTES)
        ),
    )
}

/// `12.3 MiB`, `512 KiB`, `17 bytes`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            let value = bytes as f64 / unit as f64;
            return if value.fract() == 0.0 {
                format!("{value:.0} {name}")
            } else {
                format!("{value:.1} {name}")
            };
        }
    }
    format!("{bytes} bytes")
}

/// Whether `path` is a regular file (following symlinks). Use this, not
/// `Path::exists`, before reading a path that came from input.
pub fn is_regular_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Opens a file for reading without blocking, whatever it turns out to be.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

fn cannot_read(path: &Path, e: io::Error) -> FileError {
    FileError::new(path, format!("cannot read file: {e}"))
}

/// The metadata of `path` (following symlinks) if it is a regular file,
/// else an error that says what it is.
pub fn regular_file_metadata(path: &Path) -> Result<Metadata, FileError> {
    let meta = std::fs::metadata(path).map_err(|e| cannot_read(path, e))?;
    check_regular(path, &meta)?;
    Ok(meta)
}

/// The bytes of a regular file of at most [`MAX_FILE_BYTES`].
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, FileError> {
    let cannot = |e: io::Error| cannot_read(path, e);
    // Check the type before opening: opening a FIFO blocks.
    let meta = regular_file_metadata(path)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(path, meta.len()));
    }
    let file = open_nonblocking(path).map_err(cannot)?;
    // The path may have been replaced between the check and the open.
    let meta = file.metadata().map_err(cannot)?;
    check_regular(path, &meta)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The file may grow while it is read: never read more than the limit.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(path, bytes.len() as u64));
    }
    Ok(bytes)
}

/// The text of a regular UTF-8 file of at most [`MAX_FILE_BYTES`].
pub fn read_text(path: &Path) -> Result<String, FileError> {
    decode(path, read_bytes(path)?)
}

/// Byte order marks of encodings that are not UTF-8, longest first (the
/// UTF-32 LE mark starts with the UTF-16 LE one).
const FOREIGN_BOMS: &[(&[u8], &str)] = &[
    (&[0xFF, 0xFE, 0x00, 0x00], "UTF-32 LE"),
    (&[0x00, 0x00, 0xFE, 0xFF], "UTF-32 BE"),
    (&[0xFF, 0xFE], "UTF-16 LE"),
    (&[0xFE, 0xFF], "UTF-16 BE"),
];

/// How many bytes are examined for NUL bytes.
const SNIFF_BYTES: usize = 8192;

/// The encoding of text saved as UTF-16 or UTF-32: by its byte order
/// mark, or, without one, by its NUL bytes. ASCII text in UTF-16 has a NUL
/// in every other byte: the high byte of each code unit, second in little
/// endian, first in big endian.
fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    if let Some((_, name)) = FOREIGN_BOMS.iter().find(|(bom, _)| bytes.starts_with(bom)) {
        return Some(name);
    }
    let sample = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let units = sample.chunks_exact(2);
    let total = units.len();
    if total == 0 {
        return None;
    }
    let (mut high_second, mut high_first) = (0usize, 0usize);
    for unit in units {
        match (unit[0] == 0, unit[1] == 0) {
            (false, true) => high_second += 1,
            (true, false) => high_first += 1,
            (true, true) => return None,
            (false, false) => {}
        }
    }
    // Mostly ASCII-range code units, all with their NUL on the same side.
    let mostly = |n: usize| n * 2 >= total;
    if high_first == 0 && mostly(high_second) {
        Some("UTF-16 LE")
    } else if high_second == 0 && mostly(high_first) {
        Some("UTF-16 BE")
    } else {
        None
    }
}

/// Decodes file bytes as UTF-8 text, naming UTF-16 and UTF-32 text as such,
/// refusing binary files and reporting the position of the first invalid byte.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, FileError> {
    if let Some(encoding) = wide_encoding(&bytes) {
        return Err(FileError::new(
            path,
            format!("{encoding} text: save it as UTF-8"),
        ));
    }
    if bytes.iter().take(SNIFF_BYTES).any(|&b| b == 0) {
        return Err(FileError::new(
            path,
            "binary file (contains NUL bytes), not a text file",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = &bytes[..valid.min(bytes.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        FileError::new(
            path,
            format!("invalid UTF-8 at line {line}, column {column} (byte {valid})"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if little {
                    u.to_le_bytes()
                } else {
                    u.to_be_bytes()
                }
            })
            .collect()
    }

    fn message(bytes: Vec<u8>) -> String {
        decode(Path::new("Dockerfile"), bytes)
            .expect_err("must be refused")
            .message
    }

    #[test]
    fn utf16_is_named_by_bom_and_by_nul_pattern() {
        let text = "FROM alpine:3.19\nRUN echo hé\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(utf16(text, true));
        let mut be = vec![0xFE, 0xFF];
        be.extend(utf16(text, false));
        assert_eq!(message(le), "UTF-16 LE text: save it as UTF-8");
        assert_eq!(message(be), "UTF-16 BE text: save it as UTF-8");
        assert_eq!(
            message(utf16(text, true)),
            "UTF-16 LE text: save it as UTF-8"
        );
        assert_eq!(
            message(utf16(text, false)),
            "UTF-16 BE text: save it as UTF-8"
        );
        assert_eq!(
            message(vec![0xFF, 0xFE, 0, 0, b'F', 0, 0, 0]),
            "UTF-32 LE text: save it as UTF-8"
        );
    }

    #[test]
    fn binary_and_latin1_keep_their_messages() {
        let binary = vec![0x7F, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(message(binary).starts_with("binary file"));
        assert_eq!(
            message(b"FROM a\nRUN caf\xe9\n".to_vec()),
            "invalid UTF-8 at line 2, column 8 (byte 14)"
        );
        assert_eq!(
            decode(Path::new("x"), b"FROM a\n".to_vec()).expect("utf-8"),
            "FROM a\n"
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(17), "17 bytes");
        assert_eq!(human_size(10 * 1024 * 1024), "10 MiB");
        assert_eq!(human_size(20_971_530), "20.0 MiB");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("Dockerfile");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(status.success());
        let err = read_text(&fifo).expect_err("a FIFO is not read");
        assert!(err.message.contains("FIFO"), "{err}");
        assert!(!is_regular_file(&fifo));
        let err = read_text(dir.path()).expect_err("a directory is not read");
        assert!(err.message.contains("directory"), "{err}");
    }

    #[test]
    fn too_large_files_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let big = dir.path().join("Dockerfile");
        let file = File::create(&big).expect("create");
        file.set_len(MAX_FILE_BYTES + 1).expect("set_len");
        let err = read_bytes(&big).expect_err("too large");
        assert!(err.message.starts_with("file too large"), "{err}");
        assert!(err.message.contains("the limit is 10 MiB"), "{err}");
    }
}
