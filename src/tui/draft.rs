//! The forms' state: one string per field, turned into the same
//! [`Answers`] and [`Secrets`] an answers file gives, and parsed by the
//! same code (`Answers::resolve`, which parses each field with its type from
//! `answers::types` and checks passwords with `answers::validate`).

use std::collections::{BTreeMap, BTreeSet};

use crate::answers::types::{Host, HttpUrl, Store};
use crate::answers::{
    AdminAccess, AdminCredentials, Answers, Rule, SecretName, Secrets, endpoint_on, validate,
};
use crate::host::target::Profile;
use crate::util::escape::url_host;
use crate::util::secret::Secret;

/// Every field of every form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FormField {
    ControllerHost,
    BindHost,
    DbHost,
    DbPort,
    AdminAccess,
    AdminUser,
    Socket,
    DbAdminPassword,
    DbName,
    DbUser,
    DbPassword,
    DbPasswordAgain,
    AdminMode,
    Openrc,
    OsAuthUrl,
    OsUsername,
    OsProjectName,
    OsUserDomain,
    OsProjectDomain,
    OsPassword,
    ServicePassword,
    ServicePasswordAgain,
    Region,
    ServiceUser,
    ServiceProject,
    WwwAuthUri,
    AuthUrl,
    Memcached,
    Vip,
    EndpointPublic,
    EndpointInternal,
    EndpointAdmin,
    Stores,
    DefaultStore,
    DataDir,
    MinFree,
    TestSource,
    TestName,
    DiskFormat,
    ContainerFormat,
    HttpProxy,
    HttpsProxy,
    ProxyPassword,
    NoProxy,
    ProxyTestUrl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Masked on screen, always.
    Secret,
    /// One of fixed values, cycled with ←/→/Space.
    Choice(&'static [&'static str]),
}

/// The formats the answers accept: the form offers exactly these.
pub use crate::answers::{CONTAINER_FORMATS, DISK_FORMATS};

impl FormField {
    pub const DATABASE: &[FormField] = &[
        FormField::ControllerHost,
        FormField::BindHost,
        FormField::DbHost,
        FormField::DbPort,
        FormField::AdminAccess,
        FormField::AdminUser,
        FormField::Socket,
        FormField::DbAdminPassword,
        FormField::DbName,
        FormField::DbUser,
        FormField::DbPassword,
        FormField::DbPasswordAgain,
    ];
    pub const IDENTITY: &[FormField] = &[
        FormField::AdminMode,
        FormField::Openrc,
        FormField::OsAuthUrl,
        FormField::OsUsername,
        FormField::OsProjectName,
        FormField::OsUserDomain,
        FormField::OsProjectDomain,
        FormField::OsPassword,
        FormField::ServicePassword,
        FormField::ServicePasswordAgain,
        FormField::Region,
        FormField::ServiceUser,
        FormField::ServiceProject,
        FormField::WwwAuthUri,
        FormField::AuthUrl,
        FormField::Memcached,
        FormField::Vip,
        FormField::EndpointPublic,
        FormField::EndpointInternal,
        FormField::EndpointAdmin,
    ];
    pub const IMAGE: &[FormField] = &[
        FormField::Stores,
        FormField::DefaultStore,
        FormField::DataDir,
        FormField::MinFree,
        FormField::TestSource,
        FormField::TestName,
        FormField::DiskFormat,
        FormField::ContainerFormat,
    ];
    pub const PROXY: &[FormField] = &[
        FormField::HttpProxy,
        FormField::HttpsProxy,
        FormField::ProxyPassword,
        FormField::NoProxy,
        FormField::ProxyTestUrl,
    ];

    pub fn all() -> impl Iterator<Item = FormField> {
        [
            FormField::DATABASE,
            FormField::IDENTITY,
            FormField::IMAGE,
            FormField::PROXY,
        ]
        .into_iter()
        .flatten()
        .copied()
    }

    /// The i18n name: `field.<name>.label` and `field.<name>.rule`.
    pub fn name(self) -> &'static str {
        match self {
            FormField::ControllerHost => "controller_host",
            FormField::BindHost => "bind_host",
            FormField::DbHost => "db_host",
            FormField::DbPort => "db_port",
            FormField::AdminAccess => "admin_access",
            FormField::AdminUser => "admin_user",
            FormField::Socket => "socket",
            FormField::DbAdminPassword => "db_admin_password",
            FormField::DbName => "db_name",
            FormField::DbUser => "db_user",
            FormField::DbPassword => "db_password",
            FormField::DbPasswordAgain => "db_password_again",
            FormField::AdminMode => "admin_mode",
            FormField::Openrc => "openrc",
            FormField::OsAuthUrl => "os_auth_url",
            FormField::OsUsername => "os_username",
            FormField::OsProjectName => "os_project_name",
            FormField::OsUserDomain => "os_user_domain",
            FormField::OsProjectDomain => "os_project_domain",
            FormField::OsPassword => "os_password",
            FormField::ServicePassword => "service_password",
            FormField::ServicePasswordAgain => "service_password_again",
            FormField::Region => "region",
            FormField::ServiceUser => "service_user",
            FormField::ServiceProject => "service_project",
            FormField::WwwAuthUri => "www_authenticate_uri",
            FormField::AuthUrl => "auth_url",
            FormField::Memcached => "memcached",
            FormField::Vip => "vip",
            FormField::EndpointPublic => "endpoint_public",
            FormField::EndpointInternal => "endpoint_internal",
            FormField::EndpointAdmin => "endpoint_admin",
            FormField::Stores => "stores",
            FormField::DefaultStore => "default_store",
            FormField::DataDir => "data_dir",
            FormField::MinFree => "min_free",
            FormField::TestSource => "test_source",
            FormField::TestName => "test_name",
            FormField::DiskFormat => "disk_format",
            FormField::ContainerFormat => "container_format",
            FormField::HttpProxy => "http_proxy",
            FormField::HttpsProxy => "https_proxy",
            FormField::ProxyPassword => "proxy_password",
            FormField::NoProxy => "no_proxy",
            FormField::ProxyTestUrl => "proxy_test_url",
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            FormField::DbAdminPassword
            | FormField::DbPassword
            | FormField::DbPasswordAgain
            | FormField::OsPassword
            | FormField::ServicePassword
            | FormField::ServicePasswordAgain
            | FormField::ProxyPassword => Kind::Secret,
            FormField::AdminAccess => Kind::Choice(&["socket", "tcp"]),
            FormField::AdminMode => Kind::Choice(&["openrc", "manual"]),
            FormField::Stores => Kind::Choice(&["file", "file+http"]),
            FormField::DefaultStore => Kind::Choice(&["file", "http"]),
            FormField::DiskFormat => Kind::Choice(DISK_FORMATS),
            FormField::ContainerFormat => Kind::Choice(CONTAINER_FORMATS),
            _ => Kind::Text,
        }
    }

    /// The answers-file path whose errors belong to this field.
    pub fn path(self) -> &'static str {
        match self {
            FormField::ControllerHost => "controller.host",
            FormField::BindHost => "controller.bind_host",
            FormField::DbHost => "database.host",
            FormField::DbPort => "database.port",
            FormField::AdminAccess => "database.admin_access",
            FormField::AdminUser => "database.admin_user",
            FormField::Socket => "database.socket",
            FormField::DbAdminPassword => "secrets.db_admin_password",
            FormField::DbName => "database.name",
            FormField::DbUser => "database.user",
            FormField::DbPassword => "secrets.glance_db_password",
            FormField::DbPasswordAgain => "",
            FormField::AdminMode => "",
            FormField::Openrc => "keystone.admin_openrc",
            FormField::OsAuthUrl => "keystone.os_auth_url",
            FormField::OsUsername => "keystone.os_username",
            FormField::OsProjectName => "keystone.os_project_name",
            FormField::OsUserDomain => "keystone.os_user_domain_name",
            FormField::OsProjectDomain => "keystone.os_project_domain_name",
            FormField::OsPassword => "secrets.os_password",
            FormField::ServicePassword => "secrets.glance_service_password",
            FormField::ServicePasswordAgain => "",
            FormField::Region => "keystone.region",
            FormField::ServiceUser => "keystone.service_user",
            FormField::ServiceProject => "keystone.service_project",
            FormField::WwwAuthUri => "keystone.www_authenticate_uri",
            FormField::AuthUrl => "keystone.auth_url",
            FormField::Memcached => "keystone.memcached_servers",
            FormField::Vip => "endpoints.vip",
            FormField::EndpointPublic => "endpoints.public",
            FormField::EndpointInternal => "endpoints.internal",
            FormField::EndpointAdmin => "endpoints.admin",
            FormField::Stores => "image_store.stores",
            FormField::DefaultStore => "image_store.default_store",
            FormField::DataDir => "image_store.data_dir",
            FormField::MinFree => "image_store.min_free_mib",
            FormField::TestSource => "test_image.source",
            FormField::TestName => "test_image.name",
            FormField::DiskFormat => "test_image.disk_format",
            FormField::ContainerFormat => "test_image.container_format",
            FormField::HttpProxy => "proxy.http_proxy",
            FormField::HttpsProxy => "proxy.https_proxy",
            FormField::ProxyPassword => "secrets.proxy_password",
            FormField::NoProxy => "proxy.no_proxy",
            FormField::ProxyTestUrl => "",
        }
    }

    /// Fields whose default follows the controller's name (or the release)
    /// until the admin edits them.
    pub fn is_derived(self) -> bool {
        matches!(
            self,
            FormField::DbHost
                | FormField::Stores
                | FormField::WwwAuthUri
                | FormField::AuthUrl
                | FormField::Memcached
                | FormField::Vip
                | FormField::EndpointPublic
                | FormField::EndpointInternal
                | FormField::EndpointAdmin
                | FormField::NoProxy
                | FormField::TestSource
                | FormField::ProxyTestUrl
        )
    }

    /// Password fields that glance-wizard may generate (F5).
    pub fn generatable(self) -> bool {
        matches!(self, FormField::DbPassword | FormField::ServicePassword)
    }

    /// The first entry of a password pair, for the "again" field.
    pub fn confirms(self) -> Option<FormField> {
        match self {
            FormField::DbPasswordAgain => Some(FormField::DbPassword),
            FormField::ServicePasswordAgain => Some(FormField::ServicePassword),
            _ => None,
        }
    }

    pub fn confirmation(self) -> Option<FormField> {
        match self {
            FormField::DbPassword => Some(FormField::DbPasswordAgain),
            FormField::ServicePassword => Some(FormField::ServicePasswordAgain),
            _ => None,
        }
    }
}

/// Why a field is invalid: the parser's own words (the answers file's
/// loader says the same) and the field's rule for the translated screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// From the answers' own parse (through `Answers::resolve`).
    Rule(Rule),
    /// The two entries of a password differ.
    Mismatch,
    /// Not a number.
    NotANumber,
}

/// The forms' values. Not `Debug`: it holds the passwords in clear.
#[derive(Clone)]
pub struct Draft {
    values: BTreeMap<FormField, String>,
    /// Derived fields the admin has edited (the others follow their default).
    touched: BTreeSet<FormField>,
    /// Passwords generated by the wizard.
    pub generated: BTreeSet<FormField>,
    /// The target answers (`auto` or given on the command line).
    pub target: crate::answers::TargetAnswers,
    /// The controller's names and addresses for no_proxy, computed by the
    /// runtime (a DNS lookup) when the proxy screen opens.
    pub no_proxy_default: String,
    /// Where the proxy test fetches from by default (the package mirror).
    pub proxy_test_default: String,
    /// `[proxy] persist`: not on a form, kept as the answers had it.
    pub proxy_persist: bool,
}

fn secret_of(secrets: &Secrets, name: SecretName) -> String {
    secrets
        .get(name)
        .map(|s| s.expose().to_string())
        .unwrap_or_default()
}

/// The controller's and the database's fields, from the answers.
fn database_values(a: &Answers) -> Vec<(FormField, String)> {
    let db = &a.database;
    let admin_access = match db.admin_access {
        AdminAccess::Socket => "socket",
        AdminAccess::Tcp => "tcp",
    };
    vec![
        (FormField::ControllerHost, a.controller.host.clone()),
        (FormField::BindHost, a.controller.bind_host.clone()),
        (FormField::DbPort, db.port.to_string()),
        (FormField::AdminAccess, admin_access.to_string()),
        (FormField::AdminUser, db.admin_user.clone()),
        (FormField::Socket, db.socket.clone()),
        (FormField::DbName, db.name.clone()),
        (FormField::DbUser, db.user.clone()),
    ]
}

/// The identity form's fields (passwords aside), from the answers.
fn keystone_values(a: &Answers) -> Vec<(FormField, String)> {
    let k = &a.keystone;
    let admin_mode = if k.admin_openrc.is_empty() && !k.os_auth_url.is_empty() {
        "manual"
    } else {
        "openrc"
    };
    vec![
        (FormField::AdminMode, admin_mode.to_string()),
        (FormField::Openrc, k.admin_openrc.clone()),
        (FormField::OsAuthUrl, k.os_auth_url.clone()),
        (FormField::OsUsername, k.os_username.clone()),
        (FormField::OsProjectName, k.os_project_name.clone()),
        (FormField::OsUserDomain, k.os_user_domain_name.clone()),
        (FormField::OsProjectDomain, k.os_project_domain_name.clone()),
        (FormField::Region, k.region.clone()),
        (FormField::ServiceUser, k.service_user.clone()),
        (FormField::ServiceProject, k.service_project.clone()),
    ]
}

/// The image store's, the test image's and the proxy's fields, from the
/// answers.
fn image_values(a: &Answers) -> Vec<(FormField, String)> {
    let s = &a.image_store;
    vec![
        (FormField::DefaultStore, s.default_store.clone()),
        (FormField::DataDir, s.data_dir.clone()),
        (FormField::MinFree, s.min_free_mib.to_string()),
        (FormField::TestName, a.test_image.name.clone()),
        (FormField::DiskFormat, a.test_image.disk_format.clone()),
        (
            FormField::ContainerFormat,
            a.test_image.container_format.clone(),
        ),
        (FormField::HttpProxy, a.proxy.http_proxy.clone()),
        (FormField::HttpsProxy, a.proxy.https_proxy.clone()),
    ]
}

/// The stores choice of a list of stores (any http: "file+http").
fn stores_choice<S: std::borrow::Borrow<str>>(stores: &[S]) -> &'static str {
    if stores.iter().any(|s| s.borrow() == Store::Http.as_str()) {
        "file+http"
    } else {
        "file"
    }
}

/// The list of stores a stores choice names.
fn stores_of_choice(choice: &str) -> Vec<String> {
    let mut stores = vec![Store::File.to_string()];
    if choice == "file+http" {
        stores.push(Store::Http.to_string());
    }
    stores
}

/// An endpoint's default for the VIP as typed: empty while the VIP is not
/// a host (the VIP's field says why).
fn glance_api_url(vip: &str) -> String {
    vip.trim()
        .parse::<Host>()
        .map(|vip| endpoint_on(&vip).as_str().to_string())
        .unwrap_or_default()
}

/// The derived fields the answers set (`None`: left to the default).
fn derived_values(a: &Answers) -> [(FormField, Option<String>); 11] {
    let k = &a.keystone;
    [
        (
            FormField::Stores,
            a.image_store
                .stores
                .as_deref()
                .map(|s| stores_choice(s).to_string()),
        ),
        (FormField::DbHost, a.database.host.clone()),
        (FormField::WwwAuthUri, k.www_authenticate_uri.clone()),
        (FormField::AuthUrl, k.auth_url.clone()),
        (
            FormField::Memcached,
            k.memcached_servers.as_ref().map(|m| m.join(",")),
        ),
        (FormField::Vip, a.endpoints.vip.clone()),
        (FormField::EndpointPublic, a.endpoints.public.clone()),
        (FormField::EndpointInternal, a.endpoints.internal.clone()),
        (FormField::EndpointAdmin, a.endpoints.admin.clone()),
        (
            FormField::NoProxy,
            Some(a.proxy.no_proxy.clone()).filter(|v| !v.is_empty()),
        ),
        (FormField::TestSource, a.test_image.source.clone()),
    ]
}

impl Draft {
    /// The forms filled from answers and secrets (defaults, a saved session
    /// or an answers file).
    pub fn from_answers(a: &Answers, secrets: &Secrets) -> Draft {
        let mut d = Draft {
            values: BTreeMap::new(),
            touched: BTreeSet::new(),
            generated: BTreeSet::new(),
            target: a.target.clone(),
            no_proxy_default: String::new(),
            proxy_test_default: String::new(),
            proxy_persist: a.proxy.persist,
        };
        let given = [database_values(a), keystone_values(a), image_values(a)];
        d.values.extend(given.into_iter().flatten());
        for (f, secret) in [
            (FormField::DbPassword, SecretName::GlanceDbPassword),
            (FormField::DbPasswordAgain, SecretName::GlanceDbPassword),
            (
                FormField::ServicePassword,
                SecretName::GlanceServicePassword,
            ),
            (
                FormField::ServicePasswordAgain,
                SecretName::GlanceServicePassword,
            ),
            (FormField::DbAdminPassword, SecretName::DbAdminPassword),
            (FormField::OsPassword, SecretName::OsPassword),
            (FormField::ProxyPassword, SecretName::ProxyPassword),
        ] {
            d.values.insert(f, secret_of(secrets, secret));
        }
        // A derived field the answers give is one the admin set: it no
        // longer follows its default.
        for (f, value) in derived_values(a) {
            if let Some(v) = value {
                d.values.insert(f, v);
                d.touched.insert(f);
            }
        }
        d
    }

    /// The value as the form shows it: a derived field's default until
    /// edited. `profile` gives release-dependent defaults.
    pub fn value(&self, f: FormField, profile: Option<&Profile>) -> String {
        if f.is_derived() && !self.touched.contains(&f) {
            return self.default_of(f, profile);
        }
        self.values.get(&f).cloned().unwrap_or_default()
    }

    pub fn raw(&self, f: FormField) -> &str {
        self.values.get(&f).map_or("", String::as_str)
    }

    pub fn is_default(&self, f: FormField) -> bool {
        f.is_derived() && !self.touched.contains(&f)
    }

    fn controller_url(&self, port: u16) -> String {
        format!(
            "http://{}:{port}",
            url_host(self.raw(FormField::ControllerHost))
        )
    }

    pub fn default_of(&self, f: FormField, profile: Option<&Profile>) -> String {
        let controller = self.raw(FormField::ControllerHost);
        match f {
            FormField::DbHost => controller.to_string(),
            FormField::WwwAuthUri => self.controller_url(5000),
            FormField::AuthUrl => {
                self.controller_url(profile.map_or(5000, |p| p.release.auth_url_port))
            }
            FormField::Memcached => format!("{}:11211", url_host(controller)),
            // As the answers resolve them: the VIP defaults to the
            // controller, the endpoints to glance-api on the VIP.
            FormField::Vip => controller.to_string(),
            FormField::EndpointPublic | FormField::EndpointInternal | FormField::EndpointAdmin => {
                glance_api_url(&self.value(FormField::Vip, profile))
            }
            FormField::NoProxy => self.no_proxy_default.clone(),
            // The release's guide's; `file` (every release's) until the
            // release is known.
            FormField::Stores => profile
                .map_or("file", |p| stores_choice(&p.release.default_stores))
                .into(),
            FormField::TestSource => profile.map(|p| p.release.cirros_url()).unwrap_or_default(),
            FormField::ProxyTestUrl => {
                let source = self.value(FormField::TestSource, profile);
                if self.proxy_test_default.is_empty() && source.starts_with("http") {
                    source
                } else {
                    self.proxy_test_default.clone()
                }
            }
            _ => String::new(),
        }
    }

    /// Sets a field as typed. A derived field becomes the admin's own.
    pub fn set(&mut self, f: FormField, value: String) {
        if f.is_derived() {
            self.touched.insert(f);
        }
        self.generated.remove(&f);
        if let Some(first) = f.confirms() {
            self.generated.remove(&first);
        }
        self.values.insert(f, value);
    }

    /// A derived field's text before the first edit: its default.
    pub fn editable(&mut self, f: FormField, profile: Option<&Profile>) -> String {
        let v = self.value(f, profile);
        if f.is_derived() && !self.touched.contains(&f) {
            self.touched.insert(f);
            self.values.insert(f, v.clone());
        }
        v
    }

    /// Fills a password pair with a strong random value.
    pub fn generate(&mut self, f: FormField) {
        let value = crate::answers::secrets::generate_password()
            .expose()
            .to_string();
        self.values.insert(f, value.clone());
        if let Some(again) = f.confirmation() {
            self.values.insert(again, value);
        }
        self.generated.insert(f);
    }

    pub fn choice(&self, f: FormField) -> &str {
        self.raw(f)
    }

    /// Whether a field is shown, given the choices made.
    pub fn visible(&self, f: FormField) -> bool {
        match f {
            FormField::Socket => self.choice(FormField::AdminAccess) == "socket",
            FormField::DbAdminPassword => self.choice(FormField::AdminAccess) == "tcp",
            FormField::Openrc => self.choice(FormField::AdminMode) == "openrc",
            FormField::OsAuthUrl
            | FormField::OsUsername
            | FormField::OsProjectName
            | FormField::OsUserDomain
            | FormField::OsProjectDomain
            | FormField::OsPassword => self.choice(FormField::AdminMode) == "manual",
            _ => true,
        }
    }

    fn derived_answer(&self, f: FormField) -> Option<String> {
        self.touched
            .contains(&f)
            .then(|| self.raw(f).trim().to_string())
    }

    /// The answers, as an answers file would hold them.
    pub fn answers(&self) -> Answers {
        let mut a = Answers::default();
        let text = |f: FormField| self.raw(f).trim().to_string();
        a.controller.host = text(FormField::ControllerHost);
        a.controller.bind_host = text(FormField::BindHost);
        self.database_answers(&mut a);
        self.keystone_answers(&mut a);
        a.endpoints.vip = self.derived_answer(FormField::Vip);
        a.endpoints.public = self.derived_answer(FormField::EndpointPublic);
        a.endpoints.internal = self.derived_answer(FormField::EndpointInternal);
        a.endpoints.admin = self.derived_answer(FormField::EndpointAdmin);
        a.image_store.stores = self
            .derived_answer(FormField::Stores)
            .map(|choice| stores_of_choice(&choice));
        a.image_store.default_store = text(FormField::DefaultStore);
        a.image_store.data_dir = text(FormField::DataDir);
        a.image_store.min_free_mib = text(FormField::MinFree).parse().unwrap_or(0);
        a.test_image.source = self
            .derived_answer(FormField::TestSource)
            .filter(|s| !s.is_empty());
        a.test_image.name = text(FormField::TestName);
        a.test_image.disk_format = text(FormField::DiskFormat);
        a.test_image.container_format = text(FormField::ContainerFormat);
        a.proxy.http_proxy = text(FormField::HttpProxy);
        a.proxy.https_proxy = text(FormField::HttpsProxy);
        a.proxy.no_proxy = self.derived_answer(FormField::NoProxy).unwrap_or_default();
        a.proxy.persist = self.proxy_persist;
        a.target = self.target.clone();
        a
    }

    /// The database section of [`Draft::answers`].
    fn database_answers(&self, a: &mut Answers) {
        let text = |f: FormField| self.raw(f).trim().to_string();
        a.database.host = self.derived_answer(FormField::DbHost);
        a.database.port = text(FormField::DbPort).parse().unwrap_or(0);
        a.database.admin_access = if self.choice(FormField::AdminAccess) == "tcp" {
            AdminAccess::Tcp
        } else {
            AdminAccess::Socket
        };
        a.database.admin_user = text(FormField::AdminUser);
        a.database.socket = text(FormField::Socket);
        a.database.name = text(FormField::DbName);
        a.database.user = text(FormField::DbUser);
    }

    /// The keystone section of [`Draft::answers`].
    fn keystone_answers(&self, a: &mut Answers) {
        let text = |f: FormField| self.raw(f).trim().to_string();
        let k = &mut a.keystone;
        if self.choice(FormField::AdminMode) == "manual" {
            k.admin_openrc = String::new();
            k.os_auth_url = text(FormField::OsAuthUrl);
        } else {
            k.admin_openrc = text(FormField::Openrc);
            k.os_auth_url = String::new();
        }
        k.os_username = text(FormField::OsUsername);
        k.os_project_name = text(FormField::OsProjectName);
        k.os_user_domain_name = text(FormField::OsUserDomain);
        k.os_project_domain_name = text(FormField::OsProjectDomain);
        k.region = text(FormField::Region);
        k.service_user = text(FormField::ServiceUser);
        k.service_project = text(FormField::ServiceProject);
        k.www_authenticate_uri = self.derived_answer(FormField::WwwAuthUri);
        k.auth_url = self.derived_answer(FormField::AuthUrl);
        k.memcached_servers = self.derived_answer(FormField::Memcached).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        });
    }

    /// The secrets typed or generated.
    pub fn secrets(&self) -> Secrets {
        let mut s = Secrets::default();
        let mut put = |name: SecretName, f: FormField| {
            if !self.raw(f).is_empty() {
                s.set(name, Secret::new(self.raw(f)));
            }
        };
        put(SecretName::GlanceDbPassword, FormField::DbPassword);
        put(
            SecretName::GlanceServicePassword,
            FormField::ServicePassword,
        );
        if self.choice(FormField::AdminAccess) == "tcp" {
            put(SecretName::DbAdminPassword, FormField::DbAdminPassword);
        }
        if self.choice(FormField::AdminMode) == "manual" {
            put(SecretName::OsPassword, FormField::OsPassword);
        }
        put(SecretName::ProxyPassword, FormField::ProxyPassword);
        s
    }

    /// Every problem, by field, found by the answers' own validation.
    pub fn problems(&self, profile: &Profile) -> BTreeMap<FormField, Problem> {
        let mut out = BTreeMap::new();
        let answers = self.answers();
        let secrets = self.secrets();
        // The admin credentials are checked by the prechecks (they need
        // bash or Keystone); a stand-in lets resolve() check the rest.
        let stand_in = AdminCredentials {
            vars: Default::default(),
            password: Secret::new("stand-in"),
            origin: crate::i18n::Message::verbatim(""),
        };
        if let Err(errors) = answers.resolve(profile, &secrets, stand_in) {
            for e in errors.0 {
                if let Some(f) = field_of(&e.field, self) {
                    out.entry(f).or_insert(Problem::Rule(e.rule));
                }
            }
        }
        if self.raw(FormField::DbPort).trim().parse::<i64>().is_err() {
            out.insert(FormField::DbPort, Problem::NotANumber);
        }
        if self.raw(FormField::MinFree).trim().parse::<u64>().is_err() {
            out.insert(FormField::MinFree, Problem::NotANumber);
        }
        if self.choice(FormField::AdminMode) == "manual"
            && let Err(rule) = validate::password(self.raw(FormField::OsPassword))
        {
            out.insert(FormField::OsPassword, Problem::Rule(rule.into()));
        }
        for again in [FormField::DbPasswordAgain, FormField::ServicePasswordAgain] {
            let first = again.confirms().expect("a confirmation field");
            if self.raw(again) != self.raw(first) {
                out.insert(again, Problem::Mismatch);
            }
        }
        let test_url = self.value(FormField::ProxyTestUrl, Some(profile));
        if !test_url.is_empty()
            && let Err(rule) = test_url.parse::<HttpUrl>()
        {
            out.insert(FormField::ProxyTestUrl, Problem::Rule(rule.into()));
        }
        out.retain(|f, _| self.visible(*f));
        out
    }
}

/// The form field an answers path belongs to.
pub fn field_of(path: &str, draft: &Draft) -> Option<FormField> {
    if path == "keystone.admin_openrc" && draft.choice(FormField::AdminMode) == "manual" {
        return Some(FormField::OsAuthUrl);
    }
    let base = path.split('[').next().unwrap_or(path);
    FormField::all().find(|f| !f.path().is_empty() && f.path() == base)
}

/// A rough strength: bits of a random password of this length over the
/// character classes it uses.
pub fn strength_bits(password: &str) -> u32 {
    let mut pool = 0u32;
    if password.chars().any(|c| c.is_ascii_lowercase()) {
        pool += 26;
    }
    if password.chars().any(|c| c.is_ascii_uppercase()) {
        pool += 26;
    }
    if password.chars().any(|c| c.is_ascii_digit()) {
        pool += 10;
    }
    if password
        .chars()
        .any(|c| c.is_ascii_punctuation() || c == ' ')
    {
        pool += 33;
    }
    if !password.is_ascii() {
        pool += 100;
    }
    let len = password.chars().count() as f64;
    (len * f64::from(pool.max(1)).log2()).floor() as u32
}

#[cfg(test)]
mod tests;
