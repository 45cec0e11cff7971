//! `[keystone_authtoken]` against Keystone: the service user gets a token,
//! the URLs and region agree with the catalog, exactly one image service
//! with its three endpoints.

use std::time::Duration;

use serde_json::Value;

use super::config::{self, GlanceConf};
use super::{CheckId, Finding, Report};
use crate::answers::AdminCredentials;
use crate::engine::runner::identity::{admin_token, direct_agent, issue_token_with_catalog};
use crate::engine::runner::json_str;
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

/// The regions of Keystone's own endpoints, as the service user's token's
/// catalog lists them (for `doctor --write-answers`); why not, when its
/// token cannot be had.
pub fn keystone_regions(conf: &GlanceConf) -> Result<Vec<String>, String> {
    let mut scratch = Report::default();
    let Some((_, body, _)) = service_token(conf, &mut scratch) else {
        let why = scratch.findings.first().map(|f| f.problem.clone());
        return Err(why.unwrap_or_else(|| "the service user gets no token".into()));
    };
    let mut regions: Vec<String> = catalog_endpoints(&body, "identity")
        .into_iter()
        .map(|(_, region, _)| region)
        .collect();
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
            "[keystone_authtoken] password refers to another option (see the `$` finding)",
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
            object: conf.api.at(AUTHTOKEN, "auth_url, username, password"),
            problem: "one of them is not set (or refers to another option with `$`)".into(),
            why: "keystonemiddleware cannot check any token: glance-api answers every request \
                  with 401 or 503"
                .into(),
            fix: "set auth_url, username and password (with auth_type = password, the project \
                  and domain names) in [keystone_authtoken]"
                .into(),
            apply_fixes: true,
        });
        return None;
    };
    let user_domain = get("user_domain_name").unwrap_or_else(|| "Default".into());
    let project = get("project_name").unwrap_or_else(|| "service".into());
    let project_domain = get("project_domain_name").unwrap_or_else(|| "Default".into());
    let said = format!("{user} (domain {user_domain}, project {project}) at {auth_url}");
    match issue_token_with_catalog(
        &auth_url,
        &user,
        &user_domain,
        &password,
        Some((&project, &project_domain)),
    ) {
        Ok((token, body)) => {
            report.pass(CheckId::ServiceUser, format!("{said} gets a token"));
            Some((token, body, auth_url))
        }
        Err(e) => {
            report.find(token_finding(conf, &said, &e.to_string()));
            None
        }
    }
}

fn token_finding(conf: &GlanceConf, said: &str, error: &str) -> Finding {
    let refused = error.contains("HTTP 401");
    let (object, why, fix) = if refused {
        (
            conf.api.at(AUTHTOKEN, "password"),
            "keystonemiddleware cannot check tokens with these credentials: glance-api answers \
             every request with 401 (\"Identity server rejected authorization\" in its log)",
            "set [keystone_authtoken] password (and username, project and domain names) to the \
             glance user's, or give the user that password: openstack user set --password-prompt \
             glance; then restart glance-api",
        )
    } else {
        (
            conf.api.at(AUTHTOKEN, "auth_url"),
            "keystonemiddleware cannot reach Keystone: glance-api answers every request with 503",
            "set [keystone_authtoken] auth_url to Keystone's URL (http://CONTROLLER:5000), and \
             check that Keystone runs",
        )
    };
    Finding {
        check: CheckId::ServiceUser,
        object,
        problem: format!("{said} gets no token: {error}"),
        why: why.into(),
        fix: fix.into(),
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
            object: conf.api.at(AUTHTOKEN, key),
            problem: format!(
                "{value} is none of Keystone's endpoints in the catalog ({})",
                listed.join(", ")
            ),
            why: "clients are sent to this URL to authenticate (www_authenticate_uri), or \
                  keystonemiddleware checks tokens there (auth_url): a URL Keystone does not \
                  publish breaks when it moves, or is not reachable by clients"
                .into(),
            fix: format!(
                "set it to Keystone's public endpoint, e.g. {}",
                listed.first().unwrap_or(&"http://CONTROLLER:5000")
            ),
            apply_fixes: true,
        });
    }
    if all_match {
        report.pass(CheckId::KeystoneUrls, "Keystone's URLs match its catalog");
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
            object: conf.api.at(AUTHTOKEN, "region_name"),
            problem: format!(
                "Keystone has no endpoint in {named} (its regions: {})",
                regions.join(", ")
            ),
            why: "keystonemiddleware looks Keystone up in this region: it finds no endpoint and \
                  glance-api answers 503"
                .into(),
            fix: format!(
                "set region_name to {} or remove it (the guide: comment out every other option of [keystone_authtoken])",
                regions.first().unwrap_or(&"RegionOne")
            ),
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
                format!(
                    "Keystone's endpoints are in {} regions and [keystone_authtoken] region_name \
                     is not set: the image endpoints are checked in every region",
                    regions.len()
                ),
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
                report.not_checked(CheckId::ImageService, e);
                return None;
            }
        };
        let ids: Vec<&str> = services.iter().map(|s| json_str(s, "id")).collect();
        let (problem, fix, apply_fixes) = match ids.as_slice() {
            [one] => {
                report.pass(CheckId::ImageService, format!("one image service ({one})"));
                return Some(one.to_string());
            }
            [] => (
                "Keystone has no service of type image".to_string(),
                format!(
                    "openstack {}",
                    commands::display(&commands::service_create(
                        "glance",
                        "OpenStack Image",
                        "image"
                    ))
                ),
                true,
            ),
            many => (
                format!(
                    "Keystone has {} services of type image: {}",
                    many.len(),
                    many.join(", ")
                ),
                "keep the one with the endpoints: openstack service delete ID for each other one"
                    .to_string(),
                false,
            ),
        };
        report.find(Finding {
            check: CheckId::ImageService,
            object: "Keystone: services of type image".into(),
            problem,
            why: "clients find Glance through the catalog: with none they cannot, with several \
                  `openstack service show image` fails (\"Multiple service matches found\")"
                .into(),
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
            report.not_checked(CheckId::Endpoints, e);
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
            [] => report.find(Finding {
                check: CheckId::Endpoints,
                object: format!("Keystone: the image service's {interface} endpoint in {region}"),
                problem: "it does not exist".into(),
                why: format!(
                    "clients that use the {interface} interface cannot find Glance (\"{interface} \
                     endpoint for image service in {region} region not found\")"
                ),
                fix: format!(
                    "openstack {}",
                    commands::display(&commands::endpoint_create(
                        region, "image", interface, &url_hint
                    ))
                ),
                apply_fixes: true,
            }),
            many => report.find(Finding {
                check: CheckId::Endpoints,
                object: format!("Keystone: the image service's {interface} endpoints in {region}"),
                problem: format!("there are {} of them", many.len()),
                why: "clients pick one of them at random: a stale one sends them elsewhere".into(),
                fix: "openstack endpoint delete ID for each but the right one".into(),
                apply_fixes: false,
            }),
        }
    }
    if !elsewhere.is_empty() {
        report.find(region_finding(&elsewhere, region));
    }
    if found.len() == INTERFACES.len() {
        report.pass(
            CheckId::Endpoints,
            format!("public, internal and admin endpoints in {region}"),
        );
    }
    found
}

fn region_finding(elsewhere: &[&Value], region: &str) -> Finding {
    let listed: Vec<String> = elsewhere
        .iter()
        .map(|e| {
            format!(
                "{} {} in {}",
                json_str(e, "interface"),
                json_str(e, "id"),
                json_str(e, "region_id")
            )
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
        object: "Keystone: the image service's endpoints".into(),
        problem: format!(
            "endpoints are in another region than Keystone's ({region}): {}",
            listed.join(", ")
        ),
        why: format!(
            "clients look for Glance in {region}: \"endpoint for image service in {region} region \
             not found\""
        ),
        fix: fixes.join("; "),
        apply_fixes: false,
    }
}
