//! The config task: a format-preserving edit of Glance's config files. Every
//! byte outside the managed keys stays as it was; the original is backed up
//! once; the new file replaces the old atomically with its owner and mode.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::{TaskContext, fatal};
use crate::engine::TaskError;
use crate::engine::outputs::{ConfigOutputs, TaskOutputs};
use crate::i18n::Message;
use crate::ini::IniDocument;
use crate::plan::{BACKUP_SUFFIX, ConfigSpec, apply_config_spec};
use crate::util::fs::{Owner, write_atomically, write_atomically_then};

/// Reads a config file through a descriptor opened without following a
/// link, and its owner and mode from that same descriptor: a config file
/// that is a link (or not a regular file) is refused, not edited through.
fn read_config(path: &Path) -> std::io::Result<(String, std::fs::Metadata)> {
    let (mut file, meta) = crate::util::fs::open_regular(path)?;
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    Ok((text, meta))
}

fn sha256_hex(text: &str) -> String {
    crate::util::fs::sha256_hex(text.as_bytes())
}

/// Whether the file was edited since this task last wrote or checked it:
/// `Some(message)` says what happened and what the wizard will do about it.
pub fn drift(spec: &ConfigSpec, outputs: Option<&TaskOutputs>) -> Option<Message> {
    let recorded = &outputs?.config()?.sha256;
    let current = match read_config(Path::new(&spec.path)) {
        Ok((text, _)) => sha256_hex(&text),
        Err(e) => {
            return Some(
                Message::new("recheck.config_unreadable")
                    .arg("path", &spec.path)
                    .arg("error", e),
            );
        }
    };
    (current != *recorded).then(|| Message::new("recheck.config_edited").arg("path", &spec.path))
}

fn unwritable(path: &str, error: impl std::fmt::Display) -> TaskError {
    let said = Message::new("failure.unwritable")
        .arg("path", path)
        .arg("error", error);
    fatal(said)
}

pub fn run(spec: &ConfigSpec, ctx: &mut TaskContext<'_>) -> Result<TaskOutputs, TaskError> {
    let path = Path::new(&spec.path);
    let (before, meta) = read_config(path).map_err(|e| {
        let key = match e.kind() {
            std::io::ErrorKind::NotFound => "failure.config_missing",
            _ => "failure.config_unreadable",
        };
        fatal(Message::new(key).arg("path", &spec.path).arg("error", e))
    })?;
    let (mode, owner) = (meta.mode() & 0o7777, Some(Owner::of(&meta)));
    let mut doc = IniDocument::parse(&before);
    let commented = apply_config_spec(&mut doc, spec, true).map_err(fatal)?;
    for key in &commented {
        ctx.tell(Message::new("narration.commented_out").arg("key", key));
    }
    for e in &spec.edits {
        ctx.trace(format!("[{}] {} = {}", e.section, e.key, e.value.shown()));
    }
    let after = doc.to_string();
    let backup = format!("{}{BACKUP_SUFFIX}", spec.path);
    if after == before {
        ctx.tell(Message::new("narration.config_unchanged").arg("path", &spec.path));
        return Ok(TaskOutputs::Config(ConfigOutputs {
            sha256: sha256_hex(&after),
            changed: false,
            backup: std::fs::symlink_metadata(&backup).is_ok().then_some(backup),
        }));
    }
    // symlink_metadata: a link planted at the backup's name is refused by
    // the writer, not taken for a backup.
    if std::fs::symlink_metadata(&backup).is_err() {
        write_atomically(Path::new(&backup), before.as_bytes(), mode, owner)
            .map_err(|e| unwritable(&backup, e))?;
        ctx.tell(Message::new("narration.backed_up").arg("backup", &backup));
    }
    write_atomically_then(path, after.as_bytes(), mode, owner, || {
        crate::engine::pause::point(&format!(
            "during:{}",
            crate::plan::TaskId::Config(spec.file)
        ))
    })
    .map_err(|e| unwritable(&spec.path, e))?;
    ctx.tell(
        Message::new("narration.wrote_config")
            .arg("path", &spec.path)
            .arg("uid", meta.uid())
            .arg("gid", meta.gid())
            .arg("mode", format!("{:04o}", meta.mode() & 0o7777)),
    );
    Ok(TaskOutputs::Config(ConfigOutputs {
        sha256: sha256_hex(&after),
        changed: true,
        backup: Some(backup),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::runner::tests::with_ctx;
    use crate::plan::{ConfigEdit, ConfigValue};
    use std::os::unix::fs::PermissionsExt;

    fn spec(path: &Path) -> ConfigSpec {
        ConfigSpec {
            file: crate::plan::ConfigFile::GlanceApi,
            path: path.display().to_string(),
            edits: vec![ConfigEdit {
                section: "DEFAULT".into(),
                key: "debug".into(),
                value: ConfigValue::Plain("true".into()),
            }],
            comment_out_except: None,
        }
    }

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    /// A config file that is a link is refused, not edited through (nor
    /// replaced by a file with the link target's owner and mode).
    #[test]
    fn a_linked_config_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere.conf");
        std::fs::write(&elsewhere, "[DEFAULT]\n").unwrap();
        let path = dir.path().join("glance-api.conf");
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        let (result, _) = with_ctx(None, |ctx| run(&spec(&path), ctx));
        let err = result.err().unwrap().message.english();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(std::fs::symlink_metadata(&path).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "[DEFAULT]\n");
        assert!(
            !dir.path()
                .join(format!("glance-api.conf{BACKUP_SUFFIX}"))
                .exists()
        );
    }

    #[test]
    fn a_config_keeps_its_mode_and_is_backed_up_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("glance-api.conf");
        std::fs::write(&path, "[DEFAULT]\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let (result, _) = with_ctx(None, |ctx| run(&spec(&path), ctx));
        assert!(result.unwrap().changed_something());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[DEFAULT]\ndebug = true\n"
        );
        assert_eq!(mode(&path), 0o640);
        let backup = dir.path().join(format!("glance-api.conf{BACKUP_SUFFIX}"));
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), "[DEFAULT]\n");
        assert_eq!(mode(&backup), 0o640);
    }

    /// A rerun on the file it wrote changes nothing and records so; an
    /// edit behind its back is drift, and the rerun sets the managed key
    /// again keeping the edit.
    #[test]
    fn a_rerun_changes_nothing_and_drift_is_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("glance-api.conf");
        std::fs::write(&path, "[DEFAULT]\n").unwrap();
        let (first, _) = with_ctx(None, |ctx| run(&spec(&path), ctx));
        let first = first.unwrap();
        assert_eq!(drift(&spec(&path), Some(&first)), None);
        let (again, said) = with_ctx(None, |ctx| run(&spec(&path), ctx));
        let again = again.unwrap();
        assert!(!again.changed_something());
        assert_eq!(
            again.config().unwrap().sha256,
            first.config().unwrap().sha256
        );
        assert_eq!(
            again.config().unwrap().backup,
            first.config().unwrap().backup
        );
        assert!(
            said.iter().any(|l| l.ends_with("already has these values")),
            "{said:?}"
        );

        std::fs::write(&path, "[DEFAULT]\ndebug = false\nverbose = true\n").unwrap();
        let drifted = drift(&spec(&path), Some(&first)).unwrap().english();
        assert!(
            drifted.contains("was edited since glance-wizard configured it"),
            "{drifted}"
        );
        let (repaired, _) = with_ctx(None, |ctx| run(&spec(&path), ctx));
        assert!(repaired.unwrap().changed_something());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[DEFAULT]\ndebug = true\nverbose = true\n"
        );
        // The backup is still the first original.
        let backup = dir.path().join(format!("glance-api.conf{BACKUP_SUFFIX}"));
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), "[DEFAULT]\n");
    }

    /// A missing config file is fatal, names the file and the package that
    /// should have installed it, and writes nothing.
    #[test]
    fn a_missing_config_is_fatal_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("glance-api.conf");
        let (result, _) = with_ctx(None, |ctx| run(&spec(&path), ctx));
        let error = result.unwrap_err();
        assert_eq!(error.class, crate::engine::ErrorClass::Fatal);
        assert!(
            error
                .message
                .english()
                .contains(&path.display().to_string()),
            "{}",
            error.message.english()
        );
        assert!(
            error
                .message
                .english()
                .contains("the package should have installed it")
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let gone = drift(
            &spec(&path),
            Some(&TaskOutputs::Config(ConfigOutputs {
                sha256: String::new(),
                changed: true,
                backup: None,
            })),
        );
        assert!(gone.unwrap().english().contains("cannot be read any more"));
    }
}
