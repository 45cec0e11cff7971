//! URLs: HTTP(S) endpoints, proxies and the hosts that bypass them.

use super::addresses::check_host;
use super::{Host, HostError};
use crate::i18n::Message;
use crate::util::mask::mask_url_password;

/// Why a text is not an [`HttpUrl`]. Each quotes the URL with its
/// password, if any, masked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("{}", self.msg().english())]
    NotAUrl {
        shown: String,
        reason: url::ParseError,
    },
    #[error("{}", self.msg().english())]
    Scheme(String),
    #[error(transparent)]
    Host(#[from] HostError),
    #[error("{}", self.msg().english())]
    NoHost(String),
    #[error("{}", self.msg().english())]
    SpacesOrQuotes(String),
}

impl UrlError {
    /// The rule in any language (its words: `rule.url.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::NotAUrl { shown, reason } => Message::new("rule.url.not_a_url")
                .arg("shown", shown)
                .arg("reason", reason),
            Self::Scheme(value) => Message::new("rule.url.scheme").arg("value", value),
            Self::Host(e) => e.msg(),
            Self::NoHost(value) => Message::new("rule.url.no_host").arg("value", value),
            Self::SpacesOrQuotes(value) => {
                Message::new("rule.url.spaces_or_quotes").arg("value", value)
            }
        }
    }
}

/// The URL parsed, for the rules that need more than the text.
fn parse_http_url(value: &str) -> Result<url::Url, UrlError> {
    let shown = || mask_url_password(value).into_owned();
    let parsed = url::Url::parse(value).map_err(|reason| UrlError::NotAUrl {
        shown: shown(),
        reason,
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(UrlError::Scheme(shown()));
    }
    match parsed.host_str() {
        Some(h) => check_host(h)?,
        None => return Err(UrlError::NoHost(shown())),
    }
    if value.contains(char::is_whitespace) || value.contains(['"', '\'']) {
        return Err(UrlError::SpacesOrQuotes(shown()));
    }
    Ok(parsed)
}

fn check_http_url(value: &str) -> Result<(), UrlError> {
    parse_http_url(value).map(|_| ())
}

text_type!(
    /// An http or https URL with a valid host, as written. `Display` shows
    /// it whole: where it may carry a password (the test image's URL), the
    /// caller masks it.
    HttpUrl,
    UrlError,
    check_http_url
);

impl HttpUrl {
    /// `http://HOST:PORT` on a host already checked: the default URLs of
    /// services on the controller.
    pub fn on_host(host: &Host, port: u16) -> HttpUrl {
        HttpUrl(format!("http://{}:{port}", host.in_url()))
    }

    /// A URL written in the code (a release's CirrOS download): a broken
    /// one is a bug, caught by the tests of every release.
    pub fn known(url: String) -> HttpUrl {
        debug_assert!(check_http_url(&url).is_ok(), "{url}");
        HttpUrl(url)
    }
}

/// Why a text is not a [`ProxyUrl`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyUrlError {
    #[error("{}", self.msg().english())]
    Quotes,
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error("{}", self.msg().english())]
    Password(String),
    #[error("{}", self.msg().english())]
    NoPort(String),
}

impl ProxyUrlError {
    /// The rule in any language (its words: `rule.proxy_url.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Quotes => Message::new("rule.proxy_url.quotes"),
            Self::Url(e) => e.msg(),
            Self::Password(value) => Message::new("rule.proxy_url.password").arg("value", value),
            Self::NoPort(value) => Message::new("rule.proxy_url.no_port").arg("value", value),
        }
    }
}

/// http(s)://[user@]host:port, no quotes (shells and /etc/environment keep
/// them literally), port required, no password (it belongs in the secrets).
fn check_proxy_url(value: &str) -> Result<(), ProxyUrlError> {
    if value.contains(['"', '\'']) {
        return Err(ProxyUrlError::Quotes);
    }
    let parsed = parse_http_url(value)?;
    if parsed.password().is_some() {
        return Err(ProxyUrlError::Password(
            mask_url_password(value).into_owned(),
        ));
    }
    // The url crate forgets a scheme's default port (http://p:80): the text
    // still names one.
    if parsed.port().is_none()
        && !value
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(ProxyUrlError::NoPort(mask_url_password(value).into_owned()));
    }
    Ok(())
}

text_type!(
    /// A proxy's URL as the answers give it: perhaps a user, never a
    /// password, so it may be shown as it is.
    ProxyUrl,
    ProxyUrlError,
    check_proxy_url
);

/// Why a text is not a [`NoProxyEntry`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoProxyError {
    #[error("{}", self.msg().english())]
    Cidr(String),
    #[error("{}", self.msg().english())]
    QuotesOrSpaces(String),
    #[error(transparent)]
    Host(#[from] HostError),
}

impl NoProxyError {
    /// The rule in any language (its words: `rule.no_proxy.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Cidr(value) => Message::new("rule.no_proxy.cidr").arg("value", value),
            Self::QuotesOrSpaces(value) => {
                Message::new("rule.no_proxy.quotes_or_spaces").arg("value", value)
            }
            Self::Host(e) => e.msg(),
        }
    }
}

/// CIDR ranges are not understood by every client (libcurl before 7.86,
/// Python's urllib), so they are refused.
fn check_no_proxy_entry(value: &str) -> Result<(), NoProxyError> {
    if value.contains('/') {
        return Err(NoProxyError::Cidr(value.into()));
    }
    if value.contains(['"', '\'']) || value.contains(char::is_whitespace) {
        return Err(NoProxyError::QuotesOrSpaces(value.into()));
    }
    if value == "*" {
        return Ok(());
    }
    let bare = value.trim_start_matches('.');
    let bare = bare.rsplit_once(':').map_or(bare, |(h, p)| {
        if p.chars().all(|c| c.is_ascii_digit()) && !h.contains(':') {
            h
        } else {
            bare
        }
    });
    Ok(check_host(bare)?)
}

text_type!(
    /// One `no_proxy` entry: `*`, a host, a domain suffix (`.example.org`)
    /// or an IP, each perhaps with `:PORT`.
    NoProxyEntry,
    NoProxyError,
    check_no_proxy_entry
);
