//! The answers file: its shape (the sections and fields an admin writes,
//! with their defaults) and its text (TOML in, TOML out).

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::types::{self, CONTAINER_FORMATS, DISK_FORMATS, STORES};
use super::{AnswersError, Rule};

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
