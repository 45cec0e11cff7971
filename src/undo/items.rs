//! What undo takes back of one task, as data: one [`Item`] per object the
//! journal records, from the task's spec (names, paths) and its outputs
//! (ids, created or found). Pure: nothing is asked of the world here.

use crate::engine::outputs::{
    ConfigOutputs, EndpointOutput, ImageOutputs, MetadefsOutputs, Origin, PackagesOutputs,
    ServicesOutputs, SqlOutputs, TaskOutputs,
};
use crate::plan::{
    ConfigSpec, Interface, PackagesSpec, RoleSpec, ServiceSpec, SqlSpec, TaskKind, VerifySpec,
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
    /// A file put back byte for byte from its backup. With
    /// `recorded_sha256`, only when the file is still as glance-wizard
    /// left it (else refused, with a masked diff).
    RestoreFile {
        path: String,
        backup: String,
        recorded_sha256: Option<String>,
    },
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
    Keep(String),
    /// Packages glance-wizard installed, kept without `--purge-packages`:
    /// their task stays in the journal, so a later undo can remove them.
    KeepPackages {
        packages: Vec<String>,
    },
    /// Nothing of its own to take back: why.
    Note(String),
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
            Origin::Found => Item::Keep(format!(
                "the {} service {}: it existed before glance-wizard",
                spec.service_type, o.id
            )),
        }],
        (TaskKind::IdentityRole(spec), TaskOutputs::Role { origin, .. }) => vec![match origin {
            Origin::Created => Item::RemoveRole {
                spec: Box::new(spec.clone()),
            },
            Origin::Found => Item::Keep(format!(
                "{}: it existed before glance-wizard",
                role_words(spec)
            )),
        }],
        (TaskKind::IdentityUser(spec), TaskOutputs::User(o)) => vec![match o.origin {
            Origin::Created => Item::DeleteUser {
                id: o.id.clone(),
                name: spec.login.user.clone(),
            },
            Origin::Found => Item::Keep(format!(
                "user {} ({}): it existed before glance-wizard",
                spec.login.user, o.id
            )),
        }],
        (TaskKind::Sql(spec), TaskOutputs::Sql(o)) => {
            let mut items = sql_items(spec, o);
            items.extend(replaced_items(kind, outputs));
            items
        }
        _ => vec![Item::Keep(
            "the journal's record is not of this task's kind: left as it is".to_string(),
        )],
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
        Origin::Found => Item::Keep(format!(
            "image {} ({}): glance-wizard did not make it",
            image.id, spec.name
        )),
    }
}

/// Running and starting at boot are put back apart: a glance-api that was
/// installed stopped but enabled (Debian's package) is stopped and left
/// enabled.
fn services_items(spec: &ServiceSpec, o: &ServicesOutputs) -> Vec<Item> {
    let names = spec.services.join(" ");
    if o.restarted.is_empty() {
        return vec![Item::Keep(format!(
            "{names}: answering already, glance-wizard did not restart it: left running"
        ))];
    }
    let running = match o.answering_before {
        Some(false) => Item::StopServices {
            spec: Box::new(spec.clone()),
        },
        Some(true) => Item::Keep(format!(
            "{names}: it answered before glance-wizard restarted it: left running"
        )),
        None => Item::Keep(format!(
            "{names}: whether it ran before is not recorded (an older glance-wizard): left running"
        )),
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
        Item::Keep(format!(
            "{names}: started at boot before glance-wizard enabled it: left enabled"
        ))
    } else {
        Item::Keep(format!(
            "{names}: whether it started at boot before is not recorded: left enabled"
        ))
    };
    vec![running, at_boot]
}

fn schema_item(context: Context) -> Item {
    if context.database_created {
        Item::Note("the schema goes with the database (sql.database's undo drops it)".into())
    } else {
        Item::Keep(
            "the schema stays: the database existed before glance-wizard and Glance's schema has no downgrade"
                .into(),
        )
    }
}

fn metadefs_item(m: &MetadefsOutputs, context: Context) -> Item {
    let loaded = m.namespaces_after.saturating_sub(m.namespaces_before);
    if context.database_created {
        Item::Note(format!(
            "the {loaded} metadata namespaces loaded go with the database (sql.database's undo drops it)"
        ))
    } else {
        Item::Keep(format!(
            "the {loaded} metadata namespaces loaded stay: the database existed before glance-wizard"
        ))
    }
}

fn config_item(spec: &ConfigSpec, o: &ConfigOutputs) -> Item {
    match &o.backup {
        Some(backup) => Item::RestoreFile {
            path: spec.path.clone(),
            backup: backup.clone(),
            recorded_sha256: Some(o.sha256.clone()),
        },
        None => Item::Keep(format!(
            "{}: glance-wizard found it as answered and never changed it",
            spec.path
        )),
    }
}

fn packages_items(spec: &PackagesSpec, o: &PackagesOutputs, context: Context) -> Vec<Item> {
    let mut items = Vec::new();
    if let Some(file) = &o.proxy_config {
        items.push(match &file.backup {
            Some(backup) => Item::RestoreFile {
                path: file.path.clone(),
                backup: backup.clone(),
                recorded_sha256: file.sha256.clone(),
            },
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
        items.push(Item::Keep(format!(
            "packages {}: installed before glance-wizard",
            o.found.join(" ")
        )));
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
        (None, Origin::Found) => Item::Keep(format!(
            "the {} endpoint {}: it existed before glance-wizard",
            e.interface, e.id
        )),
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
            Origin::Found => Item::Keep(format!(
                "database account '{}'@'{}': it existed before glance-wizard",
                spec.user, a.host
            )),
        })
        .collect();
    items.push(match o.database {
        Origin::Created => Item::DropDatabase {
            spec: Box::new(spec.clone()),
        },
        Origin::Found => Item::Keep(format!(
            "database {}: it existed before glance-wizard (with Glance's schema, which has no downgrade)",
            spec.database
        )),
    });
    items
}

fn role_words(spec: &RoleSpec) -> String {
    format!(
        "role {} of user {} on project {}",
        spec.role, spec.login.user, spec.login.project
    )
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
    pub fn describe(&self) -> String {
        match self {
            Item::DeleteImage { id, spec } => format!("delete image {id} ({})", spec.name),
            Item::StopServices { spec } => format!(
                "stop {} (nothing answered before glance-wizard started it)",
                spec.services.join(" ")
            ),
            Item::DisableServices { services, .. } => format!(
                "disable {} at boot (it did not start at boot before glance-wizard enabled it)",
                services.join(" ")
            ),
            Item::RestoreFile { path, backup, .. } => {
                format!("restore {path} byte for byte from {backup}")
            }
            Item::RemoveFile { path, .. } => {
                format!("delete {path} (glance-wizard wrote it where there was none)")
            }
            Item::RemovePackages { packages, .. } => {
                format!("remove packages {} (absent before)", packages.join(" "))
            }
            Item::DeleteEndpoint { interface, id } => {
                format!("delete the {interface} endpoint {id}")
            }
            Item::RestoreEndpointUrl { interface, id, url } => {
                format!("point the {interface} endpoint {id} back at {url}")
            }
            Item::DeleteService { id } => format!("delete the image service {id}"),
            Item::RemoveRole { spec } => format!("remove the {}", role_words(spec)),
            Item::DeleteUser { id, name } => format!("delete user {name} ({id})"),
            Item::DropAccount { host, spec } => {
                format!("DROP USER {}", account(spec, host))
            }
            Item::DropDatabase { spec } => format!(
                "DROP DATABASE `{}` (Glance's schema, metadata definitions and image records with it)",
                spec.database
            ),
            Item::Keep(why) => format!("stays: {why}"),
            Item::KeepPackages { packages } => format!(
                "stays: packages {}: installed by glance-wizard, kept and still recorded (undo --purge-packages removes them)",
                packages.join(" ")
            ),
            Item::Note(what) => what.clone(),
        }
    }
}
