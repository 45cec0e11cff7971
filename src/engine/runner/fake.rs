//! In-memory test doubles of the clients ([`super::clients`]), for the
//! runners' unit tests: each holds the state a runner changes (users,
//! services, endpoints, databases, accounts, packages, images) and can be
//! told to fail an operation with a chosen error, so every error class a
//! runner maps is reachable without the lab.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::clients::{
    AccountQuery, AdminSession, CatalogService, Database, DbError, DbFault, Endpoint,
    EndpointChange, Glance, Image, ImageApi, Keystone, KeystoneObject, Packages, Removal,
    SchemaStep, Services,
};
use super::packages::persist::Persisted;
use super::{ChildResult, Reach, TaskContext, TaskOutputs};
use crate::answers::ProxySettings;
use crate::engine::TaskError;
use crate::host::target::PackageManager;
use crate::i18n::Message;
use crate::plan::{DbAccount, PackagesSpec, ServiceLogin, ServiceSpec, SqlSpec, VerifySpec};
use crate::util::secret::{Redactor, Secret};

/// Runs `f` with a context that records what the task says; `previous` is
/// what an earlier run of the task recorded.
pub(crate) fn in_ctx<T>(
    previous: Option<&TaskOutputs>,
    recheck: bool,
    f: impl FnOnce(&mut TaskContext<'_>) -> T,
) -> (T, Vec<String>) {
    let state = tempfile::tempdir().expect("a temporary state directory");
    in_ctx_at(state.path(), previous, recheck, f)
}

/// [`in_ctx`] with the state directory `state` (what one attempt keeps
/// there, the next finds).
pub(crate) fn in_ctx_at<T>(
    state: &std::path::Path,
    previous: Option<&TaskOutputs>,
    recheck: bool,
    f: impl FnOnce(&mut TaskContext<'_>) -> T,
) -> (T, Vec<String>) {
    let (settings, _) = super::tests::settings();
    let reach = Reach::of(&settings);
    let (redactor, cancel) = (Redactor::new(), AtomicBool::new(false));
    let mut said = Vec::new();
    let mut log = |line: super::Said<'_>| said.push(line.english());
    let mut ctx = TaskContext {
        reach: &reach,
        state_dir: state,
        redactor: &redactor,
        cancel: &cancel,
        previous_outputs: previous,
        lock: None,
        recheck,
        log: &mut log,
    };
    let result = f(&mut ctx);
    (result, said)
}

/// A child's result: its exit code and output.
pub(crate) fn child(code: i32, output: &str) -> ChildResult {
    let mut captured = super::stream::Captured::default();
    if !output.is_empty() {
        captured.push(output);
    }
    ChildResult {
        code: Some(code),
        output: captured,
    }
}

/// The quoted parts of an SQL statement: `'glance'@'%' ... 'pw'` →
/// glance, %, pw (the doubles' passwords have no quotes).
fn quoted(statement: &str) -> Vec<&str> {
    statement.split('\'').skip(1).step_by(2).collect()
}

fn backticked(statement: &str) -> Option<&str> {
    statement.split('`').nth(1)
}

/// What the test double of the database server holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DbState {
    pub schemas: BTreeSet<String>,
    /// (user, host) → password.
    pub accounts: BTreeMap<(String, String), String>,
    /// (user, host, database).
    pub grants: BTreeSet<(String, String, String)>,
    /// Rows of the glance schema's `alembic_version`.
    pub schema_versions: u64,
    /// Rows of `metadef_namespaces` and `metadef_resource_types`.
    pub metadef_namespaces: u64,
    pub metadef_resource_types: u64,
    pub sql_mode: String,
}

/// Where the database test double fails when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DbOp {
    AdminLogin,
    Execute,
    AccountLogin,
}

/// A test double of the database server.
#[derive(Default)]
pub(crate) struct FakeDatabase {
    pub state: RefCell<DbState>,
    failures: RefCell<HashMap<DbOp, DbError>>,
    /// Statements executed, in order.
    pub executed: RefCell<Vec<String>>,
}

impl FakeDatabase {
    pub fn fail(&self, op: DbOp, fault: DbFault, message: &str) {
        self.failures.borrow_mut().insert(
            op,
            DbError {
                fault,
                message: message.to_string(),
            },
        );
    }

    fn failure(&self, op: DbOp) -> Result<(), DbError> {
        self.failures.borrow().get(&op).cloned().map_or(Ok(()), Err)
    }

    fn apply(&self, statement: &str) {
        let mut state = self.state.borrow_mut();
        let q = quoted(statement);
        if statement.starts_with("CREATE DATABASE") {
            state
                .schemas
                .insert(backticked(statement).unwrap_or("").into());
        } else if statement.starts_with("CREATE USER IF NOT EXISTS") {
            let key = (q[0].to_string(), q[1].to_string());
            state.accounts.entry(key).or_insert_with(|| q[2].into());
        } else if statement.starts_with("ALTER USER") {
            state
                .accounts
                .insert((q[0].into(), q[1].into()), q[2].into());
        } else if statement.starts_with("GRANT") {
            let db = backticked(statement).unwrap_or("").to_string();
            state.grants.insert((q[0].into(), q[1].into(), db));
        } else if statement.starts_with("DROP USER IF EXISTS") {
            let (user, host) = (q[0].to_string(), q[1].to_string());
            state.accounts.remove(&(user.clone(), host.clone()));
            state.grants.retain(|g| g.0 != user || g.1 != host);
        } else if statement.starts_with("DROP DATABASE IF EXISTS") {
            let db = backticked(statement).unwrap_or("").to_string();
            state.schemas.remove(&db);
            state.schema_versions = 0;
            state.metadef_namespaces = 0;
            state.metadef_resource_types = 0;
        }
    }

    /// A TCP login from the controller: the `%` account (the fake's rule;
    /// MariaDB's is more involved).
    fn login(&self, account: &DbAccount) -> Result<(), DbError> {
        self.failure(DbOp::AccountLogin)?;
        let state = self.state.borrow();
        let key = (account.user.clone(), "%".to_string());
        let denied = || DbError {
            fault: DbFault::AccessDenied,
            message: format!(
                "ERROR 1045 (28000): Access denied for user '{}'",
                account.user
            ),
        };
        if state.accounts.get(&key) != Some(&account.password.expose().to_string()) {
            return Err(denied());
        }
        let granted = state
            .grants
            .contains(&(key.0, key.1, account.database.clone()));
        if !granted || !state.schemas.contains(&account.database) {
            return Err(denied());
        }
        Ok(())
    }
}

struct FakeSession<'f>(&'f FakeDatabase);

impl AdminSession for FakeSession<'_> {
    fn server(&mut self) -> Result<(String, String), DbError> {
        Ok((
            "10.11.6-MariaDB (test double)".into(),
            self.0.state.borrow().sql_mode.clone(),
        ))
    }

    fn schema_exists(&mut self, name: &str) -> Result<bool, DbError> {
        Ok(self.0.state.borrow().schemas.contains(name))
    }

    fn account_exists(&mut self, user: &str, host: &str) -> Result<bool, DbError> {
        let key = (user.to_string(), host.to_string());
        Ok(self.0.state.borrow().accounts.contains_key(&key))
    }

    fn execute(&mut self, statement: &str) -> Result<(), DbError> {
        self.0.failure(DbOp::Execute)?;
        self.0.executed.borrow_mut().push(statement.to_string());
        self.0.apply(statement);
        Ok(())
    }
}

impl Database for FakeDatabase {
    fn admin(&self, _spec: &SqlSpec) -> Result<Box<dyn AdminSession + '_>, DbError> {
        self.failure(DbOp::AdminLogin)?;
        Ok(Box::new(FakeSession(self)))
    }

    fn account_query(
        &self,
        account: &DbAccount,
        query: AccountQuery,
    ) -> Result<Option<u64>, DbError> {
        self.login(account)?;
        let state = self.state.borrow();
        Ok(Some(match query {
            AccountQuery::Login => 1,
            AccountQuery::SchemaVersions => state.schema_versions,
            AccountQuery::MetadefNamespaces => state.metadef_namespaces,
            AccountQuery::MetadefResourceTypes => state.metadef_resource_types,
        }))
    }
}

/// What the Keystone test double holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct KeystoneState {
    /// Domain id → name.
    pub domains: BTreeMap<String, String>,
    /// (id, name, domain id, password).
    pub users: Vec<(String, String, String, String)>,
    /// (id, name, domain id).
    pub projects: Vec<(String, String, String)>,
    /// (id, name).
    pub roles: Vec<(String, String)>,
    /// (user id, project id, role id).
    pub assignments: BTreeSet<(String, String, String)>,
    /// (id, type).
    pub services: Vec<(String, String)>,
    /// Endpoints, with the id of their service.
    pub endpoints: Vec<(String, Endpoint)>,
    next_id: u32,
}

impl KeystoneState {
    /// Keystone as a fresh install leaves it: the Default domain, the
    /// service project and the admin role.
    pub fn fresh() -> Self {
        KeystoneState {
            domains: [("default".to_string(), "Default".to_string())].into(),
            projects: vec![("p-service".into(), "service".into(), "default".into())],
            roles: vec![("r-admin".into(), "admin".into())],
            ..Default::default()
        }
    }

    fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}-{}", self.next_id)
    }

    fn user(&self, name: &str, domain: &str) -> Option<&(String, String, String, String)> {
        let domain_id = self
            .domains
            .iter()
            .find(|(id, n)| *id == domain || *n == domain)
            .map(|(id, _)| id.as_str())?;
        self.users.iter().find(|u| u.1 == name && u.2 == domain_id)
    }
}

/// Where the Keystone test double fails when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum KeystoneOp {
    /// Any listing (the admin token, the connection).
    List,
    CreateUser,
    AddRole,
    CreateService,
    FixEndpoints,
    SetPassword,
    /// Undo's deletions.
    Delete,
    SetEndpoint,
    RenameUser,
}

/// A test double of Keystone.
pub(crate) struct FakeKeystone {
    pub state: RefCell<KeystoneState>,
    failures: RefCell<HashMap<KeystoneOp, TaskError>>,
    /// `fix_endpoints` says it worked but does nothing (the CLI's
    /// interactive mode exits 0 whatever its commands did).
    pub endpoint_fixes_ignored: Cell<bool>,
    /// Changes made (creations, assignments, password and URL changes).
    pub changes: Cell<u32>,
}

impl Default for FakeKeystone {
    fn default() -> Self {
        FakeKeystone {
            state: RefCell::new(KeystoneState::fresh()),
            failures: RefCell::default(),
            endpoint_fixes_ignored: Cell::new(false),
            changes: Cell::new(0),
        }
    }
}

impl FakeKeystone {
    pub fn fail(&self, op: KeystoneOp, error: TaskError) {
        self.failures.borrow_mut().insert(op, error);
    }

    fn failure(&self, op: KeystoneOp) -> Result<(), TaskError> {
        self.failures.borrow().get(&op).cloned().map_or(Ok(()), Err)
    }

    fn changed(&self) {
        self.changes.set(self.changes.get() + 1);
    }

    /// What the real Keystone answers a wrong password.
    fn refused(login: &ServiceLogin) -> Message {
        super::identity::LoginError::Refused {
            status: 401,
            url: format!("{}/auth/tokens", login.auth_url),
            body: "The request you have made requires authentication.".into(),
        }
        .msg()
    }
}

impl Keystone for FakeKeystone {
    fn domain_id(&self, id_or_name: &str) -> Result<String, TaskError> {
        self.failure(KeystoneOp::List)?;
        let state = self.state.borrow();
        let found = state
            .domains
            .iter()
            .find(|(id, name)| *id == id_or_name || *name == id_or_name);
        found.map(|(id, _)| id.clone()).ok_or_else(|| {
            TaskError::fatal(format!(
                "Keystone has no domain with the id or name {id_or_name}"
            ))
        })
    }

    fn user_id(&self, name: &str, domain_id: &str) -> Result<Option<String>, TaskError> {
        self.failure(KeystoneOp::List)?;
        Ok(self
            .state
            .borrow()
            .user(name, domain_id)
            .map(|u| u.0.clone()))
    }

    fn project_id(&self, name: &str, domain_id: &str) -> Result<Option<String>, TaskError> {
        self.failure(KeystoneOp::List)?;
        let state = self.state.borrow();
        let found = state
            .projects
            .iter()
            .find(|p| p.1 == name && p.2 == domain_id);
        Ok(found.map(|p| p.0.clone()))
    }

    fn role_id(&self, name: &str) -> Result<Option<String>, TaskError> {
        self.failure(KeystoneOp::List)?;
        let state = self.state.borrow();
        Ok(state
            .roles
            .iter()
            .find(|r| r.1 == name)
            .map(|r| r.0.clone()))
    }

    fn role_assigned(&self, user: &str, project: &str, role: &str) -> Result<bool, TaskError> {
        self.failure(KeystoneOp::List)?;
        let key = (user.to_string(), project.to_string(), role.to_string());
        Ok(self.state.borrow().assignments.contains(&key))
    }

    fn services_of_type(&self, service_type: &str) -> Result<Vec<String>, TaskError> {
        self.failure(KeystoneOp::List)?;
        let state = self.state.borrow();
        let of_type = state.services.iter().filter(|s| s.1 == service_type);
        Ok(of_type.map(|s| s.0.clone()).collect())
    }

    fn endpoints(&self, service_id: &str, region: &str) -> Result<Vec<Endpoint>, TaskError> {
        self.failure(KeystoneOp::List)?;
        let state = self.state.borrow();
        let of_service = state
            .endpoints
            .iter()
            .filter(|(s, e)| s == service_id && e.region == region);
        Ok(of_service.map(|(_, e)| e.clone()).collect())
    }

    fn endpoint(&self, id: &str) -> Result<Option<Endpoint>, TaskError> {
        self.failure(KeystoneOp::List)?;
        let state = self.state.borrow();
        let found = state.endpoints.iter().find(|(_, e)| e.id == id);
        Ok(found.map(|(_, e)| e.clone()))
    }

    fn user_name(&self, id: &str) -> Result<Option<String>, TaskError> {
        self.failure(KeystoneOp::List)?;
        let state = self.state.borrow();
        Ok(state.users.iter().find(|u| u.0 == id).map(|u| u.1.clone()))
    }

    fn catalog(&self) -> Result<Vec<CatalogService>, TaskError> {
        self.failure(KeystoneOp::List)?;
        let state = self.state.borrow();
        Ok(state
            .services
            .iter()
            .map(|(id, service_type)| CatalogService {
                id: id.clone(),
                service_type: service_type.clone(),
                endpoints: state
                    .endpoints
                    .iter()
                    .filter(|(s, _)| s == id)
                    .map(|(_, e)| e.clone())
                    .collect(),
            })
            .collect())
    }

    fn create_user(
        &self,
        ctx: &mut TaskContext<'_>,
        domain: &str,
        name: &str,
    ) -> Result<String, TaskError> {
        self.failure(KeystoneOp::CreateUser)?;
        let domain_id = self.domain_id(domain)?;
        ctx.trace(format!("openstack> user create {name}"));
        let mut state = self.state.borrow_mut();
        let id = state.new_id("u");
        state
            .users
            .push((id.clone(), name.into(), domain_id, String::new()));
        self.changed();
        Ok(id)
    }

    fn add_role(
        &self,
        _ctx: &mut TaskContext<'_>,
        project: &str,
        user: &str,
        role: &str,
    ) -> Result<(), TaskError> {
        self.failure(KeystoneOp::AddRole)?;
        let (Some(user), Some(project), Some(role)) = (
            self.user_id(user, "default")?,
            self.project_id(project, "default")?,
            self.role_id(role)?,
        ) else {
            return Err(TaskError::fatal(
                "(test double) no such user, project or role",
            ));
        };
        self.state
            .borrow_mut()
            .assignments
            .insert((user, project, role));
        self.changed();
        Ok(())
    }

    fn create_service(
        &self,
        _ctx: &mut TaskContext<'_>,
        _name: &str,
        _description: &str,
        service_type: &str,
    ) -> Result<String, TaskError> {
        self.failure(KeystoneOp::CreateService)?;
        let mut state = self.state.borrow_mut();
        let id = state.new_id("s");
        state.services.push((id.clone(), service_type.into()));
        self.changed();
        Ok(id)
    }

    fn fix_endpoints(
        &self,
        _ctx: &mut TaskContext<'_>,
        region: &str,
        service_type: &str,
        changes: &[EndpointChange],
    ) -> Result<String, TaskError> {
        self.failure(KeystoneOp::FixEndpoints)?;
        if self.endpoint_fixes_ignored.get() {
            return Ok("(test double) nothing done".into());
        }
        let service = self.services_of_type(service_type)?.remove(0);
        let mut state = self.state.borrow_mut();
        for change in changes {
            match change {
                EndpointChange::Create { interface, url } => {
                    let id = state.new_id("e");
                    let endpoint = Endpoint {
                        id,
                        interface: interface.as_str().into(),
                        region: region.into(),
                        url: url.clone(),
                    };
                    state.endpoints.push((service.clone(), endpoint));
                }
                EndpointChange::SetUrl { id, url } => {
                    let found = state.endpoints.iter_mut().find(|(_, e)| e.id == *id);
                    found.expect("an endpoint the runner listed").1.url = url.clone();
                }
            }
            self.changed();
        }
        Ok(String::new())
    }

    fn set_password(
        &self,
        _ctx: &mut TaskContext<'_>,
        _auth_url: &str,
        user_id: &str,
        password: &Secret,
    ) -> Result<(), TaskError> {
        self.failure(KeystoneOp::SetPassword)?;
        let mut state = self.state.borrow_mut();
        let user = state.users.iter_mut().find(|u| u.0 == user_id);
        user.expect("a user the runner found").3 = password.expose().to_string();
        self.changed();
        Ok(())
    }

    fn delete(
        &self,
        _ctx: &mut TaskContext<'_>,
        object: KeystoneObject<'_>,
    ) -> Result<Removal, TaskError> {
        self.failure(KeystoneOp::Delete)?;
        let mut state = self.state.borrow_mut();
        let before = (
            state.users.len(),
            state.services.len(),
            state.endpoints.len(),
            state.assignments.len(),
        );
        match object {
            KeystoneObject::User(id) => {
                state.users.retain(|u| u.0 != id);
                state.assignments.retain(|a| a.0 != id);
            }
            KeystoneObject::Service(id) => {
                state.services.retain(|s| s.0 != id);
                // Keystone deletes a service's endpoints with it.
                state.endpoints.retain(|(s, _)| s != id);
            }
            KeystoneObject::Endpoint(id) => state.endpoints.retain(|(_, e)| e.id != id),
            KeystoneObject::RoleAssignment {
                project,
                user,
                role,
            } => {
                let key = (user.to_string(), project.to_string(), role.to_string());
                state.assignments.remove(&key);
            }
        }
        let after = (
            state.users.len(),
            state.services.len(),
            state.endpoints.len(),
            state.assignments.len(),
        );
        if before == after {
            return Ok(Removal::AlreadyGone);
        }
        self.changed();
        Ok(Removal::Done)
    }

    fn set_endpoint(
        &self,
        _ctx: &mut TaskContext<'_>,
        id: &str,
        url: &str,
        region: Option<&str>,
    ) -> Result<Removal, TaskError> {
        self.failure(KeystoneOp::SetEndpoint)?;
        let mut state = self.state.borrow_mut();
        let Some((_, endpoint)) = state.endpoints.iter_mut().find(|(_, e)| e.id == id) else {
            return Ok(Removal::AlreadyGone);
        };
        endpoint.url = url.to_string();
        if let Some(region) = region {
            endpoint.region = region.to_string();
        }
        self.changed();
        Ok(Removal::Done)
    }

    fn rename_user(
        &self,
        _ctx: &mut TaskContext<'_>,
        id: &str,
        name: &str,
    ) -> Result<Removal, TaskError> {
        self.failure(KeystoneOp::RenameUser)?;
        let mut state = self.state.borrow_mut();
        let Some(user) = state.users.iter_mut().find(|u| u.0 == id) else {
            return Ok(Removal::AlreadyGone);
        };
        user.1 = name.to_string();
        self.changed();
        Ok(Removal::Done)
    }

    fn password_login(&self, login: &ServiceLogin) -> Result<(), Message> {
        let state = self.state.borrow();
        match state.user(&login.user, &login.domain) {
            Some(u) if !u.3.is_empty() && u.3 == login.password.expose() => Ok(()),
            _ => Err(Self::refused(login)),
        }
    }

    fn user_roles(&self, login: &ServiceLogin) -> Result<Vec<String>, Message> {
        self.password_login(login)?;
        let state = self.state.borrow();
        let user = state.user(&login.user, &login.domain).map(|u| u.0.clone());
        let project = state.projects.iter().find(|p| p.1 == login.project);
        let (Some(user), Some(project)) = (user, project) else {
            return Err(Self::refused(login));
        };
        Ok(state
            .roles
            .iter()
            .filter(|r| {
                let key = (user.clone(), project.0.clone(), r.0.clone());
                state.assignments.contains(&key)
            })
            .map(|r| r.1.clone())
            .collect())
    }
}

/// Where the package manager test double fails when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PackageOp {
    Query,
    Refresh,
    Install,
    Remove,
}

/// A test double of the package manager: its installed packages, and what
/// each step prints and exits with when told to fail.
#[derive(Default)]
pub(crate) struct FakePackages {
    pub installed: RefCell<BTreeSet<String>>,
    /// Steps that start no child (an error of the runner's own).
    errors: RefCell<HashMap<PackageOp, TaskError>>,
    /// Steps whose child fails: (exit code, output).
    outputs: RefCell<HashMap<PackageOp, (i32, String)>>,
    /// The install exits 0 without installing (yum's "Nothing to do").
    pub install_does_nothing: Cell<bool>,
    pub installs: Cell<u32>,
    pub cleans: Cell<u32>,
    /// Where `persist_proxy` writes (a temporary root).
    pub root: Option<tempfile::TempDir>,
}

impl FakePackages {
    pub fn with(installed: &[&str]) -> Self {
        let packages = FakePackages::default();
        packages
            .installed
            .borrow_mut()
            .extend(installed.iter().map(|p| p.to_string()));
        packages
    }

    /// One whose `persist_proxy` writes under a temporary root.
    pub fn rooted() -> Self {
        FakePackages {
            root: Some(tempfile::tempdir().expect("a temporary root")),
            ..FakePackages::default()
        }
    }

    /// The step's child exits `code` after printing `output`.
    pub fn child_fails(&self, op: PackageOp, code: i32, output: &str) {
        self.outputs.borrow_mut().insert(op, (code, output.into()));
    }

    pub fn fail(&self, op: PackageOp, error: TaskError) {
        self.errors.borrow_mut().insert(op, error);
    }

    fn step(&self, op: PackageOp) -> Result<ChildResult, TaskError> {
        if let Some(e) = self.errors.borrow().get(&op) {
            return Err(e.clone());
        }
        Ok(match self.outputs.borrow().get(&op) {
            Some((code, output)) => child(*code, output),
            None => child(0, ""),
        })
    }
}

impl Packages for FakePackages {
    fn installed(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &PackagesSpec,
        package: &str,
    ) -> Result<bool, TaskError> {
        self.step(PackageOp::Query)?;
        Ok(self.installed.borrow().contains(package))
    }

    fn refresh(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &PackagesSpec,
    ) -> Result<ChildResult, TaskError> {
        self.step(PackageOp::Refresh)
    }

    fn install(
        &self,
        _ctx: &mut TaskContext<'_>,
        spec: &PackagesSpec,
    ) -> Result<ChildResult, TaskError> {
        let result = self.step(PackageOp::Install)?;
        if result.success() && !self.install_does_nothing.get() {
            self.installs.set(self.installs.get() + 1);
            let mut installed = self.installed.borrow_mut();
            installed.extend(spec.packages.iter().cloned());
        }
        Ok(result)
    }

    fn remove(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &PackagesSpec,
        packages: &[String],
    ) -> Result<ChildResult, TaskError> {
        let result = self.step(PackageOp::Remove)?;
        if result.success() {
            let mut installed = self.installed.borrow_mut();
            installed.retain(|p| !packages.contains(p));
        }
        Ok(result)
    }

    fn clean(&self, _ctx: &mut TaskContext<'_>, _spec: &PackagesSpec) -> bool {
        self.cleans.set(self.cleans.get() + 1);
        true
    }

    fn persist_proxy(
        &self,
        manager: PackageManager,
        proxy: &ProxySettings,
    ) -> Result<Persisted, String> {
        let root = self
            .root
            .as_ref()
            .ok_or("(test double) no root to write in")?;
        super::packages::persist::persist_proxy(manager, proxy, root.path())
    }
}

/// Where the services test double fails when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ServiceOp {
    ImageDir,
    Enable,
    Restart,
    Sync,
    Check,
    LoadMetadefs,
    Stop,
    Disable,
}

/// What `glance-manage db_load_metadefs` finds in its directory (the
/// package's JSON files) and loads into a database test double, as the real
/// one does: namespaces the database has are skipped, never merged.
pub(crate) struct MetadefFiles {
    pub database: Rc<FakeDatabase>,
    pub namespaces: u64,
    pub resource_types: u64,
}

/// A test double of the init system, `glance-manage` and glance-api's
/// health URL.
#[derive(Default)]
pub(crate) struct FakeServices {
    pub enabled: RefCell<BTreeSet<String>>,
    pub restarts: RefCell<Vec<String>>,
    pub syncs: Cell<u32>,
    /// glance-api answers (after a restart, or already).
    pub answering: Cell<bool>,
    /// glance-api never answers, even after a restart.
    pub never_answers: Cell<bool>,
    pub schema_at_head: Cell<bool>,
    /// Where `db_load_metadefs` loads (nothing when unset).
    pub metadef_files: Option<MetadefFiles>,
    /// The directories `db_load_metadefs` was given.
    pub metadef_loads: RefCell<Vec<String>>,
    errors: RefCell<HashMap<ServiceOp, TaskError>>,
    outputs: RefCell<HashMap<ServiceOp, (i32, String)>>,
}

impl FakeServices {
    pub fn loading_metadefs(files: MetadefFiles) -> Self {
        FakeServices {
            metadef_files: Some(files),
            ..FakeServices::default()
        }
    }

    pub fn child_fails(&self, op: ServiceOp, code: i32, output: &str) {
        self.outputs.borrow_mut().insert(op, (code, output.into()));
    }

    pub fn fail(&self, op: ServiceOp, error: TaskError) {
        self.errors.borrow_mut().insert(op, error);
    }

    fn step(&self, op: ServiceOp) -> Result<ChildResult, TaskError> {
        if let Some(e) = self.errors.borrow().get(&op) {
            return Err(e.clone());
        }
        Ok(match self.outputs.borrow().get(&op) {
            Some((code, output)) => child(*code, output),
            None => child(0, ""),
        })
    }
}

impl Services for FakeServices {
    fn make_image_dir(
        &self,
        _ctx: &mut TaskContext<'_>,
        _dir: &str,
    ) -> Result<ChildResult, TaskError> {
        self.step(ServiceOp::ImageDir)
    }

    fn enable(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError> {
        let result = self.step(ServiceOp::Enable)?;
        if result.success() {
            self.enabled.borrow_mut().insert(service.into());
        }
        Ok(result)
    }

    fn restart(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError> {
        let result = self.step(ServiceOp::Restart)?;
        if result.success() {
            self.restarts.borrow_mut().push(service.into());
            self.answering.set(!self.never_answers.get());
        }
        Ok(result)
    }

    fn stop(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &ServiceSpec,
        _service: &str,
    ) -> Result<ChildResult, TaskError> {
        let result = self.step(ServiceOp::Stop)?;
        if result.success() {
            self.answering.set(false);
        }
        Ok(result)
    }

    fn enabled_at_boot(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &ServiceSpec,
        service: &str,
    ) -> Result<bool, TaskError> {
        Ok(self.enabled.borrow().contains(service))
    }

    fn disable(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError> {
        let result = self.step(ServiceOp::Disable)?;
        if result.success() {
            self.enabled.borrow_mut().remove(service);
        }
        Ok(result)
    }

    fn glance_manage(
        &self,
        _ctx: &mut TaskContext<'_>,
        step: SchemaStep<'_>,
    ) -> Result<ChildResult, TaskError> {
        match step {
            SchemaStep::LoadMetadefs { dir } => {
                let result = self.step(ServiceOp::LoadMetadefs)?;
                self.metadef_loads.borrow_mut().push(dir.to_string());
                if let (true, Some(files)) = (result.success(), &self.metadef_files) {
                    let mut state = files.database.state.borrow_mut();
                    state.metadef_namespaces = state.metadef_namespaces.max(files.namespaces);
                    state.metadef_resource_types =
                        state.metadef_resource_types.max(files.resource_types);
                }
                Ok(result)
            }
            SchemaStep::Sync => {
                let result = self.step(ServiceOp::Sync)?;
                if result.success() {
                    self.syncs.set(self.syncs.get() + 1);
                    self.schema_at_head.set(true);
                }
                Ok(result)
            }
            SchemaStep::Check => {
                let told = self.errors.borrow().contains_key(&ServiceOp::Check)
                    || self.outputs.borrow().contains_key(&ServiceOp::Check);
                match (told, self.schema_at_head.get()) {
                    (true, _) => self.step(ServiceOp::Check),
                    (false, true) => Ok(child(0, "")),
                    (false, false) => Ok(child(3, "expand migrations needed")),
                }
            }
        }
    }

    fn wait_answering(
        &self,
        url: &str,
        _timeout: Duration,
        cancel: &AtomicBool,
    ) -> Result<u16, String> {
        if cancel.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(super::STOPPED.into());
        }
        self.answer(url).and_then(|status| match status {
            200 | 300 => Ok(status),
            other => Err(format!("HTTP {other}")),
        })
    }

    fn answer(&self, url: &str) -> Result<u16, String> {
        if self.answering.get() {
            Ok(300)
        } else {
            Err(format!("{url}: Connection refused"))
        }
    }

    fn log_tail(&self, _path: &str, _n: usize) -> String {
        "ERROR glance (test double) cannot bind".into()
    }
}

/// Where the Glance test double fails when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum GlanceOp {
    Connect,
    Named,
    Create,
    Upload,
    Get,
    Delete,
}

/// A test double of Glance's image API: its images and the bytes uploaded.
#[derive(Default)]
pub(crate) struct FakeGlance {
    pub images: RefCell<Vec<Image>>,
    errors: RefCell<HashMap<GlanceOp, TaskError>>,
    once: RefCell<HashMap<GlanceOp, TaskError>>,
    /// Glance answered 401 or 5xx (set with an injected error).
    pub refused: Cell<bool>,
    /// Glance hashes with this algorithm (sha512 unless set).
    pub hash_algo: RefCell<Option<String>>,
    next_id: Cell<u32>,
}

impl FakeGlance {
    /// `op` fails with `error`; `refused` marks it as Glance's 401 or 5xx.
    pub fn fail(&self, op: GlanceOp, error: TaskError, refused: bool) {
        self.errors.borrow_mut().insert(op, error);
        self.refused.set(refused);
    }

    /// `op` fails once with `error`, then works.
    pub fn fail_once(&self, op: GlanceOp, error: TaskError) {
        self.once.borrow_mut().insert(op, error);
    }

    fn failure(&self, op: GlanceOp) -> Result<(), TaskError> {
        if let Some(e) = self.once.borrow_mut().remove(&op) {
            return Err(e);
        }
        self.errors.borrow().get(&op).cloned().map_or(Ok(()), Err)
    }
}

impl Glance for FakeGlance {
    fn connect(
        &self,
        _ctx: &mut TaskContext<'_>,
        _spec: &VerifySpec,
    ) -> Result<Box<dyn ImageApi + '_>, TaskError> {
        self.failure(GlanceOp::Connect)?;
        Ok(Box::new(self))
    }

    fn connect_cached(
        &self,
        _ctx: &TaskContext<'_>,
        _spec: &VerifySpec,
    ) -> Result<Box<dyn ImageApi + '_>, TaskError> {
        self.failure(GlanceOp::Connect)?;
        Ok(Box::new(self))
    }
}

impl ImageApi for &FakeGlance {
    fn url(&self, path: &str) -> String {
        format!("http://controller:9292/v2/{path}")
    }

    fn named(&self, name: &str) -> Result<Vec<Image>, TaskError> {
        self.failure(GlanceOp::Named)?;
        let images = self.images.borrow();
        Ok(images.iter().filter(|i| i.name == name).cloned().collect())
    }

    fn get(&self, id: &str) -> Result<Image, TaskError> {
        self.failure(GlanceOp::Get)?;
        let images = self.images.borrow();
        let found = images.iter().find(|i| i.id == id).cloned();
        found.ok_or_else(|| TaskError::fatal(format!("GET images/{id}: HTTP 404")))
    }

    fn list(&self) -> Result<Vec<Image>, TaskError> {
        Ok(self.images.borrow().clone())
    }

    fn create(&self, spec: &VerifySpec) -> Result<String, TaskError> {
        self.failure(GlanceOp::Create)?;
        self.next_id.set(self.next_id.get() + 1);
        let id = format!("img-{}", self.next_id.get());
        self.images.borrow_mut().push(Image {
            id: id.clone(),
            name: spec.name.clone(),
            status: "queued".into(),
            ours: true,
            ..Image::default()
        });
        Ok(id)
    }

    fn upload(&self, id: &str, file: &Path) -> Result<(), TaskError> {
        self.failure(GlanceOp::Upload)?;
        let hash = super::verify::sha512_file(file)
            .map_err(|e| TaskError::fatal(format!("(test double) {e}")))?;
        let algo = self.hash_algo.borrow().clone().unwrap_or("sha512".into());
        let mut images = self.images.borrow_mut();
        let image = images.iter_mut().find(|i| i.id == id);
        let image = image.ok_or_else(|| TaskError::fatal("(test double) no such image"))?;
        image.status = "active".into();
        image.hash_algo = algo;
        image.hash_value = hash;
        Ok(())
    }

    fn delete(&self, id: &str) -> Result<(), TaskError> {
        self.failure(GlanceOp::Delete)?;
        self.images.borrow_mut().retain(|i| i.id != id);
        Ok(())
    }

    fn refused(&self) -> bool {
        self.refused.get()
    }
}
