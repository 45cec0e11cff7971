//! Password logins to Keystone, and the admin token a run reuses.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::super::json_str;
use super::client::{direct_agent, v3_base};
use crate::answers::AdminCredentials;
use crate::engine::{ErrorClass, TaskError};
use crate::i18n::Message;
use crate::util::secret::Secret;

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
pub(super) fn token_env(admin: &AdminCredentials, token: String) -> Vec<(String, String)> {
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
