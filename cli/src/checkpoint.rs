//! `--checkpoint FILE`: the pull's position on disk, so that the same command continues a stopped pull
//! and re-runs a completed one incrementally.
//!
//! The file is replaced atomically after each page has been written to stdout (a temporary file beside
//! it, flushed to disk, renamed over it, then the directory flushed), so a crash or `kill -9` at any
//! instant leaves either the previous position or the new one, never a torn file. It holds the
//! library's checkpoint JSON: the query's fingerprint, its filters with relative dates made absolute,
//! the paging position, counts and id hashes — no credentials and no records.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use mdca::error::{Error, Result};
use mdca::pager::Checkpoint;

/// The checkpoint in `path`: `None` when the file does not exist or is empty (a new pull).
pub fn load(path: &Path) -> Result<Option<Checkpoint>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::invalid_argument(format!(
                "cannot read the checkpoint {}: {e}",
                path.display()
            )))
        }
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(&text).map(Some).map_err(|e| {
        Error::invalid_argument(format!("{} is not an mdca checkpoint: {e}", path.display()))
            .with_hint(
                "give --checkpoint a file that only mdca writes; delete it to start a new pull",
            )
    })
}

/// Refuses, before anything is pulled, a checkpoint whose directory does not exist: the first save
/// would fail only after a page had been written.
pub fn check_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if dir.is_dir() {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!(
            "--checkpoint {}: the directory {} does not exist",
            path.display(),
            dir.display()
        ))
        .with_hint("create it first, or give a path in an existing directory"))
    }
}

/// Replaces `path` with `checkpoint`, atomically and durably.
pub fn save(path: &Path, checkpoint: &Checkpoint) -> Result<()> {
    write_atomically(path, checkpoint.to_string().as_bytes()).map_err(|e| {
        Error::internal(format!(
            "cannot save the checkpoint {}: {e}",
            path.display()
        ))
        .with_hint("check that its directory exists and is writable")
    })
}

fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let temp = temp_path(path);
    let mut file = create_private(&temp)?;
    file.write_all(contents)?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temp, path)?;
    sync_dir(path)
}

/// `FILE.tmp` beside `FILE`: a rename within one directory is atomic.
fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// The checkpoint's filters may name users or files: readable by its owner only.
#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
}

/// Makes the rename itself durable (POSIX); Windows has no directory handle to flush.
#[cfg(unix)]
fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_path: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_temporary_file_sits_beside_the_checkpoint() {
        assert_eq!(
            temp_path(Path::new("/var/lib/mdca/alerts.ckpt")),
            Path::new("/var/lib/mdca/alerts.ckpt.tmp")
        );
        assert_eq!(temp_path(Path::new("a.json")), Path::new("a.json.tmp"));
    }
}
