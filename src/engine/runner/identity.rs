//! Identity tasks through the `openstack` CLI, each probing first so that a
//! rerun never creates a duplicate. The one secret-bearing call (the glance
//! user's password) goes to Keystone's API directly: the CLI would need the
//! password in argv (`--password`) or a terminal (`--password-prompt`).

use std::time::Duration;

use super::{Outputs, TaskContext, json_str, openstack_json, openstack_plain};
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
    if status != 201 {
        let text = response.body_mut().read_to_string().unwrap_or_default();
        return Err(format!(
            "Keystone answered HTTP {status} at {url}: {}",
            text.trim()
        ));
    }
    response
        .headers()
        .get("X-Subject-Token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .ok_or_else(|| "Keystone gave no X-Subject-Token".to_string())
}

/// A project-scoped admin token from the admin credentials.
pub fn admin_token(admin: &AdminCredentials) -> Result<String, String> {
    issue_token(
        admin.auth_url(),
        admin.username(),
        admin.user_domain_name(),
        &admin.password,
        Some((admin.project_name(), admin.project_domain_name())),
    )
}

pub fn user(ctx: &mut TaskContext<'_>) -> Result<Outputs, TaskError> {
    let k = &ctx.settings.keystone;
    let domain = ctx.profile.release.domain_name.clone();
    let created = openstack_json(ctx, commands::user_create(&domain, &k.service_user))?;
    let user_id = json_str(&created, "id").to_string();
    if user_id.is_empty() {
        return Err(TaskError::fatal("`openstack user create` returned no id"));
    }
    ctx.say(format!("user {} has id {user_id}", k.service_user));
    // Is the password already the one in the answers?
    let current = issue_token(
        k.admin.auth_url(),
        &k.service_user,
        &domain,
        &k.service_password,
        None,
    );
    if current.is_ok() {
        ctx.say("its password is already the one in the answers");
    } else {
        let token = admin_token(&k.admin).map_err(TaskError::fatal)?;
        let url = format!("{}/users/{user_id}", v3_base(k.admin.auth_url()));
        ctx.say(format!("setting its password: PATCH {url}"));
        let body =
            serde_json::json!({"user": {"password": k.service_password.expose()}}).to_string();
        let mut response = direct_agent(Duration::from_secs(30))
            .patch(&url)
            .header("Content-Type", "application/json")
            .header("X-Auth-Token", &token)
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
        issue_token(
            k.admin.auth_url(),
            &k.service_user,
            &domain,
            &k.service_password,
            None,
        )
        .map_err(|e| TaskError::fatal(format!("the new password does not log in: {e}")))?;
        ctx.say("password set; the user logs in with it");
    }
    Ok(Outputs::from([("user_id".to_string(), user_id)]))
}

pub fn role(ctx: &mut TaskContext<'_>) -> Result<Outputs, TaskError> {
    let k = &ctx.settings.keystone;
    // `role add` of an existing assignment exits 0 silently.
    openstack_plain(ctx, commands::role_add(&k.service_project, &k.service_user))?;
    Ok(Outputs::new())
}

pub fn service(ctx: &mut TaskContext<'_>) -> Result<Outputs, TaskError> {
    let list = openstack_json(ctx, commands::service_list())?;
    let images: Vec<&serde_json::Value> = list
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|s| json_str(s, "Type") == "image")
                .collect()
        })
        .unwrap_or_default();
    let id = match images.as_slice() {
        [] => {
            let created = openstack_json(ctx, commands::service_create())?;
            let id = json_str(&created, "id").to_string();
            ctx.say(format!("created the image service {id}"));
            id
        }
        [one] => {
            let id = json_str(one, "ID").to_string();
            ctx.say(format!("the image service exists already: {id}"));
            id
        }
        many => {
            let ids: Vec<&str> = many.iter().map(|s| json_str(s, "ID")).collect();
            return Err(TaskError::fatal(format!(
                "Keystone has {} services of type image ({}); clients then fail with \"Multiple service matches found\". Delete the extra ones with `openstack service delete ID` and run again",
                ids.len(),
                ids.join(", ")
            )));
        }
    };
    Ok(Outputs::from([("service_id".to_string(), id)]))
}

pub fn endpoints(ctx: &mut TaskContext<'_>) -> Result<Outputs, TaskError> {
    let settings = ctx.settings;
    let region = settings.keystone.region.clone();
    let mut outputs = Outputs::new();
    let list = openstack_json(ctx, commands::endpoint_list(&region))?;
    let all: Vec<serde_json::Value> = list.as_array().cloned().unwrap_or_default();
    for (interface, url) in settings.endpoints.by_interface() {
        let found: Vec<&serde_json::Value> = all
            .iter()
            .filter(|e| json_str(e, "Interface") == interface)
            .collect();
        let id = match found.as_slice() {
            [] => {
                let created =
                    openstack_json(ctx, commands::endpoint_create(&region, interface, url))?;
                let id = json_str(&created, "id").to_string();
                ctx.say(format!("created the {interface} endpoint {id} → {url}"));
                id
            }
            [one] => {
                let id = json_str(one, "ID").to_string();
                if json_str(one, "URL") != url {
                    openstack_plain(ctx, commands::endpoint_set_url(&id, url))?;
                    ctx.say(format!("updated the {interface} endpoint {id} → {url}"));
                } else {
                    ctx.say(format!(
                        "the {interface} endpoint exists already: {id} → {url}"
                    ));
                }
                id
            }
            many => {
                let ids: Vec<&str> = many.iter().map(|e| json_str(e, "ID")).collect();
                return Err(TaskError::fatal(format!(
                    "region {region} has {} {interface} image endpoints ({}); delete the extra ones with `openstack endpoint delete ID` and run again",
                    ids.len(),
                    ids.join(", ")
                )));
            }
        };
        outputs.insert(format!("endpoint_{interface}_id"), id);
    }
    Ok(outputs)
}
