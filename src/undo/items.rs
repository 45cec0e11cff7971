//! What undo takes back of one task, as data: one [`Item`] per object the
//! journal records, from the task's spec (names, paths) and its outputs
//! (ids, created or found). Pure: nothing is asked of the world here.

use crate::engine::outputs::{
    ConfigOutputs, EndpointOutput, ImageOutputs, MetadefsOutputs, Origin, PackagesOutputs,
    ServicesOutputs, SqlOutputs, TaskOutputs,
};
use crate::i18n::Message;
use crate::plan::{
    ConfigSpec, Interface, PackagesSpec, RoleSpec, ServiceSpec, SqlSpec, TaskId, TaskKind,
    VerifySpec,
};

/// One object to take back, or a line saying why something stays.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// The test image (Glance's API).
    DeleteImage {
        id: String,
        spec: Box<VerifySpec>,
    },
    /// Services glance-wizard started where nothing answered before.
    StopServices {
        spec: Box<ServiceSpec>,
    },
    /// Services glance-wizard enabled at boot that did not start at boot
    /// before.
    DisableServices {
        spec: Box<ServiceSpec>,
        services: Vec<String>,
    },
    /// A file put back byte for byte from its backup.
    RestoreFile(FileRestore),
    /// A file glance-wizard wrote where there was none; with
    /// `recorded_sha256`, only when it is still as glance-wizard left it.
    RemoveFile {
        path: String,
        recorded_sha256: Option<String>,
    },
    RemovePackages {
        packages: Vec<String>,
        spec: Box<PackagesSpec>,
    },
    DeleteEndpoint {
        interface: Interface,
        id: String,
    },
    /// An endpoint glance-wizard pointed at Glance: its URL put back.
    RestoreEndpointUrl {
        interface: Interface,
        id: String,
        url: String,
    },
    DeleteService {
        id: String,
    },
    RemoveRole {
        spec: Box<RoleSpec>,
    },
    DeleteUser {
        id: String,
        name: String,
    },
    DropAccount {
        host: String,
        spec: Box<SqlSpec>,
    },
    DropDatabase {
        spec: Box<SqlSpec>,
    },
    /// Stays as it is (it existed before, or undo was not asked to): why.
    Keep(Message),
    /// Packages glance-wizard installed, kept without `--purge-packages`:
    /// their task stays in the journal, so a later undo can remove them.
    KeepPackages {
        packages: Vec<String>,
    },
    /// Nothing of its own to take back: why.
    Note(Message),
}

/// A file to put back byte for byte from its backup: with
/// `recorded_sha256`, only while it is as glance-wizard left it (else
/// refused, with a masked diff).
#[derive(Debug, Clone, PartialEq)]
pub struct FileRestore {
    pub path: String,
    pub backup: String,
    pub recorded_sha256: Option<String>,
    /// The task that wrote it: `glance-wizard reset TASK` keeps the file
    /// as it is.
    pub task: TaskId,
}

/// What decides items beyond one task's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Context {
    pub purge_packages: bool,
    /// sql.database's record says the wizard created the database: the
    /// schema and the definitions go with it.
    pub database_created: bool,
}

/// The items of one task, in the order they are taken back.
pub fn items(kind: &TaskKind, outputs: &TaskOutputs, context: Context) -> Vec<Item> {
    match (kind, outputs) {
        (TaskKind::Verify(spec), TaskOutputs::Image(image)) => {
            let mut items = replaced_items(kind, outputs);
            items.push(image_item(spec, image));
            items
        }
        (TaskKind::Services(spec), TaskOutputs::Services(o)) => services_items(spec, o),
        (TaskKind::DbSync(_), TaskOutputs::DbSync(_)) => vec![schema_item(context)],
        (TaskKind::Metadefs(_), TaskOutputs::Metadefs(m)) => vec![metadefs_item(m, context)],
        (TaskKind::Config(spec), TaskOutputs::Config(o)) => vec![config_item(spec, o)],
        (TaskKind::Packages(spec), TaskOutputs::Packages(o)) => packages_items(spec, o, context),
        (TaskKind::IdentityEndpoints(_), TaskOutputs::Endpoints { endpoints }) => {
            endpoints.iter().map(endpoint_item).collect()
        }
        (TaskKind::IdentityService(spec), TaskOutputs::Service(o)) => vec![match o.origin {
            Origin::Created => Item::DeleteService { id: o.id.clone() },
            Origin::Found => Item::Keep(
                Message::new("undo_item.service_found")
                    .arg("type", &spec.service_type)
                    .arg("id", &o.id),
            ),
        }],
        (TaskKind::IdentityRole(spec), TaskOutputs::Role { origin, .. }) => vec![match origin {
            Origin::Created => Item::RemoveRole {
                spec: Box::new(spec.clone()),
            },
            Origin::Found => {
                Item::Keep(Message::new("undo_item.role_found").msg("role", role_words(spec)))
            }
        }],
        (TaskKind::IdentityUser(spec), TaskOutputs::User(o)) => vec![match o.origin {
            Origin::Created => Item::DeleteUser {
                id: o.id.clone(),
                name: spec.login.user.clone(),
            },
            Origin::Found => Item::Keep(
                Message::new("undo_item.user_found")
                    .arg("user", &spec.login.user)
                    .arg("id", &o.id),
            ),
        }],
        (TaskKind::Sql(spec), TaskOutputs::Sql(o)) => {
            let mut items = sql_items(spec, o);
            items.extend(replaced_items(kind, outputs));
            items
        }
        _ => vec![Item::Keep(Message::new("undo_item.other_kind"))],
    }
}

/// The items taking back what `outputs` records as replaced: databases
/// and test images earlier runs created under names the answers no longer
/// give ([`crate::engine::outputs::Replaced`]). One the answers name again
/// (changed back, not applied yet) is left: the next apply takes it as its
/// own.
pub fn replaced_items(kind: &TaskKind, outputs: &TaskOutputs) -> Vec<Item> {
    match (kind, outputs) {
        (TaskKind::Sql(spec), TaskOutputs::Sql(o)) => o
            .replaced
            .iter()
            .filter(|name| ***name != spec.database)
            .map(|name| Item::DropDatabase {
                spec: Box::new(SqlSpec {
                    database: name.to_string(),
                    ..spec.clone()
                }),
            })
            .collect(),
        (TaskKind::Verify(spec), TaskOutputs::Image(image)) => image
            .replaced
            .iter()
            .filter(|replaced| replaced.name != spec.name)
            .map(|replaced| Item::DeleteImage {
                id: replaced.id.clone(),
                spec: Box::new(VerifySpec {
                    name: replaced.name.clone(),
                    ..spec.clone()
                }),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn image_item(spec: &VerifySpec, image: &ImageOutputs) -> Item {
    match image.origin {
        Origin::Created => Item::DeleteImage {
            id: image.id.clone(),
            spec: Box::new(spec.clone()),
        },
        Origin::Found => Item::Keep(
            Message::new("undo_item.image_found")
                .arg("id", &image.id)
                .arg("name", &spec.name),
        ),
    }
}

/// Running and starting at boot are put back apart: a glance-api that was
/// installed stopped but enabled (Debian's package) is stopped and left
/// enabled.
fn services_items(spec: &ServiceSpec, o: &ServicesOutputs) -> Vec<Item> {
    let names = spec.services.join(" ");
    let keep = |key: &'static str| Item::Keep(Message::new(key).arg("services", &names));
    if o.restarted.is_empty() {
        return vec![keep("undo_item.services_not_restarted")];
    }
    let running = match o.answering_before {
        Some(false) => Item::StopServices {
            spec: Box::new(spec.clone()),
        },
        Some(true) => keep("undo_item.services_answered"),
        None => keep("undo_item.services_run_unrecorded"),
    };
    let enabled_by_wizard: Vec<String> = match (&o.enabled_before, o.answering_before) {
        (Some(before), _) => spec
            .services
            .iter()
            .filter(|s| !before.contains(s))
            .cloned()
            .collect(),
        // Not recorded (an older glance-wizard): disabled with what is stopped.
        (None, Some(false)) => spec.services.clone(),
        (None, _) => Vec::new(),
    };
    let at_boot = if !enabled_by_wizard.is_empty() {
        Item::DisableServices {
            spec: Box::new(spec.clone()),
            services: enabled_by_wizard,
        }
    } else if o.enabled_before.is_some() {
        keep("undo_item.services_enabled_before")
    } else {
        keep("undo_item.services_boot_unrecorded")
    };
    vec![running, at_boot]
}

fn schema_item(context: Context) -> Item {
    if context.database_created {
        Item::Note(Message::new("undo_item.schema_goes"))
    } else {
        Item::Keep(Message::new("undo_item.schema_stays"))
    }
}

fn metadefs_item(m: &MetadefsOutputs, context: Context) -> Item {
    let loaded = m.namespaces_after.saturating_sub(m.namespaces_before);
    if context.database_created {
        Item::Note(Message::new("undo_item.metadefs_go").arg("n", loaded))
    } else {
        Item::Keep(Message::new("undo_item.metadefs_stay").arg("n", loaded))
    }
}

fn config_item(spec: &ConfigSpec, o: &ConfigOutputs) -> Item {
    match &o.backup {
        Some(backup) => Item::RestoreFile(FileRestore {
            path: spec.path.clone(),
            backup: backup.clone(),
            recorded_sha256: Some(o.sha256.clone()),
            task: TaskId::Config(spec.file),
        }),
        None => Item::Keep(Message::new("undo_item.config_unchanged").arg("path", &spec.path)),
    }
}

fn packages_items(spec: &PackagesSpec, o: &PackagesOutputs, context: Context) -> Vec<Item> {
    let mut items = Vec::new();
    if let Some(file) = &o.proxy_config {
        items.push(match &file.backup {
            Some(backup) => Item::RestoreFile(FileRestore {
                path: file.path.clone(),
                backup: backup.clone(),
                recorded_sha256: file.sha256.clone(),
                task: TaskId::PackagesInstall,
            }),
            None => Item::RemoveFile {
                path: file.path.clone(),
                recorded_sha256: file.sha256.clone(),
            },
        });
    }
    if !o.installed.is_empty() {
        items.push(if context.purge_packages {
            Item::RemovePackages {
                packages: o.installed.clone(),
                spec: Box::new(spec.clone()),
            }
        } else {
            Item::KeepPackages {
                packages: o.installed.clone(),
            }
        });
    }
    if !o.found.is_empty() {
        items.push(Item::Keep(
            Message::new("undo_item.packages_found").arg("packages", o.found.join(" ")),
        ));
    }
    items
}

fn endpoint_item(e: &EndpointOutput) -> Item {
    match (&e.previous_url, e.origin) {
        (Some(url), _) => Item::RestoreEndpointUrl {
            interface: e.interface,
            id: e.id.clone(),
            url: url.clone(),
        },
        (None, Origin::Created) => Item::DeleteEndpoint {
            interface: e.interface,
            id: e.id.clone(),
        },
        (None, Origin::Found) => Item::Keep(
            Message::new("undo_item.endpoint_found")
                .arg("interface", e.interface)
                .arg("id", &e.id),
        ),
    }
}

fn sql_items(spec: &SqlSpec, o: &SqlOutputs) -> Vec<Item> {
    let mut items: Vec<Item> = o
        .accounts
        .iter()
        .map(|a| match a.origin {
            Origin::Created => Item::DropAccount {
                host: a.host.clone(),
                spec: Box::new(spec.clone()),
            },
            Origin::Found => Item::Keep(
                Message::new("undo_item.account_found").arg("account", account(spec, &a.host)),
            ),
        })
        .collect();
    items.push(match o.database {
        Origin::Created => Item::DropDatabase {
            spec: Box::new(spec.clone()),
        },
        Origin::Found => {
            Item::Keep(Message::new("undo_item.database_found").arg("database", &spec.database))
        }
    });
    items
}

fn role_words(spec: &RoleSpec) -> Message {
    Message::new("undo_item.role")
        .arg("role", &spec.role)
        .arg("user", &spec.login.user)
        .arg("project", &spec.login.project)
}

/// `'user'@'host'`: the names are [`crate::answers::types::SqlIdentifier`]s
/// and hosts the plan's, which hold no quote.
pub fn account(spec: &SqlSpec, host: &str) -> String {
    format!("'{}'@'{host}'", spec.user)
}

impl Item {
    /// Whether it changes something (not a line about what stays).
    pub fn acts(&self) -> bool {
        !matches!(
            self,
            Item::Keep(_) | Item::Note(_) | Item::KeepPackages { .. }
        )
    }

    /// What it does, for the preview.
    pub fn describe(&self) -> Message {
        let m = Message::new;
        match self {
            Item::DeleteImage { id, spec } => m("undo_item.delete_image")
                .arg("id", id)
                .arg("name", &spec.name),
            Item::StopServices { spec } => {
                m("undo_item.stop").arg("services", spec.services.join(" "))
            }
            Item::DisableServices { services, .. } => {
                m("undo_item.disable").arg("services", services.join(" "))
            }
            Item::RestoreFile(FileRestore { path, backup, .. }) => m("undo_item.restore_file")
                .arg("path", path)
                .arg("backup", backup),
            Item::RemoveFile { path, .. } => m("undo_item.remove_file").arg("path", path),
            Item::RemovePackages { packages, .. } => {
                m("undo_item.remove_packages").arg("packages", packages.join(" "))
            }
            Item::DeleteEndpoint { interface, id } => m("undo_item.delete_endpoint")
                .arg("interface", interface)
                .arg("id", id),
            Item::RestoreEndpointUrl { interface, id, url } => m("undo_item.restore_endpoint")
                .arg("interface", interface)
                .arg("id", id)
                .arg("url", url),
            Item::DeleteService { id } => m("undo_item.delete_service").arg("id", id),
            Item::RemoveRole { spec } => m("undo_item.remove_role").msg("role", role_words(spec)),
            Item::DeleteUser { id, name } => {
                m("undo_item.delete_user").arg("name", name).arg("id", id)
            }
            Item::DropAccount { host, spec } => {
                m("undo_item.drop_account").arg("account", account(spec, host))
            }
            Item::DropDatabase { spec } => {
                m("undo_item.drop_database").arg("database", &spec.database)
            }
            Item::Keep(why) => m("undo_item.stays").msg("why", why.clone()),
            Item::KeepPackages { packages } => {
                m("undo_item.keep_packages").arg("packages", packages.join(" "))
            }
            Item::Note(what) => what.clone(),
        }
    }
}
