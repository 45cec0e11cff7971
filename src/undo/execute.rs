//! Taking one [`Item`] back through the runners' clients. Every step is
//! idempotent: an object already gone counts as taken back, so an undo
//! killed half-way finishes when run again.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::items::{Item, account};
use crate::engine::TaskError;
use crate::engine::runner::TaskContext;
use crate::engine::runner::clients::{
    Database, Glance, Keystone, KeystoneObject, Packages, Removal, Services,
};
use crate::fsutil::Owner;
use crate::plan::RoleSpec;
use crate::secret::Redactor;

/// The clients undo acts through (the real ones, or the test doubles).
pub struct Clients<'c> {
    pub keystone: &'c dyn Keystone,
    pub database: &'c dyn Database,
    pub packages: &'c dyn Packages,
    pub services: &'c dyn Services,
    pub glance: &'c dyn Glance,
}

/// Takes `item` back; what happened, one line.
pub fn execute(
    item: &Item,
    ctx: &mut TaskContext<'_>,
    clients: &Clients<'_>,
) -> Result<String, TaskError> {
    match item {
        Item::DeleteImage { id, spec } => {
            let api = clients.glance.connect_cached(ctx, spec)?;
            // Glance answers 404 for an image gone already: no error.
            api.delete(id)?;
            Ok(format!("deleted image {id}"))
        }
        Item::StopServices { spec } => stop_services(spec, ctx, clients.services),
        Item::DisableServices { spec, services } => {
            disable_services(spec, services, ctx, clients.services)
        }
        Item::RestoreFile {
            path,
            backup,
            recorded_sha256,
        } => restore_file(path, backup, recorded_sha256.as_deref(), ctx.redactor),
        Item::RemoveFile {
            path,
            recorded_sha256,
        } => remove_file(path, recorded_sha256.as_deref()),
        Item::RemovePackages { packages, spec } => {
            let removed = clients.packages.remove(ctx, spec, packages)?;
            if !removed.success() {
                return Err(TaskError::fatal(format!(
                    "cannot remove {}: {}",
                    packages.join(" "),
                    removed.tail(3)
                )));
            }
            Ok(format!("removed {}", packages.join(" ")))
        }
        Item::DropAccount { spec, .. } | Item::DropDatabase { spec } => {
            drop_sql(ctx, clients.database, spec, item)
        }
        Item::Keep(_) | Item::Note(_) | Item::KeepPackages { .. } => Ok(item.describe()),
        keystone => execute_keystone(keystone, ctx, clients.keystone),
    }
}

/// The Keystone items (anything else is said, not done).
fn execute_keystone(
    item: &Item,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<String, TaskError> {
    // What happened to `object`, `done` saying what was done to it.
    let said = |removal: Removal, done: &str, object: String| match removal {
        Removal::Done => format!("{done} {object}"),
        Removal::AlreadyGone => format!("{object} was gone already"),
    };
    match item {
        Item::DeleteEndpoint { interface, id } => {
            let removal = keystone.delete(ctx, KeystoneObject::Endpoint(id))?;
            Ok(said(
                removal,
                "deleted",
                format!("the {interface} endpoint {id}"),
            ))
        }
        Item::RestoreEndpointUrl { interface, id, url } => {
            let removal = keystone.set_endpoint(ctx, id, url, None)?;
            let object = format!("the {interface} endpoint {id}");
            Ok(match removal {
                Removal::Done => format!("pointed {object} back at {url}"),
                Removal::AlreadyGone => format!("{object} was gone already"),
            })
        }
        Item::DeleteService { id } => {
            let removal = keystone.delete(ctx, KeystoneObject::Service(id))?;
            Ok(said(removal, "deleted", format!("the image service {id}")))
        }
        Item::RemoveRole { spec } => remove_role(spec, ctx, keystone),
        Item::DeleteUser { id, name } => {
            let removal = keystone.delete(ctx, KeystoneObject::User(id))?;
            Ok(said(removal, "deleted", format!("user {name} ({id})")))
        }
        other => Ok(other.describe()),
    }
}

/// Stops each service.
fn stop_services(
    spec: &crate::plan::ServiceSpec,
    ctx: &mut TaskContext<'_>,
    services: &dyn Services,
) -> Result<String, TaskError> {
    for service in &spec.services {
        let stopped = services.stop(ctx, spec, service)?;
        if !stopped.success() {
            return Err(TaskError::fatal(format!(
                "cannot stop {service}: {}",
                stopped.tail(3)
            )));
        }
    }
    Ok(format!("stopped {}", spec.services.join(" ")))
}

/// Disables each of `names` at boot.
fn disable_services(
    spec: &crate::plan::ServiceSpec,
    names: &[String],
    ctx: &mut TaskContext<'_>,
    services: &dyn Services,
) -> Result<String, TaskError> {
    for service in names {
        let disabled = services.disable(ctx, spec, service)?;
        if !disabled.success() {
            return Err(TaskError::fatal(format!(
                "cannot disable {service}: {}",
                disabled.tail(3)
            )));
        }
    }
    Ok(format!("disabled {} at boot", names.join(" ")))
}

/// After the task's checkpoint is saved: the backup of a restored file is
/// deleted (before, a kill would leave a file that cannot be told from one
/// edited by hand; after, at worst a backup equal to the file stays, which
/// the next apply takes for the original, as it is).
pub fn after_checkpoint(item: &Item) -> Option<String> {
    let Item::RestoreFile { backup, .. } = item else {
        return None;
    };
    match std::fs::remove_file(backup) {
        Ok(()) => Some(format!("deleted the backup {backup}")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(format!("could not delete the backup {backup}: {e}")),
    }
}

/// Drops an account or the database, saying whether it was there.
fn drop_sql(
    ctx: &mut TaskContext<'_>,
    database: &dyn Database,
    spec: &crate::plan::SqlSpec,
    item: &Item,
) -> Result<String, TaskError> {
    let mut session = database
        .admin(spec)
        .map_err(|e| e.task_error("cannot log in to the database as administrator"))?;
    let looking = |e: crate::engine::runner::clients::DbError| e.task_error("looking for it");
    let (there, statement, object) = match item {
        Item::DropAccount { host, .. } => (
            session.account_exists(&spec.user, host).map_err(looking)?,
            format!("DROP USER IF EXISTS {}", account(spec, host)),
            format!("account {}", account(spec, host)),
        ),
        _ => (
            session.schema_exists(&spec.database).map_err(looking)?,
            format!("DROP DATABASE IF EXISTS `{}`", spec.database),
            format!("database {}", spec.database),
        ),
    };
    if !there {
        return Ok(format!("{object} was gone already"));
    }
    ctx.say(format!("SQL> {statement};"));
    session
        .execute(&statement)
        .map_err(|e| e.task_error(&statement))?;
    Ok(format!("dropped {object}"))
}

fn remove_role(
    spec: &RoleSpec,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<String, TaskError> {
    let login = &spec.login;
    let what = format!(
        "the {} role of {} on project {}",
        spec.role, login.user, login.project
    );
    let domain = keystone.domain_id(&login.domain)?;
    let ids = (
        keystone.user_id(&login.user, &domain)?,
        keystone.project_id(&login.project, &domain)?,
        keystone.role_id(&spec.role)?,
    );
    let (Some(user), Some(project), Some(role)) = ids else {
        return Ok(format!(
            "{what} was gone already (its user, project or role is)"
        ));
    };
    let object = KeystoneObject::RoleAssignment {
        project: &project,
        user: &user,
        role: &role,
    };
    Ok(match keystone.delete(ctx, object)? {
        Removal::Done => format!("removed {what}"),
        Removal::AlreadyGone => format!("{what} was gone already"),
    })
}

/// What restoring a file would do, found without changing anything.
#[derive(Debug, Clone, PartialEq)]
pub enum FileCheck {
    /// Put back these bytes, with the backup's owner and mode.
    Restore {
        bytes: Vec<u8>,
        mode: u32,
        owner: Owner,
    },
    /// The file is the backup already (an earlier undo was killed after it).
    AlreadyRestored,
    /// Refused: why, and the masked diff of the file now against the backup.
    Refused(String),
}

fn read_bytes(path: &Path) -> std::io::Result<(Vec<u8>, std::fs::Metadata)> {
    let (mut file, meta) = crate::fsutil::open_regular(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok((bytes, meta))
}

/// Whether `path` can be put back from `backup`: only while it is as
/// glance-wizard left it (`recorded`, its SHA-256; `None`: not checked).
/// Links are refused, as everywhere ([`crate::fsutil::open_regular`]).
pub fn check_file(
    path: &str,
    backup: &str,
    recorded: Option<&str>,
    redactor: &Redactor,
) -> Result<FileCheck, TaskError> {
    let (original, meta) = read_bytes(Path::new(backup))
        .map_err(|e| TaskError::fatal(format!("cannot read the backup {backup}: {e}")))?;
    let current = match read_bytes(Path::new(path)) {
        Ok((bytes, _)) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(TaskError::fatal(format!("cannot read {path}: {e}"))),
    };
    if current.as_deref() == Some(original.as_slice()) {
        return Ok(FileCheck::AlreadyRestored);
    }
    let edited = match (&current, recorded) {
        (Some(now), Some(sha)) => crate::fsutil::sha256_hex(now) != sha,
        _ => false,
    };
    if edited {
        let now = String::from_utf8_lossy(current.as_deref().unwrap_or_default());
        let then = String::from_utf8_lossy(&original);
        let restored = format!("{path} (restored from the backup)");
        let diff = crate::plan::masked_diff(&now, &then, (path, &restored), redactor, None);
        return Ok(FileCheck::Refused(format!(
            "{path} was edited since glance-wizard wrote it: restoring the backup would lose these changes (secrets masked):\n{}\nPut the backup back by hand (cp -p {backup} {path}) or keep the file as it is (glance-wizard reset {}), then run undo again",
            diff.join("\n"),
            config_task_hint(path)
        )));
    }
    Ok(FileCheck::Restore {
        bytes: original,
        mode: meta.mode() & 0o7777,
        owner: Owner::of(&meta),
    })
}

/// The task id to forget for a config file, for the refusal's hint.
fn config_task_hint(path: &str) -> String {
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("config.{}", name.trim_end_matches(".conf"))
}

/// Deletes a file glance-wizard wrote where there was none, unless it was
/// edited since (`recorded`: its hash as written; `None` in journals of
/// older glance-wizards).
fn remove_file(path: &str, recorded: Option<&str>) -> Result<String, TaskError> {
    let now = match read_bytes(Path::new(path)) {
        Ok((bytes, _)) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(format!("{path} was gone already"));
        }
        Err(e) => return Err(TaskError::fatal(format!("cannot read {path}: {e}"))),
    };
    if recorded.is_some_and(|sha| crate::fsutil::sha256_hex(&now) != sha) {
        return Err(TaskError::needs_user(format!(
            "{path} was edited since glance-wizard wrote it: deleting it would lose those changes. Delete it by hand or keep it (glance-wizard reset packages.install), then run undo again"
        )));
    }
    std::fs::remove_file(path)
        .map(|()| format!("deleted {path}"))
        .map_err(|e| TaskError::fatal(format!("cannot delete {path}: {e}")))
}

fn restore_file(
    path: &str,
    backup: &str,
    recorded: Option<&str>,
    redactor: &Redactor,
) -> Result<String, TaskError> {
    match check_file(path, backup, recorded, redactor)? {
        FileCheck::AlreadyRestored => Ok(format!("{path} is its backup already")),
        FileCheck::Refused(why) => Err(TaskError::needs_user(why)),
        FileCheck::Restore { bytes, mode, owner } => {
            crate::fsutil::write_atomically(Path::new(path), &bytes, mode, Some(owner))
                .map_err(|e| TaskError::fatal(format!("cannot write {path}: {e}")))?;
            Ok(format!("restored {path} from {backup} (mode {mode:04o})"))
        }
    }
}
