//! `[proxy] persist = true`: the proxy written into the package manager's
//! own configuration, so that apt or yum run by hand later go through it
//! too. Only with the admin's consent (the flag is off by default); the
//! file as it was is kept once as `*.glance-wizard.orig`.
//!
//! - apt: its own file, `/etc/apt/apt.conf.d/95glance-wizard-proxy`, with
//!   `Acquire::http::Proxy` / `Acquire::https::Proxy` and a `DIRECT` entry
//!   per host of no_proxy (apt has no no_proxy list, only per-host keys).
//! - yum / dnf: `proxy`, `proxy_username`, `proxy_password` in `[main]` of
//!   `/etc/yum.conf` / `/etc/dnf/dnf.conf`, edited in place (every other
//!   byte kept). They take one proxy for every scheme and no no_proxy list.
//!
//! A file that ends up holding a password is made mode 0600.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::answers::ProxySettings;
use crate::host::target::PackageManager;
use crate::i18n::Message;
use crate::ini::IniDocument;
use crate::plan::BACKUP_SUFFIX;
use crate::plan::commands::proxy_config_path;

/// What [`persist_proxy`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persisted {
    pub path: PathBuf,
    /// Where the file as it was is kept, when there was one.
    pub backup: Option<PathBuf>,
    /// False when the file already said exactly this.
    pub changed: bool,
    /// SHA-256 of the file as it is now.
    pub sha256: String,
}

impl Persisted {
    pub fn describe(&self) -> Message {
        let key = match self.changed {
            true => "narration.proxy_written",
            false => "narration.proxy_unchanged",
        };
        let what = Message::new(key).arg("path", self.path.display());
        match &self.backup {
            Some(b) => Message::new("narration.original_kept")
                .msg("what", what)
                .arg("backup", b.display()),
            None => what,
        }
    }
}

/// The apt configuration for the proxy.
pub fn apt_conf(proxy: &ProxySettings) -> String {
    let mut text = String::from(
        "// Written by glance-wizard because its answers say [proxy] persist = true.\n\
         // Delete this file to stop apt from using the proxy.\n",
    );
    for (scheme, url) in [("http", &proxy.http_proxy), ("https", &proxy.https_proxy)] {
        if url.is_empty() {
            continue;
        }
        let url = proxy.with_credentials(url);
        text.push_str(&format!("Acquire::{scheme}::Proxy \"{}\";\n", url.expose()));
        // apt knows no no_proxy list; it takes a DIRECT per host name.
        for host in &proxy.no_proxy {
            if host != "*"
                && !host.starts_with('.')
                && !host.contains(':')
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            {
                text.push_str(&format!("Acquire::{scheme}::Proxy::{host} \"DIRECT\";\n"));
            }
        }
    }
    text
}

/// `[main]` of yum.conf / dnf.conf with the proxy set: `proxy` without the
/// credentials, which go to `proxy_username` / `proxy_password`.
pub fn yum_conf(original: &str, proxy: &ProxySettings) -> Result<String, String> {
    let url = proxy.shown().unwrap_or_default();
    let mut parsed = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    let user = percent_encoding::percent_decode_str(parsed.username())
        .decode_utf8_lossy()
        .into_owned();
    let password = proxy.password.as_ref().filter(|_| !user.is_empty());
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    let bare = parsed.as_str().trim_end_matches('/').to_string();
    let mut doc = IniDocument::parse(original);
    let mut set = |key: &str, value: &str| {
        doc.set("main", key, value)
            .map_err(|e| format!("[main] {key}: {e}"))
    };
    set("proxy", &bare)?;
    if !user.is_empty() {
        set("proxy_username", &user)?;
    }
    if let Some(p) = password {
        set("proxy_password", p.expose())?;
    }
    Ok(doc.render())
}

fn has_password(proxy: &ProxySettings) -> bool {
    proxy.password.is_some()
}

/// Writes `text` to `path` atomically with `mode`; keeps the owner of the
/// file it replaces (a link there is refused, see [`crate::util::fs`]).
fn write_atomically(path: &Path, text: &str, mode: u32) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(dir)?;
    let owner = std::fs::symlink_metadata(path)
        .ok()
        .map(|m| crate::util::fs::Owner::of(&m));
    crate::util::fs::write_atomically(path, text.as_bytes(), mode, owner)
}

/// Writes the proxy into the package manager's configuration under `root`
/// (`/` in production; a scratch directory in tests).
pub fn persist_proxy(
    manager: PackageManager,
    proxy: &ProxySettings,
    root: &Path,
) -> Result<Persisted, String> {
    let path = root.join(proxy_config_path(manager).trim_start_matches('/'));
    let before = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let after = match manager {
        PackageManager::Apt => apt_conf(proxy),
        PackageManager::Yum | PackageManager::Dnf => {
            yum_conf(before.as_deref().unwrap_or("[main]\n"), proxy)?
        }
    };
    let old_mode = std::fs::metadata(&path).map(|m| m.mode() & 0o7777).ok();
    let mode = if has_password(proxy) {
        0o600
    } else {
        old_mode.unwrap_or(0o644)
    };
    let backup_path = PathBuf::from(format!("{}{BACKUP_SUFFIX}", path.display()));
    let mut backup = backup_path.exists().then(|| backup_path.clone());
    if before.as_deref() == Some(after.as_str()) && old_mode == Some(mode) {
        return Ok(Persisted {
            path,
            backup,
            changed: false,
            sha256: crate::util::fs::sha256_hex(after.as_bytes()),
        });
    }
    if let Some(original) = &before
        && backup.is_none()
    {
        write_atomically(&backup_path, original, old_mode.unwrap_or(0o644))
            .map_err(|e| format!("cannot back up {}: {e}", path.display()))?;
        backup = Some(backup_path);
    }
    write_atomically(&path, &after, mode)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Persisted {
        path,
        backup,
        changed: true,
        sha256: crate::util::fs::sha256_hex(after.as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings for `url`, its password (if any) moved to the secrets as
    /// `Answers::resolve` has it.
    fn proxy(url: &str) -> ProxySettings {
        let mut parsed = url::Url::parse(url).unwrap();
        let password = parsed.password().map(|p| {
            crate::util::secret::Secret::new(
                percent_encoding::percent_decode_str(p).decode_utf8_lossy(),
            )
        });
        parsed.set_password(None).unwrap();
        let url = parsed.as_str().trim_end_matches('/');
        ProxySettings {
            http_proxy: url.into(),
            https_proxy: url.into(),
            password,
            no_proxy: vec![
                "controller".into(),
                "127.0.0.1".into(),
                ".example.org".into(),
            ],
            persist: true,
        }
    }

    /// Real apt reads the file back: `apt-config -c FILE dump`.
    #[test]
    fn apt_reads_the_persisted_proxy() {
        let root = tempfile::tempdir().unwrap();
        let p = proxy("http://gw:s3cret@127.0.0.1:8888");
        let done = persist_proxy(PackageManager::Apt, &p, root.path()).unwrap();
        assert!(done.changed && done.backup.is_none());
        let mode = std::fs::metadata(&done.path).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600, "a password inside: owner only");
        let dumped = match std::process::Command::new("apt-config")
            .arg("-c")
            .arg(&done.path)
            .arg("dump")
            .output()
        {
            Ok(out) => String::from_utf8_lossy(&out.stdout).into_owned(),
            Err(e) => {
                assert!(
                    std::env::var("GW_LAB").as_deref() != Ok("1"),
                    "apt-config: {e}"
                );
                eprintln!("SKIPPED the apt-config check: {e}");
                return;
            }
        };
        for want in [
            "Acquire::http::Proxy \"http://gw:s3cret@127.0.0.1:8888\";",
            "Acquire::https::Proxy \"http://gw:s3cret@127.0.0.1:8888\";",
            "Acquire::http::Proxy::controller \"DIRECT\";",
            "Acquire::http::Proxy::127.0.0.1 \"DIRECT\";",
        ] {
            assert!(dumped.contains(want), "{want} not in:\n{dumped}");
        }
        assert!(!dumped.contains("example.org"), "no suffix entries");

        // Again: nothing to change. Then another proxy: the first file is
        // the backup, kept once.
        let again = persist_proxy(PackageManager::Apt, &p, root.path()).unwrap();
        assert!(!again.changed);
        let other = persist_proxy(
            PackageManager::Apt,
            &proxy("http://127.0.0.1:3128"),
            root.path(),
        )
        .unwrap();
        assert!(other.changed);
        let backup = std::fs::read_to_string(other.backup.unwrap()).unwrap();
        assert!(backup.contains("8888"), "{backup}");
    }

    /// A test double for yum.conf (no yum on this Debian machine): the
    /// stock CentOS 7 file's shape.
    #[test]
    fn yum_conf_keeps_every_other_byte() {
        let root = tempfile::tempdir().unwrap();
        let etc = root.path().join("etc");
        std::fs::create_dir_all(&etc).unwrap();
        let original = "[main]\ncachedir=/var/cache/yum/$basearch/$releasever\nkeepcache=0\n\n# PUT YOUR REPOS HERE OR IN separate files named file.repo\n# in /etc/yum.repos.d\n";
        std::fs::write(etc.join("yum.conf"), original).unwrap();
        let done = persist_proxy(
            PackageManager::Yum,
            &proxy("http://gw:p%40ss@proxy.example.org:3128"),
            root.path(),
        )
        .unwrap();
        let text = std::fs::read_to_string(&done.path).unwrap();
        assert!(
            text.contains("proxy = http://proxy.example.org:3128\n"),
            "{text}"
        );
        assert!(text.contains("proxy_username = gw\n"), "{text}");
        assert!(text.contains("proxy_password = p@ss\n"), "{text}");
        for line in original.lines() {
            assert!(text.contains(line), "{line:?} lost:\n{text}");
        }
        assert_eq!(
            std::fs::read_to_string(done.backup.unwrap()).unwrap(),
            original
        );
        assert_eq!(std::fs::metadata(&done.path).unwrap().mode() & 0o777, 0o600);
        // dnf.conf missing: created with [main].
        let dnf = persist_proxy(
            PackageManager::Dnf,
            &proxy("http://proxy.example.org:3128"),
            root.path(),
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(&dnf.path).unwrap(),
            "[main]\nproxy = http://proxy.example.org:3128\n"
        );
        assert!(dnf.backup.is_none());
    }
}
