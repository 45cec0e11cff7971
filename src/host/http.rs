//! The HTTP agent for fetches that go through the answers' proxy (the test
//! image download, the proxy screen's test, the prechecks): one place that
//! decides the route and never shows the proxy's password, and one place
//! that says what a failed request means ([`NetFault`]): what fixes it and
//! whether waiting can.

use std::fmt;
use std::time::Duration;

use crate::host::proxy::ProxySettings;
use crate::i18n::Message;

/// How a request goes: directly, or through a proxy (kept as shown, its
/// password masked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    proxy: Option<String>,
}

impl Route {
    pub fn direct() -> Route {
        Route { proxy: None }
    }

    /// Through the proxy at `shown` (a URL already fit to show).
    pub fn through(shown: &str) -> Route {
        Route {
            proxy: Some(crate::util::mask::mask_url_password(shown).into_owned()),
        }
    }

    /// The proxy, fit to show.
    pub fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
    }

    /// `directly` or `through the proxy …`, in any language.
    pub fn msg(&self) -> Message {
        match &self.proxy {
            None => Message::new("net.route_direct"),
            Some(p) => Message::new("net.route_proxy").arg("proxy", p),
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg().english())
    }
}

/// An agent for `url`: through the answers' proxy unless no_proxy covers
/// the host, never through a proxy from the environment. Also the route
/// (`directly`, `through the proxy http://proxy:3128`), fit to show. Connecting
/// takes at most 5 s (less if `timeout` is shorter): a proxy or host that
/// does not accept a connection by then is reported, not waited for.
pub fn agent_for(
    proxy: &ProxySettings,
    url: &str,
    timeout: Duration,
) -> Result<(ureq::Agent, Route), Message> {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(timeout.min(Duration::from_secs(5))))
        .timeout_global(Some(timeout));
    let (config, route) = match proxy.proxy_for(url) {
        None => (config.proxy(None), Route::direct()),
        Some(via) => {
            let shown = crate::util::mask::mask_url_password(via.expose()).into_owned();
            let parsed = ureq::Proxy::new(via.expose()).map_err(|e| {
                Message::new("net_error.bad_proxy")
                    .arg("proxy", &shown)
                    .arg("error", e)
            })?;
            (config.proxy(Some(parsed)), Route { proxy: Some(shown) })
        }
    };
    Ok((config.build().into(), route))
}

/// What went wrong with one request, by what fixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetFault {
    /// Nothing listens at the proxy's address.
    ProxyRefused,
    /// The proxy's host name does not resolve.
    ProxyUnresolvable,
    /// The proxy wants (other) credentials: HTTP 407.
    ProxyAuth,
    /// The proxy answered the tunnel request with another error (it could
    /// not reach the host), or not at all.
    ProxyFailed,
    /// The host's name does not resolve.
    Unresolvable,
    /// Nothing listens at the host's address.
    Refused,
    /// No answer in time.
    TimedOut,
    /// The TLS handshake or certificate failed.
    Tls,
    /// The server answered with this status (not 2xx/3xx).
    Status(u16),
    /// The connection broke off mid-way.
    BrokenOff,
    /// A request that cannot be made as written (a bad URL).
    Invalid,
}

impl NetFault {
    /// The fault behind a failed request on `route`. With a proxy, ureq
    /// resolves and connects to the proxy only (the target's name goes to
    /// the proxy in CONNECT), so a name or connection failure is the proxy's.
    pub fn of(error: &ureq::Error, route: &Route) -> NetFault {
        let via_proxy = route.proxy.is_some();
        match error {
            ureq::Error::HostNotFound if via_proxy => NetFault::ProxyUnresolvable,
            ureq::Error::HostNotFound => NetFault::Unresolvable,
            // std says so in words only (its kind is not public).
            ureq::Error::Io(e)
                if e.to_string()
                    .contains("failed to lookup address information") =>
            {
                if via_proxy {
                    NetFault::ProxyUnresolvable
                } else {
                    NetFault::Unresolvable
                }
            }
            ureq::Error::Io(e) => match e.kind() {
                std::io::ErrorKind::ConnectionRefused if via_proxy => NetFault::ProxyRefused,
                std::io::ErrorKind::ConnectionRefused => NetFault::Refused,
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => NetFault::TimedOut,
                _ => NetFault::BrokenOff,
            },
            ureq::Error::ConnectionFailed if via_proxy => NetFault::ProxyRefused,
            ureq::Error::ConnectionFailed => NetFault::Refused,
            ureq::Error::Timeout(_) => NetFault::TimedOut,
            ureq::Error::StatusCode(407) => NetFault::ProxyAuth,
            ureq::Error::StatusCode(status) => NetFault::Status(*status),
            ureq::Error::ConnectProxyFailed(reason) => {
                // "proxy server responded 407/Proxy Authentication Required"
                if reason.contains(" 407") {
                    NetFault::ProxyAuth
                } else {
                    NetFault::ProxyFailed
                }
            }
            ureq::Error::Tls(_) | ureq::Error::TlsRequired => NetFault::Tls,
            ureq::Error::BadUri(_) | ureq::Error::InvalidProxyUrl | ureq::Error::Http(_) => {
                NetFault::Invalid
            }
            _ => NetFault::BrokenOff,
        }
    }

    /// The fault an answer's status shows, if any (2xx and 3xx are fine).
    pub fn of_status(status: u16) -> Option<NetFault> {
        match status {
            200..=399 => None,
            407 => Some(NetFault::ProxyAuth),
            other => Some(NetFault::Status(other)),
        }
    }

    /// What to do, in words: names the answers field to change. `url` is
    /// shown as given (mask it first); `field` is where it comes from
    /// (e.g. `[test_image] source`).
    pub fn advice_msg(self, url: &str, route: &Route, field: &str) -> Message {
        let proxy = route.proxy().unwrap_or("?");
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
            .unwrap_or_else(|| url.to_string());
        let key = match self {
            NetFault::ProxyRefused => "net.proxy_refused",
            NetFault::ProxyUnresolvable => "net.proxy_unresolvable",
            NetFault::ProxyAuth => "net.proxy_auth",
            NetFault::ProxyFailed => "net.proxy_failed",
            NetFault::Unresolvable => "net.unresolvable",
            NetFault::Refused => "net.refused",
            NetFault::TimedOut => "net.timed_out",
            NetFault::Tls => "net.tls",
            NetFault::Status(s) if s >= 500 || s == 408 || s == 429 => "net.status_retry",
            NetFault::Status(_) => "net.status",
            NetFault::BrokenOff => "net.broken_off",
            NetFault::Invalid => "net.invalid",
        };
        let status = match self {
            NetFault::Status(s) => s,
            _ => 0,
        };
        Message::new(key)
            .arg("proxy", proxy)
            .arg("host", host)
            .arg("url", url)
            .arg("field", field)
            .arg("status", status)
            .msg("route", route.msg())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn via() -> Route {
        Route {
            proxy: Some("http://127.0.0.1:9".into()),
        }
    }

    #[test]
    fn advice_names_the_field_to_change() {
        let url = "http://no-such-host.invalid/cirros.img";
        let field = "[test_image] source";
        let said = NetFault::Unresolvable
            .advice_msg(url, &Route::direct(), field)
            .english();
        assert!(
            said.contains("no-such-host.invalid:80 does not resolve"),
            "{said}"
        );
        assert!(said.contains(field), "{said}");
        let said = NetFault::ProxyRefused
            .advice_msg(url, &via(), field)
            .english();
        assert!(said.contains("http://127.0.0.1:9"), "{said}");
        assert!(said.contains("[proxy] http_proxy / https_proxy"), "{said}");
        let said = NetFault::ProxyAuth.advice_msg(url, &via(), field).english();
        assert!(said.contains("proxy_password"), "{said}");
    }

    /// A proxy URL the HTTP library refuses is said in the language asked
    /// for, the library's own words (and no password) as they are.
    #[test]
    fn a_proxy_the_library_refuses_is_a_message() {
        use crate::i18n::{Lang, Texts};
        let proxy = ProxySettings {
            http_proxy: "ftp://alice@proxy.example:3128".into(),
            password: Some(crate::util::secret::Secret::new("proxy-pw-1".to_string())),
            ..Default::default()
        };
        let Err(refused) = agent_for(&proxy, "http://mirror.example/x", Duration::from_secs(5))
        else {
            panic!("an ftp proxy is taken")
        };
        let en = refused.english();
        let zh = Texts::of(Lang::ZhCn).msg(&refused);
        let shown =
            crate::util::mask::mask_url_password("ftp://alice:proxy-pw-1@proxy.example:3128");
        assert!(en.starts_with(&format!("proxy {shown}: ")), "{en}");
        assert!(zh.starts_with(&format!("代理 {shown}：")), "{zh}");
        assert!(
            !en.contains("proxy-pw-1") && !zh.contains("proxy-pw-1"),
            "{en}"
        );
    }

    /// Real sockets: a port nothing listens on is refused at once, as a
    /// direct target and as a proxy.
    #[test]
    fn a_closed_port_is_refused_at_once() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let url = format!("http://127.0.0.1:{port}/x");
        let (agent, route) =
            agent_for(&ProxySettings::default(), &url, Duration::from_secs(5)).unwrap();
        let error = agent.get(&url).call().unwrap_err();
        assert_eq!(NetFault::of(&error, &route), NetFault::Refused, "{error}");

        let proxy = ProxySettings {
            http_proxy: format!("http://127.0.0.1:{port}"),
            ..Default::default()
        };
        let target = "http://mirror.invalid/x";
        let (agent, route) = agent_for(&proxy, target, Duration::from_secs(5)).unwrap();
        let error = agent.get(target).call().unwrap_err();
        assert_eq!(
            NetFault::of(&error, &route),
            NetFault::ProxyRefused,
            "{error}"
        );
    }

    /// Real resolver: `.invalid` never resolves (RFC 6761), as a target
    /// and as a proxy.
    #[test]
    fn an_invalid_name_does_not_resolve() {
        let url = "http://no-such-host.invalid/cirros.img";
        let (agent, route) =
            agent_for(&ProxySettings::default(), url, Duration::from_secs(5)).unwrap();
        let error = agent.get(url).call().unwrap_err();
        assert_eq!(
            NetFault::of(&error, &route),
            NetFault::Unresolvable,
            "{error}"
        );

        let proxy = ProxySettings {
            http_proxy: "http://no-such-proxy.invalid:3128".into(),
            ..Default::default()
        };
        let (agent, route) = agent_for(&proxy, url, Duration::from_secs(5)).unwrap();
        let error = agent.get(url).call().unwrap_err();
        assert_eq!(
            NetFault::of(&error, &route),
            NetFault::ProxyUnresolvable,
            "{error}"
        );
    }
}
