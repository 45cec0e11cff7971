//! Prechecks: what must hold on the machine before anything changes. Each
//! check says pass / warn / fail with a reason, and names the answers field
//! that fixes it (the TUI jumps there).

mod outside;

#[cfg(test)]
mod repository_tests;
#[cfg(test)]
mod tests;

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use crate::answers::Settings;
use crate::checks::probes::{self, memcached_answers};
use crate::engine::runner::identity::{direct_agent, fresh_admin_token};
use crate::engine::runner::sql::admin_connection;
use crate::host::target::Profile;
use crate::i18n::Message;
use outside::outside_dependencies;
pub use outside::proxy_fetch;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    /// The stable word of JSON and scripts (`pass`, `warn`, `fail`).
    pub fn id(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// A stable English id (`controller name`); its words in a language
    /// are `check.<id with _>` of assets/i18n.
    pub name: &'static str,
    pub status: Status,
    /// What was found, or what is wrong and what fixes it.
    pub detail: Message,
    /// The answers field to change when it fails.
    pub field: Option<&'static str>,
}

impl Check {
    /// The check's stable id: its name with `_` for spaces
    /// (`database_login`); the key of its name in assets/i18n is
    /// `check.<id>`. Several checks may share one (a memcached check per
    /// server).
    pub fn id(&self) -> String {
        self.name.replace(' ', "_")
    }
}

fn check(
    name: &'static str,
    field: Option<&'static str>,
    result: Result<Message, Message>,
) -> Check {
    match result {
        Ok(detail) => Check {
            name,
            status: Status::Pass,
            detail,
            field,
        },
        Err(detail) => Check {
            name,
            status: Status::Fail,
            detail,
            field,
        },
    }
}

pub fn run_all(settings: &Settings, profile: &Profile) -> Vec<Check> {
    let mut checks = vec![root(), target(profile)];
    let observed = crate::host::target::package_version(
        profile.package_manager,
        &profile.distro.package_probe,
    );
    checks.push(repository(profile, observed));
    checks.push(controller_name(settings));
    checks.extend(database(settings));
    checks.push(keystone_admin(settings));
    for server in &settings.keystone.memcached_servers {
        checks.push(check(
            "memcached",
            Some("keystone.memcached_servers"),
            memcached_answers(server),
        ));
    }
    checks.extend(outside_dependencies(settings, profile));
    checks.push(port_9292(settings));
    checks.push(check(
        "free disk",
        Some("image_store.data_dir"),
        free_disk(
            Path::new(&settings.store.data_dir),
            settings.store.min_free_mib,
        ),
    ));
    redact_details(&mut checks, &settings.redactor());
    checks
}

/// The checks run as root: installing packages and writing /etc need it.
fn root() -> Check {
    check(
        "root",
        None,
        if rustix::process::geteuid().is_root() {
            Ok(Message::new("precheck.root_ok"))
        } else {
            Err(Message::new("precheck.root_fail"))
        },
    )
}

/// What the plan was made for: distro, release, package manager, init.
fn target(profile: &Profile) -> Check {
    Check {
        name: "target",
        status: Status::Pass,
        detail: Message::new("precheck.target")
            .arg("distro", &profile.distro.title)
            .arg("release", &profile.release.title)
            .arg("manager", profile.package_manager.name())
            .arg("init", profile.init.name()),
        field: Some("target.release"),
    }
}

/// The controller's name resolves, to the addresses it lists.
fn controller_name(settings: &Settings) -> Check {
    check(
        "controller name",
        Some("controller.host"),
        (settings.controller.as_str(), 0)
            .to_socket_addrs()
            .map(|addrs| {
                let ips: Vec<String> = addrs.map(|a| a.ip().to_string()).collect();
                Message::new("precheck.resolves")
                    .arg("host", &settings.controller)
                    .arg("ips", ips.join(", "))
            })
            .map_err(|e| {
                Message::new("precheck.unresolved")
                    .arg("host", &settings.controller)
                    .arg("error", e)
            }),
    )
}

/// The database admin logs in, and then, on that connection, binary
/// logging does not stand in db_sync's way.
fn database(settings: &Settings) -> Vec<Check> {
    let db = &settings.db;
    let mut admin_db = admin_connection(&db.admin, &db.host, db.port.get());
    let mut checks = vec![check(
        "database login",
        Some("database.admin_access"),
        admin_db
            .as_ref()
            .map(|_| Message::new("precheck.db_login_ok"))
            .map_err(|e| Message::new("precheck.db_login_fail").arg("error", e)),
    )];
    if let Ok(conn) = &mut admin_db {
        checks.push(binary_logging(conn, &db.host));
    }
    checks
}

/// The Keystone admin credentials get a token.
fn keystone_admin(settings: &Settings) -> Check {
    let admin = &settings.keystone.admin;
    check(
        "keystone admin",
        Some("keystone.admin_openrc"),
        fresh_admin_token(admin)
            .map(|_| {
                Message::new("precheck.keystone_ok")
                    .msg("origin", admin.origin.clone())
                    .arg("url", admin.auth_url())
            })
            .map_err(|e| {
                Message::new("precheck.keystone_fail")
                    .msg("origin", admin.origin.clone())
                    .msg("error", e.msg())
            }),
    )
}

/// Details may quote what a server answered (Keystone echoes parts of a
/// request it refuses, JSON-escaped): every secret is masked in them.
fn redact_details(checks: &mut [Check], redactor: &crate::util::secret::Redactor) {
    for check in checks {
        check.detail.map_texts(&|t| redactor.redact(t));
    }
}

/// Binary logging without `log_bin_trust_function_creators`: db_sync
/// would stop half-way (the rule: [`probes::binary_logging`]).
fn binary_logging(conn: &mut mysql::Conn, host: &str) -> Check {
    let result = match probes::binary_logging(conn) {
        Ok(None) => Ok(Message::new("precheck.binlog_ok")),
        Ok(Some(_)) => Err(Message::new("precheck.binlog_fail").arg("host", host)),
        Err(e) => Err(Message::new("precheck.binlog_unreadable").arg("error", e)),
    };
    check("binary logging", Some("database.host"), result)
}

/// Whether the enabled repositories provide this release's Glance: the
/// installed or candidate version of the distro's probe package (`observed`,
/// as `target::package_version` gives it) must be of the planned release.
pub fn repository(profile: &Profile, observed: Option<(String, &'static str)>) -> Check {
    let distro = &profile.distro;
    let release = &profile.release;
    let probe = &distro.package_probe;
    let enable = Message::new("precheck.repo_enable")
        .msg("repository", distro.repository.clone())
        .msg("setup", distro.repository_setup.clone());
    let result = match observed {
        None => Err(Message::new("precheck.repo_none")
            .arg("probe", probe)
            .arg("manager", profile.package_manager.name())
            .msg("enable", enable)),
        Some((version, source)) => {
            let base = Message::new("")
                .arg("probe", probe)
                .arg("version", &version)
                .arg("release", &release.title);
            match crate::host::target::release_from_version(&version) {
                Some(found) if found.name == release.name => Ok(Message {
                    key: if source == "installed package" {
                        "precheck.repo_ok_installed"
                    } else {
                        "precheck.repo_ok_candidate"
                    },
                    ..base
                }),
                found => {
                    let what = found.map_or_else(
                        || Message::new("precheck.repo_unknown_release"),
                        |r| Message::new("precheck.repo_release").arg("release", &r.title),
                    );
                    let key = if source == "installed package" {
                        "precheck.repo_installed"
                    } else {
                        "precheck.repo_offered"
                    };
                    Err(Message { key, ..base }
                        .msg("what", what)
                        .msg("enable", enable))
                }
            }
        }
    };
    check("repository", Some("target.release"), result)
}

fn port_9292(settings: &Settings) -> Check {
    let name = "port 9292";
    let field = Some("controller.host");
    let addr = (settings.controller.as_str(), 9292u16)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next());
    let Some(addr) = addr else {
        return Check {
            name,
            status: Status::Warn,
            detail: Message::new("precheck.port_unresolved"),
            field,
        };
    };
    if TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err() {
        return Check {
            name,
            status: Status::Pass,
            detail: Message::new("precheck.port_free"),
            field,
        };
    }
    let url = format!(
        "http://{}:9292/",
        crate::util::escape::url_host(&settings.controller)
    );
    let glance = direct_agent(Duration::from_secs(5))
        .get(&url)
        .call()
        .ok()
        .and_then(|mut r| {
            let status = r.status().as_u16();
            let body = r.body_mut().read_to_string().unwrap_or_default();
            (status == 300 && body.contains("\"versions\"")).then_some(())
        });
    match glance {
        Some(()) => Check {
            name,
            status: Status::Pass,
            detail: Message::new("precheck.port_glance"),
            field,
        },
        None => Check {
            name,
            status: Status::Fail,
            detail: Message::new("precheck.port_taken"),
            field,
        },
    }
}

fn free_disk(dir: &Path, min_mib: u64) -> Result<Message, Message> {
    let existing = dir
        .ancestors()
        .find(|p| p.exists())
        .ok_or_else(|| Message::new("precheck.disk_none").arg("path", dir.display()))?;
    let stat = rustix::fs::statvfs(existing).map_err(|e| {
        Message::new("precheck.disk_statvfs")
            .arg("path", existing.display())
            .arg("error", e)
    })?;
    let free_mib = stat.f_bavail * stat.f_frsize / (1024 * 1024);
    let msg = |key| {
        Message::new(key)
            .arg("free", free_mib)
            .arg("path", existing.display())
            .arg("min", min_mib)
    };
    if free_mib >= min_mib {
        Ok(msg("precheck.disk_ok"))
    } else {
        Err(msg("precheck.disk_low"))
    }
}
