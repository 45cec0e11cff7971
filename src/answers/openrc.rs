//! Reads an admin-openrc. It is trusted only as ssh trusts its config: a
//! regular file (not a link), owned by root or by the user running
//! glance-wizard, that nobody else can write; checked on the descriptor it
//! is read from. A file of plain `NAME=value` / `export NAME=value` lines
//! (values bare, 'single' or "double" quoted without expansions) is parsed
//! here, with no shell; anything else is sourced by bash the way the
//! admin's shell would, from that same checked file (`/dev/fd/N`). The
//! password reaches us through a pipe, never through argv.

use crate::i18n::Message;
use std::collections::BTreeMap;
use std::io::Read;
use std::os::fd::{AsFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::AdminCredentials;
use crate::util::secret::Secret;

/// Why an admin-openrc cannot be used. Each names the file (`path`, as
/// shown) and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenrcError {
    #[error("{}", self.msg().english())]
    Missing { path: String },
    /// The system's words (kept as text, so that the error can be compared
    /// and cloned like every other rule).
    #[error("{}", self.msg().english())]
    Unreadable { path: String, error: String },
    #[error("{}", self.msg().english())]
    Owner { path: String, owner: u32, me: u32 },
    #[error("{}", self.msg().english())]
    Writable { path: String, mode: u32 },
    #[error("{}", self.msg().english())]
    Unset {
        path: String,
        variable: &'static str,
    },
    #[error("{}", self.msg().english())]
    Bash { path: String, error: String },
}

impl OpenrcError {
    /// The rule in any language (its words: `rule.openrc.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Missing { path } => Message::new("rule.openrc.missing").arg("path", path),
            Self::Unreadable { path, error } => Message::new("rule.openrc.unreadable")
                .arg("path", path)
                .arg("error", error),
            Self::Owner { path, owner, me } => Message::new("rule.openrc.owner")
                .arg("path", path)
                .arg("owner", owner)
                .arg("me", me),
            Self::Writable { path, mode } => Message::new("rule.openrc.writable")
                .arg("path", path)
                .arg("mode", format!("{mode:04o}")),
            Self::Unset { path, variable } => Message::new("rule.openrc.unset")
                .arg("path", path)
                .arg("variable", variable),
            Self::Bash { path, error } => Message::new("rule.openrc.bash")
                .arg("path", path)
                .arg("error", error),
        }
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

pub fn load(path: &Path) -> Result<AdminCredentials, OpenrcError> {
    let unreadable = |e: std::io::Error| OpenrcError::Unreadable {
        path: shown(path),
        error: e.to_string(),
    };
    let (mut file, meta) = crate::util::fs::open_regular(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => OpenrcError::Missing { path: shown(path) },
        _ => unreadable(e),
    })?;
    trusted(path, &meta)?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(unreadable)?;
    let assignments = match parse_simple(&text) {
        Some(assignments) => assignments,
        None => source_with_bash(path, &file)?,
    };
    credentials(path, assignments)
}

/// The ssh rule: owned by root or by the real user (who could edit it
/// anyway), writable by nobody else. The file is run as root by bash.
fn trusted(path: &Path, meta: &std::fs::Metadata) -> Result<(), OpenrcError> {
    let me = rustix::process::getuid().as_raw();
    let owner = meta.uid();
    if owner != 0 && owner != me {
        return Err(OpenrcError::Owner {
            path: shown(path),
            owner,
            me,
        });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(OpenrcError::Writable {
            path: shown(path),
            mode,
        });
    }
    Ok(())
}

fn credentials(
    path: &Path,
    assignments: Vec<(String, String)>,
) -> Result<AdminCredentials, OpenrcError> {
    let unset = |variable| OpenrcError::Unset {
        path: shown(path),
        variable,
    };
    let mut vars = BTreeMap::new();
    let mut password = None;
    for (name, value) in assignments {
        if !name.starts_with("OS_") {
            continue;
        }
        if name == "OS_PASSWORD" {
            password = Some(Secret::new(value));
        } else {
            vars.insert(name, value);
        }
    }
    for required in ["OS_AUTH_URL", "OS_USERNAME", "OS_PROJECT_NAME"] {
        if vars.get(required).is_none_or(|v| v.is_empty()) {
            return Err(unset(required));
        }
    }
    let password = password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| unset("OS_PASSWORD"))?;
    Ok(AdminCredentials {
        vars,
        password,
        origin: crate::i18n::Message::verbatim(path.display()),
    })
}

/// bash sources the checked file through the descriptor it was checked on
/// (handed to bash alone) and prints its environment.
fn source_with_bash(
    path: &Path,
    file: &std::fs::File,
) -> Result<Vec<(String, String)>, OpenrcError> {
    let run = |fd: Option<RawFd>| {
        let source = format!("/dev/fd/{}", fd.unwrap_or(-1));
        duct::cmd!(
            "bash",
            "-c",
            "set -a; . \"$1\" >/dev/null 2>&1 </dev/null; env -0",
            "glance-wizard-openrc",
            source
        )
        .full_env([("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")])
        .stdin_null()
        .stdout_capture()
        .stderr_null()
        .unchecked()
        .start()
    };
    let output = crate::util::inherit::start_child(Some(file.as_fd()), run)
        .and_then(|started| started)
        .and_then(|handle| handle.into_output())
        .map_err(|e| OpenrcError::Bash {
            path: shown(path),
            error: e.to_string(),
        })?;
    Ok(output
        .stdout
        .split(|b| *b == 0)
        .filter_map(|entry| {
            let entry = String::from_utf8_lossy(entry);
            let (name, value) = entry.split_once('=')?;
            Some((name.to_string(), value.to_string()))
        })
        .collect())
}

/// The assignments of an openrc made only of comments and `NAME=value` /
/// `export NAME=value` lines; None when any line is more than that.
fn parse_simple(text: &str) -> Option<Vec<(String, String)>> {
    let mut assignments = Vec::new();
    for line in text.lines() {
        let line = line.trim_start_matches([' ', '\t']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = match line.strip_prefix("export") {
            Some(rest) if rest.starts_with([' ', '\t']) => rest.trim_start_matches([' ', '\t']),
            _ => line,
        };
        let (name, value) = line.split_once('=')?;
        let mut chars = name.chars();
        let first = chars.next()?;
        if !(first.is_ascii_alphabetic() || first == '_')
            || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return None;
        }
        assignments.push((name.to_string(), simple_word(value)?));
    }
    Some(assignments)
}

/// A shell word without expansions, then nothing or a comment: bare
/// characters that mean nothing to the shell, '…' and "…" without `$`,
/// backquote, backslash or `!`.
fn simple_word(text: &str) -> Option<String> {
    let bare = |c: char| c.is_ascii_alphanumeric() || "-_./:@%+,=#".contains(c);
    let mut value = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => value.push_str(&quoted(&mut chars, '\'', "")?),
            '"' => value.push_str(&quoted(&mut chars, '"', "$`\\!")?),
            ' ' | '\t' => {
                let rest = chars.as_str().trim_start_matches([' ', '\t']);
                return (rest.is_empty() || rest.starts_with('#')).then_some(value);
            }
            c if bare(c) => value.push(c),
            _ => return None,
        }
    }
    Some(value)
}

/// The rest of a quoted string up to `end`; None when it is not closed on
/// this line or holds one of `special`.
fn quoted(chars: &mut std::str::Chars<'_>, end: char, special: &str) -> Option<String> {
    let mut text = String::new();
    for c in chars.by_ref() {
        if c == end {
            return Some(text);
        }
        if special.contains(c) {
            return None;
        }
        text.push(c);
    }
    None
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_values_and_keeps_password_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin-openrc");
        std::fs::write(
            &path,
            "export OS_USERNAME=admin\nexport OS_PASSWORD='a b$c\"d'\nexport OS_PROJECT_NAME=admin\nexport OS_AUTH_URL=http://controller:5000/v3\nexport OS_USER_DOMAIN_NAME=Default\n",
        )
        .unwrap();
        let creds = load(&path).unwrap();
        assert_eq!(creds.password.expose(), "a b$c\"d");
        assert_eq!(creds.auth_url(), "http://controller:5000/v3");
        assert!(!creds.vars.contains_key("OS_PASSWORD"));
    }

    #[test]
    fn missing_password_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rc");
        std::fs::write(&path, "export OS_USERNAME=admin\nexport OS_PROJECT_NAME=admin\nexport OS_AUTH_URL=http://x:5000/v3\n").unwrap();
        assert!(load(&path).unwrap_err().to_string().contains("OS_PASSWORD"));
    }

    const PLAIN: &str = "export OS_USERNAME=admin\nexport OS_PASSWORD=pw\nexport OS_PROJECT_NAME=admin\nexport OS_AUTH_URL=http://x:5000/v3\n";

    fn openrc(text: &str, mode: u32) -> (tempfile::TempDir, std::path::PathBuf) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin-openrc");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        (dir, path)
    }

    #[test]
    fn a_file_others_can_write_is_refused() {
        for mode in [0o664, 0o646, 0o666] {
            let (_dir, path) = openrc(PLAIN, mode);
            let err = load(&path).unwrap_err().to_string();
            assert!(err.contains(&format!("mode {mode:04o}")), "{err}");
            assert!(err.contains("chmod go-w"), "{err}");
        }
        let (_dir, path) = openrc(PLAIN, 0o644);
        assert_eq!(load(&path).unwrap().password.expose(), "pw");
    }

    /// Needs root to give the file away, as the wizard runs.
    #[test]
    fn a_file_owned_by_someone_else_is_refused() {
        if !rustix::process::geteuid().is_root() {
            eprintln!("SKIPPED: needs root to chown");
            return;
        }
        let (_dir, path) = openrc(PLAIN, 0o600);
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("owned by uid 65534"), "{err}");
    }

    #[test]
    fn a_link_is_refused() {
        let (dir, path) = openrc(PLAIN, 0o600);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        let err = load(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
    }

    /// A file saved by a Windows editor: bash would keep the `\r` in every
    /// value (and the password would not work); read without a shell, the
    /// line ends are line ends.
    #[test]
    fn a_plain_file_is_read_without_a_shell() {
        let (_dir, path) = openrc(&PLAIN.replace('\n', "\r\n"), 0o600);
        let creds = load(&path).unwrap();
        assert_eq!(creds.password.expose(), "pw");
        assert_eq!(creds.auth_url(), "http://x:5000/v3");
    }

    #[test]
    fn shell_syntax_is_left_to_bash() {
        let text = PLAIN.replace("OS_PASSWORD=pw", "OS_PASSWORD=$(printf 'p%s' w)");
        assert!(parse_simple(&text).is_none());
        let (_dir, path) = openrc(&text, 0o600);
        assert_eq!(load(&path).unwrap().password.expose(), "pw");
        for (value, want) in [
            ("bare # comment", Some("bare")),
            ("'a b'\"c\"d", Some("a bcd")),
            ("'open", None),
            ("\"$HOME\"", None),
            ("~/x", None),
            ("a;b", None),
        ] {
            assert_eq!(simple_word(value).as_deref(), want, "{value}");
        }
    }
}
