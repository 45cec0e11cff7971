//! The answers' fields parsed into their types ([`super::types`]), one
//! function per section of the answers, in file order. Every field is
//! parsed even after one failed, so that all problems are reported at once;
//! a section's values exist only when all of its fields parsed.

use std::path::PathBuf;
use std::str::FromStr;

use super::types::{
    AbsolutePath, CommandOption, ContainerFormat, DiskFormat, Host, HttpUrl, IpAddress,
    KeystoneName, MemcachedServer, NoProxyEntry, Port, ProxyUrl, RegionName, SqlIdentifier, Store,
};
use super::{
    AdminAccess, Answers, ControllerAnswers, DatabaseAnswers, EndpointAnswers, FieldError,
    ImageSource, ImageStoreAnswers, KeystoneAnswers, PackageAnswers, ProxyAnswers, Rule,
    TestImageAnswers,
};

/// Every broken rule found so far, in the order the fields were checked.
#[derive(Default)]
pub(super) struct Problems(pub(super) Vec<FieldError>);

impl Problems {
    pub(super) fn add(&mut self, field: impl Into<String>, rule: impl Into<Rule>) {
        self.0.push(FieldError {
            field: field.into(),
            rule: rule.into(),
        });
    }

    /// `result`'s value, or `None` with its rule recorded against `field`.
    pub(super) fn record<T, E: Into<Rule>>(
        &mut self,
        field: impl Into<String>,
        result: Result<T, E>,
    ) -> Option<T> {
        result.map_err(|rule| self.add(field, rule)).ok()
    }

    /// `value` parsed as a `T`, or `None` with the rule it breaks recorded.
    fn parse<T>(&mut self, field: impl Into<String>, value: &str) -> Option<T>
    where
        T: FromStr,
        T::Err: Into<Rule>,
    {
        self.record(field, value.parse::<T>())
    }

    /// An optional field: `Some(None)` when it is not given, `None` when
    /// it is given and broken.
    fn parse_optional<T>(&mut self, field: &str, value: Option<&str>) -> Option<Option<T>>
    where
        T: FromStr,
        T::Err: Into<Rule>,
    {
        match value {
            None => Some(None),
            Some(v) => self.parse(field, v).map(Some),
        }
    }

    /// Each entry of a list, reported as `field[i]`.
    fn parse_list<T>(&mut self, field: &str, values: &[String]) -> Option<Vec<T>>
    where
        T: FromStr,
        T::Err: Into<Rule>,
    {
        let parsed: Vec<Option<T>> = values
            .iter()
            .enumerate()
            .map(|(i, v)| self.parse(format!("{field}[{i}]"), v))
            .collect();
        parsed.into_iter().collect()
    }

    /// A field that must not be blank.
    fn non_empty(&mut self, field: &str, value: &str) -> Option<String> {
        if value.trim().is_empty() {
            self.add(field, Rule::Empty);
            None
        } else {
            Some(value.to_string())
        }
    }
}

/// The answers' fields, each of its type: what the settings are made of,
/// before the secrets and the defaults.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Fields {
    pub controller: ControllerFields,
    pub database: DatabaseFields,
    pub keystone: KeystoneFields,
    pub endpoints: EndpointFields,
    pub store: StoreFields,
    pub test_image: TestImageFields,
    pub proxy: ProxyFields,
    pub packages: PackageFields,
}

/// The answers parsed, every problem recorded in `p`.
pub(super) fn parse(a: &Answers, p: &mut Problems) -> Option<Fields> {
    let controller = controller(&a.controller, p);
    let database = database(&a.database, p);
    let keystone = keystone(&a.keystone, p);
    let endpoints = endpoints(&a.endpoints, p);
    let store = image_store(&a.image_store, p);
    let test_image = test_image(&a.test_image, p);
    let proxy = proxy(&a.proxy, p);
    let packages = packages(&a.packages, p);
    Some(Fields {
        controller: controller?,
        database: database?,
        keystone: keystone?,
        endpoints: endpoints?,
        store: store?,
        test_image: test_image?,
        proxy: proxy?,
        packages: packages?,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct ControllerFields {
    pub host: Host,
    pub bind_host: Option<IpAddress>,
}

pub(super) fn controller(c: &ControllerAnswers, p: &mut Problems) -> Option<ControllerFields> {
    let host = p.parse("controller.host", &c.host);
    let bind_host = Some(c.bind_host.as_str()).filter(|b| !b.is_empty());
    let bind_host = p.parse_optional("controller.bind_host", bind_host);
    Some(ControllerFields {
        host: host?,
        bind_host: bind_host?,
    })
}

/// How the database admin connects.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum DbAccess {
    Socket(AbsolutePath),
    Tcp,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct DatabaseFields {
    pub host: Option<Host>,
    pub port: Port,
    pub admin_user: SqlIdentifier,
    /// Over the socket (its path) or TCP.
    pub access: DbAccess,
    pub name: SqlIdentifier,
    pub user: SqlIdentifier,
    pub load_metadefs: bool,
}

fn database(d: &DatabaseAnswers, p: &mut Problems) -> Option<DatabaseFields> {
    let host = p.parse_optional("database.host", d.host.as_deref());
    let port = p.record("database.port", Port::try_from(d.port));
    let admin_user = p.parse("database.admin_user", &d.admin_user);
    let access = match d.admin_access {
        AdminAccess::Socket => p.parse("database.socket", &d.socket).map(DbAccess::Socket),
        AdminAccess::Tcp => Some(DbAccess::Tcp),
    };
    let name = p.parse("database.name", &d.name);
    let user = p.parse("database.user", &d.user);
    Some(DatabaseFields {
        host: host?,
        port: port?,
        admin_user: admin_user?,
        access: access?,
        name: name?,
        user: user?,
        load_metadefs: d.load_metadefs,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct KeystoneFields {
    pub region: RegionName,
    pub service_user: KeystoneName,
    pub service_project: KeystoneName,
    pub www_authenticate_uri: Option<HttpUrl>,
    pub auth_url: Option<HttpUrl>,
    pub memcached_servers: Option<Vec<MemcachedServer>>,
}

fn keystone(k: &KeystoneAnswers, p: &mut Problems) -> Option<KeystoneFields> {
    let admin = keystone_admin(k, p);
    let region = p.parse("keystone.region", &k.region);
    let service_user = p.parse("keystone.service_user", &k.service_user);
    let service_project = p.parse("keystone.service_project", &k.service_project);
    let www_authenticate_uri = p.parse_optional(
        "keystone.www_authenticate_uri",
        k.www_authenticate_uri.as_deref(),
    );
    let auth_url = p.parse_optional("keystone.auth_url", k.auth_url.as_deref());
    let memcached_servers = match &k.memcached_servers {
        None => Some(None),
        Some(servers) => {
            if servers.is_empty() {
                p.add("keystone.memcached_servers", Rule::NoMemcached);
            }
            p.parse_list("keystone.memcached_servers", servers)
                .filter(|s| !s.is_empty())
                .map(Some)
        }
    };
    admin?;
    Some(KeystoneFields {
        region: region?,
        service_user: service_user?,
        service_project: service_project?,
        www_authenticate_uri: www_authenticate_uri?,
        auth_url: auth_url?,
        memcached_servers: memcached_servers?,
    })
}

/// Where the Keystone admin credentials come from: an admin-openrc, or
/// the os_* fields. Only checked: the credentials are read by
/// `wizard::admin_credentials`.
fn keystone_admin(k: &KeystoneAnswers, p: &mut Problems) -> Option<()> {
    if !k.admin_openrc.is_empty() {
        p.parse::<AbsolutePath>("keystone.admin_openrc", &k.admin_openrc)?;
    } else if k.os_auth_url.is_empty() {
        p.add("keystone.admin_openrc", Rule::NoAdminCredentials);
        return None;
    } else {
        let url = p.parse::<HttpUrl>("keystone.os_auth_url", &k.os_auth_url);
        let user = p.non_empty("keystone.os_username", &k.os_username);
        let project = p.non_empty("keystone.os_project_name", &k.os_project_name);
        url?;
        user?;
        project?;
    }
    Some(())
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct EndpointFields {
    /// `None`: the controller.
    pub vip: Option<Host>,
    pub public: Option<HttpUrl>,
    pub internal: Option<HttpUrl>,
    pub admin: Option<HttpUrl>,
}

fn endpoints(e: &EndpointAnswers, p: &mut Problems) -> Option<EndpointFields> {
    let vip = p.parse_optional("endpoints.vip", e.vip.as_deref());
    let public = p.parse_optional("endpoints.public", e.public.as_deref());
    let internal = p.parse_optional("endpoints.internal", e.internal.as_deref());
    let admin = p.parse_optional("endpoints.admin", e.admin.as_deref());
    Some(EndpointFields {
        vip: vip?,
        public: public?,
        internal: internal?,
        admin: admin?,
    })
}

/// The image store's fields. Whether an unset list holds the default store
/// depends on the release: see `resolve::store_settings`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct StoreFields {
    /// `None`: the stores the release's guide enables.
    pub stores: Option<Vec<Store>>,
    pub default_store: Store,
    pub data_dir: AbsolutePath,
    pub min_free_mib: u64,
}

fn image_store(s: &ImageStoreAnswers, p: &mut Problems) -> Option<StoreFields> {
    let (stores, default_store) = match &s.stores {
        None => (
            Some(None),
            p.parse("image_store.default_store", &s.default_store),
        ),
        Some(listed) => {
            let (stores, default_store) = listed_stores(listed, &s.default_store, p);
            (stores.map(Some), default_store)
        }
    };
    let data_dir = p.parse("image_store.data_dir", &s.data_dir);
    Some(StoreFields {
        stores: stores?,
        default_store: default_store?,
        data_dir: data_dir?,
        min_free_mib: s.min_free_mib,
    })
}

/// A list of stores the answers give, and their default, which must be in
/// it.
fn listed_stores(
    listed: &[String],
    default_store: &str,
    p: &mut Problems,
) -> (Option<Vec<Store>>, Option<Store>) {
    if listed.is_empty() {
        p.add("image_store.stores", Rule::NoStore);
    }
    let stores = p.parse_list::<Store>("image_store.stores", listed);
    // A default that is listed but not supported is reported once, as the
    // list's entry.
    let default_store = if listed.iter().any(|s| s == default_store) {
        default_store.parse::<Store>().ok()
    } else {
        p.add(
            "image_store.default_store",
            Rule::DefaultStoreNotListed(default_store.to_string()),
        );
        None
    };
    (stores.filter(|s| !s.is_empty()), default_store)
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct TestImageFields {
    /// `None`: the release's CirrOS download.
    pub source: Option<ImageSource>,
    pub name: String,
    pub disk_format: DiskFormat,
    pub container_format: ContainerFormat,
}

/// A test image source: a URL to download, else a local file.
fn image_source(source: &str, p: &mut Problems) -> Option<ImageSource> {
    const FIELD: &str = "test_image.source";
    if is_url_source(source) {
        p.parse(FIELD, source).map(ImageSource::Url)
    } else {
        p.parse::<AbsolutePath>(FIELD, source)
            .map(|path| ImageSource::Path(PathBuf::from(String::from(path))))
    }
}

fn test_image(t: &TestImageAnswers, p: &mut Problems) -> Option<TestImageFields> {
    let source = match &t.source {
        None => Some(None),
        Some(s) => image_source(s, p).map(Some),
    };
    let name = p.non_empty("test_image.name", &t.name);
    let disk_format = p.parse("test_image.disk_format", &t.disk_format);
    let container_format = p.parse("test_image.container_format", &t.container_format);
    Some(TestImageFields {
        source: source?,
        name: name?,
        disk_format: disk_format?,
        container_format: container_format?,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct ProxyFields {
    pub http_proxy: Option<ProxyUrl>,
    pub https_proxy: Option<ProxyUrl>,
    pub no_proxy: Vec<NoProxyEntry>,
    pub persist: bool,
}

pub(super) fn proxy(x: &ProxyAnswers, p: &mut Problems) -> Option<ProxyFields> {
    let given = |url: &str| Some(url.to_string()).filter(|u| !u.is_empty());
    let http_proxy = p.parse_optional("proxy.http_proxy", given(&x.http_proxy).as_deref());
    let https_proxy = p.parse_optional("proxy.https_proxy", given(&x.https_proxy).as_deref());
    let no_proxy: Vec<Option<NoProxyEntry>> = split_list(&x.no_proxy)
        .map(|entry| p.parse("proxy.no_proxy", entry))
        .collect();
    let nothing_to_persist = x.persist && x.http_proxy.is_empty() && x.https_proxy.is_empty();
    if nothing_to_persist {
        p.add("proxy.persist", Rule::NothingToPersist);
        return None;
    }
    Some(ProxyFields {
        http_proxy: http_proxy?,
        https_proxy: https_proxy?,
        no_proxy: no_proxy.into_iter().collect::<Option<_>>()?,
        persist: x.persist,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct PackageFields {
    pub manager_options: Vec<CommandOption>,
    pub query_options: Vec<CommandOption>,
}

fn packages(x: &PackageAnswers, p: &mut Problems) -> Option<PackageFields> {
    let manager_options = p.parse_list("packages.manager_options", &x.manager_options);
    let query_options = p.parse_list("packages.query_options", &x.query_options);
    Some(PackageFields {
        manager_options: manager_options?,
        query_options: query_options?,
    })
}

/// A test image source that is a URL to download (else it is a local path).
fn is_url_source(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}
