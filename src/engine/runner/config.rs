//! The config task: a format-preserving edit of Glance's config files. Every
//! byte outside the managed keys stays as it was; the original is backed up
//! once; the new file replaces the old atomically with its owner and mode.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::{Outputs, TaskContext};
use crate::engine::TaskError;
use crate::ini::IniDocument;
use crate::plan::{ConfigSpec, apply_config_spec};

/// The backup of the file as it was before glance-wizard first touched it.
pub const BACKUP_SUFFIX: &str = ".glance-wizard.orig";

/// Writes `text` to `path` atomically, with the owner, group and mode of
/// `like` (the file being replaced).
pub fn replace_atomically(
    path: &Path,
    text: &str,
    like: &std::fs::Metadata,
) -> std::io::Result<()> {
    replace_atomically_then(path, text, like, || {})
}

/// [`replace_atomically`], calling `before_rename` once the new file is
/// written and synced but not yet in place.
fn replace_atomically_then(
    path: &Path,
    text: &str,
    like: &std::fs::Metadata,
    before_rename: impl FnOnce(),
) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("/"));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.glance-wizard.tmp"));
    let _ = std::fs::remove_file(&tmp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    // Owner and mode first, so the secret never sits in a file others can read.
    file.set_permissions(std::fs::Permissions::from_mode(like.mode() & 0o7777))?;
    std::os::unix::fs::fchown(&file, Some(like.uid()), Some(like.gid()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    before_rename();
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Output keys: the sha256 of the file as this task left it, and whether
/// this run changed it (a restart is due only then).
pub const OUTPUT_SHA256: &str = "sha256";
pub const OUTPUT_CHANGED: &str = "changed";

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::plan::hex(&Sha256::digest(text.as_bytes()))
}

/// Whether the file was edited since this task last wrote or checked it:
/// `Some(message)` says what happened and what the wizard will do about it.
pub fn drift(spec: &ConfigSpec, outputs: &Outputs) -> Option<String> {
    let recorded = outputs.get(OUTPUT_SHA256)?;
    let current = match std::fs::read_to_string(&spec.path) {
        Ok(text) => sha256_hex(&text),
        Err(e) => {
            return Some(format!(
                "{} cannot be read any more ({e}): configuring it again",
                spec.path
            ));
        }
    };
    (current != *recorded).then(|| {
        format!(
            "{} was edited since glance-wizard configured it: its managed keys are set again to the answers' values; every other edit in it is kept as it is",
            spec.path
        )
    })
}

pub fn run(spec: &ConfigSpec, ctx: &mut TaskContext<'_>) -> Result<Outputs, TaskError> {
    let path = Path::new(&spec.path);
    let before = std::fs::read_to_string(path).map_err(|e| {
        TaskError::fatal(format!(
            "cannot read {}: {e} (the package should have installed it)",
            spec.path
        ))
    })?;
    let meta = std::fs::metadata(path)?;
    let mut doc = IniDocument::parse(&before);
    let commented = apply_config_spec(&mut doc, spec, true).map_err(TaskError::fatal)?;
    for key in &commented {
        ctx.say(format!("commented out [keystone_authtoken] {key}"));
    }
    for e in &spec.edits {
        ctx.say(format!("[{}] {} = {}", e.section, e.key, e.value.shown()));
    }
    let after = doc.to_string();
    if after == before {
        ctx.say(format!("{} already has these values", spec.path));
        return Ok(Outputs::from([
            (OUTPUT_SHA256.to_string(), sha256_hex(&after)),
            (OUTPUT_CHANGED.to_string(), "false".to_string()),
        ]));
    }
    let backup = format!("{}{BACKUP_SUFFIX}", spec.path);
    if !Path::new(&backup).exists() {
        replace_atomically(Path::new(&backup), &before, &meta)?;
        ctx.say(format!("backed up the original to {backup}"));
    }
    replace_atomically_then(path, &after, &meta, || {
        crate::engine::pause::point(&format!("during:config.{}", spec.file_stem()))
    })?;
    ctx.say(format!(
        "wrote {} (owner {}:{}, mode {:04o})",
        spec.path,
        meta.uid(),
        meta.gid(),
        meta.mode() & 0o7777
    ));
    Ok(Outputs::from([
        ("backup".to_string(), backup),
        (OUTPUT_SHA256.to_string(), sha256_hex(&after)),
        (OUTPUT_CHANGED.to_string(), "true".to_string()),
    ]))
}
