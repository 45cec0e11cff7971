//! Prechecks: what must hold on the machine before anything changes. Each
//! check says pass / warn / fail with a reason, and names the answers field
//! that fixes it (the TUI jumps there).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use crate::answers::Settings;
use crate::engine::runner::identity::{direct_agent, fresh_admin_token};
use crate::engine::runner::sql::admin_connection;
use crate::host::target::Profile;
use crate::i18n::Message;

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
    let mut checks = Vec::new();
    checks.push(check(
        "root",
        None,
        if rustix::process::geteuid().is_root() {
            Ok(Message::new("precheck.root_ok"))
        } else {
            Err(Message::new("precheck.root_fail"))
        },
    ));
    checks.push(Check {
        name: "target",
        status: Status::Pass,
        detail: Message::new("precheck.target")
            .arg("distro", &profile.distro.title)
            .arg("release", &profile.release.title)
            .arg("manager", profile.package_manager.name())
            .arg("init", profile.init.name()),
        field: Some("target.release"),
    });
    let observed = crate::host::target::package_version(
        profile.package_manager,
        &profile.distro.package_probe,
    );
    checks.push(repository(profile, observed));
    checks.push(check(
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
    ));
    let db = &settings.db;
    let mut admin_db = admin_connection(&db.admin, &db.host, db.port.get());
    checks.push(check(
        "database login",
        Some("database.admin_access"),
        admin_db
            .as_ref()
            .map(|_| Message::new("precheck.db_login_ok"))
            .map_err(|e| Message::new("precheck.db_login_fail").arg("error", e)),
    ));
    if let Ok(conn) = &mut admin_db {
        checks.push(binary_logging(conn, &db.host));
    }
    let admin = &settings.keystone.admin;
    checks.push(check(
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
    ));
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

/// Details may quote what a server answered (Keystone echoes parts of a
/// request it refuses, JSON-escaped): every secret is masked in them.
fn redact_details(checks: &mut [Check], redactor: &crate::util::secret::Redactor) {
    for check in checks {
        check.detail.map_texts(&|t| redactor.redact(t));
    }
}

/// Binary logging without `log_bin_trust_function_creators`: db_sync
/// would stop half-way (the rule: `doctor::database`).
fn binary_logging(conn: &mut mysql::Conn, host: &str) -> Check {
    use crate::checks::doctor::database;
    let result = match database::binary_logging(conn) {
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

/// memcached at `server` (`host:port`) answers `version`: in English,
/// for the doctor.
pub(crate) fn memcached_answers(server: &str) -> Result<Message, Message> {
    let failed = |key: &'static str, e: &dyn std::fmt::Display| {
        Message::new(key).arg("server", server).arg("error", e)
    };
    let addr = server
        .to_socket_addrs()
        .map_err(|e| failed("precheck.memcached_unresolved", &e))?
        .next()
        .ok_or_else(|| failed("precheck.memcached_no_address", &""))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3))
        .map_err(|e| failed("precheck.memcached_connect", &e))?;
    stream.set_read_timeout(Some(Duration::from_secs(3))).ok();
    stream
        .write_all(b"version\r\n")
        .map_err(|e| failed("precheck.memcached_silent", &e))?;
    let mut buf = [0u8; 64];
    let n = stream
        .read(&mut buf)
        .map_err(|e| failed("precheck.memcached_silent", &e))?;
    let answer = String::from_utf8_lossy(&buf[..n]);
    answer
        .strip_prefix("VERSION ")
        .map(|v| {
            Message::new("precheck.memcached_ok")
                .arg("server", server)
                .arg("version", v.trim())
        })
        .ok_or_else(|| failed("precheck.memcached_other", &""))
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

/// How long a precheck waits for an outside server: a dead proxy or
/// mirror must be reported in seconds, not after the run's retries.
const OUTSIDE_TIMEOUT: Duration = Duration::from_secs(4);

/// What the plan needs from outside this machine, checked the way the run
/// will reach it: the proxy (when set), the package repository through it
/// (apt; when a proxy is set: without one, `repository` above already
/// asked apt), and the test image (a file, or a URL that answers).
fn outside_dependencies(settings: &Settings, profile: &Profile) -> Vec<Check> {
    let mut checks = Vec::new();
    let proxy = &settings.proxy;
    if proxy.is_set() {
        let mut urls = vec![proxy.http_proxy.as_str(), proxy.https_proxy.as_str()];
        urls.retain(|u| !u.is_empty());
        urls.dedup();
        for url in urls {
            checks.push(check("proxy", Some("proxy.http_proxy"), proxy_answers(url)));
        }
        if profile.package_manager == crate::host::target::PackageManager::Apt {
            let options = &settings.packages.manager_options;
            checks.push(check(
                "mirror via proxy",
                Some("proxy.http_proxy"),
                apt_repository_via_proxy(proxy, options),
            ));
        }
    }
    checks.push(check(
        "test image",
        Some("test_image.source"),
        test_image(proxy, &settings.test_image.source),
    ));
    checks
}

/// The proxy accepts a connection (name resolved, something listens).
fn proxy_answers(shown_url: &str) -> Result<Message, Message> {
    use crate::host::http::NetFault;
    let parsed = url::Url::parse(shown_url).map_err(|e| {
        Message::new("precheck.not_url")
            .arg("url", shown_url)
            .arg("error", e)
    })?;
    let (Some(host), Some(port)) = (parsed.host_str(), parsed.port_or_known_default()) else {
        return Err(Message::new("precheck.no_host").arg("url", shown_url));
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let route = crate::host::http::Route::through(shown_url);
    let fault = |f: NetFault, detail: String| {
        Message::new("precheck.fault")
            .arg("detail", detail)
            .msg("advice", f.advice_msg(shown_url, &route, "[proxy]"))
    };
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| fault(NetFault::ProxyUnresolvable, e.to_string()))?
        .next()
        .ok_or_else(|| fault(NetFault::ProxyUnresolvable, "no address".into()))?;
    TcpStream::connect_timeout(&addr, OUTSIDE_TIMEOUT).map_err(|e| {
        let f = match e.kind() {
            std::io::ErrorKind::ConnectionRefused => NetFault::ProxyRefused,
            _ => NetFault::TimedOut,
        };
        fault(f, e.to_string())
    })?;
    Ok(Message::new("precheck.proxy_ok").arg("url", shown_url))
}

/// Asks `url` for its head (or, where HEAD is refused, its first bytes)
/// the way the run would fetch it: the route and the status, or what went
/// wrong and what fixes it (`field`).
fn answers_head(
    proxy: &crate::answers::ProxySettings,
    url: &str,
    field: &str,
) -> Result<(Message, u16), Message> {
    use crate::host::http::NetFault;
    let shown = crate::util::mask::mask_url_password(url).into_owned();
    let (agent, route) = crate::host::http::agent_for(proxy, url, OUTSIDE_TIMEOUT)
        .map_err(|e| Message::new("precheck.bad_proxy").msg("error", e))?;
    let redactor = crate::util::secret::Redactor::new();
    if let Some(password) = &proxy.password {
        redactor.add(password);
    }
    let said = |key: &'static str, detail: &str| {
        Message::new(key)
            .arg("url", &shown)
            .msg("route", route.msg())
            .arg("detail", redactor.redact(detail))
    };
    let failed = |fault: NetFault, detail: &str| {
        said("precheck.head_failed", detail).msg("advice", fault.advice_msg(&shown, &route, field))
    };
    let mut status = match agent.head(url).call() {
        Ok(r) => r.status().as_u16(),
        Err(e) => return Err(failed(NetFault::of(&e, &route), &e.to_string())),
    };
    if status == 405 || status == 501 {
        status = match agent.get(url).header("Range", "bytes=0-0").call() {
            Ok(r) => r.status().as_u16(),
            Err(e) => return Err(failed(NetFault::of(&e, &route), &e.to_string())),
        };
    }
    let http = format!("HTTP {status}");
    match NetFault::of_status(status) {
        None => Ok((said("precheck.head_ok", &http), status)),
        Some(fault) => Err(failed(fault, &http)),
    }
}

/// The test image: a readable regular file, or a URL that answers.
fn test_image(
    proxy: &crate::answers::ProxySettings,
    source: &crate::answers::ImageSource,
) -> Result<Message, Message> {
    match source {
        crate::answers::ImageSource::Path(path) => crate::util::fs::open_regular(path)
            .map(|(file, _)| {
                let size = file.metadata().map(|m| m.len()).unwrap_or(0);
                Message::new("precheck.image_ok")
                    .arg("path", path.display())
                    .arg("size", size)
            })
            .map_err(|e| {
                Message::new("precheck.image_unreadable")
                    .arg("path", path.display())
                    .arg("error", e)
            }),
        crate::answers::ImageSource::Url(url) => {
            answers_head(proxy, url, "[test_image] source").map(|(said, _)| said)
        }
    }
}

/// The first repository apt would use answers through the proxy: its
/// `InRelease` (or `Release`) file. apt itself says which repository
/// (`apt-get indextargets`, with the answers' manager options).
fn apt_repository_via_proxy(
    proxy: &crate::answers::ProxySettings,
    options: &[String],
) -> Result<Message, Message> {
    let output = std::process::Command::new("apt-get")
        .args(options)
        .args(["indextargets", "--format", "$(BASE_URI)"])
        .output()
        .map_err(|e| Message::new("precheck.apt_failed").arg("error", e))?;
    let listed = String::from_utf8_lossy(&output.stdout);
    let Some(base) = listed.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return Err(Message::new("precheck.apt_none"));
    };
    let field = "[proxy] http_proxy / https_proxy (and no_proxy)";
    match answers_head(proxy, &format!("{base}InRelease"), field) {
        Err(_) => answers_head(proxy, &format!("{base}Release"), field),
        found => found,
    }
    .map(|(said, _)| said)
}

/// Fetches `url` the way the image download will: through the answers'
/// proxy unless the host is in `no_proxy`. Says what happened in one line,
/// for the proxy screen's test action.
pub fn proxy_fetch(proxy: &crate::answers::ProxySettings, url: &str) -> Result<Message, Message> {
    let shown_url = crate::util::mask::mask_url_password(url).into_owned();
    url::Url::parse(url).map_err(|e| {
        Message::new("precheck.not_url")
            .arg("url", &shown_url)
            .arg("error", e)
    })?;
    let (agent, route) = crate::host::http::agent_for(proxy, url, Duration::from_secs(15))
        .map_err(|e| Message::new("precheck.bad_proxy").msg("error", e))?;
    let started = std::time::Instant::now();
    // The proxy's password never reaches the screen, even where the HTTP
    // library's error quotes the proxy.
    let redactor = crate::util::secret::Redactor::new();
    if let Some(password) = &proxy.password {
        redactor.add(password);
    }
    let response = agent.get(url).call().map_err(|e| {
        Message::new("precheck.fetch_failed")
            .arg("url", &shown_url)
            .msg("route", route.msg())
            .arg("error", redactor.redact(&e.to_string()))
    })?;
    let status = response.status().as_u16();
    let line = Message::new("precheck.fetched")
        .arg("url", &shown_url)
        .msg("route", route.msg())
        .arg("status", status)
        .arg("seconds", format!("{:.1}", started.elapsed().as_secs_f64()));
    if (200..400).contains(&status) {
        Ok(line)
    } else {
        Err(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;

    type Head = std::io::BufReader<std::net::TcpStream>;

    fn read_head(reader: &mut Head) -> String {
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        first.trim().to_string()
    }

    /// A one-connection HTTP proxy on loopback that records the request
    /// lines it sees. ureq tunnels through CONNECT even for http:// URLs
    /// (as the image download does), so it answers CONNECT, then the
    /// tunnelled request.
    fn fake_proxy() -> (String, std::thread::JoinHandle<Vec<String>>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut seen = vec![read_head(&mut reader)];
            if seen[0].starts_with("CONNECT ") {
                stream
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                seen.push(read_head(&mut reader));
            }
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                .unwrap();
            seen
        });
        (format!("http://{addr}"), handle)
    }

    #[test]
    fn details_quoting_a_server_are_redacted() {
        let redactor = crate::util::secret::Redactor::new();
        redactor.add(&crate::util::secret::Secret::new("adm\"in-pw中"));
        let mut checks = vec![check(
            "keystone admin",
            None,
            Err(Message::new("precheck.keystone_fail").arg("origin", "admin-openrc").arg(
                "error",
                r#"Keystone answered HTTP 400: {"error": {"message": "Invalid input for field 'password': 'adm\"in-pw\u4e2d' is too long"}}"#,
            )),
        )];
        redact_details(&mut checks, &redactor);
        assert!(
            !checks[0].detail.english().contains("in-pw"),
            "{}",
            checks[0].detail.english()
        );
        assert!(
            checks[0]
                .detail
                .english()
                .contains("'********' is too long"),
            "{}",
            checks[0].detail.english()
        );
    }

    #[test]
    fn proxy_fetch_goes_through_the_proxy() {
        let (proxy_url, handle) = fake_proxy();
        let proxy = crate::answers::ProxySettings {
            http_proxy: proxy_url.clone(),
            no_proxy: vec!["controller".into()],
            ..Default::default()
        };
        let said = proxy_fetch(
            &proxy,
            "http://mirror.invalid/debian/dists/bookworm/Release",
        )
        .unwrap()
        .english();
        assert!(
            said.contains(&format!("through the proxy {proxy_url}")),
            "{said}"
        );
        assert!(said.contains("HTTP 200"), "{said}");
        assert_eq!(
            handle.join().unwrap(),
            [
                "CONNECT mirror.invalid:80 HTTP/1.1",
                "GET /debian/dists/bookworm/Release HTTP/1.1"
            ]
        );
    }

    #[test]
    fn proxy_fetch_never_shows_the_proxy_password() {
        let (proxy_url, handle) = fake_proxy();
        let with_user = proxy_url.replace("http://", "http://gw@");
        let proxy = crate::answers::ProxySettings {
            http_proxy: with_user.clone(),
            password: Some(crate::util::secret::Secret::new("s3cret-pw")),
            ..Default::default()
        };
        let said = proxy_fetch(&proxy, "http://mirror.invalid/x")
            .unwrap()
            .english();
        let requests = handle.join().unwrap();
        assert!(!said.contains("s3cret-pw"), "{said}");
        assert!(
            said.contains("through the proxy http://gw:********@127.0.0.1"),
            "{said}"
        );
        // The proxy got the password all the same (ureq sends it as Basic).
        assert!(!requests.is_empty());
    }
}

#[cfg(test)]
mod repository_tests {
    use super::*;
    use crate::host::target::{InitSystem, profile_for};

    // What yum/dnf/apt would report is given directly: those tools (and
    // RDO or Ubuntu repositories) cannot run here. The real query runs
    // against this machine's apt in tests/precheck_repository.rs.

    #[test]
    fn matching_candidate_passes() {
        let p = profile_for("rdo", "2023.1", InitSystem::Systemd).unwrap();
        let c = repository(&p, Some(("26.1.0".into(), "candidate package")));
        assert_eq!(c.status, Status::Pass, "{}", c.detail.english());
        assert!(c.detail.english().contains("Glance 2023.1 Antelope"));
    }

    #[test]
    fn missing_rdo_repository_names_the_release_package() {
        let p = profile_for("rdo", "pike", InitSystem::Systemd).unwrap();
        let c = repository(&p, None);
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.detail
                .english()
                .contains("yum install centos-release-openstack-pike"),
            "{}",
            c.detail.english()
        );
        assert_eq!(c.field, Some("target.release"));
    }

    #[test]
    fn ubuntu_archive_of_another_release_asks_for_the_cloud_archive() {
        let p = profile_for("ubuntu", "2024.2", InitSystem::Systemd).unwrap();
        let c = repository(&p, Some(("2:28.0.1-0ubuntu1".into(), "candidate package")));
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.detail.english().contains("Glance 2024.1 Caracal"),
            "{}",
            c.detail.english()
        );
        assert!(
            c.detail
                .english()
                .contains("add-apt-repository cloud-archive:dalmatian"),
            "{}",
            c.detail.english()
        );
    }

    #[test]
    fn installed_other_release_is_refused() {
        let p = profile_for("debian", "2025.1", InitSystem::SysV).unwrap();
        let c = repository(&p, Some(("2:25.1.0-2+deb12u5".into(), "installed package")));
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.detail
                .english()
                .contains("is installed: that is Glance Zed"),
            "{}",
            c.detail.english()
        );
    }
}
