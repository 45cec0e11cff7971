//! Fast, independent probes of the lab's real state: Keystone's and
//! Glance's REST APIs (no `openstack` CLI start-up per call), MariaDB through
//! the mysql crate, oslo.config through Debian's python, dpkg. None of them
//! uses the wizard's code, so none of them can agree with a wizard bug.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{OPENRC, text};

pub const API_CONF: &str = "/etc/glance/glance-api.conf";
pub const KEYSTONE: &str = "http://127.0.0.1:5000/v3";
pub const GLANCE: &str = "http://127.0.0.1:9292";

/// The admin credentials of the openrc, read by bash (the password travels
/// on a pipe, never in an argv).
pub struct Admin {
    pub user: String,
    pub password: String,
    pub project: String,
}

pub fn admin() -> Admin {
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            ". {OPENRC}; printf '%s\\0' \"$OS_USERNAME\" \"$OS_PASSWORD\" \"$OS_PROJECT_NAME\""
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let parts: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .split('\0')
        .map(str::to_string)
        .collect();
    Admin {
        user: parts[0].clone(),
        password: parts[1].clone(),
        project: parts[2].clone(),
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(None)
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Status, `X-Subject-Token` header and body of a request.
fn call(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, Option<String>, String) {
    let agent = agent();
    let result = match (method, body) {
        ("GET", _) => {
            let mut r = agent.get(url);
            if let Some(t) = token {
                r = r.header("X-Auth-Token", t);
            }
            r.call()
        }
        ("POST", Some(b)) => {
            let mut r = agent.post(url).header("Content-Type", "application/json");
            if let Some(t) = token {
                r = r.header("X-Auth-Token", t);
            }
            r.send(b.to_string())
        }
        other => panic!("unsupported request {other:?}"),
    };
    let mut response = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let subject = response
        .headers()
        .get("X-Subject-Token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response.body_mut().read_to_string().unwrap_or_default();
    (status, subject, body)
}

/// A token for `user` with `password`: Ok(token) or Err(HTTP status).
pub fn login(user: &str, password: &str, project: Option<&str>) -> Result<String, u16> {
    let mut auth = serde_json::json!({
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": "Default"}, "password": password}}}
    });
    if let Some(p) = project {
        auth["scope"] = serde_json::json!({"project": {"name": p, "domain": {"name": "Default"}}});
    }
    let (status, token, _) = call(
        "POST",
        &format!("{KEYSTONE}/auth/tokens"),
        None,
        Some(serde_json::json!({ "auth": auth })),
    );
    match (status, token) {
        (201, Some(t)) => Ok(t),
        (s, _) => Err(s),
    }
}

pub fn admin_token() -> String {
    let a = admin();
    login(&a.user, &a.password, Some(&a.project)).expect("the admin logs in")
}

/// GET `url` with a token: its JSON (the status must be 200).
pub fn get_json(url: &str, token: &str) -> serde_json::Value {
    let (status, _, body) = call("GET", url, Some(token), None);
    assert_eq!(status, 200, "GET {url}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn list(url: &str, token: &str, key: &str) -> Vec<serde_json::Value> {
    get_json(url, token)[key]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Services of type image.
pub fn image_services(token: &str) -> Vec<serde_json::Value> {
    list(
        &format!("{KEYSTONE}/services?type=image"),
        token,
        "services",
    )
}

/// Endpoints of every image service.
pub fn image_endpoints(token: &str) -> Vec<serde_json::Value> {
    image_services(token)
        .iter()
        .flat_map(|s| {
            list(
                &format!(
                    "{KEYSTONE}/endpoints?service_id={}",
                    s["id"].as_str().unwrap()
                ),
                token,
                "endpoints",
            )
        })
        .collect()
}

pub fn users_named(token: &str, name: &str) -> Vec<serde_json::Value> {
    list(&format!("{KEYSTONE}/users?name={name}"), token, "users")
}

/// Role names `user_id` has on project `project`.
pub fn project_roles(token: &str, user_id: &str, project: &str) -> Vec<String> {
    list(
        &format!("{KEYSTONE}/role_assignments?user.id={user_id}&include_names=true"),
        token,
        "role_assignments",
    )
    .iter()
    .filter(|a| a["scope"]["project"]["name"] == project)
    .map(|a| a["role"]["name"].as_str().unwrap_or("").to_string())
    .collect()
}

/// Images with this name, through glance-api (which must validate the
/// token with its own Keystone credentials to answer 200).
pub fn images_named(token: &str, name: &str) -> Vec<serde_json::Value> {
    let url = format!("{GLANCE}/v2/images?name={}", urlencode(name));
    let (status, _, body) = call("GET", &url, Some(token), None);
    assert_eq!(
        status, 200,
        "glance-api refused an authenticated call (its Keystone credentials?): {body}"
    );
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["images"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// glance-api answers `GET /` (300 Multiple Choices).
pub fn glance_answers() -> bool {
    match agent().get(format!("{GLANCE}/")).call() {
        Ok(r) => matches!(r.status().as_u16(), 200 | 300),
        Err(_) => false,
    }
}

/// The glance account logs in to MariaDB over TCP with `password`.
pub fn db_login(password: &str) -> Result<(), String> {
    use mysql::prelude::Queryable;
    let opts = mysql::OptsBuilder::new()
        .ip_or_hostname(Some("127.0.0.1"))
        .user(Some("glance"))
        .pass(Some(password.to_string()))
        .db_name(Some("glance"))
        .prefer_socket(false);
    let mut conn = mysql::Conn::new(opts).map_err(|e| e.to_string())?;
    conn.query_drop("SELECT 1").map_err(|e| e.to_string())
}

/// The lab's MariaDB as root, over its socket.
fn root_connection() -> mysql::Conn {
    let opts = mysql::OptsBuilder::new()
        .socket(Some("/run/mysqld/mysqld.sock"))
        .user(Some("root"))
        .prefer_socket(true);
    mysql::Conn::new(opts).expect("MariaDB as root")
}

/// A `SELECT COUNT(*)` as the lab's MariaDB root.
pub fn root_count(sql: &str) -> u64 {
    use mysql::prelude::Queryable;
    root_connection().query_first(sql).unwrap().unwrap_or(0)
}

/// Whether the lab's MariaDB has this database (`name` is the test's own,
/// a plain identifier).
pub fn database_exists(name: &str) -> bool {
    root_count(&format!(
        "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{name}'"
    )) > 0
}

/// Drops this database if it exists (a test's leftover).
pub fn drop_database(name: &str) {
    root_execute(&format!("DROP DATABASE IF EXISTS `{name}`"));
}

/// One statement as the lab's MariaDB root.
pub fn root_execute(statement: &str) {
    use mysql::prelude::Queryable;
    root_connection().query_drop(statement).unwrap();
}

/// `glance-manage db check`: 0 when the schema is at head.
pub fn db_check() -> Option<i32> {
    let out = Command::new("su")
        .args(["-s", "/bin/sh", "-c", "glance-manage db check", "glance"])
        .output()
        .unwrap();
    out.status.code()
}

pub fn package_installed(package: &str) -> bool {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout) == "install ok installed"
}

/// What oslo.config (Debian's python, the parser Glance uses) reads from
/// the config file: the DB password (URL-decoded as SQLAlchemy does) and
/// the Keystone password. Err when oslo.config cannot parse the file.
pub fn oslo_passwords(path: &Path) -> Result<(String, String), String> {
    let script = r#"
import sys
from oslo_config import cfg
from urllib.parse import unquote
conf = cfg.ConfigOpts()
conf.register_opt(cfg.StrOpt('connection'), group='database')
conf.register_opt(cfg.StrOpt('password'), group='keystone_authtoken')
conf(args=[], default_config_files=[sys.argv[1]])
url = conf.database.connection or ''
db = unquote(url.split('://', 1)[1].split(':', 1)[1].rsplit('@', 1)[0]) if url else ''
sys.stdout.write(db + '\0' + (conf.keystone_authtoken.password or ''))
"#;
    let out = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(text(&out));
    }
    let stdout = String::from_utf8(out.stdout).map_err(|e| e.to_string())?;
    let (db, keystone) = stdout.split_once('\0').ok_or("no separator")?;
    Ok((db.to_string(), keystone.to_string()))
}

/// Every comment line of the original config is still in the file, in the
/// same order (the wizard comments options out, never deletes comments).
pub fn comments_intact(original: &str, edited: &str) -> Result<(), String> {
    let mut edited_comments = edited.lines().filter(|l| l.trim_start().starts_with('#'));
    for line in original.lines().filter(|l| l.trim_start().starts_with('#')) {
        if !edited_comments.any(|e| e == line) {
            return Err(format!("comment lost or reordered: {line:?}"));
        }
    }
    Ok(())
}

/// sha512 of a local file, as hex.
pub fn sha512(path: &Path) -> String {
    let out = Command::new("sha512sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// GET `url` (with a token when given): its status, or why nothing
/// answered (a refused connection, a timeout).
pub fn get_status(url: &str, token: Option<&str>) -> Result<u16, String> {
    let mut request = agent().get(url);
    if let Some(t) = token {
        request = request.header("X-Auth-Token", t);
    }
    request
        .call()
        .map(|r| r.status().as_u16())
        .map_err(|e| e.to_string())
}

/// The sha512 (hex) of the body GET `url` answers with a token, or the
/// status it answered instead.
pub fn download_sha512(url: &str, token: &str) -> Result<String, u16> {
    use sha2::{Digest, Sha512};
    let mut response = agent()
        .get(url)
        .header("X-Auth-Token", token)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    if status != 200 {
        return Err(status);
    }
    let mut hasher = Sha512::new();
    std::io::copy(&mut response.body_mut().as_reader(), &mut hasher).unwrap();
    Ok(format!("{:x}", hasher.finalize()))
}
