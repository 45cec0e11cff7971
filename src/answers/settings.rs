//! The settings: the answers resolved into parsed values and defaults,
//! which the plan uses.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use super::types::{
    AbsolutePath, ContainerFormat, DiskFormat, Host, HttpUrl, IpAddress, KeystoneName,
    MemcachedServer, Port, RegionName, SqlIdentifier, Store,
};
use crate::host::proxy::ProxySettings;
use crate::util::secret::Secret;

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

/// See [`PackageAnswers`](super::PackageAnswers).
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
