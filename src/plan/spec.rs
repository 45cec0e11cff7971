//! What each task does, as data: one spec per task kind holding everything
//! its runner reads (names, URLs, paths, packages, passwords...). The
//! runner gets its spec and the [`crate::engine::runner::Reach`] (who works
//! and by which route), never the settings or the profile; so a field a
//! runner reads is a field of its spec, and the task's fingerprint, computed
//! from the whole spec ([`super::Plan::fingerprints`]), follows it.

use serde::Serialize;

use crate::answers::{DbAdmin, ImageSource, ProxySettings};
use crate::host::target::{InitSystem, PackageManager};
use crate::util::secret::Secret;

use super::config::ConfigSpec;

/// The database, its accounts and their grants.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SqlSpec {
    pub admin: DbAdmin,
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub password: Secret,
    /// Hosts of the accounts: `localhost` and `%` (an anonymous
    /// `''@'localhost'` would otherwise shadow `%` for local logins).
    pub account_hosts: Vec<String>,
}

impl SqlSpec {
    /// The glance account as Glance logs in with it.
    pub fn account(&self) -> DbAccount {
        DbAccount {
            host: self.host.clone(),
            port: self.port,
            database: self.database.clone(),
            user: self.user.clone(),
            password: self.password.clone(),
        }
    }

    /// The install guide's database task (the admin over the socket, the
    /// glance account from `localhost` and `%`), for tests.
    #[cfg(test)]
    pub(crate) fn example(password: &str) -> SqlSpec {
        SqlSpec {
            admin: DbAdmin::Socket {
                path: "/run/mysqld/mysqld.sock".parse().unwrap(),
                user: "root".parse().unwrap(),
            },
            host: "controller".into(),
            port: 3306,
            database: "glance".into(),
            user: "glance".into(),
            password: Secret::new(password),
            account_hosts: vec!["localhost".into(), "%".into()],
        }
    }
}

/// The glance database account, logging in over TCP as Glance does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DbAccount {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub password: Secret,
}

/// The glance service user logging in to Keystone as glance-api does:
/// password authentication, scoped to the service project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceLogin {
    /// The Keystone the identity objects live in.
    pub auth_url: String,
    pub user: String,
    /// Domain of the user and of the project (the release's guide names one).
    pub domain: String,
    pub project: String,
    pub password: Secret,
}

/// The glance user, with the answers' password.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserSpec {
    pub login: ServiceLogin,
}

/// The user's role on the service project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoleSpec {
    pub login: ServiceLogin,
    pub role: String,
}

/// The service entity (`openstack service create`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceEntitySpec {
    pub auth_url: String,
    pub name: String,
    pub service_type: String,
    pub description: String,
}

/// Which of a service's three endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interface {
    Public,
    Internal,
    Admin,
}

impl Interface {
    pub const ALL: [Interface; 3] = [Interface::Public, Interface::Internal, Interface::Admin];

    /// Keystone's name of it.
    pub fn as_str(self) -> &'static str {
        match self {
            Interface::Public => "public",
            Interface::Internal => "internal",
            Interface::Admin => "admin",
        }
    }
}

impl std::fmt::Display for Interface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One endpoint: where an interface of the service answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointSpec {
    pub interface: Interface,
    pub url: String,
}

/// The service's endpoints in one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointsSpec {
    pub auth_url: String,
    pub service_type: String,
    pub region: String,
    pub endpoints: Vec<EndpointSpec>,
}

/// The packages, installed with the target's package manager.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackagesSpec {
    pub manager: PackageManager,
    pub packages: Vec<String>,
    /// `[packages] manager_options`, before the subcommand.
    pub manager_options: Vec<String>,
    /// `[packages] query_options`, for the installed-or-not queries.
    pub query_options: Vec<String>,
    /// The proxy written into the package manager's configuration
    /// (`[proxy] persist`); `None` leaves that configuration alone.
    pub persist_proxy: Option<ProxySettings>,
    /// The repository Glance comes from and how to enable it, named when
    /// a package is in none.
    pub repository: crate::i18n::Message,
}

/// `glance-manage db_sync` (and `db check` where the release has it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DbSyncSpec {
    /// The schema is the release's.
    pub release: String,
    pub check: bool,
    /// The account the probe reads the schema's version with.
    pub account: DbAccount,
}

/// Glance's metadata definitions, loaded into its database
/// (`glance-manage db_load_metadefs`): namespaces already there are kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetadefsSpec {
    /// Where the package puts the definitions (JSON files).
    pub dir: String,
    /// The account the runner and probe count namespaces with.
    pub account: DbAccount,
}

/// The Glance services, enabled and restarted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceSpec {
    pub services: Vec<String>,
    pub init: InitSystem,
    /// Enabling a service differs between the distros' packaging.
    pub manager: PackageManager,
    /// Polled after the restart until Glance answers.
    pub health_url: String,
    /// Created (owned by glance) before the start.
    pub image_dir: String,
    /// Quoted when glance-api does not come up.
    pub api_log: String,
}

/// The test image, uploaded and checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifySpec {
    pub source: ImageSource,
    pub name: String,
    pub disk_format: String,
    pub container_format: String,
    /// The catalog's region whose public image endpoint is used.
    pub region: String,
    /// The public endpoint as answered (the probe's shortcut).
    pub public_url: String,
    /// When Glance refuses, these logins tell which task's work is broken.
    pub account: DbAccount,
    pub login: ServiceLogin,
}

/// What a task does; one runner per kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TaskKind {
    Sql(SqlSpec),
    IdentityUser(UserSpec),
    IdentityRole(RoleSpec),
    IdentityService(ServiceEntitySpec),
    IdentityEndpoints(EndpointsSpec),
    Packages(PackagesSpec),
    Config(ConfigSpec),
    DbSync(DbSyncSpec),
    Metadefs(MetadefsSpec),
    Services(ServiceSpec),
    Verify(VerifySpec),
}

impl TaskKind {
    /// Short name of the runner, shown in progress lines.
    pub fn label(&self) -> &'static str {
        match self {
            TaskKind::Sql(_) => "sql",
            TaskKind::IdentityUser(_)
            | TaskKind::IdentityRole(_)
            | TaskKind::IdentityService(_)
            | TaskKind::IdentityEndpoints(_) => "identity",
            TaskKind::Packages(_) => "packages",
            TaskKind::Config(_) => "config",
            TaskKind::DbSync(_) | TaskKind::Metadefs(_) => "db",
            TaskKind::Services(_) => "service",
            TaskKind::Verify(_) => "verify",
        }
    }
}
