//! What the plan needs from outside this machine: the proxy, the package
//! repository through it, the test image; and the proxy screen's test fetch.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::{Check, check};
use crate::answers::Settings;
use crate::host::target::Profile;
use crate::i18n::Message;

/// How long a precheck waits for an outside server: a dead proxy or
/// mirror must be reported in seconds, not after the run's retries.
const OUTSIDE_TIMEOUT: Duration = Duration::from_secs(4);

/// What the plan needs from outside this machine, checked the way the run
/// will reach it: the proxy (when set), the package repository through it
/// (apt; when a proxy is set: without one, `repository` above already
/// asked apt), and the test image (a file, or a URL that answers).
pub(super) fn outside_dependencies(settings: &Settings, profile: &Profile) -> Vec<Check> {
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
