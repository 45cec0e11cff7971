//! Taking one [`Item`] back through the runners' clients. Every step is
//! idempotent: an object already gone counts as taken back, so an undo
//! killed half-way finishes when run again.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::items::{FileRestore, Item, account};
use crate::engine::runner::TaskContext;
use crate::engine::runner::clients::{
    Database, Glance, Keystone, KeystoneObject, Packages, Removal, Services,
};
use crate::engine::{ErrorClass, TaskError};
use crate::i18n::Message;
use crate::plan::RoleSpec;
use crate::util::fs::Owner;
use crate::util::secret::Redactor;

/// One of undo's lines (`undo_said.*` in assets/i18n).
fn said(key: &'static str) -> Message {
    Message::new(key)
}

/// A failure to take an item back that only the user can see to.
fn fatal(message: Message) -> TaskError {
    TaskError::new(ErrorClass::Fatal, message)
}

/// An OS error on `path` (`failure.*` or `undo_error.*`): the OS's words
/// as they are.
fn on_path(key: &'static str, path: &str, error: std::io::Error) -> TaskError {
    fatal(Message::new(key).arg("path", path).arg("error", error))
}

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
) -> Result<Message, TaskError> {
    match item {
        Item::DeleteImage { id, spec } => {
            let api = clients.glance.connect_cached(ctx, spec)?;
            // Glance answers 404 for an image gone already: no error.
            api.delete(id)?;
            Ok(said("undo_said.deleted_image").arg("id", id))
        }
        Item::StopServices { spec } => stop_services(spec, ctx, clients.services),
        Item::DisableServices { spec, services } => {
            disable_services(spec, services, ctx, clients.services)
        }
        Item::RestoreFile(restore) => restore_file(restore, ctx.redactor),
        Item::RemoveFile {
            path,
            recorded_sha256,
        } => remove_file(path, recorded_sha256.as_deref()),
        Item::RemovePackages { packages, spec } => {
            let removed = clients.packages.remove(ctx, spec, packages)?;
            if !removed.success() {
                return Err(fatal(
                    Message::new("undo_error.cannot_remove")
                        .arg("packages", packages.join(" "))
                        .arg("output", removed.tail(3)),
                ));
            }
            Ok(said("undo_said.removed_packages").arg("packages", packages.join(" ")))
        }
        Item::DropAccount { spec, .. } | Item::DropDatabase { spec } => {
            drop_sql(ctx, clients.database, spec, item)
        }
        Item::Keep(_) | Item::Note(_) | Item::KeepPackages { .. } => Ok(item.describe()),
        keystone => execute_keystone(keystone, ctx, clients.keystone),
    }
}

/// What happened to `object`: `done` (`undo_said.deleted`), or it was
/// gone already.
fn removed(removal: Removal, done: Message, object: Message) -> Message {
    match removal {
        Removal::Done => done.msg("object", object),
        Removal::AlreadyGone => said("undo_said.gone").msg("object", object),
    }
}

/// The Keystone items (anything else is said, not done).
fn execute_keystone(
    item: &Item,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<Message, TaskError> {
    let endpoint = |interface: &crate::plan::Interface, id: &str| {
        said("undo_said.endpoint")
            .arg("interface", interface)
            .arg("id", id)
    };
    let deleted = || said("undo_said.deleted");
    match item {
        Item::DeleteEndpoint { interface, id } => {
            let removal = keystone.delete(ctx, KeystoneObject::Endpoint(id))?;
            Ok(removed(removal, deleted(), endpoint(interface, id)))
        }
        Item::RestoreEndpointUrl { interface, id, url } => {
            let removal = keystone.set_endpoint(ctx, id, url, None)?;
            let done = said("undo_said.pointed_back").arg("url", url);
            Ok(removed(removal, done, endpoint(interface, id)))
        }
        Item::DeleteService { id } => {
            let removal = keystone.delete(ctx, KeystoneObject::Service(id))?;
            let service = said("undo_said.service").arg("id", id);
            Ok(removed(removal, deleted(), service))
        }
        Item::RemoveRole { spec } => remove_role(spec, ctx, keystone),
        Item::DeleteUser { id, name } => {
            let removal = keystone.delete(ctx, KeystoneObject::User(id))?;
            let user = said("undo_said.user").arg("name", name).arg("id", id);
            Ok(removed(removal, deleted(), user))
        }
        other => Ok(other.describe()),
    }
}

/// Stops each service.
fn stop_services(
    spec: &crate::plan::ServiceSpec,
    ctx: &mut TaskContext<'_>,
    services: &dyn Services,
) -> Result<Message, TaskError> {
    for service in &spec.services {
        let stopped = services.stop(ctx, spec, service)?;
        if !stopped.success() {
            return Err(fatal(
                Message::new("undo_error.cannot_stop")
                    .arg("service", service)
                    .arg("output", stopped.tail(3)),
            ));
        }
    }
    Ok(said("undo_said.stopped").arg("services", spec.services.join(" ")))
}

/// Disables each of `names` at boot.
fn disable_services(
    spec: &crate::plan::ServiceSpec,
    names: &[String],
    ctx: &mut TaskContext<'_>,
    services: &dyn Services,
) -> Result<Message, TaskError> {
    for service in names {
        let disabled = services.disable(ctx, spec, service)?;
        if !disabled.success() {
            return Err(fatal(
                Message::new("undo_error.cannot_disable")
                    .arg("service", service)
                    .arg("output", disabled.tail(3)),
            ));
        }
    }
    Ok(said("undo_said.disabled").arg("services", names.join(" ")))
}

/// After the task's checkpoint is saved: the backup of a restored file is
/// deleted (before, a kill would leave a file that cannot be told from one
/// edited by hand; after, at worst a backup equal to the file stays, which
/// the next apply takes for the original, as it is).
pub fn after_checkpoint(item: &Item) -> Option<Message> {
    let Item::RestoreFile(FileRestore { backup, .. }) = item else {
        return None;
    };
    match std::fs::remove_file(backup) {
        Ok(()) => Some(said("undo_said.backup_deleted").arg("backup", backup)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(
            said("undo_said.backup_not_deleted")
                .arg("backup", backup)
                .arg("error", e),
        ),
    }
}

/// Drops an account or the database, saying whether it was there.
fn drop_sql(
    ctx: &mut TaskContext<'_>,
    database: &dyn Database,
    spec: &crate::plan::SqlSpec,
    item: &Item,
) -> Result<Message, TaskError> {
    let mut session = database
        .admin(spec)
        .map_err(|e| e.error_after(Message::new("failure.db_admin_login")))?;
    let looking = |e: crate::engine::runner::clients::DbError| {
        e.error_after(Message::new("undo_error.looking"))
    };
    let (there, statement, object) = match item {
        Item::DropAccount { host, .. } => (
            session.account_exists(&spec.user, host).map_err(looking)?,
            format!("DROP USER IF EXISTS {}", account(spec, host)),
            said("undo_said.account").arg("account", account(spec, host)),
        ),
        _ => (
            session.schema_exists(&spec.database).map_err(looking)?,
            format!("DROP DATABASE IF EXISTS `{}`", spec.database),
            said("undo_said.database").arg("database", &spec.database),
        ),
    };
    if !there {
        return Ok(said("undo_said.gone").msg("object", object));
    }
    ctx.trace(format!("SQL> {statement};"));
    session
        .execute(&statement)
        .map_err(|e| e.task_error(&statement))?;
    Ok(said("undo_said.dropped").msg("object", object))
}

fn remove_role(
    spec: &RoleSpec,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<Message, TaskError> {
    let login = &spec.login;
    let what = said("undo_said.role")
        .arg("role", &spec.role)
        .arg("user", &login.user)
        .arg("project", &login.project);
    let domain = keystone.domain_id(&login.domain)?;
    let ids = (
        keystone.user_id(&login.user, &domain)?,
        keystone.project_id(&login.project, &domain)?,
        keystone.role_id(&spec.role)?,
    );
    let (Some(user), Some(project), Some(role)) = ids else {
        return Ok(said("undo_said.role_gone").msg("object", what));
    };
    let object = KeystoneObject::RoleAssignment {
        project: &project,
        user: &user,
        role: &role,
    };
    let removal = keystone.delete(ctx, object)?;
    Ok(removed(removal, said("undo_said.removed"), what))
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
    /// Refused: why, the masked diff of the file now against the backup
    /// (its lines as they are), and what to do; one message a line.
    Refused(Vec<Message>),
}

fn read_bytes(path: &Path) -> std::io::Result<(Vec<u8>, std::fs::Metadata)> {
    let (mut file, meta) = crate::util::fs::open_regular(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok((bytes, meta))
}

/// Whether `path` can be put back from `backup`: only while it is as
/// glance-wizard left it (`recorded`, its SHA-256; `None`: not checked).
/// Links are refused, as everywhere ([`crate::util::fs::open_regular`]).
pub fn check_file(restore: &FileRestore, redactor: &Redactor) -> Result<FileCheck, TaskError> {
    let FileRestore {
        path,
        backup,
        recorded_sha256: recorded,
        task,
    } = restore;
    let (original, meta) = read_bytes(Path::new(backup)).map_err(|e| {
        fatal(
            Message::new("undo_error.backup_unreadable")
                .arg("backup", backup)
                .arg("error", e),
        )
    })?;
    let current = match read_bytes(Path::new(path)) {
        Ok((bytes, _)) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(on_path("failure.config_unreadable", path, e)),
    };
    if current.as_deref() == Some(original.as_slice()) {
        return Ok(FileCheck::AlreadyRestored);
    }
    let edited = match (&current, recorded) {
        (Some(now), Some(sha)) => crate::util::fs::sha256_hex(now) != *sha,
        _ => false,
    };
    if edited {
        let now = String::from_utf8_lossy(current.as_deref().unwrap_or_default());
        let then = String::from_utf8_lossy(&original);
        let restored = format!("{path} (restored from the backup)");
        let diff = crate::plan::masked_diff(&now, &then, (path, &restored), redactor, None);
        let why = said("undo_said.edited").arg("path", path);
        let remedy = said("undo_said.edited_remedy")
            .arg("path", path)
            .arg("backup", backup)
            .arg("task", task);
        let diff = diff.iter().map(|line| diff_line(line, path, &restored));
        let lines = std::iter::once(why).chain(diff).chain([remedy]);
        return Ok(FileCheck::Refused(lines.collect()));
    }
    Ok(FileCheck::Restore {
        bytes: original,
        mode: meta.mode() & 0o7777,
        owner: Owner::of(&meta),
    })
}

/// A line of the refusal's diff as it is, but for the name of the backup's
/// side (`+++ PATH (restored from the backup)`), whose words are translated.
fn diff_line(line: &str, path: &str, restored: &str) -> Message {
    match line.strip_suffix(restored) {
        Some(before) => Message::new("undo_error.restored_name")
            .arg("before", before)
            .arg("path", path),
        None => Message::verbatim(line),
    }
}

/// Deletes a file glance-wizard wrote where there was none, unless it was
/// edited since (`recorded`: its hash as written; `None` in journals of
/// older glance-wizards).
fn remove_file(path: &str, recorded: Option<&str>) -> Result<Message, TaskError> {
    let now = match read_bytes(Path::new(path)) {
        Ok((bytes, _)) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(said("undo_said.gone").arg("object", path));
        }
        Err(e) => return Err(on_path("failure.config_unreadable", path, e)),
    };
    if recorded.is_some_and(|sha| crate::util::fs::sha256_hex(&now) != sha) {
        let why = Message::new("undo_error.file_edited").arg("path", path);
        return Err(TaskError::new(ErrorClass::NeedsUser, why));
    }
    std::fs::remove_file(path)
        .map(|()| said("undo_said.deleted_file").arg("path", path))
        .map_err(|e| on_path("undo_error.cannot_delete", path, e))
}

fn restore_file(restore: &FileRestore, redactor: &Redactor) -> Result<Message, TaskError> {
    let path = &restore.path;
    match check_file(restore, redactor)? {
        FileCheck::AlreadyRestored => Ok(said("undo_said.already_restored").arg("path", path)),
        FileCheck::Refused(lines) => Err(TaskError::new(ErrorClass::NeedsUser, joined(lines))),
        FileCheck::Restore { bytes, mode, owner } => {
            crate::util::fs::write_atomically(Path::new(path), &bytes, mode, Some(owner))
                .map_err(|e| on_path("failure.unwritable", path, e))?;
            Ok(said("undo_said.restored")
                .arg("path", path)
                .arg("backup", &restore.backup)
                .arg("mode", format!("{mode:04o}")))
        }
    }
}

/// Lines as one message, one line each (`undo_error.lines`). A run of
/// lines shown as they are (a diff's) is one block: a long diff nests no
/// deeper than a short one.
fn joined(lines: Vec<Message>) -> Message {
    let mut blocks: Vec<Message> = Vec::new();
    let mut block: Option<String> = None;
    for line in lines {
        match (line.as_verbatim(), block.as_mut()) {
            (Some(text), Some(open)) => {
                open.push('\n');
                open.push_str(text);
            }
            (Some(text), None) => block = Some(text.to_string()),
            (None, _) => {
                blocks.extend(block.take().map(Message::verbatim));
                blocks.push(line);
            }
        }
    }
    blocks.extend(block.map(Message::verbatim));
    let mut lines = blocks.into_iter().rev();
    let last = lines.next().unwrap_or_else(|| Message::verbatim(""));
    lines.fold(last, |rest, line| {
        Message::new("undo_error.lines")
            .msg("first", line)
            .msg("rest", rest)
    })
}
