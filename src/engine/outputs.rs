//! What a task left, as the journal records it: one type per task kind,
//! each telling what the task *created* from what it *found* already there.
//! A rerun finds its own objects by these ids; undo takes back only what
//! was created.

use serde::{Deserialize, Serialize};

use crate::answers::types::SqlIdentifier;
use crate::i18n::Message;
use crate::plan::{EndpointsSpec, Interface, SqlSpec, TaskKind, UserSpec};

/// Whether the task made an object or found it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Created,
    Found,
}

impl Origin {
    pub fn created(self) -> bool {
        self == Origin::Created
    }

    /// `Created` when `created`.
    pub fn of(created: bool) -> Origin {
        if created {
            Origin::Created
        } else {
            Origin::Found
        }
    }
}

/// A database account (`'user'@'host'`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOutput {
    pub host: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlOutputs {
    pub database: Origin,
    pub accounts: Vec<AccountOutput>,
    /// The database server (`host:port`), the database's name and the
    /// accounts' user when recorded (`None` in journals of older
    /// glance-wizards): a rerun under a changed `[database]` answer does not
    /// take the objects of the new names for its own. Names are read back
    /// as [`SqlIdentifier`]s: a journal edited to hold a quote is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<SqlIdentifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<SqlIdentifier>,
    /// Databases earlier runs created on this server under another
    /// `[database] name`, still there: see [`Replaced`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced: Vec<SqlIdentifier>,
}

/// A Keystone object with its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectOutput {
    pub id: String,
    pub origin: Origin,
    /// The user's name when the task recorded it: a later plan tells a
    /// renamed user from the one the wizard created. `None` for a service
    /// and in journals of older glance-wizards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointOutput {
    pub interface: Interface,
    pub id: String,
    pub origin: Origin,
    /// The URL an endpoint found pointing elsewhere had before this task
    /// set it (undo puts it back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_url: Option<String>,
    /// The region it was in when the task recorded it (`None` in journals
    /// of older glance-wizards): a later plan tells a changed region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// A Keystone project, by id and by the name the answers gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRef {
    pub id: String,
    pub name: String,
}

/// A file the task wrote, and where its original was kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenFile {
    pub path: String,
    /// `None` when there was no file before.
    pub backup: Option<String>,
    /// SHA-256 of the file as the task left it: undo takes back only a
    /// file no one edited since. `None` in journals of older glance-wizards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackagesOutputs {
    /// Installed by this task (absent before it ran).
    pub installed: Vec<String>,
    /// Installed already.
    pub found: Vec<String>,
    /// The package manager's proxy configuration, when written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_config: Option<WrittenFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigOutputs {
    /// SHA-256 of the file as the task left it (drift is checked on it).
    pub sha256: String,
    /// Whether the task changed the file (a restart follows only then).
    pub changed: bool,
    /// The packaged original, kept once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbSyncOutputs {
    /// Whether a sync ran (a recheck that found the schema at head runs none).
    pub synced: bool,
}

/// Metadata definition namespaces in the database before and after the
/// load: the difference is what this task added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadefsOutputs {
    pub namespaces_before: u64,
    pub namespaces_after: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicesOutputs {
    /// Enabled and restarted by the task (none when a recheck found Glance
    /// answering).
    pub restarted: Vec<String>,
    /// Whether glance-api answered before the task first ran: undo stops
    /// and disables the services only when it did not. `None` (recorded by
    /// an older glance-wizard) means unknown: undo leaves them running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answering_before: Option<bool>,
    /// The services that started at boot before the task first ran: undo
    /// disables only the others. `None` (an older glance-wizard): undo
    /// disables what it stops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_before: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageOutputs {
    pub id: String,
    pub origin: Origin,
    pub status: String,
    /// Of the local file, which Glance's matched.
    pub sha512: String,
    /// The image's name when recorded (`None` in journals of older
    /// glance-wizards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Test images earlier runs uploaded under another `[test_image] name`,
    /// still in Glance: see [`Replaced`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced: Vec<ReplacedImage>,
}

/// A test image an earlier run uploaded, under a name the answers no
/// longer give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacedImage {
    pub id: String,
    pub name: String,
}

/// What an earlier run created that holds data (a database, an image) and
/// the answers now name otherwise. Unlike an endpoint or a user it is not
/// moved or taken back by apply: it stays, recorded, until the admin
/// confirms `undo --replaced` (or a whole undo), and the plan says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replaced {
    Database { name: String },
    Image(ReplacedImage),
}

impl Replaced {
    /// What the task does with it, as the plan and the run say it.
    pub fn msg(&self) -> crate::i18n::Message {
        use crate::i18n::Message;
        match self {
            Replaced::Database { name } => Message::new("plan.keeps_database").arg("name", name),
            Replaced::Image(ReplacedImage { id, name }) => Message::new("plan.keeps_image")
                .arg("name", name)
                .arg("id", id),
        }
    }
}

/// In English, for the log.
impl std::fmt::Display for Replaced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg().english())
    }
}

/// What one task left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskOutputs {
    Sql(SqlOutputs),
    User(ObjectOutput),
    Role {
        origin: Origin,
        /// The user the role was given to (`None` in journals of older
        /// glance-wizards): a record of another user's assignment is not
        /// this one's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        /// The project it was given on (`None` in journals of older
        /// glance-wizards): after `[keystone] service_project` changes, the
        /// assignment on the old project is the one to take back.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        project: Option<ProjectRef>,
    },
    Service(ObjectOutput),
    Endpoints {
        endpoints: Vec<EndpointOutput>,
    },
    Packages(PackagesOutputs),
    Config(ConfigOutputs),
    DbSync(DbSyncOutputs),
    Metadefs(MetadefsOutputs),
    Services(ServicesOutputs),
    Image(ImageOutputs),
}

impl TaskOutputs {
    /// Whether dependents must follow (a config file left as it was needs
    /// no restart).
    pub fn changed_something(&self) -> bool {
        match self {
            TaskOutputs::Config(c) => c.changed,
            _ => true,
        }
    }

    pub fn image(&self) -> Option<&ImageOutputs> {
        match self {
            TaskOutputs::Image(image) => Some(image),
            _ => None,
        }
    }

    pub fn config(&self) -> Option<&ConfigOutputs> {
        match self {
            TaskOutputs::Config(config) => Some(config),
            _ => None,
        }
    }

    /// One line per object, for `status`: what was created, what found.
    pub fn summary(&self) -> Vec<Message> {
        let m = Message::new;
        let object = |key: &'static str, o: &ObjectOutput| {
            vec![m(key).arg("id", &o.id).msg("origin", origin_word(o.origin))]
        };
        match self {
            TaskOutputs::Sql(s) => sql_summary(s),
            TaskOutputs::User(o) => object("status_object.user", o),
            TaskOutputs::Role { origin, .. } => {
                vec![m("status_object.role").msg("origin", origin_word(*origin))]
            }
            TaskOutputs::Service(o) => object("status_object.service", o),
            TaskOutputs::Endpoints { endpoints } => {
                endpoints.iter().map(endpoint_summary).collect()
            }
            TaskOutputs::Packages(p) => packages_summary(p),
            TaskOutputs::Config(c) => vec![
                m(if c.changed {
                    "status_object.changed"
                } else {
                    "status_object.unchanged"
                })
                .arg("sha", &c.sha256[..c.sha256.len().min(12)]),
            ],
            TaskOutputs::DbSync(d) => vec![m(if d.synced {
                "status_object.synced"
            } else {
                "status_object.at_head"
            })],
            TaskOutputs::Metadefs(md) => vec![
                m("status_object.metadefs")
                    .arg(
                        "loaded",
                        md.namespaces_after.saturating_sub(md.namespaces_before),
                    )
                    .arg("before", md.namespaces_before),
            ],
            TaskOutputs::Services(s) if s.restarted.is_empty() => {
                vec![m("status_object.not_restarted")]
            }
            TaskOutputs::Services(s) => vec![
                m(match s.answering_before {
                    Some(false) => "status_object.restarted_stops",
                    Some(true) => "status_object.restarted_leaves",
                    None => "status_object.restarted",
                })
                .arg("services", s.restarted.join(" ")),
            ],
            TaskOutputs::Image(i) => vec![
                m("status_object.image")
                    .arg("id", &i.id)
                    .arg("status", &i.status)
                    .msg("origin", origin_word(i.origin)),
            ],
        }
    }
}

/// [`TaskOutputs::summary`] of the database task.
fn sql_summary(s: &SqlOutputs) -> Vec<Message> {
    let m = Message::new;
    std::iter::once(m("status_object.database").msg("origin", origin_word(s.database)))
        .chain(s.accounts.iter().map(|a| {
            m("status_object.account")
                .arg("host", &a.host)
                .msg("origin", origin_word(a.origin))
        }))
        .collect()
}

/// [`TaskOutputs::summary`]'s line of one endpoint.
fn endpoint_summary(e: &EndpointOutput) -> Message {
    let m = Message::new;
    let origin = match (&e.previous_url, e.origin) {
        (Some(_), _) => m("status_object.updated"),
        (None, origin) => origin_word(origin),
    };
    m("status_object.endpoint")
        .arg("interface", e.interface)
        .arg("id", &e.id)
        .msg("origin", origin)
}

/// [`TaskOutputs::summary`] of the packages task.
fn packages_summary(p: &PackagesOutputs) -> Vec<Message> {
    let mut lines = Vec::new();
    if !p.installed.is_empty() {
        lines.push(Message::new("status_object.installed").arg("packages", p.installed.join(" ")));
    }
    if !p.found.is_empty() {
        lines
            .push(Message::new("status_object.found_installed").arg("packages", p.found.join(" ")));
    }
    let wrote = |f: &WrittenFile| Message::new("status_object.wrote").arg("path", &f.path);
    lines.extend(p.proxy_config.as_ref().map(wrote));
    lines
}

/// An object an earlier run of a task created that the answers now place
/// elsewhere (`[keystone] region`, `service_user` changed). The task moves
/// it to the new place, or takes it back when the new place holds one
/// already, so one set of objects remains, in the new place. Neither holds
/// data, so neither waits for a confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeftBehind {
    Endpoint(EndpointElsewhere),
    User(UserElsewhere),
    /// Database accounts the task created for a user the answers no longer
    /// name: dropped once the new user's accounts log in.
    Accounts(AccountsElsewhere),
    /// The role the task gave on a project the answers no longer name:
    /// taken back once it is given on the new one.
    Role(RoleElsewhere),
    /// Holds data: kept (and still recorded) until the admin confirms.
    Replaced(Replaced),
}

/// The role assignment the task created on project `from`; the answers
/// say project `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleElsewhere {
    pub from: ProjectRef,
    pub to: String,
}

impl RoleElsewhere {
    /// The assignment a record says the task created, if on another
    /// project than `project` (a name).
    pub fn of(origin: Origin, project: Option<&ProjectRef>, to: &str) -> Option<Self> {
        let from = project.filter(|p| origin.created() && p.name != to)?;
        Some(RoleElsewhere {
            from: from.clone(),
            to: to.to_string(),
        })
    }
}

/// The database accounts (`'user'@'host'`) the task created for `user`;
/// the answers say `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountsElsewhere {
    pub user: SqlIdentifier,
    pub hosts: Vec<String>,
    pub to: String,
}

impl AccountsElsewhere {
    /// The accounts `sql` records as created on `spec`'s server, if
    /// `spec.user` is not theirs.
    pub fn of(sql: &SqlOutputs, spec: &SqlSpec) -> Option<Self> {
        let recorded = sql
            .user
            .clone()
            .filter(|recorded| **recorded != spec.user && sql.on_server_of(spec))?;
        let hosts: Vec<String> = sql
            .accounts
            .iter()
            .filter(|a| a.origin.created())
            .map(|a| a.host.clone())
            .collect();
        (!hosts.is_empty()).then(|| AccountsElsewhere {
            user: recorded,
            hosts,
            to: spec.user.clone(),
        })
    }

    pub fn accounts(&self) -> Vec<String> {
        self.hosts
            .iter()
            .map(|host| sql_account(&self.user, host))
            .collect()
    }
}

/// `'user'@'host'`: the user is a [`SqlIdentifier`] and the hosts are the
/// plan's, which hold no quote.
pub fn sql_account(user: &str, host: &str) -> String {
    format!("'{user}'@'{host}'")
}

/// `host:port`, as [`SqlOutputs::server`] records it.
pub fn sql_server(spec: &SqlSpec) -> String {
    format!("{}:{}", spec.host, spec.port)
}

/// An endpoint the task created in region `from`; the answers say `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointElsewhere {
    pub interface: Interface,
    pub id: String,
    pub from: String,
    pub to: String,
}

impl EndpointElsewhere {
    /// The endpoint the task created, in `region` now, if `spec` places
    /// it elsewhere. The runner asks it of what Keystone says, the plan of
    /// what the journal recorded.
    pub fn of(interface: Interface, id: &str, region: &str, spec: &EndpointsSpec) -> Option<Self> {
        (region != spec.region).then(|| EndpointElsewhere {
            interface,
            id: id.to_string(),
            from: region.to_string(),
            to: spec.region.clone(),
        })
    }
}

/// The user the task created named `from`; the answers say `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserElsewhere {
    pub id: String,
    pub from: String,
    pub to: String,
}

impl UserElsewhere {
    /// The user the task created, named `name` now, if `spec` names
    /// another.
    pub fn of(id: &str, name: &str, spec: &UserSpec) -> Option<Self> {
        (name != spec.login.user).then(|| UserElsewhere {
            id: id.to_string(),
            from: name.to_string(),
            to: spec.login.user.clone(),
        })
    }
}

impl LeftBehind {
    /// What the task will do with it, as the plan says it.
    pub fn msg(&self) -> crate::i18n::Message {
        use crate::i18n::Message;
        match self {
            LeftBehind::Endpoint(EndpointElsewhere {
                interface,
                id,
                from,
                to,
            }) => Message::new("plan.moves_endpoint")
                .arg("interface", interface)
                .arg("from", from)
                .arg("id", id)
                .arg("to", to),
            LeftBehind::User(UserElsewhere { id, from, to }) => Message::new("plan.renames_user")
                .arg("from", from)
                .arg("id", id)
                .arg("to", to),
            LeftBehind::Accounts(accounts) => Message::new("plan.drops_accounts")
                .arg("user", &accounts.user)
                .arg("accounts", accounts.accounts().join(", "))
                .arg("to", &accounts.to),
            LeftBehind::Role(RoleElsewhere { from, to }) => Message::new("plan.moves_role")
                .arg("project", &from.name)
                .arg("id", &from.id)
                .arg("to", to),
            LeftBehind::Replaced(replaced) => replaced.msg(),
        }
    }
}

/// In English, for the log.
impl std::fmt::Display for LeftBehind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg().english())
    }
}

impl TaskOutputs {
    /// What this record says the task created that `kind`, the task's spec
    /// now, places elsewhere (see [`LeftBehind`]). Objects recorded without
    /// their region or name (older journals) are not listed: the runner
    /// still finds them, since it asks Keystone.
    pub fn left_behind(&self, kind: &TaskKind) -> Vec<LeftBehind> {
        match (self, kind) {
            (TaskOutputs::Endpoints { endpoints }, TaskKind::IdentityEndpoints(spec)) => endpoints
                .iter()
                .filter(|e| e.origin.created())
                .filter_map(|e| {
                    EndpointElsewhere::of(e.interface, &e.id, e.region.as_deref()?, spec)
                })
                .map(LeftBehind::Endpoint)
                .collect(),
            (TaskOutputs::User(user), TaskKind::IdentityUser(spec)) if user.origin.created() => {
                user.name
                    .as_deref()
                    .and_then(|name| UserElsewhere::of(&user.id, name, spec))
                    .map(LeftBehind::User)
                    .into_iter()
                    .collect()
            }
            (
                TaskOutputs::Role {
                    origin, project, ..
                },
                TaskKind::IdentityRole(spec),
            ) => RoleElsewhere::of(*origin, project.as_ref(), &spec.login.project)
                .map(LeftBehind::Role)
                .into_iter()
                .collect(),
            (TaskOutputs::Sql(sql), TaskKind::Sql(spec)) => AccountsElsewhere::of(sql, spec)
                .map(LeftBehind::Accounts)
                .into_iter()
                .chain(self.replaced_by(kind).into_iter().map(LeftBehind::Replaced))
                .collect(),
            _ => self
                .replaced_by(kind)
                .into_iter()
                .map(LeftBehind::Replaced)
                .collect(),
        }
    }
}

impl TaskOutputs {
    /// The data-holding objects this record says earlier runs created that
    /// `kind`, the task's spec now, names otherwise (see [`Replaced`]).
    pub fn replaced_by(&self, kind: &TaskKind) -> Vec<Replaced> {
        match (self, kind) {
            (TaskOutputs::Sql(sql), TaskKind::Sql(spec)) => sql
                .replaced_by(spec)
                .into_iter()
                .map(|name| Replaced::Database {
                    name: name.to_string(),
                })
                .collect(),
            (TaskOutputs::Image(image), TaskKind::Verify(spec)) => image
                .replaced_by(&spec.name)
                .into_iter()
                .map(Replaced::Image)
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl TaskOutputs {
    /// Drops the record of replaced objects (taken back by
    /// `undo --replaced`).
    pub fn forget_replaced(&mut self) {
        match self {
            TaskOutputs::Sql(sql) => sql.replaced.clear(),
            TaskOutputs::Image(image) => image.replaced.clear(),
            _ => {}
        }
    }
}

impl SqlOutputs {
    /// Whether the record is of `spec`'s database server (a record of an
    /// older glance-wizard, without one, is taken to be).
    pub fn on_server_of(&self, spec: &SqlSpec) -> bool {
        self.server.as_ref().is_none_or(|s| *s == sql_server(spec))
    }

    /// The databases this record says earlier runs created on `spec`'s
    /// server that are not `spec.database`: those recorded as replaced
    /// already, and the task's own when it had another name. One the
    /// answers name again is the task's own again, not replaced.
    pub fn replaced_by(&self, spec: &SqlSpec) -> Vec<SqlIdentifier> {
        if !self.on_server_of(spec) {
            return Vec::new();
        }
        let own = self.name.clone().filter(|_| self.database.created());
        other_than(self.replaced.iter().cloned().chain(own), |name| {
            **name == spec.database
        })
    }
}

impl ImageOutputs {
    /// The test images this record says earlier runs uploaded under
    /// another name than `name` (as [`SqlOutputs::replaced_by`]).
    pub fn replaced_by(&self, name: &str) -> Vec<ReplacedImage> {
        let own = self
            .name
            .clone()
            .filter(|_| self.origin.created())
            .map(|own_name| ReplacedImage {
                id: self.id.clone(),
                name: own_name,
            });
        other_than(self.replaced.iter().cloned().chain(own), |image| {
            image.name == name
        })
    }
}

/// The items once each, in order, but those `current` says the answers
/// name now.
fn other_than<T: PartialEq>(
    items: impl Iterator<Item = T>,
    current: impl Fn(&T) -> bool,
) -> Vec<T> {
    let mut kept: Vec<T> = Vec::new();
    for item in items {
        if !current(&item) && !kept.contains(&item) {
            kept.push(item);
        }
    }
    kept
}

fn origin_word(origin: Origin) -> Message {
    Message::new(match origin {
        Origin::Created => "status_object.created",
        Origin::Found => "status_object.found",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::SqlSpec;

    /// The plan's words for a changed `[database] user` and `name`: the
    /// accounts the wizard created are dropped, the database it created is
    /// kept (it holds data) until `undo --replaced`.
    #[test]
    fn a_changed_database_user_and_name_are_said() {
        let created = |host: &str| AccountOutput {
            host: host.into(),
            origin: Origin::Created,
        };
        let record = TaskOutputs::Sql(SqlOutputs {
            database: Origin::Created,
            accounts: vec![created("localhost"), created("%")],
            server: Some("controller:3306".into()),
            name: "glance".parse().ok(),
            user: "glance".parse().ok(),
            replaced: Vec::new(),
        });
        let same = TaskKind::Sql(SqlSpec::example("pw"));
        assert!(record.left_behind(&same).is_empty());
        let changed = TaskKind::Sql(SqlSpec {
            user: "glance2".into(),
            database: "glance2".into(),
            ..SqlSpec::example("pw")
        });
        let said: Vec<String> = record
            .left_behind(&changed)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(
            said[0].starts_with(
                "drops the database accounts it created for glance ('glance'@'localhost', 'glance'@'%')"
            ),
            "{said:?}"
        );
        assert!(
            said[1].starts_with("keeps the database glance it created")
                && said[1].contains("undo --replaced"),
            "{said:?}"
        );
    }
}
