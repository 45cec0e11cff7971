//! Identity tasks through the `openstack` CLI, each probing first so that a
//! rerun never creates a duplicate. The one secret-bearing call (the glance
//! user's password) goes to Keystone's API directly: the CLI would need the
//! password in argv (`--password`) or a terminal (`--password-prompt`).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::clients::{CatalogService, Endpoint, EndpointChange, Keystone, KeystoneObject, Removal};
use super::{TaskContext, fatal, json_str, openstack_batch, openstack_json, openstack_plain};
use crate::answers::AdminCredentials;
use crate::engine::outputs::{
    EndpointElsewhere, EndpointOutput, ObjectOutput, Origin, ProjectRef, RoleElsewhere,
    TaskOutputs, UserElsewhere,
};
use crate::engine::{ErrorClass, TaskError};
use crate::i18n::Message;
use crate::plan::{
    EndpointSpec, EndpointsSpec, RoleSpec, ServiceEntitySpec, ServiceLogin, UserSpec, commands,
};
use crate::util::secret::Secret;

/// Keystone did not answer at `url` (a restart passes by itself).
fn unreachable_at(url: &str, error: impl std::fmt::Display) -> TaskError {
    TaskError::new(
        ErrorClass::Retryable,
        Message::new("failure.keystone_unreachable")
            .arg("url", url)
            .arg("error", error),
    )
}

/// Keystone's answer to `url` cannot be read or parsed.
fn bad_answer(url: &str, error: impl std::fmt::Display) -> Message {
    Message::new("failure.identity.answer")
        .arg("url", url)
        .arg("error", error)
}

/// Keystone answered an error status to `method url`, with its body.
fn answered(status: u16, method: &str, url: &str, body: &str) -> Message {
    Message::new("failure.identity.http")
        .arg("status", status)
        .arg("method", method)
        .arg("url", url)
        .arg("body", body.trim())
}

/// An HTTP agent that never uses a proxy: Keystone and Glance are on the
/// controller.
pub fn direct_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(None)
        .http_status_as_error(false)
        // Glance answers `GET /` with 300 Multiple Choices and no Location:
        // that is the answer we want, not a redirect to follow.
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

fn v3_base(auth_url: &str) -> String {
    let base = auth_url.trim_end_matches('/');
    if base.ends_with("/v3") {
        base.to_string()
    } else {
        format!("{base}/v3")
    }
}

/// Why a password login to Keystone failed, by what fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    /// No answer (refused, timed out, a name that does not resolve):
    /// the HTTP library's words.
    Unreachable { url: String, error: String },
    /// Keystone answered with an error status (401: the password), and
    /// its body.
    Refused {
        status: u16,
        url: String,
        body: String,
    },
    /// Keystone answered success without a token.
    NoToken,
}

/// In English, as the log and the tests see it.
impl std::fmt::Display for LoginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg().english())
    }
}

impl LoginError {
    /// What happened, in words to translate.
    pub fn msg(&self) -> Message {
        match self {
            LoginError::Unreachable { url, error } => Message::new("failure.keystone_unreachable")
                .arg("url", url)
                .arg("error", error),
            LoginError::Refused { status, url, body } => Message::new("failure.keystone_refused")
                .arg("status", status)
                .arg("url", url)
                .arg("body", body),
            LoginError::NoToken => Message::new("failure.keystone_no_token"),
        }
    }

    /// No answer or a 5xx can pass by itself (Keystone restarting); a
    /// refusal of the credentials will not.
    pub fn task_error(&self) -> TaskError {
        let class = match self {
            LoginError::Unreachable { .. } => ErrorClass::Retryable,
            LoginError::Refused { status, .. } if *status >= 500 => ErrorClass::Retryable,
            LoginError::Refused { .. } | LoginError::NoToken => ErrorClass::Fatal,
        };
        TaskError::new(class, self.msg())
    }
}

/// Password authentication; returns the token. `project` scopes the token.
pub fn issue_token(
    auth_url: &str,
    user: &str,
    user_domain: &str,
    password: &Secret,
    project: Option<(&str, &str)>,
) -> Result<String, LoginError> {
    issue_token_with_catalog(auth_url, user, user_domain, password, project).map(|(t, _)| t)
}

/// Password authentication; returns the token and the token's body (its
/// service catalog, for a scoped token).
pub fn issue_token_with_catalog(
    auth_url: &str,
    user: &str,
    user_domain: &str,
    password: &Secret,
    project: Option<(&str, &str)>,
) -> Result<(String, Value), LoginError> {
    let mut auth = serde_json::json!({
        "identity": {
            "methods": ["password"],
            "password": {"user": {
                "name": user,
                "domain": {"name": user_domain},
                "password": password.expose(),
            }}
        }
    });
    if let Some((name, domain)) = project {
        auth["scope"] = serde_json::json!({"project": {"name": name, "domain": {"name": domain}}});
    }
    let body = serde_json::json!({ "auth": auth }).to_string();
    let url = format!("{}/auth/tokens", v3_base(auth_url));
    let mut response = direct_agent(Duration::from_secs(30))
        .post(&url)
        .header("Content-Type", "application/json")
        .send(body)
        .map_err(|e| LoginError::Unreachable {
            url: url.clone(),
            error: e.to_string(),
        })?;
    let status = response.status().as_u16();
    let token = response
        .headers()
        .get("X-Subject-Token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = response.body_mut().read_to_string().unwrap_or_default();
    if status != 201 {
        return Err(LoginError::Refused {
            status,
            url,
            body: text.trim().to_string(),
        });
    }
    let token = token.ok_or(LoginError::NoToken)?;
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Ok((token, body))
}

/// The URL of a service's endpoint in a token's catalog.
pub fn catalog_url(
    token_body: &Value,
    service_type: &str,
    interface: &str,
    region: &str,
) -> Option<String> {
    token_body["token"]["catalog"]
        .as_array()?
        .iter()
        .filter(|s| json_str(s, "type") == service_type)
        .flat_map(|s| s["endpoints"].as_array().cloned().unwrap_or_default())
        .find(|e| {
            json_str(e, "interface") == interface
                && (json_str(e, "region_id") == region || json_str(e, "region") == region)
        })
        .map(|e| json_str(&e, "url").trim_end_matches('/').to_string())
}

/// The admin token this process got last, reused while it is young: each
/// probe and each `openstack` call of a run would otherwise have Keystone
/// check the admin password again (a bcrypt hash, about 0.25 s of its CPU
/// every time, on a controller that is busy starting Glance meanwhile).
struct CachedAdminToken {
    admin: AdminCredentials,
    token: String,
    issued: Instant,
}

static ADMIN_TOKEN: Mutex<Option<CachedAdminToken>> = Mutex::new(None);

/// Well within Keystone's shortest sensible token lifetime (default 1 h):
/// a token handed to a child is never near its expiry.
const ADMIN_TOKEN_REUSE: Duration = Duration::from_secs(600);

/// A project-scoped admin token from the admin credentials (the same one
/// for every caller of this process for [`ADMIN_TOKEN_REUSE`]; tasks that
/// start together wait for one request instead of each making its own).
pub fn admin_token(admin: &AdminCredentials) -> Result<String, LoginError> {
    admin_token_from(admin, true)
}

/// A new admin token, always asked of Keystone (the precheck: it must
/// prove the credentials work now), then reused by [`admin_token`].
pub fn fresh_admin_token(admin: &AdminCredentials) -> Result<String, LoginError> {
    admin_token_from(admin, false)
}

fn admin_token_from(admin: &AdminCredentials, reuse: bool) -> Result<String, LoginError> {
    let mut cached = ADMIN_TOKEN.lock().unwrap_or_else(|e| e.into_inner());
    if reuse
        && let Some(c) = cached.as_ref()
        && c.admin == *admin
        && c.issued.elapsed() < ADMIN_TOKEN_REUSE
    {
        return Ok(c.token.clone());
    }
    let issued = Instant::now();
    // A refusal forgets the token held: the credentials no longer work.
    *cached = None;
    let token = issue_token(
        admin.auth_url(),
        admin.username(),
        admin.user_domain_name(),
        &admin.password,
        Some((admin.project_name(), admin.project_domain_name())),
    )?;
    *cached = Some(CachedAdminToken {
        admin: admin.clone(),
        token: token.clone(),
        issued,
    });
    Ok(token)
}

/// The environment of an `openstack` child: the admin's OS_* variables
/// with the cached admin token in place of the user and password
/// (`OS_AUTH_TYPE=v3token`), so Keystone does not check the password for
/// each call. Without a token (Keystone refused or unreachable) the
/// password goes, and the child says what is wrong.
pub fn admin_cli_env(admin: &AdminCredentials) -> Vec<(String, String)> {
    match admin_token(admin) {
        Ok(token) => token_env(admin, token),
        Err(_) => admin.child_env(),
    }
}

/// The admin's OS_* variables with `token` in place of the user's login.
fn token_env(admin: &AdminCredentials, token: String) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = admin
        .vars
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "OS_USERNAME"
                    | "OS_USER_ID"
                    | "OS_USER_DOMAIN_NAME"
                    | "OS_USER_DOMAIN_ID"
                    | "OS_PASSWORD"
                    | "OS_AUTH_TYPE"
                    | "OS_TOKEN"
            )
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    env.push(("OS_AUTH_TYPE".into(), "v3token".into()));
    env.push(("OS_TOKEN".into(), token));
    env
}

/// Keystone's API with an admin token, for the probes: one listing per
/// resource type, filtered by Keystone, costs a few milliseconds where an
/// `openstack` call costs 1.3-2 s. Changes still go through the CLI.
pub struct KeystoneApi {
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl KeystoneApi {
    pub fn connect(admin: &AdminCredentials) -> Result<Self, TaskError> {
        let token = admin_token(admin).map_err(|e| e.task_error())?;
        Ok(KeystoneApi {
            base: v3_base(admin.auth_url()),
            token,
            agent: direct_agent(Duration::from_secs(30)),
        })
    }

    /// The service catalog as Keystone has it now (`GET /v3/auth/catalog`
    /// with the run's admin token: no password check).
    fn catalog(&self) -> Result<Vec<Value>, TaskError> {
        let body = self.get("auth/catalog", &[])?.unwrap_or(Value::Null);
        Ok(body["catalog"].as_array().cloned().unwrap_or_default())
    }

    /// `GET /v3/<path>?<query>`; `None` on 404.
    fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Option<Value>, TaskError> {
        let mut url = url::Url::parse(&format!("{}/{path}", self.base)).map_err(|e| {
            fatal(
                Message::new("failure.identity.bad_url")
                    .arg("url", &self.base)
                    .arg("error", e),
            )
        })?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut response = self
            .agent
            .get(url.as_str())
            .header("X-Auth-Token", &self.token)
            .call()
            .map_err(|e| unreachable_at(url.as_str(), e))?;
        match response.status().as_u16() {
            200 => {
                let text = response.body_mut().read_to_string().map_err(|e| {
                    TaskError::new(ErrorClass::Retryable, bad_answer(url.as_str(), e))
                })?;
                serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| fatal(bad_answer(url.as_str(), e)))
            }
            404 => Ok(None),
            status => {
                let text = response.body_mut().read_to_string().unwrap_or_default();
                Err(fatal(answered(status, "GET", url.as_str(), &text)))
            }
        }
    }

    /// The members of a listing (`{"users": [...]}` → the users).
    fn list(&self, collection: &str, query: &[(&str, &str)]) -> Result<Vec<Value>, TaskError> {
        let body = self.get(collection, query)?.unwrap_or(Value::Null);
        Ok(body
            .get(collection)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// A domain's id from its id or its name (guides write `default`, the
    /// id, where Keystone's name is `Default`; the CLI accepts both).
    pub fn domain_id(&self, id_or_name: &str) -> Result<String, TaskError> {
        if let Some(found) = self.get(&format!("domains/{id_or_name}"), &[])? {
            return Ok(json_str(&found["domain"], "id").to_string());
        }
        let named = self.list("domains", &[("name", id_or_name)])?;
        match named.as_slice() {
            [one] => Ok(json_str(one, "id").to_string()),
            _ => Err(fatal(
                Message::new("failure.identity.no_domain").arg("name", id_or_name),
            )),
        }
    }

    /// The one object of `collection` named `name` (in `domain_id` when
    /// given); `None` when there is none, an error when there are several.
    fn one_named(
        &self,
        collection: &str,
        name: &str,
        domain_id: Option<&str>,
    ) -> Result<Option<String>, TaskError> {
        let mut query = vec![("name", name)];
        if let Some(d) = domain_id {
            query.push(("domain_id", d));
        }
        let found = self.list(collection, &query)?;
        match found.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(json_str(one, "id").to_string())),
            many => Err(fatal(
                Message::new("failure.identity.same_name")
                    .arg("count", many.len())
                    .arg("collection", collection)
                    .arg("name", name),
            )),
        }
    }

    pub fn user_id(&self, name: &str, domain_id: &str) -> Result<Option<String>, TaskError> {
        self.one_named("users", name, Some(domain_id))
    }

    /// `DELETE /v3/<path>`, or `PATCH` with `body`: `AlreadyGone` on 404.
    fn change(&self, path: &str, patch: Option<Value>) -> Result<Removal, TaskError> {
        let url = format!("{}/{path}", self.base);
        let (method, response) = match patch {
            None => (
                "DELETE",
                self.agent
                    .delete(&url)
                    .header("X-Auth-Token", &self.token)
                    .call(),
            ),
            Some(body) => (
                "PATCH",
                self.agent
                    .patch(&url)
                    .header("X-Auth-Token", &self.token)
                    .header("Content-Type", "application/json")
                    .send(body.to_string()),
            ),
        };
        let mut response = response.map_err(|e| unreachable_at(url.as_str(), e))?;
        match response.status().as_u16() {
            200 | 204 => Ok(Removal::Done),
            404 => Ok(Removal::AlreadyGone),
            status => {
                let text = response.body_mut().read_to_string().unwrap_or_default();
                let class = if status >= 500 {
                    ErrorClass::Retryable
                } else {
                    ErrorClass::Fatal
                };
                Err(TaskError::new(class, answered(status, method, &url, &text)))
            }
        }
    }

    /// The ids of the services of a type (`image`).
    pub fn services_of_type(&self, service_type: &str) -> Result<Vec<String>, TaskError> {
        Ok(self
            .list("services", &[("type", service_type)])?
            .iter()
            .map(|s| json_str(s, "id").to_string())
            .collect())
    }
}

/// Keystone as the real runs reach it: listings through [`KeystoneApi`]
/// (connected on first use, with the run's admin token), changes through
/// the `openstack` CLI, the password through the API.
pub struct RealKeystone<'a> {
    admin: &'a AdminCredentials,
    api: std::cell::OnceCell<KeystoneApi>,
}

impl<'a> RealKeystone<'a> {
    pub fn new(admin: &'a AdminCredentials) -> Self {
        RealKeystone {
            admin,
            api: std::cell::OnceCell::new(),
        }
    }

    fn api(&self) -> Result<&KeystoneApi, TaskError> {
        if let Some(api) = self.api.get() {
            return Ok(api);
        }
        let api = KeystoneApi::connect(self.admin)?;
        Ok(self.api.get_or_init(|| api))
    }
}

/// An endpoint of a listing or of the catalog (which names the region
/// `region_id` or `region`).
fn endpoint_of(e: &Value) -> Endpoint {
    let region = match json_str(e, "region_id") {
        "" => json_str(e, "region"),
        id => id,
    };
    Endpoint {
        id: json_str(e, "id").to_string(),
        interface: json_str(e, "interface").to_string(),
        region: region.to_string(),
        url: json_str(e, "url").to_string(),
    }
}

impl Keystone for RealKeystone<'_> {
    fn domain_id(&self, id_or_name: &str) -> Result<String, TaskError> {
        self.api()?.domain_id(id_or_name)
    }

    fn user_id(&self, name: &str, domain_id: &str) -> Result<Option<String>, TaskError> {
        self.api()?.user_id(name, domain_id)
    }

    fn project_id(&self, name: &str, domain_id: &str) -> Result<Option<String>, TaskError> {
        self.api()?.one_named("projects", name, Some(domain_id))
    }

    fn role_id(&self, name: &str) -> Result<Option<String>, TaskError> {
        self.api()?.one_named("roles", name, None)
    }

    fn role_assigned(&self, user: &str, project: &str, role: &str) -> Result<bool, TaskError> {
        let assigned = self.api()?.list(
            "role_assignments",
            &[
                ("user.id", user),
                ("scope.project.id", project),
                ("role.id", role),
            ],
        )?;
        Ok(!assigned.is_empty())
    }

    fn services_of_type(&self, service_type: &str) -> Result<Vec<String>, TaskError> {
        self.api()?.services_of_type(service_type)
    }

    fn endpoints(&self, service_id: &str, region: &str) -> Result<Vec<Endpoint>, TaskError> {
        let all = self.api()?.list(
            "endpoints",
            &[("service_id", service_id), ("region_id", region)],
        )?;
        Ok(all.iter().map(endpoint_of).collect())
    }

    fn endpoint(&self, id: &str) -> Result<Option<Endpoint>, TaskError> {
        let found = self.api()?.get(&format!("endpoints/{id}"), &[])?;
        Ok(found.map(|body| endpoint_of(&body["endpoint"])))
    }

    fn user_name(&self, id: &str) -> Result<Option<String>, TaskError> {
        let found = self.api()?.get(&format!("users/{id}"), &[])?;
        Ok(found.map(|body| json_str(&body["user"], "name").to_string()))
    }

    fn catalog(&self) -> Result<Vec<CatalogService>, TaskError> {
        Ok(self
            .api()?
            .catalog()?
            .iter()
            .map(|s| CatalogService {
                id: json_str(s, "id").to_string(),
                service_type: json_str(s, "type").to_string(),
                endpoints: s["endpoints"]
                    .as_array()
                    .map(|e| e.iter().map(endpoint_of).collect())
                    .unwrap_or_default(),
            })
            .collect())
    }

    fn create_user(
        &self,
        ctx: &mut TaskContext<'_>,
        domain: &str,
        name: &str,
    ) -> Result<String, TaskError> {
        // --or-show: a user created meanwhile by someone else is found,
        // not duplicated.
        let created = openstack_json(ctx, commands::user_create(domain, name))?;
        Ok(json_str(&created, "id").to_string())
    }

    fn add_role(
        &self,
        ctx: &mut TaskContext<'_>,
        project: &str,
        user: &str,
        role: &str,
    ) -> Result<(), TaskError> {
        openstack_plain(ctx, commands::role_add(project, user, role))
    }

    fn create_service(
        &self,
        ctx: &mut TaskContext<'_>,
        name: &str,
        description: &str,
        service_type: &str,
    ) -> Result<String, TaskError> {
        let created = openstack_json(
            ctx,
            commands::service_create(name, description, service_type),
        )?;
        Ok(json_str(&created, "id").to_string())
    }

    fn fix_endpoints(
        &self,
        ctx: &mut TaskContext<'_>,
        region: &str,
        service_type: &str,
        changes: &[EndpointChange],
    ) -> Result<String, TaskError> {
        let commands: Vec<Vec<String>> = changes
            .iter()
            .map(|change| match change {
                EndpointChange::Create { interface, url } => {
                    commands::endpoint_create(region, service_type, interface.as_str(), url)
                }
                EndpointChange::SetUrl { id, url } => commands::endpoint_set_url(id, url),
            })
            .collect();
        Ok(openstack_batch(ctx, &commands)?.tail(3))
    }

    fn set_password(
        &self,
        ctx: &mut TaskContext<'_>,
        auth_url: &str,
        user_id: &str,
        password: &Secret,
    ) -> Result<(), TaskError> {
        let url = format!("{}/users/{user_id}", v3_base(auth_url));
        ctx.tell(Message::new("narration.setting_password").arg("url", &url));
        let body = serde_json::json!({"user": {"password": password.expose()}}).to_string();
        let mut response = direct_agent(Duration::from_secs(30))
            .patch(&url)
            .header("Content-Type", "application/json")
            .header("X-Auth-Token", &self.api()?.token)
            .send(body)
            .map_err(|e| {
                TaskError::new(
                    ErrorClass::Retryable,
                    Message::new("failure.identity.unreachable").arg("error", e),
                )
            })?;
        let status = response.status().as_u16();
        if status != 200 {
            let text = response.body_mut().read_to_string().unwrap_or_default();
            return Err(fatal(
                Message::new("failure.identity.password_refused")
                    .arg("status", status)
                    .arg("body", ctx.redactor.redact(text.trim())),
            ));
        }
        Ok(())
    }

    fn delete(
        &self,
        ctx: &mut TaskContext<'_>,
        object: KeystoneObject<'_>,
    ) -> Result<Removal, TaskError> {
        let path = match object {
            KeystoneObject::User(id) => format!("users/{id}"),
            KeystoneObject::Service(id) => format!("services/{id}"),
            KeystoneObject::Endpoint(id) => format!("endpoints/{id}"),
            KeystoneObject::RoleAssignment {
                project,
                user,
                role,
            } => format!("projects/{project}/users/{user}/roles/{role}"),
        };
        let api = self.api()?;
        ctx.trace(format!("DELETE {}/{path}", api.base));
        api.change(&path, None)
    }

    fn set_endpoint(
        &self,
        ctx: &mut TaskContext<'_>,
        id: &str,
        url: &str,
        region: Option<&str>,
    ) -> Result<Removal, TaskError> {
        let api = self.api()?;
        // `region` (not `region_id`): Keystone creates the region when it
        // does not exist, as `openstack endpoint create --region` does.
        let body = match region {
            None => serde_json::json!({"endpoint": {"url": url}}),
            Some(region) => serde_json::json!({"endpoint": {"url": url, "region": region}}),
        };
        ctx.trace(format!("PATCH {}/endpoints/{id} {body}", api.base));
        api.change(&format!("endpoints/{id}"), Some(body))
    }

    fn rename_user(
        &self,
        ctx: &mut TaskContext<'_>,
        id: &str,
        name: &str,
    ) -> Result<Removal, TaskError> {
        let api = self.api()?;
        let body = serde_json::json!({"user": {"name": name}});
        ctx.trace(format!("PATCH {}/users/{id} {body}", api.base));
        api.change(&format!("users/{id}"), Some(body))
    }

    fn password_login(&self, login: &ServiceLogin) -> Result<(), Message> {
        issue_token(
            &login.auth_url,
            &login.user,
            &login.domain,
            &login.password,
            None,
        )
        .map(|_| ())
        .map_err(|e| e.msg())
    }

    fn user_roles(&self, login: &ServiceLogin) -> Result<Vec<String>, Message> {
        let view = glance_user_view(login)?;
        Ok(view["token"]["roles"]
            .as_array()
            .map(|roles| {
                roles
                    .iter()
                    .map(|r| json_str(r, "name").to_string())
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// An object with `id` is created by this task if it made it now or an
/// earlier run of the task recorded it as created (a rerun finds its own).
fn origin_of(id: &str, created_now: bool, previous: Option<&TaskOutputs>) -> Origin {
    let recorded_created = match previous {
        Some(TaskOutputs::User(o) | TaskOutputs::Service(o)) => o.id == id && o.origin.created(),
        Some(TaskOutputs::Endpoints { endpoints }) => {
            endpoints.iter().any(|e| e.id == id && e.origin.created())
        }
        _ => false,
    };
    Origin::of(created_now || recorded_created)
}

pub fn user(
    spec: &UserSpec,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<TaskOutputs, TaskError> {
    let login = &spec.login;
    let domain_id = keystone.domain_id(&login.domain)?;
    let elsewhere = user_elsewhere(spec, ctx.previous_outputs, keystone)?;
    let (user_id, created_now) = match keystone.user_id(&login.user, &domain_id)? {
        Some(id) => {
            ctx.tell(
                Message::new("narration.user_exists")
                    .arg("user", &login.user)
                    .arg("id", &id),
            );
            (id, false)
        }
        None => match &elsewhere {
            Some(old) if keystone.rename_user(ctx, &old.id, &login.user)? == Removal::Done => {
                ctx.tell(
                    Message::new("narration.user_renamed")
                        .arg("from", &old.from)
                        .arg("id", &old.id)
                        .arg("to", &login.user),
                );
                (old.id.clone(), false)
            }
            _ => (create_user(login, ctx, keystone)?, true),
        },
    };
    if let Some(old) = elsewhere.filter(|old| old.id != user_id) {
        let removal = keystone.delete(ctx, KeystoneObject::User(&old.id))?;
        if removal == Removal::Done {
            ctx.tell(
                Message::new("narration.user_taken_back")
                    .arg("from", &old.from)
                    .arg("id", &old.id)
                    .arg("to", &login.user),
            );
        }
    }
    set_password_unless_it_logs_in(login, &user_id, created_now, ctx, keystone)?;
    let origin = origin_of(&user_id, created_now, ctx.previous_outputs);
    Ok(TaskOutputs::User(ObjectOutput {
        id: user_id,
        origin,
        name: Some(login.user.clone()),
    }))
}

/// The user an earlier run of the task created, still in Keystone under a
/// name the answers no longer give (`[keystone] service_user` changed).
fn user_elsewhere(
    spec: &UserSpec,
    previous: Option<&TaskOutputs>,
    keystone: &dyn Keystone,
) -> Result<Option<UserElsewhere>, TaskError> {
    let Some(TaskOutputs::User(recorded)) = previous else {
        return Ok(None);
    };
    if !recorded.origin.created() {
        return Ok(None);
    }
    Ok(keystone
        .user_name(&recorded.id)?
        .and_then(|name| UserElsewhere::of(&recorded.id, &name, spec)))
}

fn create_user(
    login: &ServiceLogin,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<String, TaskError> {
    let id = keystone.create_user(ctx, &login.domain, &login.user)?;
    if id.is_empty() {
        return Err(fatal(Message::new("failure.identity.no_user_id")));
    }
    ctx.tell(
        Message::new("narration.user_id")
            .arg("user", &login.user)
            .arg("id", &id),
    );
    Ok(id)
}

/// Is the password already the one in the answers? (A user this run
/// created has none, or, created meanwhile by someone else and shown by
/// --or-show, gets the answers' one anyway: no need to ask Keystone.)
fn set_password_unless_it_logs_in(
    login: &ServiceLogin,
    user_id: &str,
    created_now: bool,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<(), TaskError> {
    if !created_now && keystone.password_login(login).is_ok() {
        ctx.tell(Message::new("narration.password_current"));
        return Ok(());
    }
    keystone.set_password(ctx, &login.auth_url, user_id, &login.password)?;
    keystone
        .password_login(login)
        .map_err(|e| fatal(Message::new("failure.identity.new_password").msg("error", e)))?;
    ctx.tell(Message::new("narration.password_set"));
    Ok(())
}

/// The ids the role task works with, each `None` where Keystone has none.
struct RoleIds {
    user: Option<String>,
    project: Option<String>,
    role: Option<String>,
}

impl RoleIds {
    fn of(spec: &RoleSpec, keystone: &dyn Keystone) -> Result<RoleIds, TaskError> {
        let login = &spec.login;
        let domain_id = keystone.domain_id(&login.domain)?;
        Ok(RoleIds {
            user: keystone.user_id(&login.user, &domain_id)?,
            project: keystone.project_id(&login.project, &domain_id)?,
            role: keystone.role_id(&spec.role)?,
        })
    }

    /// Whether the glance user has the role on the project, probed (`role
    /// add` would say nothing either way).
    fn assigned(&self, keystone: &dyn Keystone) -> Result<bool, TaskError> {
        match (&self.user, &self.project, &self.role) {
            (Some(user), Some(project), Some(role)) => keystone.role_assigned(user, project, role),
            _ => Ok(false),
        }
    }
}

pub fn role(
    spec: &RoleSpec,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<TaskOutputs, TaskError> {
    let login = &spec.login;
    let ids = RoleIds::of(spec, keystone)?;
    let (recorded_origin, recorded_user, recorded_project) = match ctx.previous_outputs {
        Some(TaskOutputs::Role {
            origin,
            user_id,
            project,
        }) => (*origin, user_id.clone(), project.clone()),
        _ => (Origin::Found, None, None),
    };
    let origin = if ids.assigned(keystone)? {
        ctx.tell(
            Message::new("narration.role_exists")
                .arg("user", &login.user)
                .arg("role", &spec.role)
                .arg("project", &login.project),
        );
        // Created by an earlier run only if given to this same user on this
        // same project (`None`: an older record, of these): after a rename
        // to an existing user, that user's role is not ours.
        let ours = recorded_user.is_none_or(|u| Some(&u) == ids.user.as_ref())
            && recorded_project
                .as_ref()
                .is_none_or(|p| p.name == login.project);
        Origin::of(recorded_origin.created() && ours)
    } else {
        // `role add` of an existing assignment exits 0 silently.
        keystone.add_role(ctx, &login.project, &login.user, &spec.role)?;
        Origin::Created
    };
    if let Some(elsewhere) =
        RoleElsewhere::of(recorded_origin, recorded_project.as_ref(), &login.project)
    {
        take_back_role(ctx, keystone, &ids, &elsewhere)?;
    }
    Ok(TaskOutputs::Role {
        origin,
        user_id: ids.user,
        project: ids.project.map(|id| ProjectRef {
            id,
            name: login.project.clone(),
        }),
    })
}

/// Removes the role the task gave on a project the answers no longer name
/// (gone already counts as removed).
fn take_back_role(
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
    ids: &RoleIds,
    elsewhere: &RoleElsewhere,
) -> Result<(), TaskError> {
    let (Some(user), Some(role)) = (&ids.user, &ids.role) else {
        return Ok(());
    };
    ctx.tell(
        Message::new("narration.role_taken_back")
            .arg("from", &elsewhere.from.name)
            .arg("id", &elsewhere.from.id)
            .arg("to", &elsewhere.to),
    );
    let object = KeystoneObject::RoleAssignment {
        project: &elsewhere.from.id,
        user,
        role,
    };
    keystone.delete(ctx, object)?;
    Ok(())
}

pub fn service(
    spec: &ServiceEntitySpec,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<TaskOutputs, TaskError> {
    let images = keystone.services_of_type(&spec.service_type)?;
    let mut created_now = false;
    let id = match images.as_slice() {
        [] => {
            created_now = true;
            let id =
                keystone.create_service(ctx, &spec.name, &spec.description, &spec.service_type)?;
            ctx.tell(Message::new("narration.service_created").arg("id", &id));
            id
        }
        [one] => {
            ctx.tell(Message::new("narration.service_exists").arg("id", one));
            one.clone()
        }
        many => {
            return Err(fatal(
                Message::new("failure.identity.many_services")
                    .arg("count", many.len())
                    .arg("ids", many.join(", "))
                    .arg("error", "Multiple service matches found"),
            ));
        }
    };
    let origin = origin_of(&id, created_now, ctx.previous_outputs);
    Ok(TaskOutputs::Service(ObjectOutput {
        id,
        origin,
        name: None,
    }))
}

pub fn endpoints(
    spec: &EndpointsSpec,
    ctx: &mut TaskContext<'_>,
    keystone: &dyn Keystone,
) -> Result<TaskOutputs, TaskError> {
    let service_id = match keystone.services_of_type(&spec.service_type)?.as_slice() {
        [one] => one.clone(),
        other => {
            return Err(fatal(
                Message::new("failure.identity.no_one_service").arg("count", other.len()),
            ));
        }
    };
    let probe = probe_endpoints(spec, keystone, &service_id)?;
    for (interface, id) in &probe.right {
        ctx.tell(
            Message::new("narration.endpoint_exists")
                .arg("interface", interface)
                .arg("id", id),
        );
    }
    let mut work = EndpointWork::of(
        &probe.fixes,
        endpoints_elsewhere(spec, ctx.previous_outputs, keystone)?,
    );
    if work.is_empty() {
        return Ok(probe.outputs(spec, &[], ctx.previous_outputs));
    }
    work.move_endpoints(spec, ctx, keystone)?;
    // What is missing or wrong, fixed in one go (one `openstack` process).
    let tail = if work.fixes.is_empty() {
        String::new()
    } else {
        let changes: Vec<EndpointChange> = work.fixes.iter().map(|fix| fix.change()).collect();
        keystone.fix_endpoints(ctx, &spec.region, &spec.service_type, &changes)?
    };
    // The batch's exit status says nothing about its commands: Keystone does.
    let after = probe_endpoints(spec, keystone, &service_id)?;
    if let Some(fix) = after.fixes.first() {
        let key = if fix.existing.is_some() {
            "failure.identity.endpoint_still_elsewhere"
        } else {
            "failure.identity.endpoint_still_missing"
        };
        return Err(fatal(
            Message::new(key)
                .arg("interface", fix.interface)
                .arg("tail", tail),
        ));
    }
    work.tell(ctx);
    for old in &work.take_back {
        if keystone.delete(ctx, KeystoneObject::Endpoint(&old.id))? == Removal::Done {
            ctx.tell(
                Message::new("narration.endpoint_taken_back")
                    .arg("interface", old.interface)
                    .arg("from", &old.from)
                    .arg("id", &old.id)
                    .arg("to", &old.to),
            );
        }
    }
    Ok(after.outputs(spec, &probe.fixes, ctx.previous_outputs))
}

/// The endpoints an earlier run of the task created, still in Keystone in a
/// region the answers no longer give (`[keystone] region` changed).
fn endpoints_elsewhere(
    spec: &EndpointsSpec,
    previous: Option<&TaskOutputs>,
    keystone: &dyn Keystone,
) -> Result<Vec<EndpointElsewhere>, TaskError> {
    let Some(TaskOutputs::Endpoints { endpoints }) = previous else {
        return Ok(Vec::new());
    };
    let mut elsewhere = Vec::new();
    for recorded in endpoints.iter().filter(|e| e.origin.created()) {
        if let Some(now) = keystone.endpoint(&recorded.id)? {
            elsewhere.extend(EndpointElsewhere::of(
                recorded.interface,
                &recorded.id,
                &now.region,
                spec,
            ));
        }
    }
    Ok(elsewhere)
}

/// What the endpoints task changes: a missing endpoint whose interface it
/// created in another region is that one, moved here (its id stays); the
/// other fixes are made as before; what it created elsewhere and moves
/// nowhere (the region has that endpoint already) is taken back, so one
/// set of endpoints remains.
struct EndpointWork<'f, 's> {
    moves: Vec<(&'f EndpointFix<'s>, EndpointElsewhere)>,
    fixes: Vec<&'f EndpointFix<'s>>,
    take_back: Vec<EndpointElsewhere>,
}

impl<'f, 's> EndpointWork<'f, 's> {
    fn of(fixes: &'f [EndpointFix<'s>], mut elsewhere: Vec<EndpointElsewhere>) -> Self {
        let mut work = EndpointWork {
            moves: Vec::new(),
            fixes: Vec::new(),
            take_back: Vec::new(),
        };
        for fix in fixes {
            let old = elsewhere
                .iter()
                .position(|old| old.interface == fix.interface);
            match old {
                Some(i) if fix.existing.is_none() => work.moves.push((fix, elsewhere.remove(i))),
                _ => work.fixes.push(fix),
            }
        }
        work.take_back = elsewhere;
        work
    }

    /// Moves what moves; one deleted meanwhile is made anew instead.
    fn move_endpoints(
        &mut self,
        spec: &EndpointsSpec,
        ctx: &mut TaskContext<'_>,
        keystone: &dyn Keystone,
    ) -> Result<(), TaskError> {
        let mut moved = Vec::new();
        for (fix, old) in std::mem::take(&mut self.moves) {
            match keystone.set_endpoint(ctx, &old.id, fix.url, Some(&spec.region))? {
                Removal::Done => moved.push((fix, old)),
                Removal::AlreadyGone => self.fixes.push(fix),
            }
        }
        self.moves = moved;
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.moves.is_empty() && self.fixes.is_empty() && self.take_back.is_empty()
    }

    /// What was moved, made and repointed, once Keystone shows it.
    fn tell(&self, ctx: &mut TaskContext<'_>) {
        for (fix, old) in &self.moves {
            ctx.tell(
                Message::new("narration.endpoint_moved")
                    .arg("interface", fix.interface)
                    .arg("from", &old.from)
                    .arg("id", &old.id)
                    .arg("to", &old.to)
                    .arg("url", fix.url),
            );
        }
        for fix in &self.fixes {
            let key = match fix.existing {
                Some(_) => "narration.endpoint_updated",
                None => "narration.endpoint_created",
            };
            ctx.tell(
                Message::new(key)
                    .arg("interface", fix.interface)
                    .arg("url", fix.url),
            );
        }
    }
}

/// What Keystone says to the glance user, asked once for the user and role
/// probes of a run: a token scoped to the service project, with its roles.
/// One password check (bcrypt, a few hundred milliseconds on a busy
/// controller) for both.
#[derive(Clone, PartialEq)]
struct ViewKey {
    auth_url: String,
    user: String,
    domain: String,
    project: String,
    password: Secret,
}

struct GlanceView {
    key: ViewKey,
    asked: Instant,
    answer: Result<Value, Message>,
}

static GLANCE_VIEW: Mutex<Option<GlanceView>> = Mutex::new(None);

/// The probes of one run start together: an answer younger than this is
/// theirs, an older one is another run's and is asked again.
const VIEW_REUSE: Duration = Duration::from_secs(3);

/// The glance user's project-scoped token body (see [`GlanceView`]).
/// `apply` asks it while the prechecks run, so that its password check (a
/// bcrypt hash in Keystone) overlaps theirs instead of following it.
pub fn glance_user_view(login: &ServiceLogin) -> Result<Value, Message> {
    let key = ViewKey {
        auth_url: login.auth_url.clone(),
        user: login.user.clone(),
        domain: login.domain.clone(),
        project: login.project.clone(),
        password: login.password.clone(),
    };
    // Held while asking: probes that come meanwhile wait for this answer.
    let mut view = GLANCE_VIEW.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = view.as_ref()
        && v.key == key
        && v.asked.elapsed() < VIEW_REUSE
    {
        return v.answer.clone();
    }
    let asked = Instant::now();
    let answer = issue_token_with_catalog(
        &key.auth_url,
        &key.user,
        &key.domain,
        &key.password,
        Some((&key.project, &key.domain)),
    )
    .map(|(_, body)| body)
    .map_err(|e| {
        Message::new("recheck.keystone_login")
            .arg("user", &key.user)
            .arg("project", &key.project)
            .msg("error", e.msg())
    });
    *view = Some(GlanceView {
        key,
        asked,
        answer: answer.clone(),
    });
    answer
}

/// The user task's probe: the glance user logs in to Keystone with the
/// answers' password, as glance-api will.
pub fn probe_user(spec: &UserSpec, keystone: &dyn Keystone) -> Result<Message, Message> {
    keystone.user_roles(&spec.login)?;
    Ok(Message::new("run_skip.user_login").arg("user", &spec.login.user))
}

/// The role task's probe: the glance user's token on the service project
/// carries the admin role.
pub fn probe_role(spec: &RoleSpec, keystone: &dyn Keystone) -> Result<Message, Message> {
    let login = &spec.login;
    let roles = keystone.user_roles(login).map_err(cannot_check)?;
    let what = Message::new("run_skip.role")
        .arg("user", &login.user)
        .arg("role", &spec.role)
        .arg("project", &login.project);
    if roles.contains(&spec.role) {
        Ok(what)
    } else {
        Err(Message::new("recheck.no_longer").msg("what", what))
    }
}

/// A probe that needs the glance user's view cannot tell without it.
fn cannot_check(e: Message) -> Message {
    Message::new("recheck.cannot_check").msg("error", e)
}

/// The services of a type in the catalog, read with the admin token: not
/// with the glance user's, whose password may be the one changing in this
/// run (the service and its endpoints do not depend on it).
fn catalog_services(
    catalog: &Result<Vec<CatalogService>, TaskError>,
    service_type: &str,
) -> Result<Vec<CatalogService>, Message> {
    let catalog = catalog.as_ref().map_err(|e| e.message.clone())?;
    Ok(catalog
        .iter()
        .filter(|s| s.service_type == service_type)
        .cloned()
        .collect())
}

/// The service task's probe: one service of type image in `catalog` (as
/// [`Keystone::catalog`] gave it), the one the task made or found.
pub fn probe_service(
    spec: &ServiceEntitySpec,
    ctx: &mut TaskContext<'_>,
    catalog: &Result<Vec<CatalogService>, TaskError>,
) -> Result<Message, Message> {
    let images = catalog_services(catalog, &spec.service_type)?;
    let recorded = match ctx.previous_outputs {
        Some(TaskOutputs::Service(o)) => Some(&o.id),
        _ => None,
    };
    match images.as_slice() {
        [one] if recorded.is_none_or(|r| *r == one.id) => {
            Ok(Message::new("run_skip.service").arg("id", &one.id))
        }
        [_] => Err(Message::new("recheck.service_not_recorded")),
        [] => Err(Message::new("recheck.no_service")),
        many => Err(Message::new("recheck.many_services").arg("count", many.len())),
    }
}

/// The endpoints task's probe: the image service's endpoints in `catalog`,
/// one per interface in the region, at the answers' URLs.
pub fn probe_endpoints_task(
    spec: &EndpointsSpec,
    catalog: &Result<Vec<CatalogService>, TaskError>,
) -> Result<Message, Message> {
    let region = &spec.region;
    let images = catalog_services(catalog, &spec.service_type)?;
    let [service] = images.as_slice() else {
        return Err(Message::new("recheck.many_services").arg("count", images.len()));
    };
    for EndpointSpec { interface, url } in &spec.endpoints {
        let found: Vec<&Endpoint> = service
            .endpoints
            .iter()
            .filter(|e| e.interface == interface.as_str() && e.region == *region)
            .collect();
        match found.as_slice() {
            [] => return Err(Message::new("recheck.endpoint_missing").arg("interface", interface)),
            // The same rule as the task's own probe: the URL as answered.
            [one] if one.url == *url => {}
            [_] => {
                return Err(Message::new("recheck.endpoint_elsewhere").arg("interface", interface));
            }
            many => {
                return Err(Message::new("recheck.many_endpoints")
                    .arg("region", region)
                    .arg("count", many.len())
                    .arg("interface", interface));
            }
        }
    }
    Ok(Message::new("run_skip.endpoints"))
}

/// An endpoint to create (`existing` None) or to point at `url`.
struct EndpointFix<'s> {
    interface: crate::plan::Interface,
    url: &'s str,
    /// Its id and URL now, when it exists (pointing elsewhere).
    existing: Option<String>,
    existing_url: Option<String>,
}

impl EndpointFix<'_> {
    /// The `openstack` change that makes it.
    fn change(&self) -> EndpointChange {
        match &self.existing {
            None => EndpointChange::Create {
                interface: self.interface,
                url: self.url.to_string(),
            },
            Some(id) => EndpointChange::SetUrl {
                id: id.clone(),
                url: self.url.to_string(),
            },
        }
    }
}

/// The image endpoints of the region against the answers, from one listing.
struct EndpointProbe<'s> {
    /// (interface, id) of the endpoints that are as answered.
    right: Vec<(crate::plan::Interface, String)>,
    fixes: Vec<EndpointFix<'s>>,
}

impl EndpointProbe<'_> {
    /// The task's outputs: each endpoint that is right, created when
    /// `fixes` (this run's) created it or an earlier run recorded so, with
    /// its earlier URL when this run pointed it here.
    fn outputs(
        &self,
        spec: &EndpointsSpec,
        fixes: &[EndpointFix<'_>],
        previous: Option<&TaskOutputs>,
    ) -> TaskOutputs {
        let endpoints = self
            .right
            .iter()
            .map(|(interface, id)| {
                let fix = fixes.iter().find(|f| f.interface == *interface);
                let created_now = fix.is_some_and(|f| f.existing.is_none());
                let previous_url =
                    fix.and_then(|f| f.existing_url.clone())
                        .or_else(|| match previous {
                            Some(TaskOutputs::Endpoints { endpoints }) => endpoints
                                .iter()
                                .find(|e| &e.id == id)
                                .and_then(|e| e.previous_url.clone()),
                            _ => None,
                        });
                EndpointOutput {
                    interface: *interface,
                    id: id.clone(),
                    origin: origin_of(id, created_now, previous),
                    previous_url,
                    region: Some(spec.region.clone()),
                }
            })
            .collect();
        TaskOutputs::Endpoints { endpoints }
    }
}

/// Lists the image endpoints of the region once and compares them with
/// the answers; an interface with several endpoints is an error (the CLI
/// cannot tell which one is meant).
fn probe_endpoints<'s>(
    spec: &'s EndpointsSpec,
    keystone: &dyn Keystone,
    service_id: &str,
) -> Result<EndpointProbe<'s>, TaskError> {
    let region = &spec.region;
    let all = keystone.endpoints(service_id, region)?;
    let mut probe = EndpointProbe {
        right: Vec::new(),
        fixes: Vec::new(),
    };
    for &EndpointSpec { interface, ref url } in &spec.endpoints {
        let found: Vec<&Endpoint> = all
            .iter()
            .filter(|e| e.interface == interface.as_str())
            .collect();
        match found.as_slice() {
            [] => probe.fixes.push(EndpointFix {
                interface,
                url,
                existing: None,
                existing_url: None,
            }),
            [one] => {
                if one.url == *url {
                    probe.right.push((interface, one.id.clone()));
                } else {
                    probe.fixes.push(EndpointFix {
                        interface,
                        url,
                        existing: Some(one.id.clone()),
                        existing_url: Some(one.url.clone()),
                    });
                }
            }
            many => {
                let ids: Vec<&str> = many.iter().map(|e| e.id.as_str()).collect();
                return Err(fatal(
                    Message::new("failure.identity.many_endpoints")
                        .arg("region", region)
                        .arg("count", ids.len())
                        .arg("interface", interface)
                        .arg("ids", ids.join(", ")),
                ));
            }
        }
    }
    Ok(probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `openstack` child gets the token and the project, never the
    /// admin's name or password.
    #[test]
    fn openstack_children_get_the_token_not_the_password() {
        let admin = AdminCredentials {
            vars: [
                ("OS_AUTH_URL", "http://controller:5000/v3"),
                ("OS_USERNAME", "admin"),
                ("OS_USER_DOMAIN_NAME", "Default"),
                ("OS_PROJECT_NAME", "admin"),
                ("OS_PROJECT_DOMAIN_NAME", "Default"),
                ("OS_IDENTITY_API_VERSION", "3"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            password: Secret::new("admin-pass"),
            origin: crate::i18n::Message::verbatim("test"),
        };
        let env = token_env(&admin, "gAAAA-token".into());
        let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(get("OS_AUTH_TYPE"), Some("v3token"));
        assert_eq!(get("OS_TOKEN"), Some("gAAAA-token"));
        assert_eq!(get("OS_PROJECT_NAME"), Some("admin"));
        assert_eq!(get("OS_AUTH_URL"), Some("http://controller:5000/v3"));
        for gone in ["OS_USERNAME", "OS_USER_DOMAIN_NAME", "OS_PASSWORD"] {
            assert_eq!(get(gone), None, "{gone}");
        }
        assert!(!env.iter().any(|(_, v)| v.contains("admin-pass")));
    }
}

/// A password login's failure is classed by what fixes it: Keystone not
/// answering may pass; its refusal of the password will not.
#[cfg(test)]
#[test]
fn login_failures_are_classed() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for (stream, status) in listener.incoming().zip(["401 Unauthorized", "503 Busy"]) {
            let mut stream = stream.unwrap();
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                request.push(byte[0]);
            }
            let head =
                format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}");
            stream.write_all(head.as_bytes()).unwrap();
        }
    });
    let login = |url: &str| issue_token(url, "glance", "Default", &Secret::new("pw"), None);
    let url = format!("http://127.0.0.1:{port}/v3");
    let refused = login(&url).unwrap_err();
    assert!(
        matches!(refused, LoginError::Refused { status: 401, .. }),
        "{refused:?}"
    );
    assert_eq!(refused.task_error().class, crate::engine::ErrorClass::Fatal);
    let busy = login(&url).unwrap_err();
    assert_eq!(
        busy.task_error().class,
        crate::engine::ErrorClass::Retryable
    );
    // Nothing listens on port 1.
    let unreachable = login("http://127.0.0.1:1/v3").unwrap_err();
    assert!(
        matches!(unreachable, LoginError::Unreachable { .. }),
        "{unreachable:?}"
    );
    assert_eq!(
        unreachable.task_error().class,
        crate::engine::ErrorClass::Retryable
    );
}

/// The identity runners against a Keystone test double.
#[cfg(test)]
pub(crate) mod runner_tests {
    use super::*;
    use crate::engine::ErrorClass;
    use crate::engine::runner::fake::{FakeKeystone, KeystoneOp, in_ctx};
    use crate::plan::Interface;

    fn login() -> ServiceLogin {
        ServiceLogin {
            auth_url: "http://controller:5000/v3".into(),
            user: "glance".into(),
            domain: "default".into(),
            project: "service".into(),
            password: Secret::new("svc-password"),
        }
    }

    fn user_spec() -> UserSpec {
        UserSpec { login: login() }
    }

    fn role_spec() -> RoleSpec {
        RoleSpec {
            login: login(),
            role: "admin".into(),
        }
    }

    fn service_spec() -> ServiceEntitySpec {
        ServiceEntitySpec {
            auth_url: "http://controller:5000/v3".into(),
            name: "glance".into(),
            service_type: "image".into(),
            description: "OpenStack Image".into(),
        }
    }

    fn endpoints_spec() -> EndpointsSpec {
        EndpointsSpec {
            auth_url: "http://controller:5000/v3".into(),
            service_type: "image".into(),
            region: "RegionOne".into(),
            endpoints: Interface::ALL
                .map(|interface| EndpointSpec {
                    interface,
                    url: "http://controller:9292".into(),
                })
                .to_vec(),
        }
    }

    /// The endpoints task's error when `openstack` exits 0 but creates
    /// nothing (the run screen's tests show it).
    pub(crate) fn endpoints_left_missing() -> TaskError {
        let keystone = FakeKeystone::default();
        run_on(service, &service_spec(), &keystone, None).unwrap();
        keystone.endpoint_fixes_ignored.set(true);
        run_on(endpoints, &endpoints_spec(), &keystone, None).unwrap_err()
    }

    type Runner<S> = fn(&S, &mut TaskContext<'_>, &dyn Keystone) -> Result<TaskOutputs, TaskError>;

    fn run_on<S>(
        runner: Runner<S>,
        spec: &S,
        keystone: &FakeKeystone,
        previous: Option<&TaskOutputs>,
    ) -> Result<TaskOutputs, TaskError> {
        in_ctx(previous, false, |ctx| runner(spec, ctx, keystone)).0
    }

    /// Runs `runner` on an empty Keystone, then again on what it left, with
    /// and without the first run's record: the second and third runs
    /// change nothing; what the first made stays created only with its
    /// record. Returns the three outputs.
    fn twice<S>(runner: Runner<S>, spec: &S, keystone: &FakeKeystone) -> [TaskOutputs; 3] {
        let first = run_on(runner, spec, keystone, None).unwrap();
        let (left, changes) = (keystone.state.borrow().clone(), keystone.changes.get());
        assert!(changes > 0, "the first run changed nothing");
        let again = run_on(runner, spec, keystone, Some(&first)).unwrap();
        let unrecorded = run_on(runner, spec, keystone, None).unwrap();
        assert_eq!(*keystone.state.borrow(), left);
        assert_eq!(keystone.changes.get(), changes, "a rerun changed something");
        [first, again, unrecorded]
    }

    #[test]
    fn the_user_is_created_then_found() {
        let keystone = FakeKeystone::default();
        assert!(probe_user(&user_spec(), &keystone).is_err());
        let [first, again, unrecorded] = twice(user, &user_spec(), &keystone);
        let id = keystone.state.borrow().users[0].0.clone();
        let object = |origin| {
            TaskOutputs::User(ObjectOutput {
                id: id.clone(),
                origin,
                name: Some("glance".into()),
            })
        };
        assert_eq!(first, object(Origin::Created));
        assert_eq!(again, object(Origin::Created));
        assert_eq!(unrecorded, object(Origin::Found));
        assert!(probe_user(&user_spec(), &keystone).is_ok());
    }

    /// A password changed behind the wizard's back is set again; the user
    /// is found, not created.
    #[test]
    fn a_changed_password_is_set_again() {
        let keystone = FakeKeystone::default();
        let first = run_on(user, &user_spec(), &keystone, None).unwrap();
        keystone.state.borrow_mut().users[0].3 = "changed".into();
        let probed = probe_user(&user_spec(), &keystone).unwrap_err().english();
        assert!(probed.contains("HTTP 401"), "{probed}");
        assert_eq!(
            run_on(user, &user_spec(), &keystone, Some(&first)).unwrap(),
            first
        );
        assert_eq!(keystone.state.borrow().users[0].3, "svc-password");
        assert_eq!(keystone.state.borrow().users.len(), 1);
    }

    #[test]
    fn the_role_is_assigned_then_found() {
        let keystone = FakeKeystone::default();
        run_on(user, &user_spec(), &keystone, None).unwrap();
        let error = probe_role(&role_spec(), &keystone).unwrap_err().english();
        assert!(error.contains("no longer true"), "{error}");
        let [first, again, unrecorded] = twice(role, &role_spec(), &keystone);
        let user_id = keystone.state.borrow().users[0].0.clone();
        let project = keystone
            .state
            .borrow()
            .projects
            .iter()
            .find(|p| p.1 == "service")
            .map(|p| p.0.clone())
            .unwrap();
        let role_output = |origin| TaskOutputs::Role {
            origin,
            user_id: Some(user_id.clone()),
            project: Some(ProjectRef {
                id: project.clone(),
                name: "service".into(),
            }),
        };
        assert_eq!(first, role_output(Origin::Created));
        assert_eq!(again, role_output(Origin::Created));
        assert_eq!(unrecorded, role_output(Origin::Found));
        assert!(probe_role(&role_spec(), &keystone).is_ok());
        // Without the user's login the probe cannot tell.
        keystone.state.borrow_mut().users[0].3 = "changed".into();
        let error = probe_role(&role_spec(), &keystone).unwrap_err().english();
        assert!(error.contains("cannot check"), "{error}");
    }

    /// A changed `[keystone] service_project`: the role is given on the new
    /// project, and the assignment the wizard made on the old one is taken
    /// back (the plan says so first); one made by hand there would stay.
    #[test]
    fn a_changed_project_moves_the_role_the_wizard_gave() {
        let keystone = FakeKeystone::default();
        run_on(user, &user_spec(), &keystone, None).unwrap();
        let first = run_on(role, &role_spec(), &keystone, None).unwrap();
        keystone.state.borrow_mut().projects.push((
            "p-other".into(),
            "other".into(),
            "default".into(),
        ));
        let mut moved_spec = role_spec();
        moved_spec.login.project = "other".into();
        let planned = first.left_behind(&crate::plan::TaskKind::IdentityRole(moved_spec.clone()));
        assert_eq!(planned.len(), 1, "{planned:?}");
        assert!(
            planned[0]
                .to_string()
                .starts_with("removes the role it gave on project service (p-service)"),
            "{}",
            planned[0]
        );
        let moved = run_on(role, &moved_spec, &keystone, Some(&first)).unwrap();
        let projects: Vec<String> = keystone
            .state
            .borrow()
            .assignments
            .iter()
            .map(|a| a.1.clone())
            .collect();
        assert_eq!(projects, ["p-other"]);
        assert!(
            moved
                .left_behind(&crate::plan::TaskKind::IdentityRole(moved_spec))
                .is_empty()
        );
        // Found on the old project (not recorded as created): it stays.
        let found = TaskOutputs::Role {
            origin: Origin::Found,
            user_id: None,
            project: Some(ProjectRef {
                id: "p-service".into(),
                name: "service".into(),
            }),
        };
        assert!(
            found
                .left_behind(&crate::plan::TaskKind::IdentityRole(role_spec()))
                .is_empty()
        );
    }

    #[test]
    fn the_service_is_created_then_found() {
        let keystone = FakeKeystone::default();
        let [first, again, unrecorded] = twice(service, &service_spec(), &keystone);
        let id = keystone.state.borrow().services[0].0.clone();
        let object = |origin| {
            TaskOutputs::Service(ObjectOutput {
                id: id.clone(),
                origin,
                name: None,
            })
        };
        assert_eq!(first, object(Origin::Created));
        assert_eq!(again, object(Origin::Created));
        assert_eq!(unrecorded, object(Origin::Found));
        let (probed, _) = in_ctx(Some(&first), false, |ctx| {
            probe_service(&service_spec(), ctx, &keystone.catalog())
        });
        assert!(probed.is_ok(), "{probed:?}");
        // A second image service: the task cannot tell which one is meant.
        keystone
            .state
            .borrow_mut()
            .services
            .push(("s-other".into(), "image".into()));
        let error = run_on(service, &service_spec(), &keystone, None).unwrap_err();
        assert_eq!(error.class, ErrorClass::Fatal);
        assert!(
            error.message.english().contains("openstack service delete"),
            "{}",
            error.message.english()
        );
        let (probed, _) = in_ctx(Some(&first), false, |ctx| {
            probe_service(&service_spec(), ctx, &keystone.catalog())
        });
        assert_eq!(
            probed.map_err(|m| m.english()),
            Err("the catalog has 2 image services".into())
        );
    }

    fn endpoint_outputs(keystone: &FakeKeystone, origin: Origin) -> TaskOutputs {
        let state = keystone.state.borrow();
        TaskOutputs::Endpoints {
            endpoints: state
                .endpoints
                .iter()
                .map(|(_, e)| EndpointOutput {
                    interface: serde_json::from_value(e.interface.clone().into()).unwrap(),
                    id: e.id.clone(),
                    origin,
                    previous_url: None,
                    region: Some(e.region.clone()),
                })
                .collect(),
        }
    }

    #[test]
    fn the_endpoints_are_created_then_found() {
        let keystone = FakeKeystone::default();
        let error = run_on(endpoints, &endpoints_spec(), &keystone, None).unwrap_err();
        assert!(
            error
                .message
                .english()
                .contains("run identity.service first"),
            "{}",
            error.message.english()
        );
        run_on(service, &service_spec(), &keystone, None).unwrap();
        let probed = probe_endpoints_task(&endpoints_spec(), &keystone.catalog())
            .unwrap_err()
            .english();
        assert_eq!(probed, "the public image endpoint is missing");
        let [first, again, unrecorded] = twice(endpoints, &endpoints_spec(), &keystone);
        assert_eq!(first, endpoint_outputs(&keystone, Origin::Created));
        assert_eq!(again, first);
        assert_eq!(unrecorded, endpoint_outputs(&keystone, Origin::Found));
        assert!(probe_endpoints_task(&endpoints_spec(), &keystone.catalog()).is_ok());
    }

    /// An endpoint found pointing elsewhere is pointed at the answers' URL
    /// and recorded as found, with its earlier URL; a deleted one is made
    /// again.
    #[test]
    fn a_wrong_or_missing_endpoint_is_repaired() {
        let keystone = FakeKeystone::default();
        run_on(service, &service_spec(), &keystone, None).unwrap();
        let first = run_on(endpoints, &endpoints_spec(), &keystone, None).unwrap();
        {
            let mut state = keystone.state.borrow_mut();
            state.endpoints[0].1.url = "http://elsewhere:9292".into();
            state.endpoints.remove(1);
        }
        let probed = probe_endpoints_task(&endpoints_spec(), &keystone.catalog())
            .unwrap_err()
            .english();
        assert_eq!(probed, "the public image endpoint points elsewhere");
        let TaskOutputs::Endpoints { endpoints: after } =
            run_on(endpoints, &endpoints_spec(), &keystone, None).unwrap()
        else {
            panic!("not endpoints");
        };
        let TaskOutputs::Endpoints { endpoints: before } = first else {
            panic!("not endpoints");
        };
        assert_eq!(after[0].id, before[0].id);
        assert_eq!(after[0].origin, Origin::Found);
        assert_eq!(
            after[0].previous_url.as_deref(),
            Some("http://elsewhere:9292")
        );
        assert_ne!(after[1].id, before[1].id);
        assert_eq!(after[1].origin, Origin::Created);
        assert!(probe_endpoints_task(&endpoints_spec(), &keystone.catalog()).is_ok());
    }

    fn endpoints_in(keystone: &FakeKeystone) -> Vec<(String, String, String)> {
        let state = keystone.state.borrow();
        let all = state
            .endpoints
            .iter()
            .map(|(_, e)| (e.id.clone(), e.interface.clone(), e.region.clone()));
        all.collect()
    }

    /// A changed region moves the endpoints the task created (their ids
    /// stay) instead of adding three more; the plan says so from the record.
    #[test]
    fn a_changed_region_moves_the_endpoints_it_created() {
        let keystone = FakeKeystone::default();
        run_on(service, &service_spec(), &keystone, None).unwrap();
        let first = run_on(endpoints, &endpoints_spec(), &keystone, None).unwrap();
        let before = endpoints_in(&keystone);
        let two = EndpointsSpec {
            region: "RegionTwo".into(),
            ..endpoints_spec()
        };
        let kind = crate::plan::TaskKind::IdentityEndpoints(two.clone());
        let planned = first.left_behind(&kind);
        assert_eq!(planned.len(), 3, "{planned:?}");
        assert!(
            planned[0]
                .to_string()
                .contains("in RegionOne (e-2) to RegionTwo"),
            "{}",
            planned[0]
        );
        let moved = run_on(endpoints, &two, &keystone, Some(&first)).unwrap();
        let after = endpoints_in(&keystone);
        assert_eq!(after.len(), 3, "{after:?}");
        for ((id, interface, region), (was, was_interface, _)) in after.iter().zip(&before) {
            assert_eq!(
                (id, interface, region.as_str()),
                (was, was_interface, "RegionTwo")
            );
        }
        let TaskOutputs::Endpoints {
            endpoints: recorded,
        } = &moved
        else {
            panic!("not endpoints");
        };
        assert!(recorded.iter().all(|e| e.origin.created()));
        assert!(moved.left_behind(&kind).is_empty());
        assert!(probe_endpoints_task(&two, &keystone.catalog()).is_ok());
    }

    /// Where the new region has an endpoint already (made by hand), the one
    /// the task created in the old region is deleted, not moved: one set.
    #[test]
    fn an_endpoint_the_new_region_has_already_is_not_doubled() {
        let keystone = FakeKeystone::default();
        run_on(service, &service_spec(), &keystone, None).unwrap();
        let first = run_on(endpoints, &endpoints_spec(), &keystone, None).unwrap();
        let by_hand = Endpoint {
            id: "e-by-hand".into(),
            interface: "public".into(),
            region: "RegionTwo".into(),
            url: "http://controller:9292".into(),
        };
        keystone
            .state
            .borrow_mut()
            .endpoints
            .push(("s-1".into(), by_hand));
        let two = EndpointsSpec {
            region: "RegionTwo".into(),
            ..endpoints_spec()
        };
        let moved = run_on(endpoints, &two, &keystone, Some(&first)).unwrap();
        let after = endpoints_in(&keystone);
        assert_eq!(after.len(), 3, "{after:?}");
        assert!(after.iter().all(|(_, _, region)| region == "RegionTwo"));
        let TaskOutputs::Endpoints {
            endpoints: recorded,
        } = &moved
        else {
            panic!("not endpoints");
        };
        let public = recorded
            .iter()
            .find(|e| e.interface == Interface::Public)
            .unwrap();
        assert_eq!(
            (public.id.as_str(), public.origin),
            ("e-by-hand", Origin::Found)
        );
    }

    /// A renamed service user is the one the task created, renamed: its id
    /// and role assignment stay, its password logs in under the new name.
    #[test]
    fn a_renamed_service_user_is_the_created_one_renamed() {
        let keystone = FakeKeystone::default();
        let first = run_on(user, &user_spec(), &keystone, None).unwrap();
        run_on(role, &role_spec(), &keystone, None).unwrap();
        let mut renamed = user_spec();
        renamed.login.user = "glance2".into();
        let kind = crate::plan::TaskKind::IdentityUser(renamed.clone());
        assert_eq!(first.left_behind(&kind).len(), 1);
        let again = run_on(user, &renamed, &keystone, Some(&first)).unwrap();
        let state = keystone.state.borrow().clone();
        assert_eq!(state.users.len(), 1, "{:?}", state.users);
        assert_eq!(state.users[0].1, "glance2");
        let TaskOutputs::User(before) = &first else {
            panic!("not a user");
        };
        assert_eq!(
            again,
            TaskOutputs::User(ObjectOutput {
                id: before.id.clone(),
                origin: Origin::Created,
                name: Some("glance2".into()),
            })
        );
        assert!(keystone.password_login(&renamed.login).is_ok());
        let role_now = RoleSpec {
            login: renamed.login.clone(),
            role: "admin".into(),
        };
        let ids = RoleIds::of(&role_now, &keystone).unwrap();
        assert!(ids.assigned(&keystone).unwrap());
    }

    /// A user of the new name that exists already is used, and the one the
    /// task created under the old name goes; a user it found stays.
    #[test]
    fn a_rename_to_an_existing_user_takes_back_the_created_one() {
        let keystone = FakeKeystone::default();
        let first = run_on(user, &user_spec(), &keystone, None).unwrap();
        keystone.state.borrow_mut().users.push((
            "u-by-hand".into(),
            "glance2".into(),
            "default".into(),
            String::new(),
        ));
        let role_first = run_on(role, &role_spec(), &keystone, None).unwrap();
        let by_hand_admin = (
            "u-by-hand".to_string(),
            "p-service".to_string(),
            "r-admin".to_string(),
        );
        keystone
            .state
            .borrow_mut()
            .assignments
            .insert(by_hand_admin);
        let mut renamed = user_spec();
        renamed.login.user = "glance2".into();
        let again = run_on(user, &renamed, &keystone, Some(&first)).unwrap();
        // The role glance2 has was given by hand: not the wizard's (undo
        // would take it from a user it did not create).
        let role_spec2 = RoleSpec {
            login: renamed.login.clone(),
            role: "admin".into(),
        };
        let role_again = run_on(role, &role_spec2, &keystone, Some(&role_first)).unwrap();
        assert!(
            matches!(
                role_again,
                TaskOutputs::Role {
                    origin: Origin::Found,
                    ..
                }
            ),
            "{role_again:?}"
        );
        let names = || -> Vec<String> {
            let state = keystone.state.borrow();
            state.users.iter().map(|u| u.1.clone()).collect()
        };
        assert_eq!(names(), ["glance2"]);
        assert!(
            matches!(&again, TaskOutputs::User(o) if o.id == "u-by-hand" && o.origin == Origin::Found)
        );
        // Back to the first name: glance2 was found, so it stays.
        run_on(user, &user_spec(), &keystone, Some(&again)).unwrap();
        assert_eq!(names(), ["glance2", "glance"]);
    }

    /// The CLI batch exits 0 whatever its commands did: the listing after
    /// it is what counts.
    #[test]
    fn endpoints_the_batch_did_not_make_are_an_error() {
        let error = endpoints_left_missing();
        assert_eq!(error.class, ErrorClass::Fatal);
        assert!(
            error
                .message
                .english()
                .contains("is still missing after `openstack` ran"),
            "{}",
            error.message.english()
        );
    }

    /// Each Keystone failure keeps its class: an unreachable Keystone is
    /// retried, a refusal stops, and neither creates anything.
    #[test]
    fn keystone_errors_keep_their_class() {
        let cases = [
            (
                KeystoneOp::List,
                TaskError::transient("cannot reach Keystone"),
            ),
            (
                KeystoneOp::CreateUser,
                TaskError::fatal("`openstack user create` failed"),
            ),
            (
                KeystoneOp::SetPassword,
                TaskError::fatal("Keystone refused the password change (HTTP 403)"),
            ),
            (
                KeystoneOp::AddRole,
                TaskError::needs_user("the proxy refuses"),
            ),
            (KeystoneOp::CreateService, TaskError::transient("HTTP 503")),
            (
                KeystoneOp::FixEndpoints,
                TaskError::fatal("`openstack` failed"),
            ),
        ];
        for (op, injected) in cases {
            let keystone = FakeKeystone::default();
            if matches!(op, KeystoneOp::AddRole) {
                run_on(user, &user_spec(), &keystone, None).unwrap();
            }
            if matches!(op, KeystoneOp::FixEndpoints) {
                run_on(service, &service_spec(), &keystone, None).unwrap();
            }
            keystone.fail(op, injected.clone());
            let changes = keystone.changes.get();
            let error = match op {
                KeystoneOp::List | KeystoneOp::CreateUser | KeystoneOp::SetPassword => {
                    run_on(user, &user_spec(), &keystone, None)
                }
                KeystoneOp::AddRole => run_on(role, &role_spec(), &keystone, None),
                KeystoneOp::CreateService => run_on(service, &service_spec(), &keystone, None),
                KeystoneOp::FixEndpoints => run_on(endpoints, &endpoints_spec(), &keystone, None),
                // Undo's (src/undo/tests.rs).
                KeystoneOp::Delete | KeystoneOp::SetEndpoint | KeystoneOp::RenameUser => {
                    unreachable!("not in the cases")
                }
            }
            .unwrap_err();
            assert_eq!(error, injected, "{op:?}");
            if !matches!(op, KeystoneOp::SetPassword) {
                assert_eq!(keystone.changes.get(), changes, "{op:?}");
            }
        }
    }

    /// The probes read the catalog with the admin token: an unreachable
    /// Keystone is an answer, not a panic.
    #[test]
    fn probes_report_an_unreachable_keystone() {
        let keystone = FakeKeystone::default();
        keystone.fail(
            KeystoneOp::List,
            TaskError::transient("cannot reach Keystone at x"),
        );
        let probed = probe_endpoints_task(&endpoints_spec(), &keystone.catalog())
            .unwrap_err()
            .english();
        assert!(probed.contains("cannot reach Keystone"), "{probed}");
    }
}
