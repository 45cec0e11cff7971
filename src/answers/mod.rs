//! The answers: what the admin tells glance-wizard. The same model is filled
//! from an answers file (TOML) or from the TUI's forms, parsed field by field
//! into the types of [`types`] (passwords checked by [`validate`]), and
//! resolved into [`Settings`] that the plan uses.
//!
//! [`Answers`] keeps each field as the admin wrote it, so that one pass can
//! report every broken rule with its field's path; the settings hold only
//! parsed values.

mod fields;
pub mod openrc;
mod resolve;
mod save;
pub use save::secrets_file_name;

use crate::i18n::Message;
use resolve::Missing;
pub use resolve::endpoint_on;
mod schema;
pub mod secrets;
pub mod types;
pub mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::host::target::Profile;
use crate::util::secret::Secret;

use fields::{Fields, Problems};
pub use schema::schema_json;
pub use secrets::{SecretName, Secrets, generate_password};
use types::{
    AbsolutePath, CommandOptionError, ContainerFormat, DiskFormat, FormatError, Host, HostError,
    HttpUrl, IpAddress, IpAddressError, KeystoneName, MemcachedError, MemcachedServer, NameError,
    NoProxyError, PathError, Port, PortError, ProxyUrlError, RegionError, RegionName,
    SqlIdentifier, Store, StoreError, UrlError,
};
pub use types::{CONTAINER_FORMATS, DISK_FORMATS, PORTS, STORES};
use validate::PasswordError;

/// The answers file, as written by the admin. Optional fields get their
/// defaults in [`Answers::resolve`], where they may depend on the controller
/// name or the target release.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(
    title = "glance-wizard answers file",
    description = "What glance-wizard installs Glance with (`glance-wizard answers --template` prints a commented example). Passwords never go here: they belong in the secrets file."
)]
pub struct Answers {
    pub controller: ControllerAnswers,
    pub database: DatabaseAnswers,
    pub keystone: KeystoneAnswers,
    pub endpoints: EndpointAnswers,
    pub image_store: ImageStoreAnswers,
    pub test_image: TestImageAnswers,
    pub proxy: ProxyAnswers,
    pub packages: PackageAnswers,
    pub target: TargetAnswers,
    pub secrets: SecretsAnswers,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ControllerAnswers {
    pub host: String,
    /// Address glance-api listens on (`[DEFAULT] bind_host`); empty leaves
    /// Glance's default (all addresses).
    pub bind_host: String,
}

impl Default for ControllerAnswers {
    fn default() -> Self {
        Self {
            host: "controller".into(),
            bind_host: String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AdminAccess {
    /// root over the unix socket, no password (Debian/Ubuntu MariaDB).
    Socket,
    /// A user and password over TCP (RDO).
    Tcp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseAnswers {
    pub host: Option<String>,
    #[schemars(extend("minimum" = *types::PORTS.start(), "maximum" = *types::PORTS.end()))]
    pub port: i64,
    pub admin_access: AdminAccess,
    pub admin_user: String,
    pub socket: String,
    pub name: String,
    pub user: String,
    /// Load Glance's metadata definitions (`glance-manage
    /// db_load_metadefs`) after the schema: the install guide never does,
    /// and Horizon's "Update Metadata" is empty without them.
    pub load_metadefs: bool,
}

impl Default for DatabaseAnswers {
    fn default() -> Self {
        Self {
            host: None,
            port: 3306,
            admin_access: AdminAccess::Socket,
            admin_user: "root".into(),
            socket: "/run/mysqld/mysqld.sock".into(),
            name: "glance".into(),
            user: "glance".into(),
            load_metadefs: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct KeystoneAnswers {
    pub admin_openrc: String,
    pub os_auth_url: String,
    pub os_username: String,
    pub os_project_name: String,
    pub os_user_domain_name: String,
    pub os_project_domain_name: String,
    pub region: String,
    pub service_user: String,
    pub service_project: String,
    pub www_authenticate_uri: Option<String>,
    pub auth_url: Option<String>,
    pub memcached_servers: Option<Vec<String>>,
}

impl Default for KeystoneAnswers {
    fn default() -> Self {
        Self {
            admin_openrc: String::new(),
            os_auth_url: String::new(),
            os_username: "admin".into(),
            os_project_name: "admin".into(),
            os_user_domain_name: "Default".into(),
            os_project_domain_name: "Default".into(),
            region: "RegionOne".into(),
            service_user: "glance".into(),
            service_project: "service".into(),
            www_authenticate_uri: None,
            auth_url: None,
            memcached_servers: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EndpointAnswers {
    /// The load balancer's name or address in front of several
    /// controllers (`export ansible`); the endpoints default to it.
    /// Default: the controller.
    pub vip: Option<String>,
    pub public: Option<String>,
    pub internal: Option<String>,
    pub admin: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ImageStoreAnswers {
    /// The stores Glance enables. Unset: the ones the release's guide
    /// enables (`file` and `http` up to 2023.1, `file` from 2023.2).
    #[schemars(extend("items" = { "type": "string", "enum": STORES }))]
    pub stores: Option<Vec<String>>,
    pub default_store: String,
    pub data_dir: String,
    pub min_free_mib: u64,
}

impl Default for ImageStoreAnswers {
    fn default() -> Self {
        Self {
            stores: None,
            default_store: "file".into(),
            data_dir: "/var/lib/glance/images/".into(),
            min_free_mib: 1024,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TestImageAnswers {
    pub source: Option<String>,
    pub name: String,
    #[schemars(extend("enum" = DISK_FORMATS))]
    pub disk_format: String,
    #[schemars(extend("enum" = CONTAINER_FORMATS))]
    pub container_format: String,
}

impl Default for TestImageAnswers {
    fn default() -> Self {
        Self {
            source: None,
            name: "cirros".into(),
            disk_format: "qcow2".into(),
            container_format: "bare".into(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ProxyAnswers {
    pub http_proxy: String,
    pub https_proxy: String,
    pub no_proxy: String,
    /// Also write the proxy into the package manager's own configuration
    /// (apt.conf.d / yum.conf / dnf.conf), the original backed up, so that
    /// later runs of apt or yum by hand use it too. Off unless the admin
    /// says so: glance-wizard otherwise only sets it in the environment of
    /// the package manager it runs.
    pub persist: bool,
}

impl ProxyAnswers {
    /// A proxy URL names a user (`http://USER@proxy:3128`): the user's
    /// password then comes from the secrets file.
    pub fn names_a_user(&self) -> bool {
        [&self.http_proxy, &self.https_proxy]
            .into_iter()
            .filter_map(|u| url::Url::parse(u).ok())
            .any(|u| !u.username().is_empty())
    }
}

/// How the package manager is called.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PackageAnswers {
    /// Extra arguments given to every apt-get / yum / dnf call, right after
    /// the program name: e.g. `["-o", "Acquire::http::Timeout=30"]` or
    /// `["--setopt=timeout=30"]`; a private sources list and state
    /// directory (the end-to-end tests install into a scratch root this
    /// way). Shown by `plan`; never put a password here (argv is visible to
    /// every user): the proxy's credentials belong in `[proxy]`.
    pub manager_options: Vec<String>,
    /// Extra arguments for the "is it installed?" check (`dpkg-query`,
    /// `rpm -q`), e.g. `["--admindir=/srv/root/var/lib/dpkg"]` to match a
    /// `Dir::State::status` given in `manager_options`.
    pub query_options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TargetAnswers {
    pub distro: String,
    pub release: String,
}

impl Default for TargetAnswers {
    fn default() -> Self {
        Self {
            distro: "auto".into(),
            release: "auto".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SecretsAnswers {
    pub file: String,
}

impl Default for SecretsAnswers {
    fn default() -> Self {
        Self {
            file: "answers.secrets.toml".into(),
        }
    }
}

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

/// Keystone admin credentials as the environment of an `openstack` call.
/// The password is kept apart so it is only ever put in a child's
/// environment, never in argv or a log.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminCredentials {
    /// OS_* variables other than OS_PASSWORD.
    pub vars: BTreeMap<String, String>,
    pub password: Secret,
    /// Where they came from, for messages.
    pub origin: crate::i18n::Message,
}

impl AdminCredentials {
    pub fn auth_url(&self) -> &str {
        self.vars.get("OS_AUTH_URL").map_or("", String::as_str)
    }

    fn var(&self, name: &str) -> &str {
        self.vars.get(name).map_or("", String::as_str)
    }

    pub fn username(&self) -> &str {
        self.var("OS_USERNAME")
    }
    pub fn project_name(&self) -> &str {
        self.var("OS_PROJECT_NAME")
    }
    pub fn user_domain_name(&self) -> &str {
        let v = self.var("OS_USER_DOMAIN_NAME");
        if v.is_empty() { "Default" } else { v }
    }
    pub fn project_domain_name(&self) -> &str {
        let v = self.var("OS_PROJECT_DOMAIN_NAME");
        if v.is_empty() { "Default" } else { v }
    }

    /// The full environment for a child process, password included.
    pub fn child_env(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        env.push(("OS_PASSWORD".into(), self.password.expose().to_string()));
        env
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum DbAdmin {
    Socket {
        path: AbsolutePath,
        user: SqlIdentifier,
    },
    Tcp {
        user: SqlIdentifier,
        password: Secret,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct DbSettings {
    pub host: Host,
    pub port: Port,
    pub admin: DbAdmin,
    pub name: SqlIdentifier,
    pub user: SqlIdentifier,
    pub password: Secret,
    pub load_metadefs: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeystoneSettings {
    pub admin: AdminCredentials,
    pub region: RegionName,
    pub service_user: KeystoneName,
    pub service_project: KeystoneName,
    pub service_password: Secret,
    pub www_authenticate_uri: HttpUrl,
    pub auth_url: HttpUrl,
    pub memcached_servers: Vec<MemcachedServer>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EndpointSettings {
    /// The name clients reach Glance by: the load balancer's, or the
    /// controller's when there is one controller.
    pub vip: Host,
    pub public: HttpUrl,
    pub internal: HttpUrl,
    pub admin: HttpUrl,
}

impl EndpointSettings {
    pub fn by_interface(&self) -> [(&'static str, &str); 3] {
        [
            ("public", self.public.as_str()),
            ("internal", self.internal.as_str()),
            ("admin", self.admin.as_str()),
        ]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoreSettings {
    pub stores: Vec<Store>,
    pub default_store: Store,
    pub data_dir: AbsolutePath,
    pub min_free_mib: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImageSource {
    Path(PathBuf),
    Url(HttpUrl),
}

/// A URL's password (a source may be `https://user:pw@host/...`) is
/// serialised as the secret it is, never as part of the URL.
impl serde::Serialize for ImageSource {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStructVariant;
        match self {
            ImageSource::Path(path) => {
                serializer.serialize_newtype_variant("ImageSource", 0, "Path", path)
            }
            ImageSource::Url(url) => {
                let mut v = serializer.serialize_struct_variant("ImageSource", 1, "Url", 2)?;
                v.serialize_field("url", &crate::util::mask::mask_url_password(url))?;
                v.serialize_field(
                    "password",
                    &crate::util::mask::url_password(url).map(Secret::new),
                )?;
                v.end()
            }
        }
    }
}

impl fmt::Display for ImageSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageSource::Path(p) => write!(f, "{}", p.display()),
            // Credentials in the URL are never shown.
            ImageSource::Url(u) => f.write_str(&crate::util::mask::mask_url_password(u)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestImageSettings {
    pub source: ImageSource,
    pub name: String,
    pub disk_format: DiskFormat,
    pub container_format: ContainerFormat,
}

pub use crate::host::proxy::ProxySettings;

/// See [`PackageAnswers`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackageSettings {
    pub manager_options: Vec<String>,
    pub query_options: Vec<String>,
}

/// Everything the plan needs, validated, with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub controller: Host,
    /// `[DEFAULT] bind_host`, when the admin chose one.
    pub bind_host: Option<IpAddress>,
    pub db: DbSettings,
    pub keystone: KeystoneSettings,
    pub endpoints: EndpointSettings,
    pub store: StoreSettings,
    pub test_image: TestImageSettings,
    pub proxy: ProxySettings,
    pub packages: PackageSettings,
}

impl Settings {
    /// Every secret, for the redactor.
    pub fn secrets(&self) -> Vec<Secret> {
        let mut all = vec![
            self.db.password.clone(),
            self.keystone.service_password.clone(),
            self.keystone.admin.password.clone(),
        ];
        if let DbAdmin::Tcp { password, .. } = &self.db.admin {
            all.push(password.clone());
        }
        all.extend(self.proxy.password.clone());
        if let ImageSource::Url(url) = &self.test_image.source {
            all.extend(crate::util::mask::url_password(url).map(Secret::new));
        }
        all
    }

    /// A redactor that knows every secret of these settings.
    pub fn redactor(&self) -> crate::util::secret::Redactor {
        let redactor = crate::util::secret::Redactor::new();
        for secret in self.secrets() {
            redactor.add(&secret);
        }
        redactor
    }
}

/// The answers template, with comments, printed by `answers --template`.
pub const TEMPLATE: &str = include_str!("../../assets/answers.template.toml");

impl Answers {
    /// Parses an answers file's text. Unknown keys and wrong types are
    /// reported with the field's path.
    pub fn from_toml(text: &str) -> Result<Answers, AnswersError> {
        toml::from_str::<Answers>(text).map_err(|e| {
            let field = e
                .span()
                .map(|span| field_path_at(text, span.start))
                .unwrap_or_else(|| "answers".into());
            AnswersError::single(field, e.message().to_string())
        })
    }

    pub fn load(path: &Path) -> Result<Answers, AnswersError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| AnswersError::single("answers", Rule::unreadable(path, e)))?;
        Self::from_toml(&text)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("answers always serialize")
    }

    /// The secrets file named in `[secrets] file`, relative to the answers
    /// file's directory.
    pub fn secrets_path(&self, answers_path: &Path) -> PathBuf {
        let file = Path::new(&self.secrets.file);
        if file.is_absolute() {
            file.to_path_buf()
        } else {
            answers_path.parent().unwrap_or(Path::new(".")).join(file)
        }
    }

    /// Checks every field that does not need secrets or the machine.
    /// Collects all problems instead of stopping at the first.
    pub fn validate_fields(&self) -> Vec<FieldError> {
        let mut problems = Problems::default();
        fields::parse(self, &mut problems);
        problems.0
    }

    /// Validates everything and fills defaults. `admin` are the resolved
    /// Keystone admin credentials (from the openrc or the os_* fields).
    pub fn resolve(
        &self,
        profile: &Profile,
        secrets: &Secrets,
        admin: AdminCredentials,
    ) -> Result<Settings, AnswersError> {
        let mut problems = Problems::default();
        let fields = fields::parse(self, &mut problems);
        self.resolve_with(fields, problems, profile, secrets, admin, Missing::Refused)
    }

    /// The proxy alone, as [`Answers::resolve`] makes it (the controller
    /// always in `no_proxy`): the proxy screen tests it before the rest of
    /// the form is complete.
    pub fn proxy(&self, password: Option<Secret>) -> Result<ProxySettings, AnswersError> {
        let mut problems = Problems::default();
        let controller = fields::controller(&self.controller, &mut problems);
        let proxy = fields::proxy(&self.proxy, &mut problems);
        match (controller, proxy) {
            (Some(controller), Some(proxy)) if problems.0.is_empty() => {
                Ok(resolve::proxy_settings(proxy, &controller.host, password))
            }
            _ => Err(AnswersError(problems.0)),
        }
    }

    /// These answers once every field parsed, so that resolving them does
    /// not parse the fields again.
    pub fn checked(&self) -> Result<CheckedAnswers<'_>, AnswersError> {
        let mut problems = Problems::default();
        match fields::parse(self, &mut problems) {
            Some(fields) if problems.0.is_empty() => Ok(CheckedAnswers {
                answers: self,
                fields,
            }),
            _ => Err(AnswersError(problems.0)),
        }
    }

    /// The secrets checked after the field `problems` found before, then
    /// the settings when there is no problem at all (`fields` is `None`
    /// only when a field's problem was recorded).
    fn resolve_with(
        &self,
        fields: Option<Fields>,
        mut problems: Problems,
        profile: &Profile,
        secrets: &Secrets,
        admin: AdminCredentials,
        missing: Missing,
    ) -> Result<Settings, AnswersError> {
        let resolved = self.resolve_secrets(profile, secrets, &admin, &mut problems, missing);
        let store = fields
            .as_ref()
            .and_then(|f| resolve::store_settings(&f.store, profile, &mut problems));
        match (fields, store) {
            (Some(fields), Some(store)) if problems.0.is_empty() => {
                Ok(Answers::settings(fields, store, profile, admin, resolved))
            }
            _ => Err(AnswersError(problems.0)),
        }
    }

    /// Keystone admin credentials from the os_* fields (password from the
    /// secrets), when no admin-openrc is given.
    pub fn manual_admin_credentials(&self, secrets: &Secrets) -> Option<AdminCredentials> {
        let k = &self.keystone;
        if !k.admin_openrc.is_empty() || k.os_auth_url.is_empty() {
            return None;
        }
        let mut vars = BTreeMap::new();
        for (name, value) in [
            ("OS_AUTH_URL", &k.os_auth_url),
            ("OS_USERNAME", &k.os_username),
            ("OS_PROJECT_NAME", &k.os_project_name),
            ("OS_USER_DOMAIN_NAME", &k.os_user_domain_name),
            ("OS_PROJECT_DOMAIN_NAME", &k.os_project_domain_name),
        ] {
            vars.insert(name.to_string(), value.clone());
        }
        vars.insert("OS_IDENTITY_API_VERSION".into(), "3".into());
        Some(AdminCredentials {
            vars,
            password: secrets
                .get(SecretName::OsPassword)
                .cloned()
                .unwrap_or_default(),
            origin: crate::i18n::Message::new("plan.admin_from_answers"),
        })
    }
}

/// Answers whose fields all parsed, with their parsed values; made by
/// [`Answers::checked`].
#[derive(Debug, Clone)]
pub struct CheckedAnswers<'a> {
    answers: &'a Answers,
    fields: Fields,
}

impl<'a> CheckedAnswers<'a> {
    pub fn answers(&self) -> &'a Answers {
        self.answers
    }

    /// [`Answers::resolve`] without checking the fields again.
    pub fn resolve(
        self,
        profile: &Profile,
        secrets: &Secrets,
        admin: AdminCredentials,
    ) -> Result<Settings, AnswersError> {
        self.answers.resolve_with(
            Some(self.fields),
            Problems::default(),
            profile,
            secrets,
            admin,
            Missing::Refused,
        )
    }

    /// [`CheckedAnswers::resolve`] with each missing password a
    /// [`Secret::not_set`] stand-in, for showing the plan only: see
    /// [`crate::ops::preview::plan_preview`], which keeps these settings to itself.
    pub(crate) fn resolve_with_stand_ins(
        self,
        profile: &Profile,
        secrets: &Secrets,
        admin: AdminCredentials,
    ) -> Result<Settings, AnswersError> {
        self.answers.resolve_with(
            Some(self.fields),
            Problems::default(),
            profile,
            secrets,
            admin,
            Missing::StandIn,
        )
    }
}

/// A test image source that is a URL to download (else it is a local path).
fn is_url_source(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Names that must never go through a proxy: the controller's name, its
/// resolved addresses, localhost and 127.0.0.1.
pub fn controller_no_proxy(controller: &str) -> Vec<String> {
    use std::net::ToSocketAddrs;
    let mut out = vec![controller.to_string()];
    if let Ok(addrs) = (controller, 0).to_socket_addrs() {
        for addr in addrs {
            let ip = addr.ip().to_string();
            if !out.contains(&ip) {
                out.push(ip);
            }
        }
    }
    for fixed in ["localhost", "127.0.0.1"] {
        if !out.iter().any(|e| e == fixed) {
            out.push(fixed.to_string());
        }
    }
    out
}

/// The dotted TOML path of the key at a byte offset, for error messages
/// (`[database]` + `port = 0` gives `database.port`).
fn field_path_at(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let mut section = String::new();
    for line in before.lines() {
        let line = line.trim();
        if line.starts_with('[') && line.ends_with(']') {
            section = line.trim_matches(['[', ']']).trim().to_string();
        }
    }
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let key = line
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"')
        .to_string();
    match (section.is_empty(), key.is_empty() || key.starts_with('[')) {
        (true, _) => key,
        (false, true) => section,
        (false, false) => format!("{section}.{key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answers' default `default_store` is one that every release's
    /// guide enables: answers that set neither store key resolve on every
    /// release.
    #[test]
    fn every_release_enables_the_default_store() {
        let default = Answers::default().image_store.default_store;
        for r in crate::host::target::releases() {
            assert!(
                r.default_stores.iter().any(|s| s.as_str() == default),
                "{}: {:?}",
                r.name,
                r.default_stores
            );
        }
    }

    /// The two glance passwords and the Keystone admin's.
    fn test_secrets() -> Secrets {
        let mut secrets = Secrets::default();
        secrets.set(SecretName::GlanceDbPassword, Secret::new("db-password-1"));
        secrets.set(
            SecretName::GlanceServicePassword,
            Secret::new("svc-password-1"),
        );
        secrets.set(SecretName::OsPassword, Secret::new("admin-password"));
        secrets
    }

    fn proxy(no_proxy: &[&str]) -> ProxySettings {
        ProxySettings {
            http_proxy: "http://gw@proxy:3128".into(),
            https_proxy: String::new(),
            password: Some(Secret::new("p@ss%x")),
            no_proxy: no_proxy.iter().map(|s| s.to_string()).collect(),
            persist: false,
        }
    }

    #[test]
    fn no_proxy_matching() {
        let p = proxy(&["controller", "127.0.0.1", ".example.org", "mirror.lan:8080"]);
        let via = |url: &str| p.proxy_for(url).is_some();
        assert!(via("http://download.cirros-cloud.net/0.4.0/x.img"));
        assert!(
            via("http://127.0.0.2:8000/x.img"),
            "127.0.0.2 is not listed"
        );
        assert!(!via("http://controller:9292/"));
        assert!(!via("http://127.0.0.1:8000/x"));
        assert!(!via("http://images.example.org/x"));
        assert!(
            !via("http://example.org/x"),
            "curl: .example.org covers example.org"
        );
        assert!(!via("http://mirror.lan:8080/x"));
        assert!(via("http://mirror.lan/x"), "another port");
        assert!(via("http://notexample.org/x"));
        assert!(
            p.proxy_for("https://secure.example.com/").is_none(),
            "no https_proxy: https goes direct"
        );
        assert!(proxy(&["*"]).proxy_for("http://anything/").is_none());
    }

    #[test]
    fn proxy_password_only_where_the_proxy_is_used() {
        let p = proxy(&[]);
        assert_eq!(
            p.with_credentials(&p.http_proxy).expose(),
            "http://gw:p%40ss%25x@proxy:3128"
        );
        assert_eq!(p.shown(), Some("http://gw@proxy:3128"));
        assert!(!format!("{p:?}").contains("p@ss"));
        let env = p.child_env();
        assert!(env.contains(&(
            "http_proxy".into(),
            "http://gw:p%40ss%25x@proxy:3128".into()
        )));
        assert!(
            p.proxy_for("http://example.net/")
                .is_some_and(|u| u.expose().contains("p%40ss"))
        );
        let redactor = crate::util::secret::Redactor::new();
        redactor.add(p.password.as_ref().unwrap());
        assert_eq!(redactor.redact(&env[0].1), "http://gw:********@proxy:3128");
    }

    /// Unset stores are the release guide's: `file,http` up to 2023.1,
    /// `file` from 2023.2; a default store the guide does not enable is
    /// named, and a list the answers give is kept on every release.
    #[test]
    fn unset_stores_follow_the_release_guide() {
        use crate::host::target::{InitSystem, profile_for};
        let secrets = test_secrets();
        let resolve = |answers: &Answers, release: &str| {
            let profile = profile_for("debian", release, InitSystem::SysV).unwrap();
            let admin = answers.manual_admin_credentials(&secrets).unwrap();
            answers.resolve(&profile, &secrets, admin)
        };
        let stores = |answers: &Answers, release: &str| {
            let settings = resolve(answers, release).unwrap();
            settings.store.stores.join(",")
        };
        let mut answers = Answers::default();
        answers.keystone.os_auth_url = "http://controller:5000/v3".into();
        for (release, want) in [
            ("pike", "file,http"),
            ("2023.1", "file,http"),
            ("2023.2", "file"),
        ] {
            assert_eq!(stores(&answers, release), want, "{release}");
        }
        answers.image_store.default_store = "http".into();
        assert_eq!(stores(&answers, "zed"), "file,http");
        let error = resolve(&answers, "2023.2").unwrap_err().to_string();
        assert!(
            error.contains("image_store.default_store: `http` is not among the stores the 2023.2"),
            "{error}"
        );
        answers.image_store.stores = Some(vec!["file".into(), "http".into()]);
        assert_eq!(stores(&answers, "2024.1"), "file,http");
        answers.image_store.stores = Some(vec!["file".into()]);
        answers.image_store.default_store = "file".into();
        assert_eq!(stores(&answers, "pike"), "file");
    }

    /// `[endpoints] vip`: the controller when unset; the endpoints the
    /// answers leave unset go to glance-api on it; one that is not a host
    /// is named with its field.
    #[test]
    fn the_vip_is_where_unset_endpoints_go() {
        use crate::host::target::{InitSystem, profile_for};
        let secrets = test_secrets();
        let profile = profile_for("debian", "zed", InitSystem::SysV).unwrap();
        let resolve = |answers: &Answers| {
            let admin = answers.manual_admin_credentials(&secrets).unwrap();
            answers.resolve(&profile, &secrets, admin)
        };
        let mut answers = Answers::default();
        answers.controller.host = "ctl-1".into();
        answers.keystone.os_auth_url = "http://ctl-1:5000/v3".into();
        let endpoints = resolve(&answers).unwrap().endpoints;
        assert_eq!(endpoints.vip, "ctl-1");
        assert_eq!(endpoints.internal, "http://ctl-1:9292");

        answers.endpoints.vip = Some("fd00::10".into());
        answers.endpoints.public = Some("https://images.example.org:9292".into());
        let endpoints = resolve(&answers).unwrap().endpoints;
        assert_eq!(endpoints.vip, "fd00::10");
        assert_eq!(endpoints.public, "https://images.example.org:9292");
        assert_eq!(endpoints.internal, "http://[fd00::10]:9292");
        assert_eq!(endpoints.admin, "http://[fd00::10]:9292");

        answers.endpoints.vip = Some("not a host".into());
        let problems = resolve(&answers).unwrap_err().to_string();
        assert!(problems.contains("endpoints.vip: "), "{problems}");
    }

    /// The proxy screen's test uses the proxy apply will: the controller
    /// added to no_proxy once, each broken field named.
    #[test]
    fn the_proxy_alone_is_resolved_as_apply_resolves_it() {
        let mut answers = Answers::default();
        answers.controller.host = "ctl-1".into();
        answers.proxy.http_proxy = "http://gw@proxy:3128".into();
        answers.proxy.no_proxy = "mirror.lan, ctl-1".into();
        let proxy = answers.proxy(Some(Secret::new("p@ss"))).unwrap();
        assert_eq!(proxy.shown(), Some("http://gw@proxy:3128"));
        assert_eq!(proxy.password.as_ref().map(|p| p.expose()), Some("p@ss"));
        let mut expected = vec!["mirror.lan".to_string(), "ctl-1".to_string()];
        for always in controller_no_proxy("ctl-1") {
            if !expected.contains(&always) {
                expected.push(always);
            }
        }
        assert_eq!(proxy.no_proxy, expected);

        answers.proxy.https_proxy = "ftp://proxy".into();
        answers.controller.host = "not a host".into();
        let problems = answers.proxy(None).unwrap_err().to_string();
        assert!(problems.contains("controller.host"), "{problems}");
        assert!(problems.contains("proxy.https_proxy"), "{problems}");
    }
}
