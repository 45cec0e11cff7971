//! The narrow clients through which runners act on the world: Keystone,
//! the database, the package manager, the init system and Glance's image
//! API. A runner gets its spec, its [`super::TaskContext`] and the clients
//! it needs; [`super::run_task`] and [`super::probe`] hand it the real ones
//! (which call the same `openstack`, `mysql`, package-manager and HTTP code
//! as before, with its streaming, cancel, redaction and lock handing), and
//! the runners' unit tests hand it in-memory test doubles
//! (`runner::fake`).
//!
//! Methods that start a child take the context: the child's output goes to
//! the task's log and a cancel stops it.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::packages::persist::Persisted;
use super::{ChildResult, TaskContext};
use crate::answers::ProxySettings;
use crate::engine::{ErrorClass, TaskError};
use crate::host::target::PackageManager;
use crate::i18n::Message;
use crate::plan::{
    DbAccount, Interface, PackagesSpec, ServiceLogin, ServiceSpec, SqlSpec, VerifySpec,
};
use crate::util::secret::Secret;

/// An endpoint as Keystone lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub id: String,
    pub interface: String,
    pub region: String,
    pub url: String,
}

/// A service of the catalog with its endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogService {
    pub id: String,
    pub service_type: String,
    pub endpoints: Vec<Endpoint>,
}

/// A change to the image endpoints, made by [`Keystone::fix_endpoints`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointChange {
    Create { interface: Interface, url: String },
    SetUrl { id: String, url: String },
}

/// A Keystone object undo deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeystoneObject<'a> {
    User(&'a str),
    Service(&'a str),
    Endpoint(&'a str),
    /// A role assignment, by ids.
    RoleAssignment {
        project: &'a str,
        user: &'a str,
        role: &'a str,
    },
}

impl std::fmt::Display for KeystoneObject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeystoneObject::User(id) => write!(f, "user {id}"),
            KeystoneObject::Service(id) => write!(f, "service {id}"),
            KeystoneObject::Endpoint(id) => write!(f, "endpoint {id}"),
            KeystoneObject::RoleAssignment {
                project,
                user,
                role,
            } => write!(f, "role {role} of user {user} on project {project}"),
        }
    }
}

/// What a deletion or change found: an object already gone counts as
/// taken back, so a rerun of undo after a kill finishes without errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Done,
    AlreadyGone,
}

/// Keystone, as the identity tasks and the probes use it: listings with the
/// admin token, changes through the `openstack` CLI, the password through
/// the API (never in a child's argv).
pub trait Keystone {
    /// A domain's id from its id or its name.
    fn domain_id(&self, id_or_name: &str) -> Result<String, TaskError>;
    /// The one user of that name in the domain; an error when several.
    fn user_id(&self, name: &str, domain_id: &str) -> Result<Option<String>, TaskError>;
    fn project_id(&self, name: &str, domain_id: &str) -> Result<Option<String>, TaskError>;
    fn role_id(&self, name: &str) -> Result<Option<String>, TaskError>;
    fn role_assigned(&self, user: &str, project: &str, role: &str) -> Result<bool, TaskError>;
    /// The ids of the services of a type.
    fn services_of_type(&self, service_type: &str) -> Result<Vec<String>, TaskError>;
    /// The endpoints of a service in a region.
    fn endpoints(&self, service_id: &str, region: &str) -> Result<Vec<Endpoint>, TaskError>;
    /// One endpoint by id; `None` when it is gone.
    fn endpoint(&self, id: &str) -> Result<Option<Endpoint>, TaskError>;
    /// A user's name, by id; `None` when it is gone.
    fn user_name(&self, id: &str) -> Result<Option<String>, TaskError>;
    /// The service catalog as the admin token sees it now.
    fn catalog(&self) -> Result<Vec<CatalogService>, TaskError>;
    /// Creates the user (or shows the one created meanwhile); its id.
    fn create_user(
        &self,
        ctx: &mut TaskContext<'_>,
        domain: &str,
        name: &str,
    ) -> Result<String, TaskError>;
    fn add_role(
        &self,
        ctx: &mut TaskContext<'_>,
        project: &str,
        user: &str,
        role: &str,
    ) -> Result<(), TaskError>;
    /// Creates the service; its id.
    fn create_service(
        &self,
        ctx: &mut TaskContext<'_>,
        name: &str,
        description: &str,
        service_type: &str,
    ) -> Result<String, TaskError>;
    /// Makes the changes in one go; the last lines of what it said. It may
    /// succeed without doing them all: the caller lists again.
    fn fix_endpoints(
        &self,
        ctx: &mut TaskContext<'_>,
        region: &str,
        service_type: &str,
        changes: &[EndpointChange],
    ) -> Result<String, TaskError>;
    fn set_password(
        &self,
        ctx: &mut TaskContext<'_>,
        auth_url: &str,
        user_id: &str,
        password: &Secret,
    ) -> Result<(), TaskError>;
    /// Deletes an object (undo).
    fn delete(
        &self,
        ctx: &mut TaskContext<'_>,
        object: KeystoneObject<'_>,
    ) -> Result<Removal, TaskError>;
    /// Points an endpoint at `url`, and moves it to `region` when given
    /// (Keystone creates a region named so if there is none). Undo puts
    /// back the URL it had; a changed region moves what the wizard created.
    fn set_endpoint(
        &self,
        ctx: &mut TaskContext<'_>,
        id: &str,
        url: &str,
        region: Option<&str>,
    ) -> Result<Removal, TaskError>;
    /// Renames a user (its id, password and role assignments stay).
    fn rename_user(
        &self,
        ctx: &mut TaskContext<'_>,
        id: &str,
        name: &str,
    ) -> Result<Removal, TaskError>;
    /// The user logs in with the password (unscoped); why not otherwise.
    fn password_login(&self, login: &ServiceLogin) -> Result<(), Message>;
    /// The roles of the user's token scoped to its project.
    fn user_roles(&self, login: &ServiceLogin) -> Result<Vec<String>, Message>;
}

/// What fails in a database conversation, by what fixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFault {
    /// The server refused the login or the database (wrong password, no
    /// grants, no database).
    AccessDenied,
    /// The server did not answer (down, restarting, a timeout).
    Unreachable,
    /// Anything else the server or the driver said.
    Other,
}

/// A database error, described (MySQL's code and message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    pub fault: DbFault,
    pub message: String,
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl DbError {
    /// The task error for it, `context` first: a server that did not answer
    /// may answer soon (retryable); a refusal or a statement the server
    /// rejects will not change by itself (fatal).
    pub fn task_error(&self, context: &str) -> TaskError {
        self.error_after(Message::verbatim(context))
    }

    /// [`DbError::task_error`] with the context in words to translate.
    pub fn error_after(&self, context: Message) -> TaskError {
        let class = match self.fault {
            DbFault::Unreachable => ErrorClass::Retryable,
            DbFault::AccessDenied | DbFault::Other => ErrorClass::Fatal,
        };
        let message = Message::new("failure.db")
            .msg("context", context)
            .arg("error", &self.message);
        TaskError::new(class, message)
    }
}

/// What the glance account asks of its database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountQuery {
    /// `SELECT 1`: the login works.
    Login,
    /// The rows of `alembic_version`: the schema has its migration record.
    SchemaVersions,
    /// The rows of `metadef_namespaces`: the metadata definitions loaded.
    MetadefNamespaces,
    /// The rows of `metadef_resource_types`: what the definitions apply to.
    MetadefResourceTypes,
}

impl AccountQuery {
    /// The statement, as the glance account runs it in its database.
    pub fn sql(self) -> &'static str {
        match self {
            AccountQuery::Login => "SELECT 1",
            AccountQuery::SchemaVersions => "SELECT COUNT(*) FROM alembic_version",
            AccountQuery::MetadefNamespaces => "SELECT COUNT(*) FROM metadef_namespaces",
            AccountQuery::MetadefResourceTypes => "SELECT COUNT(*) FROM metadef_resource_types",
        }
    }
}

/// The database server.
pub trait Database {
    /// A session as the database administrator of `spec`.
    fn admin(&self, spec: &SqlSpec) -> Result<Box<dyn AdminSession + '_>, DbError>;
    /// Logs in as `account` over TCP, as Glance will, and asks `query`.
    fn account_query(
        &self,
        account: &DbAccount,
        query: AccountQuery,
    ) -> Result<Option<u64>, DbError>;
}

/// The administrator's session.
pub trait AdminSession {
    /// The server's version and the session's sql_mode.
    fn server(&mut self) -> Result<(String, String), DbError>;
    fn schema_exists(&mut self, name: &str) -> Result<bool, DbError>;
    fn account_exists(&mut self, user: &str, host: &str) -> Result<bool, DbError>;
    fn execute(&mut self, statement: &str) -> Result<(), DbError>;
}

/// The distro's package manager.
pub trait Packages {
    fn installed(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &PackagesSpec,
        package: &str,
    ) -> Result<bool, TaskError>;
    /// `apt-get update` / `yum makecache`.
    fn refresh(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &PackagesSpec,
    ) -> Result<ChildResult, TaskError>;
    fn install(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &PackagesSpec,
    ) -> Result<ChildResult, TaskError>;
    /// Cleans the metadata; whether every step worked.
    fn clean(&self, ctx: &mut TaskContext<'_>, spec: &PackagesSpec) -> bool;
    /// Removes (purges, with apt) the packages (undo).
    fn remove(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &PackagesSpec,
        packages: &[String],
    ) -> Result<ChildResult, TaskError>;
    /// Writes the proxy into the package manager's configuration.
    fn persist_proxy(
        &self,
        manager: PackageManager,
        proxy: &ProxySettings,
    ) -> Result<Persisted, String>;
}

/// What `glance-manage` is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaStep<'a> {
    Sync,
    Check,
    /// `db_load_metadefs` from this directory of JSON files.
    LoadMetadefs {
        dir: &'a str,
    },
}

/// The init system, `glance-manage`, and whether Glance answers.
pub trait Services {
    fn make_image_dir(
        &self,
        ctx: &mut TaskContext<'_>,
        dir: &str,
    ) -> Result<ChildResult, TaskError>;
    /// Enables a service at boot: the first failed step's result, or the
    /// last one's.
    fn enable(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError>;
    fn restart(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError>;
    /// Stops a service (undo).
    fn stop(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError>;
    /// Whether a service starts at boot now (asked before the task first
    /// enables it, so that undo puts back what was there).
    fn enabled_at_boot(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &ServiceSpec,
        service: &str,
    ) -> Result<bool, TaskError>;
    /// Disables a service at boot (undo): the first failed step's result,
    /// or the last one's.
    fn disable(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError>;
    fn glance_manage(
        &self,
        ctx: &mut TaskContext<'_>,
        step: SchemaStep<'_>,
    ) -> Result<ChildResult, TaskError>;
    /// Asks `url` until it answers 200 or 300 (its status), `timeout`
    /// passes or `cancel` is set (the last failure, or [`super::STOPPED`]).
    fn wait_answering(
        &self,
        url: &str,
        timeout: Duration,
        cancel: &AtomicBool,
    ) -> Result<u16, String>;
    /// One request to `url`: its status, or why there was none.
    fn answer(&self, url: &str) -> Result<u16, String>;
    /// The last `n` lines of a log file (empty when it cannot be read).
    fn log_tail(&self, path: &str, n: usize) -> String;
}

/// An image as Glance shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Image {
    pub id: String,
    pub name: String,
    pub status: String,
    pub hash_algo: String,
    pub hash_value: String,
    /// Carries this wizard's mark ([`crate::plan::commands::IMAGE_MARK`]).
    pub ours: bool,
}

/// Reaches Glance's image API.
pub trait Glance {
    /// Through the public image endpoint of a new admin token's catalog.
    fn connect(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &VerifySpec,
    ) -> Result<Box<dyn ImageApi + '_>, TaskError>;
    /// Through the answers' public URL and the run's admin token (probes).
    fn connect_cached(
        &self,
        ctx: &TaskContext<'_>,
        spec: &VerifySpec,
    ) -> Result<Box<dyn ImageApi + '_>, TaskError>;
}

/// Glance's image API.
pub trait ImageApi {
    /// The URL of `path` under `/v2/`, for messages.
    fn url(&self, path: &str) -> String;
    fn named(&self, name: &str) -> Result<Vec<Image>, TaskError>;
    fn get(&self, id: &str) -> Result<Image, TaskError>;
    fn list(&self) -> Result<Vec<Image>, TaskError>;
    /// Creates the image record with this wizard's mark; its id.
    fn create(&self, spec: &VerifySpec) -> Result<String, TaskError>;
    fn upload(&self, id: &str, file: &Path) -> Result<(), TaskError>;
    fn delete(&self, id: &str) -> Result<(), TaskError>;
    /// Glance answered 401 or 5xx at least once: what it needs of the
    /// database or Keystone may be what is wrong.
    fn refused(&self) -> bool;
}
