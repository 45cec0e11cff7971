//! The rules an answer can break, and the errors that name the field which
//! broke them.

use std::fmt;
use std::path::Path;

use super::openrc;
use super::types::{
    CommandOptionError, FormatError, HostError, IpAddressError, MemcachedError, NameError,
    NoProxyError, PathError, PortError, ProxyUrlError, RegionError, StoreError, UrlError,
};
use super::validate::PasswordError;
use crate::i18n::Message;

/// The rule a field breaks: each kind of value's own error, the rules that
/// tie fields together, and what a parser or the file system said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rule {
    #[error(transparent)]
    Host(#[from] HostError),
    #[error(transparent)]
    IpAddress(#[from] IpAddressError),
    #[error(transparent)]
    Port(#[from] PortError),
    #[error(transparent)]
    Name(#[from] NameError),
    #[error(transparent)]
    Region(#[from] RegionError),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error(transparent)]
    ProxyUrl(#[from] ProxyUrlError),
    #[error(transparent)]
    NoProxy(#[from] NoProxyError),
    #[error(transparent)]
    Memcached(#[from] MemcachedError),
    #[error(transparent)]
    CommandOption(#[from] CommandOptionError),
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Openrc(#[from] openrc::OpenrcError),
    /// The Keystone admin's password (from the openrc or the secrets).
    #[error("{}", self.msg().english())]
    AdminPassword(PasswordError),
    #[error("{}", self.msg().english())]
    Empty,
    #[error("{}", self.msg().english())]
    NoAdminCredentials,
    #[error("{}", self.msg().english())]
    NoMemcached,
    #[error("{}", self.msg().english())]
    NoStore,
    #[error("{}", self.msg().english())]
    DefaultStoreNotListed(String),
    /// `stores` is unset and the release's guide does not enable this one.
    #[error("{}", self.msg().english())]
    DefaultStoreNotInGuide {
        store: String,
        release: String,
        stores: String,
    },
    #[error("{}", self.msg().english())]
    NothingToPersist,
    /// A missing password glance-wizard could generate.
    #[error("{}", self.msg().english())]
    MissingGeneratable,
    #[error("{}", self.msg().english())]
    Missing,
    #[error("{}", self.msg().english())]
    ProxyNamesNoUser,
    /// What a parser (TOML, bash reading an openrc) or the file system
    /// said, in its words.
    #[error("{}", self.msg().english())]
    Said(String),
    #[error("{}", self.msg().english())]
    Unreadable { path: String, error: String },
    #[error("{}", self.msg().english())]
    Unwritable { path: String, error: String },
    /// A secrets file others can read (its mode, octal).
    #[error("{}", self.msg().english())]
    SecretsMode { path: String, mode: String },
    /// Not TOML; where, when the parser knows (never its words: they may
    /// quote a password).
    #[error("{}", self.msg().english())]
    NotToml { path: String, byte: Option<usize> },
    #[error("{}", self.msg().english())]
    UnknownSecret { expected: String },
    #[error("{}", self.msg().english())]
    NotAString,
}

impl Rule {
    /// The rule in any language (its words: `rule.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Host(e) => e.msg(),
            Self::IpAddress(e) => e.msg(),
            Self::Port(e) => e.msg(),
            Self::Name(e) => e.msg(),
            Self::Region(e) => e.msg(),
            Self::Path(e) => e.msg(),
            Self::Url(e) => e.msg(),
            Self::ProxyUrl(e) => e.msg(),
            Self::NoProxy(e) => e.msg(),
            Self::Memcached(e) => e.msg(),
            Self::CommandOption(e) => e.msg(),
            Self::Format(e) => e.msg(),
            Self::Store(e) => e.msg(),
            Self::Password(e) => e.msg(),
            Self::Openrc(e) => e.msg(),
            Self::AdminPassword(e) => Message::new("rule.admin_password").msg("value", e.msg()),
            Self::Empty => Message::new("rule.empty"),
            Self::NoAdminCredentials => Message::new("rule.no_admin_credentials"),
            Self::NoMemcached => Message::new("rule.no_memcached"),
            Self::NoStore => Message::new("rule.no_store"),
            Self::DefaultStoreNotListed(value) => {
                Message::new("rule.default_store_not_listed").arg("value", value)
            }
            Self::DefaultStoreNotInGuide {
                store,
                release,
                stores,
            } => Message::new("rule.default_store_not_in_guide")
                .arg("store", store)
                .arg("release", release)
                .arg("stores", stores),
            Self::NothingToPersist => Message::new("rule.nothing_to_persist"),
            Self::MissingGeneratable => Message::new("rule.missing_generatable"),
            Self::Missing => Message::new("rule.missing"),
            Self::ProxyNamesNoUser => Message::new("rule.proxy_names_no_user"),
            Self::Said(value) => Message::new("rule.said").arg("value", value),
            Self::Unreadable { path, error } => Message::new("rule.unreadable")
                .arg("path", path)
                .arg("error", error),
            Self::Unwritable { path, error } => Message::new("rule.unwritable")
                .arg("path", path)
                .arg("error", error),
            Self::SecretsMode { path, mode } => Message::new("rule.secrets_mode")
                .arg("path", path)
                .arg("mode", mode),
            Self::NotToml { path, byte: None } => Message::new("rule.not_toml").arg("path", path),
            Self::NotToml {
                path,
                byte: Some(byte),
            } => Message::new("rule.not_toml_at")
                .arg("path", path)
                .arg("byte", byte),
            Self::UnknownSecret { expected } => {
                Message::new("rule.unknown_secret").arg("expected", expected)
            }
            Self::NotAString => Message::new("rule.not_a_string"),
        }
    }
}

impl Rule {
    pub fn unreadable(path: &Path, error: std::io::Error) -> Rule {
        Rule::Unreadable {
            path: path.display().to_string(),
            error: error.to_string(),
        }
    }
}

impl From<String> for Rule {
    fn from(said: String) -> Rule {
        Rule::Said(said)
    }
}

impl From<&str> for Rule {
    fn from(said: &str) -> Rule {
        Rule::Said(said.to_string())
    }
}

/// One problem in the answers: the field's path and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub rule: Rule,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

/// All problems found, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AnswersError(pub Vec<FieldError>);

impl fmt::Display for AnswersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(crate::i18n::Texts::of(crate::i18n::Lang::En)))
    }
}

impl AnswersError {
    /// The problems in a language: a heading, then a line each (the
    /// field's path as written in the file, its rule).
    pub fn render(&self, t: &crate::i18n::Texts) -> String {
        let mut out = t.f("answers.problems", &[("n", &self.0.len())]);
        out.push('\n');
        for e in &self.0 {
            out.push_str(&format!("  - {}: {}\n", e.field, t.msg(&e.rule.msg())));
        }
        out
    }

    pub fn single(field: impl Into<String>, rule: impl Into<Rule>) -> Self {
        AnswersError(vec![FieldError {
            field: field.into(),
            rule: rule.into(),
        }])
    }
}
