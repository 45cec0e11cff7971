//! Files in places someone else might write to: opened without following a
//! symbolic link (`O_NOFOLLOW`) and checked on the open descriptor
//! (`fstat`), never by a path looked up twice; replaced atomically through
//! one writer. A link planted where glance-wizard writes (state directory,
//! config file) would otherwise make it write, as root, through the link.

use std::fs::{File, Metadata};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use rustix::fs::{Mode, OFlags};

/// Owner and group of a file, as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

impl Owner {
    pub fn of(meta: &Metadata) -> Owner {
        Owner {
            uid: meta.uid(),
            gid: meta.gid(),
        }
    }
}

/// Ends the name of every temporary file the writer makes, so that one
/// left by a killed run is recognised and removed by the next write.
pub const TEMP_SUFFIX: &str = ".glance-wizard.tmp";

fn refused(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{}: {why}; refused", path.display()),
    )
}

/// The link-refusal message, for ELOOP from an `O_NOFOLLOW` open.
fn is_a_link(path: &Path) -> io::Error {
    refused(
        path,
        "is a symbolic link, and glance-wizard does not follow links where it reads or writes as root (replace the link by the file itself)",
    )
}

fn open_flags(path: &Path, flags: OFlags, mode: u32) -> io::Result<File> {
    let flags = flags | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match rustix::fs::open(path, flags, Mode::from_raw_mode(mode)) {
        Ok(fd) => Ok(File::from(fd)),
        Err(rustix::io::Errno::LOOP) => Err(is_a_link(path)),
        Err(e) => Err(e.into()),
    }
}

fn require_regular(path: &Path, file: &File) -> io::Result<Metadata> {
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(refused(path, "is not a regular file"));
    }
    Ok(meta)
}

/// SHA-256 of a file's bytes, in hex: what a task records of a file it
/// wrote, for the drift check and for undo's "edited since" check.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    crate::util::hex::hex(&Sha256::digest(bytes))
}

/// Opens an existing regular file for reading; a link or anything else
/// (a FIFO would block: `O_NONBLOCK`) is refused. NotFound stays NotFound.
pub fn open_regular(path: &Path) -> io::Result<(File, Metadata)> {
    let file = open_flags(path, OFlags::RDONLY | OFlags::NONBLOCK, 0)?;
    let meta = require_regular(path, &file)?;
    Ok((file, meta))
}

/// [`open_regular`], read whole as UTF-8.
pub fn read_regular(path: &Path) -> io::Result<String> {
    let (mut file, _) = open_regular(path)?;
    let mut text = String::new();
    io::Read::read_to_string(&mut file, &mut text)?;
    Ok(text)
}

/// How [`open_private`] opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    Append,
}

/// Opens or creates a file of the state directory, mode 0600: a link is
/// refused, and a file left more open by an older version is tightened.
pub fn open_private(path: &Path, access: Access) -> io::Result<File> {
    let flags = match access {
        Access::ReadWrite => OFlags::RDWR,
        Access::Append => OFlags::WRONLY | OFlags::APPEND,
    };
    let file = open_flags(path, flags | OFlags::CREATE, 0o600)?;
    let meta = require_regular(path, &file)?;
    if meta.mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Creates (parents too) or checks a directory only its owner may use: a
/// link or a directory owned by someone other than this user or root is
/// refused (its owner could plant links or rewrite the journal); a mode
/// open to others is set to 0700 when this user owns it, refused otherwise.
pub fn private_dir(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)?;
    let dir = match open_flags(path, OFlags::RDONLY | OFlags::DIRECTORY, 0) {
        // O_DIRECTORY | O_NOFOLLOW on a link fails with ENOTDIR, not ELOOP.
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::NOTDIR.raw_os_error()) => {
            return Err(match std::fs::symlink_metadata(path) {
                Ok(m) if m.file_type().is_symlink() => is_a_link(path),
                _ => refused(path, "is not a directory"),
            });
        }
        other => other?,
    };
    let meta = dir.metadata()?;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me && meta.uid() != 0 {
        return Err(refused(
            path,
            &format!(
                "is owned by uid {}, not by you (uid {me}) or root, and its owner could change what glance-wizard reads and writes there (chown it, or choose another --state-dir)",
                meta.uid()
            ),
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o077 != 0 {
        if meta.uid() != me {
            return Err(refused(
                path,
                &format!("has mode {mode:04o}, open to others (chmod 700 it)"),
            ));
        }
        dir.set_permissions(std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory (random name, `O_EXCL`, mode 0600 until `owner` and `mode` are
/// set, so a secret never sits in a file others can read), fsync, rename,
/// fsync of the directory. A `path` that is a link or not a regular file is
/// refused. `owner` None keeps the writer's own.
pub fn write_atomically(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    owner: Option<Owner>,
) -> io::Result<()> {
    write_atomically_then(path, bytes, mode, owner, || {})
}

/// [`write_atomically`], calling `before_rename` once the new file is
/// written and synced but not yet in place.
pub fn write_atomically_then(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    owner: Option<Owner>,
    before_rename: impl FnOnce(),
) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => return Err(is_a_link(path)),
        Ok(m) if !m.file_type().is_file() => return Err(refused(path, "is not a regular file")),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let temp = filled_temp(path, bytes, mode, owner)?;
    before_rename();
    temp.persist(path).map_err(|e| e.error)?;
    sync_dir(path);
    Ok(())
}

/// Creates `path` with `bytes` atomically, only if nothing is there yet
/// (a file, or a link, which is not followed). Ok(false) when something was.
pub fn create_atomically(path: &Path, bytes: &[u8], mode: u32) -> io::Result<bool> {
    let temp = filled_temp(path, bytes, mode, None)?;
    match temp.persist_noclobber(path) {
        Ok(_) => {
            sync_dir(path);
            Ok(true)
        }
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e.error),
    }
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A new temporary file (mode 0600, random name, `O_EXCL`) in the
/// directory of `path`, to be renamed onto it; the leftovers of killed runs
/// for the same `path` are removed first.
pub fn temp_beside(path: &Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = parent(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    remove_leftovers(dir, &prefix);
    tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
}

/// The temporary file, written and synced, with its final owner and mode.
fn filled_temp(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    owner: Option<Owner>,
) -> io::Result<tempfile::NamedTempFile> {
    let mut temp = temp_beside(path)?;
    // Owner before mode: chown clears the set-id bits.
    if let Some(o) = owner {
        std::os::unix::fs::fchown(temp.as_file(), Some(o.uid), Some(o.gid))?;
    }
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    Ok(temp)
}

/// Removes temporary files a killed run left for the same target
/// (`unlink` does not follow links).
fn remove_leftovers(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(prefix) && name.ends_with(TEMP_SUFFIX) {
            // Best-effort cleanup: a leftover that stays (another run
            // removed it first, or it is not ours to remove) harms nothing,
            // since each write takes a fresh temporary name.
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn sync_dir(path: &Path) {
    if let Ok(d) = File::open(parent(path)) {
        // The file's data was synced and the rename is done: a directory
        // that cannot be synced (some file systems refuse fsync on one)
        // makes the rename less sure to survive a power cut, not wrong.
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn a_link_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let link = dir.path().join("state-file");
        symlink(&victim, &link).unwrap();
        let err = write_atomically(&link, b"new", 0o600, None).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        let err = open_private(&link, Access::Append).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        let err = read_regular(&link).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        // A dangling link is not followed into a new file either.
        let ghost = dir.path().join("ghost");
        let dangling = dir.path().join("dangling");
        symlink(&ghost, &dangling).unwrap();
        assert!(open_private(&dangling, Access::ReadWrite).is_err());
        assert!(!create_atomically(&dangling, b"x", 0o600).unwrap());
        assert!(!ghost.exists());
    }

    #[test]
    fn written_files_have_the_mode_asked_and_no_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        // A temporary file a killed run left behind.
        std::fs::write(dir.path().join(format!(".f.abc{TEMP_SUFFIX}")), "old").unwrap();
        write_atomically(&path, b"one", 0o640, None).unwrap();
        assert_eq!(mode(&path), 0o640);
        write_atomically(&path, b"two", 0o600, None).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(mode(&path), 0o600);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["f"]);
        assert!(create_atomically(&dir.path().join("k"), b"1", 0o600).unwrap());
        assert!(!create_atomically(&dir.path().join("k"), b"2", 0o600).unwrap());
        assert_eq!(std::fs::read_to_string(dir.path().join("k")).unwrap(), "1");
    }

    #[test]
    fn an_open_private_dir_of_ours_is_closed_and_a_link_refused() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o777)).unwrap();
        private_dir(&state).unwrap();
        assert_eq!(mode(&state), 0o700);
        let link = dir.path().join("link");
        symlink(&state, &link).unwrap();
        let err = private_dir(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        private_dir(&dir.path().join("new/deep")).unwrap();
        assert_eq!(mode(&dir.path().join("new/deep")), 0o700);
    }

    /// Needs root (to chown to nobody), as the wizard runs.
    #[test]
    fn a_foreign_owned_dir_is_refused() {
        if !rustix::process::geteuid().is_root() {
            eprintln!("SKIPPED: needs root to chown");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        std::os::unix::fs::chown(&state, Some(65534), Some(65534)).unwrap();
        let err = private_dir(&state).unwrap_err().to_string();
        assert!(err.contains("owned by uid 65534"), "{err}");
    }
}
