//! Where things are: hosts, IP addresses, ports, memcached servers.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU16;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::i18n::Message;

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

pub(super) fn check_host(value: &str) -> Result<(), HostError> {
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
