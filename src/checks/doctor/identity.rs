//! `[keystone_authtoken]` against Keystone: the service user gets a token,
//! the URLs and region agree with the catalog, exactly one image service
//! with its three endpoints.

use std::time::Duration;

use serde_json::Value;

use super::config::{self, GlanceConf};
use super::{CheckId, Finding, Report, as_is};
use crate::answers::AdminCredentials;
use crate::engine::runner::identity::{admin_token, direct_agent, issue_token_with_catalog};
use crate::engine::runner::json_str;
use crate::i18n::Message;
use crate::plan::commands;

const AUTHTOKEN: &str = "keystone_authtoken";
pub const INTERFACES: [&str; 3] = ["public", "internal", "admin"];

/// An endpoint of the image service in the expected region.
pub struct Endpoint {
    pub interface: String,
    pub url: String,
}

/// Runs the identity checks; the image endpoints found (for the check
/// that they answer, made once glance-api is known to run).
pub fn check(
    conf: &GlanceConf,
    admin: Option<&AdminCredentials>,
    report: &mut Report,
) -> Vec<Endpoint> {
    let Some((token, body, auth_url)) = service_token(conf, report) else {
        return Vec::new();
    };
    let identity = catalog_endpoints(&body, "identity");
    urls_match_catalog(conf, &identity, report);
    let Some(region) = region(conf, &identity, report) else {
        return Vec::new();
    };
    // The service user has the admin role (the guide gives it): its token
    // lists services and endpoints, one password check fewer for Keystone.
    // The admin's is the fallback for a service user without that role.
    let mut keystone = Keystone::new(&auth_url, token);
    match keystone.image_service(admin, report) {
        Some(service) => endpoints(&keystone, &service, &region, report),
        None => Vec::new(),
    }
}

/// The regions of the image service's endpoints, or where there are none
/// of Keystone's own, as the service user's token's catalog lists them (for
/// `doctor --write-answers`); why not, when its token cannot be had.
pub fn catalog_regions(conf: &GlanceConf) -> Result<Vec<String>, Message> {
    let mut scratch = Report::default();
    let Some((_, body, _)) = service_token(conf, &mut scratch) else {
        let why = scratch.findings.first().map(|f| f.problem.clone());
        return Err(why.unwrap_or_else(|| Message::new("doctor_write.no_token")));
    };
    let mut endpoints = catalog_endpoints(&body, "image");
    if endpoints.is_empty() {
        endpoints = catalog_endpoints(&body, "identity");
    }
    let mut regions: Vec<String> = endpoints.into_iter().map(|(_, region, _)| region).collect();
    regions.sort_unstable();
    regions.dedup();
    Ok(regions)
}

/// The service user's token, as keystonemiddleware gets it: (token, the
/// token's body with its catalog, auth_url).
fn service_token(conf: &GlanceConf, report: &mut Report) -> Option<(String, Value, String)> {
    let get = |key: &str| conf.get(AUTHTOKEN, key);
    if let config::Value::Placeholder = conf.value(AUTHTOKEN, "password") {
        report.not_checked(
            CheckId::ServiceUser,
            Message::new("doctor_msg.password_placeholder"),
        );
        return None;
    }
    let (Some(auth_url), Some(user), Some(password)) = (
        get("auth_url"),
        get("username"),
        conf.secret(AUTHTOKEN, "password"),
    ) else {
        report.find(Finding {
            check: CheckId::ServiceUser,
            object: as_is(conf.api.at(AUTHTOKEN, "auth_url, username, password")),
            problem: Message::new("doctor_msg.credentials_unset"),
            why: Message::new("doctor_msg.credentials_unset_why"),
            fix: Message::new("doctor_msg.credentials_unset_fix"),
            apply_fixes: true,
        });
        return None;
    };
    let user_domain = get("user_domain_name").unwrap_or_else(|| "Default".into());
    let project = get("project_name").unwrap_or_else(|| "service".into());
    let project_domain = get("project_domain_name").unwrap_or_else(|| "Default".into());
    let said = Message::new("doctor_msg.service_user")
        .arg("user", &user)
        .arg("domain", &user_domain)
        .arg("project", &project)
        .arg("url", &auth_url);
    match issue_token_with_catalog(
        &auth_url,
        &user,
        &user_domain,
        &password,
        Some((&project, &project_domain)),
    ) {
        Ok((token, body)) => {
            report.pass(
                CheckId::ServiceUser,
                Message::new("doctor_msg.token_ok").msg("user", said),
            );
            Some((token, body, auth_url))
        }
        Err(e) => {
            report.find(token_finding(conf, said, &e.to_string()));
            None
        }
    }
}

/// The service user (`said`: who, where) gets no token: refused
/// (HTTP 401) or Keystone not reached.
pub(crate) fn token_finding(conf: &GlanceConf, said: Message, error: &str) -> Finding {
    let refused = error.contains("HTTP 401");
    let (key, why, fix) = if refused {
        (
            "password",
            "doctor_msg.token_refused_why",
            "doctor_msg.token_refused_fix",
        )
    } else {
        (
            "auth_url",
            "doctor_msg.token_unreachable_why",
            "doctor_msg.token_unreachable_fix",
        )
    };
    Finding {
        check: CheckId::ServiceUser,
        object: as_is(conf.api.at(AUTHTOKEN, key)),
        problem: Message::new("doctor_msg.token_failed")
            .msg("user", said)
            .arg("error", error),
        why: Message::new(why),
        fix: Message::new(fix),
        apply_fixes: true,
    }
}

/// (interface, region, url) of every endpoint of `service_type` in a
/// token's catalog.
fn catalog_endpoints(body: &Value, service_type: &str) -> Vec<(String, String, String)> {
    let services = body["token"]["catalog"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    services
        .iter()
        .filter(|s| json_str(s, "type") == service_type)
        .flat_map(|s| s["endpoints"].as_array().cloned().unwrap_or_default())
        .map(|e| {
            let region = match json_str(&e, "region_id") {
                "" => json_str(&e, "region").to_string(),
                r => r.to_string(),
            };
            (
                json_str(&e, "interface").to_string(),
                region,
                json_str(&e, "url").to_string(),
            )
        })
        .collect()
}

/// A Keystone URL compared without its version and final slash.
fn same_keystone(a: &str, b: &str) -> bool {
    let norm = |u: &str| {
        let u = u.trim().trim_end_matches('/').to_ascii_lowercase();
        u.strip_suffix("/v3").unwrap_or(&u).to_string()
    };
    norm(a) == norm(b)
}

/// www_authenticate_uri (auth_uri before Rocky) and auth_url name one of
/// Keystone's own endpoints.
fn urls_match_catalog(
    conf: &GlanceConf,
    identity: &[(String, String, String)],
    report: &mut Report,
) {
    let listed: Vec<&str> = identity.iter().map(|(_, _, u)| u.as_str()).collect();
    let mut all_match = true;
    for key in ["www_authenticate_uri", "auth_uri", "auth_url"] {
        let Some(value) = conf.get(AUTHTOKEN, key) else {
            continue;
        };
        if listed.iter().any(|u| same_keystone(u, &value)) {
            continue;
        }
        all_match = false;
        report.find(Finding {
            check: CheckId::KeystoneUrls,
            object: as_is(conf.api.at(AUTHTOKEN, key)),
            problem: Message::new("doctor_msg.keystone_url")
                .arg("url", &value)
                .arg("listed", listed.join(", ")),
            why: Message::new("doctor_msg.keystone_url_why"),
            fix: Message::new("doctor_msg.keystone_url_fix")
                .arg("url", listed.first().unwrap_or(&"http://CONTROLLER:5000")),
            apply_fixes: true,
        });
    }
    if all_match {
        report.pass(
            CheckId::KeystoneUrls,
            Message::new("doctor_msg.keystone_urls_ok"),
        );
    }
}

/// The region Glance and its clients use: `[keystone_authtoken]
/// region_name`, else the one region of Keystone's own endpoints.
fn region(
    conf: &GlanceConf,
    identity: &[(String, String, String)],
    report: &mut Report,
) -> Option<String> {
    let mut regions: Vec<&str> = identity.iter().map(|(_, r, _)| r.as_str()).collect();
    regions.sort_unstable();
    regions.dedup();
    if let Some(named) = conf.get(AUTHTOKEN, "region_name") {
        if regions.contains(&named.as_str()) {
            return Some(named);
        }
        report.find(Finding {
            check: CheckId::Region,
            object: as_is(conf.api.at(AUTHTOKEN, "region_name")),
            problem: Message::new("doctor_msg.region_unknown")
                .arg("region", &named)
                .arg("regions", regions.join(", ")),
            why: Message::new("doctor_msg.region_unknown_why"),
            fix: Message::new("doctor_msg.region_unknown_fix")
                .arg("region", regions.first().unwrap_or(&"RegionOne")),
            // apply comments out every [keystone_authtoken] option it does
            // not set, as the guide says, this one with them.
            apply_fixes: true,
        });
        return None;
    }
    match regions.as_slice() {
        [one] => Some(one.to_string()),
        _ => {
            report.not_checked(
                CheckId::Region,
                Message::new("doctor_msg.regions_many").arg("n", regions.len()),
            );
            None
        }
    }
}

/// Keystone's API with a token that may list services and endpoints.
struct Keystone {
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl Keystone {
    fn new(auth_url: &str, token: String) -> Keystone {
        let base = auth_url.trim_end_matches('/');
        let base = if base.ends_with("/v3") {
            base.to_string()
        } else {
            format!("{base}/v3")
        };
        Keystone {
            base,
            token,
            agent: direct_agent(Duration::from_secs(10)),
        }
    }

    /// The members of `GET /v3/{collection}?{query}`.
    fn list(&self, collection: &str, query: &str) -> Result<Vec<Value>, String> {
        let url = format!("{}/{collection}?{query}", self.base);
        let mut response = self
            .agent
            .get(&url)
            .header("X-Auth-Token", &self.token)
            .call()
            .map_err(|e| format!("cannot reach Keystone at {url}: {e}"))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        if status != 200 {
            return Err(format!("Keystone answered HTTP {status} to GET {url}"));
        }
        let body: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        Ok(body[collection].as_array().cloned().unwrap_or_default())
    }

    /// The one service of type image.
    fn image_service(
        &mut self,
        admin: Option<&AdminCredentials>,
        report: &mut Report,
    ) -> Option<String> {
        let mut listed = self.list("services", "type=image");
        if listed.is_err()
            && let Some(Ok(token)) = admin.map(admin_token)
        {
            self.token = token;
            listed = self.list("services", "type=image");
        }
        let services = match listed {
            Ok(s) => s,
            Err(e) => {
                report.not_checked(CheckId::ImageService, as_is(e));
                return None;
            }
        };
        let ids: Vec<&str> = services.iter().map(|s| json_str(s, "id")).collect();
        let (problem, fix, apply_fixes) = match ids.as_slice() {
            [one] => {
                report.pass(
                    CheckId::ImageService,
                    Message::new("doctor_msg.image_service_ok").arg("id", one),
                );
                return Some(one.to_string());
            }
            [] => (
                Message::new("doctor_msg.image_service_none"),
                as_is(format!(
                    "openstack {}",
                    commands::display(&commands::service_create(
                        "glance",
                        "OpenStack Image",
                        "image"
                    ))
                )),
                true,
            ),
            many => (
                Message::new("doctor_msg.image_service_many")
                    .arg("n", many.len())
                    .arg("ids", many.join(", ")),
                Message::new("doctor_msg.image_service_many_fix"),
                false,
            ),
        };
        report.find(Finding {
            check: CheckId::ImageService,
            object: Message::new("doctor_msg.image_service_object"),
            problem,
            why: Message::new("doctor_msg.image_service_why"),
            fix,
            apply_fixes,
        });
        None
    }
}

/// Exactly one endpoint per interface in the region; those found.
fn endpoints(
    keystone: &Keystone,
    service: &str,
    region: &str,
    report: &mut Report,
) -> Vec<Endpoint> {
    let all = match keystone.list("endpoints", &format!("service_id={service}")) {
        Ok(all) => all,
        Err(e) => {
            report.not_checked(CheckId::Endpoints, as_is(e));
            return Vec::new();
        }
    };
    let mut found = Vec::new();
    let mut elsewhere = Vec::new();
    let url_hint = all
        .first()
        .map_or("http://CONTROLLER:9292".to_string(), |e| {
            json_str(e, "url").to_string()
        });
    for interface in INTERFACES {
        let of_interface: Vec<&Value> = all
            .iter()
            .filter(|e| json_str(e, "interface") == interface)
            .collect();
        let here: Vec<&&Value> = of_interface
            .iter()
            .filter(|e| json_str(e, "region_id") == region)
            .collect();
        match here.as_slice() {
            [one] => found.push(Endpoint {
                interface: interface.into(),
                url: json_str(one, "url").into(),
            }),
            [] if !of_interface.is_empty() => elsewhere.extend(of_interface),
            [] => report.find(missing_endpoint(interface, region, &url_hint)),
            many => report.find(too_many_endpoints(interface, region, many.len())),
        }
    }
    if !elsewhere.is_empty() {
        report.find(region_finding(&elsewhere, region));
    }
    if found.len() == INTERFACES.len() {
        report.pass(
            CheckId::Endpoints,
            Message::new("doctor_msg.endpoints_ok").arg("region", region),
        );
    }
    found
}

/// No `interface` endpoint of the image service anywhere: the fix creates
/// it in `region` (with the URL of another endpoint as a hint).
fn missing_endpoint(interface: &str, region: &str, url_hint: &str) -> Finding {
    Finding {
        check: CheckId::Endpoints,
        object: Message::new("doctor_msg.endpoint_in_region")
            .arg("interface", interface)
            .arg("region", region),
        problem: Message::new("doctor_msg.endpoint_missing"),
        why: Message::new("doctor_msg.endpoint_missing_why")
            .arg("interface", interface)
            .arg("region", region),
        fix: as_is(format!(
            "openstack {}",
            commands::display(&commands::endpoint_create(
                region, "image", interface, url_hint
            ))
        )),
        apply_fixes: true,
    }
}

/// `n` (more than one) `interface` endpoints in `region`.
fn too_many_endpoints(interface: &str, region: &str, n: usize) -> Finding {
    Finding {
        check: CheckId::Endpoints,
        object: Message::new("doctor_msg.endpoints_in_region")
            .arg("interface", interface)
            .arg("region", region),
        problem: Message::new("doctor_msg.endpoints_many").arg("n", n),
        why: Message::new("doctor_msg.endpoints_many_why"),
        fix: Message::new("doctor_msg.endpoints_many_fix"),
        apply_fixes: false,
    }
}

/// Messages as a list (`a, b, c`).
fn list(mut items: Vec<Message>) -> Message {
    match items.len() {
        0 => as_is(""),
        1 => items.remove(0),
        _ => {
            let head = items.remove(0);
            Message::new("doctor_msg.list")
                .msg("head", head)
                .msg("tail", list(items))
        }
    }
}

fn region_finding(elsewhere: &[&Value], region: &str) -> Finding {
    let listed: Vec<Message> = elsewhere
        .iter()
        .map(|e| {
            Message::new("doctor_msg.endpoint_where")
                .arg("interface", json_str(e, "interface"))
                .arg("id", json_str(e, "id"))
                .arg("region", json_str(e, "region_id"))
        })
        .collect();
    let fixes: Vec<String> = elsewhere
        .iter()
        .map(|e| {
            format!(
                "openstack endpoint set --region {region} {}",
                json_str(e, "id")
            )
        })
        .collect();
    Finding {
        check: CheckId::Region,
        object: Message::new("doctor_msg.endpoints_object"),
        problem: Message::new("doctor_msg.region_other")
            .arg("region", region)
            .msg("endpoints", list(listed)),
        why: Message::new("doctor_msg.region_other_why").arg("region", region),
        fix: as_is(fixes.join("; ")),
        apply_fixes: false,
    }
}
