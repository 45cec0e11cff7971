//! Identity tasks through the `openstack` CLI, each probing first so that a
//! rerun never creates a duplicate. The one secret-bearing call (the glance
//! user's password) goes to Keystone's API directly: the CLI would need the
//! password in argv (`--password`) or a terminal (`--password-prompt`).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Outputs, TaskContext, json_str, openstack_batch, openstack_json, openstack_plain};
use crate::answers::AdminCredentials;
use crate::engine::TaskError;
use crate::plan::commands;
use crate::secret::Secret;

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

/// Password authentication; returns the token. `project` scopes the token.
pub fn issue_token(
    auth_url: &str,
    user: &str,
    user_domain: &str,
    password: &Secret,
    project: Option<(&str, &str)>,
) -> Result<String, String> {
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
) -> Result<(String, Value), String> {
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
        .map_err(|e| format!("cannot reach Keystone at {url}: {e}"))?;
    let status = response.status().as_u16();
    let token = response
        .headers()
        .get("X-Subject-Token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = response.body_mut().read_to_string().unwrap_or_default();
    if status != 201 {
        return Err(format!(
            "Keystone answered HTTP {status} at {url}: {}",
            text.trim()
        ));
    }
    let token = token.ok_or_else(|| "Keystone gave no X-Subject-Token".to_string())?;
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
pub fn admin_token(admin: &AdminCredentials) -> Result<String, String> {
    admin_token_from(admin, true)
}

/// A new admin token, always asked of Keystone (the precheck: it must
/// prove the credentials work now), then reused by [`admin_token`].
pub fn fresh_admin_token(admin: &AdminCredentials) -> Result<String, String> {
    admin_token_from(admin, false)
}

fn admin_token_from(admin: &AdminCredentials, reuse: bool) -> Result<String, String> {
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
        let token = admin_token(admin).map_err(TaskError::transient)?;
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
        let mut url = url::Url::parse(&format!("{}/{path}", self.base))
            .map_err(|e| TaskError::fatal(format!("Keystone URL {}: {e}", self.base)))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut response = self
            .agent
            .get(url.as_str())
            .header("X-Auth-Token", &self.token)
            .call()
            .map_err(|e| TaskError::transient(format!("cannot reach Keystone at {url}: {e}")))?;
        match response.status().as_u16() {
            200 => {
                let text = response.body_mut().read_to_string().map_err(|e| {
                    TaskError::transient(format!("Keystone's answer to {url}: {e}"))
                })?;
                serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| TaskError::fatal(format!("Keystone's answer to {url}: {e}")))
            }
            404 => Ok(None),
            status => {
                let text = response.body_mut().read_to_string().unwrap_or_default();
                Err(TaskError::fatal(format!(
                    "Keystone answered HTTP {status} to GET {url}: {}",
                    text.trim()
                )))
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
            _ => Err(TaskError::fatal(format!(
                "Keystone has no domain with the id or name {id_or_name}"
            ))),
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
            many => Err(TaskError::fatal(format!(
                "Keystone has {} {collection} named {name}; the CLI cannot tell them apart",
                many.len()
            ))),
        }
    }

    pub fn user_id(&self, name: &str, domain_id: &str) -> Result<Option<String>, TaskError> {
        self.one_named("users", name, Some(domain_id))
    }

    /// Services of type `image`, as (id, name).
    pub fn image_services(&self) -> Result<Vec<String>, TaskError> {
        Ok(self
            .list("services", &[("type", "image")])?
            .iter()
            .map(|s| json_str(s, "id").to_string())
            .collect())
    }
}

pub fn user(ctx: &mut TaskContext<'_>) -> Result<Outputs, TaskError> {
    let k = &ctx.settings.keystone;
    let domain = ctx.profile.release.domain_name.clone();
    let api = KeystoneApi::connect(&k.admin)?;
    let domain_id = api.domain_id(&domain)?;
    let mut created_now = false;
    let user_id = match api.user_id(&k.service_user, &domain_id)? {
        Some(id) => {
            ctx.say(format!("user {} exists already: {id}", k.service_user));
            id
        }
        None => {
            // --or-show: a user created meanwhile by someone else is found,
            // not duplicated.
            let created = openstack_json(ctx, commands::user_create(&domain, &k.service_user))?;
            let id = json_str(&created, "id").to_string();
            if id.is_empty() {
                return Err(TaskError::fatal("`openstack user create` returned no id"));
            }
            ctx.say(format!("user {} has id {id}", k.service_user));
            created_now = true;
            id
        }
    };
    let glance_login = || {
        issue_token(
            k.admin.auth_url(),
            &k.service_user,
            &domain,
            &k.service_password,
            None,
        )
    };
    // Is the password already the one in the answers? (A user this run
    // created has none, or, created meanwhile by someone else and shown by
    // --or-show, gets the answers' one anyway: no need to ask Keystone.)
    if !created_now && glance_login().is_ok() {
        ctx.say("its password is already the one in the answers");
    } else {
        let url = format!("{}/users/{user_id}", v3_base(k.admin.auth_url()));
        ctx.say(format!("setting its password: PATCH {url}"));
        let body =
            serde_json::json!({"user": {"password": k.service_password.expose()}}).to_string();
        let mut response = direct_agent(Duration::from_secs(30))
            .patch(&url)
            .header("Content-Type", "application/json")
            .header("X-Auth-Token", &api.token)
            .send(body)
            .map_err(|e| TaskError::transient(format!("cannot reach Keystone: {e}")))?;
        let status = response.status().as_u16();
        if status != 200 {
            let text = response.body_mut().read_to_string().unwrap_or_default();
            return Err(TaskError::fatal(format!(
                "Keystone refused the password change (HTTP {status}): {}",
                ctx.redactor.redact(text.trim())
            )));
        }
        glance_login()
            .map_err(|e| TaskError::fatal(format!("the new password does not log in: {e}")))?;
        ctx.say("password set; the user logs in with it");
    }
    Ok(Outputs::from([("user_id".to_string(), user_id)]))
}

/// Whether the glance user has the admin role on the service project,
/// probed: `role add` would say nothing either way.
fn role_assigned(ctx: &TaskContext<'_>) -> Result<bool, TaskError> {
    let k = &ctx.settings.keystone;
    let api = KeystoneApi::connect(&k.admin)?;
    let domain_id = api.domain_id(&ctx.profile.release.domain_name)?;
    let user = api.user_id(&k.service_user, &domain_id)?;
    let project = api.one_named("projects", &k.service_project, Some(&domain_id))?;
    let role = api.one_named("roles", "admin", None)?;
    let (Some(user), Some(project), Some(role)) = (&user, &project, &role) else {
        return Ok(false);
    };
    let assigned = api.list(
        "role_assignments",
        &[
            ("user.id", user),
            ("scope.project.id", project),
            ("role.id", role),
        ],
    )?;
    Ok(!assigned.is_empty())
}

pub fn role(ctx: &mut TaskContext<'_>) -> Result<Outputs, TaskError> {
    let k = &ctx.settings.keystone;
    if role_assigned(ctx)? {
        ctx.say(format!(
            "{} has the admin role on project {} already",
            k.service_user, k.service_project
        ));
        return Ok(Outputs::new());
    }
    // `role add` of an existing assignment exits 0 silently.
    openstack_plain(ctx, commands::role_add(&k.service_project, &k.service_user))?;
    Ok(Outputs::new())
}

pub fn service(ctx: &mut TaskContext<'_>) -> Result<Outputs, TaskError> {
    let api = KeystoneApi::connect(&ctx.settings.keystone.admin)?;
    let images = api.image_services()?;
    let id = match images.as_slice() {
        [] => {
            let created = openstack_json(ctx, commands::service_create())?;
            let id = json_str(&created, "id").to_string();
            ctx.say(format!("created the image service {id}"));
            id
        }
        [one] => {
            ctx.say(format!("the image service exists already: {one}"));
            one.clone()
        }
        many => {
            return Err(TaskError::fatal(format!(
                "Keystone has {} services of type image ({}); clients then fail with \"Multiple service matches found\". Delete the extra ones with `openstack service delete ID` and run again",
                many.len(),
                many.join(", ")
            )));
        }
    };
    Ok(Outputs::from([("service_id".to_string(), id)]))
}

pub fn endpoints(ctx: &mut TaskContext<'_>) -> Result<Outputs, TaskError> {
    let settings = ctx.settings;
    let region = &settings.keystone.region;
    let api = KeystoneApi::connect(&settings.keystone.admin)?;
    let service_id = match api.image_services()?.as_slice() {
        [one] => one.clone(),
        other => {
            return Err(TaskError::fatal(format!(
                "expected one service of type image, Keystone has {}: run identity.service first",
                other.len()
            )));
        }
    };
    let probe = probe_endpoints(settings, &api, &service_id)?;
    for (interface, id) in &probe.right {
        ctx.say(format!("the {interface} endpoint exists already: {id}"));
    }
    if probe.fixes.is_empty() {
        return Ok(probe.outputs());
    }
    // What is missing or wrong, fixed by one `openstack` process.
    let commands: Vec<Vec<String>> = probe
        .fixes
        .iter()
        .map(|fix| match &fix.existing {
            None => commands::endpoint_create(region, fix.interface, fix.url),
            Some(id) => commands::endpoint_set_url(id, fix.url),
        })
        .collect();
    let result = openstack_batch(ctx, &commands)?;
    // The batch's exit status says nothing about its commands: Keystone does.
    let after = probe_endpoints(settings, &api, &service_id)?;
    if let Some(fix) = after.fixes.first() {
        return Err(TaskError::fatal(format!(
            "the {} endpoint is still {} after `openstack` ran: {}",
            fix.interface,
            if fix.existing.is_some() {
                "pointing elsewhere"
            } else {
                "missing"
            },
            result.tail(3)
        )));
    }
    for fix in &probe.fixes {
        let what = if fix.existing.is_some() {
            "updated"
        } else {
            "created"
        };
        ctx.say(format!(
            "{what} the {} endpoint → {}",
            fix.interface, fix.url
        ));
    }
    Ok(after.outputs())
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
    answer: Result<Value, String>,
}

static GLANCE_VIEW: Mutex<Option<GlanceView>> = Mutex::new(None);

/// The probes of one run start together: an answer younger than this is
/// theirs, an older one is another run's and is asked again.
const VIEW_REUSE: Duration = Duration::from_secs(3);

/// The glance user's project-scoped token body (see [`GlanceView`]).
pub fn glance_user_view(ctx: &TaskContext<'_>) -> Result<Value, String> {
    glance_user_view_for(ctx.settings, &ctx.profile.release.domain_name)
}

/// [`glance_user_view`] from the settings: `apply` asks it while the
/// prechecks run, so that its password check (a bcrypt hash in Keystone)
/// overlaps theirs instead of following it.
pub fn glance_user_view_for(
    settings: &crate::answers::Settings,
    domain: &str,
) -> Result<Value, String> {
    let k = &settings.keystone;
    let key = ViewKey {
        auth_url: k.admin.auth_url().to_string(),
        user: k.service_user.to_string(),
        domain: domain.to_string(),
        project: k.service_project.to_string(),
        password: k.service_password.clone(),
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
        format!(
            "{} cannot log in to Keystone on project {}: {e}",
            key.user, key.project
        )
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
pub fn probe_user(ctx: &mut TaskContext<'_>) -> Result<String, String> {
    glance_user_view(ctx)?;
    Ok(format!(
        "{} logs in to Keystone with its password",
        ctx.settings.keystone.service_user
    ))
}

/// The role task's probe: the glance user's token on the service project
/// carries the admin role.
pub fn probe_role(ctx: &mut TaskContext<'_>) -> Result<String, String> {
    let k = &ctx.settings.keystone;
    let view = glance_user_view(ctx).map_err(cannot_check)?;
    let what = format!(
        "{} has the admin role on project {}",
        k.service_user, k.service_project
    );
    let roles = view["token"]["roles"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if roles.iter().any(|r| json_str(r, "name") == "admin") {
        Ok(what)
    } else {
        Err(format!("it is no longer true that {what}"))
    }
}

/// A probe that needs the glance user's view cannot tell without it.
fn cannot_check(e: String) -> String {
    format!("cannot check without the glance user's token ({e})")
}

/// The image services in the catalog, read with the admin token: not
/// with the glance user's, whose password may be the one changing in this
/// run (the service and its endpoints do not depend on it).
fn catalog_image_services(ctx: &TaskContext<'_>) -> Result<Vec<Value>, String> {
    let api = KeystoneApi::connect(&ctx.settings.keystone.admin).map_err(|e| e.message)?;
    let catalog = api.catalog().map_err(|e| e.message)?;
    Ok(catalog
        .into_iter()
        .filter(|s| json_str(s, "type") == "image")
        .collect())
}

/// The service task's probe: one service of type image in the catalog,
/// the one the task made or found.
pub fn probe_service(ctx: &mut TaskContext<'_>) -> Result<String, String> {
    let images = catalog_image_services(ctx)?;
    let recorded = ctx.previous_outputs.get("service_id");
    match images.as_slice() {
        [one] if recorded.is_none_or(|r| r == json_str(one, "id")) => Ok(format!(
            "the image service {} is in the catalog",
            json_str(one, "id")
        )),
        [_] => Err("the image service is not the one recorded".to_string()),
        [] => Err("the catalog has no image service".to_string()),
        many => Err(format!("the catalog has {} image services", many.len())),
    }
}

/// The endpoints task's probe: the image service's endpoints in the
/// catalog, one per interface in the region, at the answers' URLs.
pub fn probe_endpoints_task(ctx: &mut TaskContext<'_>) -> Result<String, String> {
    let region = &ctx.settings.keystone.region;
    let images = catalog_image_services(ctx)?;
    let [service] = images.as_slice() else {
        return Err(format!("the catalog has {} image services", images.len()));
    };
    let endpoints = service["endpoints"].as_array().cloned().unwrap_or_default();
    for (interface, url) in ctx.settings.endpoints.by_interface() {
        let found: Vec<&Value> = endpoints
            .iter()
            .filter(|e| {
                json_str(e, "interface") == interface
                    && (json_str(e, "region_id") == region || json_str(e, "region") == region)
            })
            .collect();
        match found.as_slice() {
            [] => return Err(format!("the {interface} image endpoint is missing")),
            // The same rule as the task's own probe: the URL as answered.
            [one] if json_str(one, "url") == url => {}
            [_] => return Err(format!("the {interface} image endpoint points elsewhere")),
            many => {
                return Err(format!(
                    "region {region} has {} {interface} image endpoints",
                    many.len()
                ));
            }
        }
    }
    Ok("the public, internal and admin image endpoints are as answered".to_string())
}

/// An endpoint to create (`existing` None) or to point at `url`.
struct EndpointFix<'s> {
    interface: &'s str,
    url: &'s str,
    existing: Option<String>,
}

/// The image endpoints of the region against the answers, from one listing.
struct EndpointProbe<'s> {
    /// (interface, id) of the endpoints that are as answered.
    right: Vec<(&'s str, String)>,
    fixes: Vec<EndpointFix<'s>>,
}

impl EndpointProbe<'_> {
    /// The task's outputs: the id of each endpoint that is right.
    fn outputs(&self) -> Outputs {
        self.right
            .iter()
            .map(|(interface, id)| (format!("endpoint_{interface}_id"), id.clone()))
            .collect()
    }
}

/// Lists the image endpoints of the region once and compares them with
/// the answers; an interface with several endpoints is an error (the CLI
/// cannot tell which one is meant).
fn probe_endpoints<'s>(
    settings: &'s crate::answers::Settings,
    api: &KeystoneApi,
    service_id: &str,
) -> Result<EndpointProbe<'s>, TaskError> {
    let region = &settings.keystone.region;
    let all = api.list(
        "endpoints",
        &[("service_id", service_id), ("region_id", region)],
    )?;
    let mut probe = EndpointProbe {
        right: Vec::new(),
        fixes: Vec::new(),
    };
    for (interface, url) in settings.endpoints.by_interface() {
        let found: Vec<&Value> = all
            .iter()
            .filter(|e| json_str(e, "interface") == interface)
            .collect();
        match found.as_slice() {
            [] => probe.fixes.push(EndpointFix {
                interface,
                url,
                existing: None,
            }),
            [one] => {
                let id = json_str(one, "id").to_string();
                if json_str(one, "url") == url {
                    probe.right.push((interface, id));
                } else {
                    probe.fixes.push(EndpointFix {
                        interface,
                        url,
                        existing: Some(id),
                    });
                }
            }
            many => {
                let ids: Vec<&str> = many.iter().map(|e| json_str(e, "id")).collect();
                return Err(TaskError::fatal(format!(
                    "region {region} has {} {interface} image endpoints ({}); delete the extra ones with `openstack endpoint delete ID` and run again",
                    ids.len(),
                    ids.join(", ")
                )));
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
            origin: "test".into(),
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
