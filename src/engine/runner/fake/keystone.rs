//! The Keystone test double.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::super::TaskContext;
use super::super::clients::{
    CatalogService, Endpoint, EndpointChange, Keystone, KeystoneObject, Removal,
};
use crate::engine::TaskError;
use crate::i18n::Message;
use crate::plan::ServiceLogin;
use crate::util::secret::Secret;

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
        super::super::identity::LoginError::Refused {
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
