//! Parse, don't validate: one type per kind of value in the answers, each
//! made only by its own rule ([`FromStr`], and serde through the same
//! parse), so that settings built from them cannot hold a value that broke
//! a rule. The answers file and the TUI's forms parse with these same types.
//!
//! A value keeps the text the admin wrote (what `Display` and `as_str`
//! give): a config file gets exactly what was asked for, never a normalised
//! spelling of it. Each error says the rule in words a sysadmin can act on;
//! the field's name is added by the caller ([`super::FieldError`]).

use crate::i18n::Message;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU16;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::util::mask::mask_url_password;

/// A text value whose rule is `$check`: the struct, its parse, and the ways
/// to read it back as the text it was made from.
macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $error:ty, $check:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = $error;
            fn from_str(value: &str) -> Result<Self, $error> {
                $check(value)?;
                Ok(Self(value.to_string()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(value: String) -> Result<Self, $error> {
                $check(&value)?;
                Ok(Self(value))
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        /// For the config writer's `impl Into<String>` values.
        impl From<&$name> for String {
            fn from(value: &$name) -> String {
                value.0.clone()
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// Equality, order and hash are the text's (derived on it), so a
        /// list of these joins like a list of strings.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }
    };
}

/// Why a text is not a [`Host`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("{}", self.msg().english())]
    Empty,
    #[error("{}", self.msg().english())]
    TooLong,
    #[error("{}", self.msg().english())]
    LabelLength(String),
    #[error("{}", self.msg().english())]
    Characters(String),
    #[error("{}", self.msg().english())]
    Hyphen(String),
    #[error("{}", self.msg().english())]
    Ipv4(String),
}

impl HostError {
    /// The rule in any language (its words: `rule.host.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Empty => Message::new("rule.host.empty"),
            Self::TooLong => Message::new("rule.host.too_long"),
            Self::LabelLength(value) => Message::new("rule.host.label_length").arg("value", value),
            Self::Characters(value) => Message::new("rule.host.characters").arg("value", value),
            Self::Hyphen(value) => Message::new("rule.host.hyphen").arg("value", value),
            Self::Ipv4(value) => Message::new("rule.host.ipv4").arg("value", value),
        }
    }
}

fn check_host(value: &str) -> Result<(), HostError> {
    if value.is_empty() {
        return Err(HostError::Empty);
    }
    if value.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    let bare = value.trim_start_matches('[').trim_end_matches(']');
    if bare != value && bare.parse::<Ipv6Addr>().is_ok() {
        return Ok(());
    }
    if value.len() > 253 {
        return Err(HostError::TooLong);
    }
    for label in value.trim_end_matches('.').split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(HostError::LabelLength(value.into()));
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(HostError::Characters(value.into()));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(HostError::Hyphen(value.into()));
        }
    }
    // All digits and dots, yet not an address: a mistyped IPv4 address
    // (300.1.1.1), not a name.
    if value.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(HostError::Ipv4(value.into()));
    }
    Ok(())
}

text_type!(
    /// A host name (RFC 1123), an IPv4 address, or an IPv6 address bare or
    /// in brackets.
    Host,
    HostError,
    check_host
);

impl AsRef<std::path::Path> for AbsolutePath {
    fn as_ref(&self) -> &std::path::Path {
        self.0.as_ref()
    }
}

impl AsRef<std::ffi::OsStr> for AbsolutePath {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_ref()
    }
}

impl Host {
    /// The host as it goes in a URL: an IPv6 address in brackets.
    pub fn in_url(&self) -> String {
        crate::util::escape::url_host(&self.0)
    }
}

/// Why a text is not an [`IpAddress`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.msg().english())]
pub struct IpAddressError(String);

impl IpAddressError {
    pub fn msg(&self) -> Message {
        Message::new("rule.ip_address").arg("value", &self.0)
    }
}

fn check_ip_address(value: &str) -> Result<(), IpAddressError> {
    value
        .parse::<IpAddr>()
        .map(|_| ())
        .map_err(|_| IpAddressError(value.into()))
}

text_type!(
    /// An IPv4 or IPv6 address (no brackets), as written.
    IpAddress,
    IpAddressError,
    check_ip_address
);

/// Why a value is not a [`Port`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    #[error("{}", self.msg().english())]
    Range(i64),
    #[error("{}", self.msg().english())]
    NotANumber(String),
}

impl PortError {
    /// The rule in any language (its words: `rule.port.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Range(value) => Message::new("rule.port.range").arg("value", value),
            Self::NotANumber(value) => Message::new("rule.port.not_a_number").arg("value", value),
        }
    }
}

/// A TCP port, 1 to 65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u16")]
pub struct Port(NonZeroU16);

impl Port {
    /// A port known to be valid (a default written in the code).
    pub const fn new(port: NonZeroU16) -> Port {
        Port(port)
    }

    pub fn get(self) -> u16 {
        self.0.get()
    }
}

impl TryFrom<i64> for Port {
    type Error = PortError;
    fn try_from(value: i64) -> Result<Port, PortError> {
        u16::try_from(value)
            .ok()
            .and_then(NonZeroU16::new)
            .map(Port)
            .ok_or(PortError::Range(value))
    }
}

impl FromStr for Port {
    type Err = PortError;
    fn from_str(value: &str) -> Result<Port, PortError> {
        let number: i64 = value
            .parse()
            .map_err(|_| PortError::NotANumber(value.into()))?;
        Port::try_from(number)
    }
}

impl From<Port> for u16 {
    fn from(port: Port) -> u16 {
        port.get()
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a text is not a name ([`SqlIdentifier`], [`KeystoneName`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{}", self.msg().english())]
    Length,
    #[error("{}", self.msg().english())]
    Characters(String),
}

impl NameError {
    /// The rule in any language (its words: `rule.name.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Length => Message::new("rule.name.length"),
            Self::Characters(value) => Message::new("rule.name.characters").arg("value", value),
        }
    }
}

/// The one rule for plain names: short enough for MySQL (64) and made of
/// characters that need no quoting in SQL, a shell or a config file.
fn check_name(value: &str) -> Result<(), NameError> {
    if value.is_empty() || value.len() > 64 {
        return Err(NameError::Length);
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
    {
        return Err(NameError::Characters(value.into()));
    }
    Ok(())
}

text_type!(
    /// A MySQL/MariaDB database or account name: letters, digits, '_' and
    /// '-', 1 to 64 characters (MySQL's limit for database names).
    SqlIdentifier,
    NameError,
    check_name
);

text_type!(
    /// A Keystone user or project name glance-wizard creates or looks up:
    /// the same characters as [`SqlIdentifier`] (Keystone takes more, but
    /// these need no quoting on the command line nor in a config file).
    KeystoneName,
    NameError,
    check_name
);

/// Why a text is not a [`RegionName`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("{}", self.msg().english())]
    Length,
    #[error("{}", self.msg().english())]
    Characters(String),
}

impl RegionError {
    /// The rule in any language (its words: `rule.region.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Length => Message::new("rule.region.length"),
            Self::Characters(value) => Message::new("rule.region.characters").arg("value", value),
        }
    }
}

fn check_region(value: &str) -> Result<(), RegionError> {
    if value.is_empty() || value.len() > 255 {
        return Err(RegionError::Length);
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(RegionError::Characters(value.into()));
    }
    Ok(())
}

text_type!(
    /// A Keystone region id: Keystone accepts up to 255 characters; we
    /// keep to characters that need no quoting anywhere.
    RegionName,
    RegionError,
    check_region
);

/// Why a text is not an [`AbsolutePath`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("{}", self.msg().english())]
    Relative(String),
    #[error("{}", self.msg().english())]
    Control,
}

impl PathError {
    /// The rule in any language (its words: `rule.path.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Relative(value) => Message::new("rule.path.relative").arg("value", value),
            Self::Control => Message::new("rule.path.control"),
        }
    }
}

fn check_absolute_path(value: &str) -> Result<(), PathError> {
    if !value.starts_with('/') {
        return Err(PathError::Relative(value.into()));
    }
    if value.chars().any(char::is_control) {
        return Err(PathError::Control);
    }
    Ok(())
}

text_type!(
    /// An absolute path with no control characters.
    AbsolutePath,
    PathError,
    check_absolute_path
);

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

/// Why a text is not a [`MemcachedServer`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemcachedError {
    #[error("{}", self.msg().english())]
    NoPort(String),
    #[error(transparent)]
    Host(#[from] HostError),
    #[error("{}", self.msg().english())]
    PortNotANumber { value: String, port: String },
    #[error(transparent)]
    Port(#[from] PortError),
}

impl MemcachedError {
    /// The rule in any language (its words: `rule.memcached.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::NoPort(value) => Message::new("rule.memcached.no_port").arg("value", value),
            Self::Host(e) => e.msg(),
            Self::PortNotANumber { value, port } => {
                Message::new("rule.memcached.port_not_a_number")
                    .arg("value", value)
                    .arg("port", port)
            }
            Self::Port(e) => e.msg(),
        }
    }
}

fn check_memcached_server(value: &str) -> Result<(), MemcachedError> {
    let Some((host, port)) = value.rsplit_once(':') else {
        return Err(MemcachedError::NoPort(value.into()));
    };
    check_host(host)?;
    let number: i64 = port.parse().map_err(|_| MemcachedError::PortNotANumber {
        value: value.into(),
        port: port.into(),
    })?;
    Port::try_from(number)?;
    Ok(())
}

text_type!(
    /// `host:port` of a memcached server.
    MemcachedServer,
    MemcachedError,
    check_memcached_server
);

impl MemcachedServer {
    /// memcached on a host already checked.
    pub fn on_host(host: &Host, port: u16) -> MemcachedServer {
        MemcachedServer(format!("{}:{port}", host.in_url()))
    }
}

/// Why a text is not a [`CommandOption`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandOptionError {
    #[error("{}", self.msg().english())]
    Empty,
    /// Quoted escaped, so that the message stays on one line.
    #[error("{}", self.msg().english())]
    Control(String),
}

impl CommandOptionError {
    /// The rule in any language (its words: `rule.command_option.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Empty => Message::new("rule.command_option.empty"),
            Self::Control(value) => Message::new("rule.command_option.control").arg("value", value),
        }
    }
}

/// Passed as is (no shell), so anything printable goes, but not an empty
/// string or a control character (a newline would split the plan's display
/// and the log).
fn check_command_option(value: &str) -> Result<(), CommandOptionError> {
    if value.is_empty() {
        return Err(CommandOptionError::Empty);
    }
    if value.chars().any(char::is_control) {
        return Err(CommandOptionError::Control(
            value.escape_default().to_string(),
        ));
    }
    Ok(())
}

text_type!(
    /// One extra command-line argument for the package manager.
    CommandOption,
    CommandOptionError,
    check_command_option
);

/// The Glance disk formats a test image may have: the one list, offered by
/// the form and checked by [`DiskFormat`].
pub const DISK_FORMATS: &[&str] = &[
    "qcow2", "raw", "vmdk", "vdi", "iso", "vhd", "vhdx", "ami", "ari", "aki", "ploop",
];
/// The Glance container formats a test image may have (see
/// [`DISK_FORMATS`]).
pub const CONTAINER_FORMATS: &[&str] = &[
    "bare",
    "ovf",
    "ova",
    "docker",
    "ami",
    "ari",
    "aki",
    "compressed",
];

/// Why a text is not a [`DiskFormat`] or a [`ContainerFormat`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("{}", self.msg().english())]
    Disk(String),
    #[error("{}", self.msg().english())]
    Container(String),
}

impl FormatError {
    /// The rule in any language (its words: `rule.format.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Disk(value) => Message::new("rule.format.disk").arg("value", value),
            Self::Container(value) => Message::new("rule.format.container").arg("value", value),
        }
    }
}

fn check_disk_format(value: &str) -> Result<(), FormatError> {
    if DISK_FORMATS.contains(&value) {
        Ok(())
    } else {
        Err(FormatError::Disk(value.into()))
    }
}

fn check_container_format(value: &str) -> Result<(), FormatError> {
    if CONTAINER_FORMATS.contains(&value) {
        Ok(())
    } else {
        Err(FormatError::Container(value.into()))
    }
}

text_type!(
    /// One of [`DISK_FORMATS`].
    DiskFormat,
    FormatError,
    check_disk_format
);

text_type!(
    /// One of [`CONTAINER_FORMATS`].
    ContainerFormat,
    FormatError,
    check_container_format
);

pub use crate::host::target::store::{STORES, Store, StoreError};

/// The TCP ports a port field accepts (also the answers schema's bounds).
pub const PORTS: std::ops::RangeInclusive<i64> = 1..=65535;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in [
            "controller",
            "ctl-1.example.org",
            "10.0.0.11",
            "::1",
            "[fe80::1]",
        ] {
            assert_eq!(ok.parse::<Host>().unwrap().as_str(), ok);
        }
        for bad in ["", "-a", "a_b", "a..b", "300.1.1.1", "con troller"] {
            assert!(bad.parse::<Host>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ports() {
        assert_eq!(Port::try_from(3306).unwrap().get(), 3306);
        assert_eq!("65535".parse::<Port>().unwrap().get(), 65535);
        for bad in [0, -1, 65536, i64::MAX] {
            assert_eq!(Port::try_from(bad), Err(PortError::Range(bad)));
        }
        assert_eq!("x".parse::<Port>(), Err(PortError::NotANumber("x".into())));
    }

    /// Deserializing goes through the same rule as `FromStr`, with its
    /// message.
    #[test]
    fn serde_parses_with_the_same_rule() {
        #[derive(Debug, Deserialize, Serialize)]
        struct T {
            host: Host,
            port: Port,
            format: DiskFormat,
        }
        let t: T = toml::from_str("host = \"ctl\"\nport = 3306\nformat = \"raw\"").unwrap();
        assert_eq!((t.host.as_str(), t.port.get()), ("ctl", 3306));
        assert_eq!(
            toml::to_string(&t).unwrap(),
            "host = \"ctl\"\nport = 3306\nformat = \"raw\"\n"
        );
        let e = toml::from_str::<T>("host = \"a b\"\nport = 1\nformat = \"raw\"").unwrap_err();
        assert!(
            e.message()
                .contains(&HostError::Characters("a b".into()).to_string())
        );
        let e = toml::from_str::<T>("host = \"a\"\nport = 0\nformat = \"raw\"").unwrap_err();
        assert_eq!(e.message(), PortError::Range(0).to_string());
        let e = toml::from_str::<T>("host = \"a\"\nport = 1\nformat = \"exe\"").unwrap_err();
        assert_eq!(e.message(), FormatError::Disk("exe".into()).to_string());
    }

    #[test]
    fn defaults_on_a_host_are_valid() {
        let port = 9292;
        for host in ["ctl", "::1", "[fe80::1]", "10.0.0.1"] {
            let host: Host = host.parse().unwrap();
            let url = HttpUrl::on_host(&host, port);
            assert_eq!(url.parse::<HttpUrl>().as_ref(), Ok(&url));
            let server = MemcachedServer::on_host(&host, port);
            assert_eq!(server.parse::<MemcachedServer>().as_ref(), Ok(&server));
        }
    }

    #[test]
    fn proxy_password_belongs_in_the_secrets_file() {
        let message = "http://gw:s3cr%40t@proxy:3128"
            .parse::<ProxyUrl>()
            .unwrap_err()
            .to_string();
        assert!(message.contains("proxy_password"), "{message}");
        assert!(!message.contains("s3cr"), "{message}");
        assert!("http://gw@proxy:3128".parse::<ProxyUrl>().is_ok());
        let message = "http://gw:s3cr%40t@proxy"
            .parse::<ProxyUrl>()
            .unwrap_err()
            .to_string();
        assert!(!message.contains("s3cr"), "{message}");
    }

    #[test]
    fn proxies() {
        assert!("http://proxy:3128".parse::<ProxyUrl>().is_ok());
        assert_eq!(
            "\"http://proxy:3128\"".parse::<ProxyUrl>(),
            Err(ProxyUrlError::Quotes)
        );
        assert!(matches!(
            "10.0.0.0/8".parse::<NoProxyEntry>(),
            Err(NoProxyError::Cidr(_))
        ));
        assert!(".example.org".parse::<NoProxyEntry>().is_ok());
        assert!("mirror.lan:8080".parse::<NoProxyEntry>().is_ok());
    }

    #[test]
    fn formats_come_from_the_one_list() {
        for f in DISK_FORMATS {
            assert_eq!(f.parse::<DiskFormat>().unwrap(), *f);
        }
        for f in CONTAINER_FORMATS {
            assert_eq!(f.parse::<ContainerFormat>().unwrap(), *f);
        }
        assert!("qcow2".parse::<ContainerFormat>().is_err());
    }
}
