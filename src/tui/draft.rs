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
pub enum F {
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

impl F {
    pub const DATABASE: &[F] = &[
        F::ControllerHost,
        F::BindHost,
        F::DbHost,
        F::DbPort,
        F::AdminAccess,
        F::AdminUser,
        F::Socket,
        F::DbAdminPassword,
        F::DbName,
        F::DbUser,
        F::DbPassword,
        F::DbPasswordAgain,
    ];
    pub const IDENTITY: &[F] = &[
        F::AdminMode,
        F::Openrc,
        F::OsAuthUrl,
        F::OsUsername,
        F::OsProjectName,
        F::OsUserDomain,
        F::OsProjectDomain,
        F::OsPassword,
        F::ServicePassword,
        F::ServicePasswordAgain,
        F::Region,
        F::ServiceUser,
        F::ServiceProject,
        F::WwwAuthUri,
        F::AuthUrl,
        F::Memcached,
        F::Vip,
        F::EndpointPublic,
        F::EndpointInternal,
        F::EndpointAdmin,
    ];
    pub const IMAGE: &[F] = &[
        F::Stores,
        F::DefaultStore,
        F::DataDir,
        F::MinFree,
        F::TestSource,
        F::TestName,
        F::DiskFormat,
        F::ContainerFormat,
    ];
    pub const PROXY: &[F] = &[
        F::HttpProxy,
        F::HttpsProxy,
        F::ProxyPassword,
        F::NoProxy,
        F::ProxyTestUrl,
    ];

    pub fn all() -> impl Iterator<Item = F> {
        [F::DATABASE, F::IDENTITY, F::IMAGE, F::PROXY]
            .into_iter()
            .flatten()
            .copied()
    }

    /// The i18n name: `field.<name>.label` and `field.<name>.rule`.
    pub fn name(self) -> &'static str {
        match self {
            F::ControllerHost => "controller_host",
            F::BindHost => "bind_host",
            F::DbHost => "db_host",
            F::DbPort => "db_port",
            F::AdminAccess => "admin_access",
            F::AdminUser => "admin_user",
            F::Socket => "socket",
            F::DbAdminPassword => "db_admin_password",
            F::DbName => "db_name",
            F::DbUser => "db_user",
            F::DbPassword => "db_password",
            F::DbPasswordAgain => "db_password_again",
            F::AdminMode => "admin_mode",
            F::Openrc => "openrc",
            F::OsAuthUrl => "os_auth_url",
            F::OsUsername => "os_username",
            F::OsProjectName => "os_project_name",
            F::OsUserDomain => "os_user_domain",
            F::OsProjectDomain => "os_project_domain",
            F::OsPassword => "os_password",
            F::ServicePassword => "service_password",
            F::ServicePasswordAgain => "service_password_again",
            F::Region => "region",
            F::ServiceUser => "service_user",
            F::ServiceProject => "service_project",
            F::WwwAuthUri => "www_authenticate_uri",
            F::AuthUrl => "auth_url",
            F::Memcached => "memcached",
            F::Vip => "vip",
            F::EndpointPublic => "endpoint_public",
            F::EndpointInternal => "endpoint_internal",
            F::EndpointAdmin => "endpoint_admin",
            F::Stores => "stores",
            F::DefaultStore => "default_store",
            F::DataDir => "data_dir",
            F::MinFree => "min_free",
            F::TestSource => "test_source",
            F::TestName => "test_name",
            F::DiskFormat => "disk_format",
            F::ContainerFormat => "container_format",
            F::HttpProxy => "http_proxy",
            F::HttpsProxy => "https_proxy",
            F::ProxyPassword => "proxy_password",
            F::NoProxy => "no_proxy",
            F::ProxyTestUrl => "proxy_test_url",
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            F::DbAdminPassword
            | F::DbPassword
            | F::DbPasswordAgain
            | F::OsPassword
            | F::ServicePassword
            | F::ServicePasswordAgain
            | F::ProxyPassword => Kind::Secret,
            F::AdminAccess => Kind::Choice(&["socket", "tcp"]),
            F::AdminMode => Kind::Choice(&["openrc", "manual"]),
            F::Stores => Kind::Choice(&["file", "file+http"]),
            F::DefaultStore => Kind::Choice(&["file", "http"]),
            F::DiskFormat => Kind::Choice(DISK_FORMATS),
            F::ContainerFormat => Kind::Choice(CONTAINER_FORMATS),
            _ => Kind::Text,
        }
    }

    /// The answers-file path whose errors belong to this field.
    pub fn path(self) -> &'static str {
        match self {
            F::ControllerHost => "controller.host",
            F::BindHost => "controller.bind_host",
            F::DbHost => "database.host",
            F::DbPort => "database.port",
            F::AdminAccess => "database.admin_access",
            F::AdminUser => "database.admin_user",
            F::Socket => "database.socket",
            F::DbAdminPassword => "secrets.db_admin_password",
            F::DbName => "database.name",
            F::DbUser => "database.user",
            F::DbPassword => "secrets.glance_db_password",
            F::DbPasswordAgain => "",
            F::AdminMode => "",
            F::Openrc => "keystone.admin_openrc",
            F::OsAuthUrl => "keystone.os_auth_url",
            F::OsUsername => "keystone.os_username",
            F::OsProjectName => "keystone.os_project_name",
            F::OsUserDomain => "keystone.os_user_domain_name",
            F::OsProjectDomain => "keystone.os_project_domain_name",
            F::OsPassword => "secrets.os_password",
            F::ServicePassword => "secrets.glance_service_password",
            F::ServicePasswordAgain => "",
            F::Region => "keystone.region",
            F::ServiceUser => "keystone.service_user",
            F::ServiceProject => "keystone.service_project",
            F::WwwAuthUri => "keystone.www_authenticate_uri",
            F::AuthUrl => "keystone.auth_url",
            F::Memcached => "keystone.memcached_servers",
            F::Vip => "endpoints.vip",
            F::EndpointPublic => "endpoints.public",
            F::EndpointInternal => "endpoints.internal",
            F::EndpointAdmin => "endpoints.admin",
            F::Stores => "image_store.stores",
            F::DefaultStore => "image_store.default_store",
            F::DataDir => "image_store.data_dir",
            F::MinFree => "image_store.min_free_mib",
            F::TestSource => "test_image.source",
            F::TestName => "test_image.name",
            F::DiskFormat => "test_image.disk_format",
            F::ContainerFormat => "test_image.container_format",
            F::HttpProxy => "proxy.http_proxy",
            F::HttpsProxy => "proxy.https_proxy",
            F::ProxyPassword => "secrets.proxy_password",
            F::NoProxy => "proxy.no_proxy",
            F::ProxyTestUrl => "",
        }
    }

    /// Fields whose default follows the controller's name (or the release)
    /// until the admin edits them.
    pub fn is_derived(self) -> bool {
        matches!(
            self,
            F::DbHost
                | F::Stores
                | F::WwwAuthUri
                | F::AuthUrl
                | F::Memcached
                | F::Vip
                | F::EndpointPublic
                | F::EndpointInternal
                | F::EndpointAdmin
                | F::NoProxy
                | F::TestSource
                | F::ProxyTestUrl
        )
    }

    /// Password fields that glance-wizard may generate (F5).
    pub fn generatable(self) -> bool {
        matches!(self, F::DbPassword | F::ServicePassword)
    }

    /// The first entry of a password pair, for the "again" field.
    pub fn confirms(self) -> Option<F> {
        match self {
            F::DbPasswordAgain => Some(F::DbPassword),
            F::ServicePasswordAgain => Some(F::ServicePassword),
            _ => None,
        }
    }

    pub fn confirmation(self) -> Option<F> {
        match self {
            F::DbPassword => Some(F::DbPasswordAgain),
            F::ServicePassword => Some(F::ServicePasswordAgain),
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
    values: BTreeMap<F, String>,
    /// Derived fields the admin has edited (the others follow their default).
    touched: BTreeSet<F>,
    /// Passwords generated by the wizard.
    pub generated: BTreeSet<F>,
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
fn database_values(a: &Answers) -> Vec<(F, String)> {
    let db = &a.database;
    let admin_access = match db.admin_access {
        AdminAccess::Socket => "socket",
        AdminAccess::Tcp => "tcp",
    };
    vec![
        (F::ControllerHost, a.controller.host.clone()),
        (F::BindHost, a.controller.bind_host.clone()),
        (F::DbPort, db.port.to_string()),
        (F::AdminAccess, admin_access.to_string()),
        (F::AdminUser, db.admin_user.clone()),
        (F::Socket, db.socket.clone()),
        (F::DbName, db.name.clone()),
        (F::DbUser, db.user.clone()),
    ]
}

/// The identity form's fields (passwords aside), from the answers.
fn keystone_values(a: &Answers) -> Vec<(F, String)> {
    let k = &a.keystone;
    let admin_mode = if k.admin_openrc.is_empty() && !k.os_auth_url.is_empty() {
        "manual"
    } else {
        "openrc"
    };
    vec![
        (F::AdminMode, admin_mode.to_string()),
        (F::Openrc, k.admin_openrc.clone()),
        (F::OsAuthUrl, k.os_auth_url.clone()),
        (F::OsUsername, k.os_username.clone()),
        (F::OsProjectName, k.os_project_name.clone()),
        (F::OsUserDomain, k.os_user_domain_name.clone()),
        (F::OsProjectDomain, k.os_project_domain_name.clone()),
        (F::Region, k.region.clone()),
        (F::ServiceUser, k.service_user.clone()),
        (F::ServiceProject, k.service_project.clone()),
    ]
}

/// The image store's, the test image's and the proxy's fields, from the
/// answers.
fn image_values(a: &Answers) -> Vec<(F, String)> {
    let s = &a.image_store;
    vec![
        (F::DefaultStore, s.default_store.clone()),
        (F::DataDir, s.data_dir.clone()),
        (F::MinFree, s.min_free_mib.to_string()),
        (F::TestName, a.test_image.name.clone()),
        (F::DiskFormat, a.test_image.disk_format.clone()),
        (F::ContainerFormat, a.test_image.container_format.clone()),
        (F::HttpProxy, a.proxy.http_proxy.clone()),
        (F::HttpsProxy, a.proxy.https_proxy.clone()),
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
fn derived_values(a: &Answers) -> [(F, Option<String>); 11] {
    let k = &a.keystone;
    [
        (
            F::Stores,
            a.image_store
                .stores
                .as_deref()
                .map(|s| stores_choice(s).to_string()),
        ),
        (F::DbHost, a.database.host.clone()),
        (F::WwwAuthUri, k.www_authenticate_uri.clone()),
        (F::AuthUrl, k.auth_url.clone()),
        (
            F::Memcached,
            k.memcached_servers.as_ref().map(|m| m.join(",")),
        ),
        (F::Vip, a.endpoints.vip.clone()),
        (F::EndpointPublic, a.endpoints.public.clone()),
        (F::EndpointInternal, a.endpoints.internal.clone()),
        (F::EndpointAdmin, a.endpoints.admin.clone()),
        (
            F::NoProxy,
            Some(a.proxy.no_proxy.clone()).filter(|v| !v.is_empty()),
        ),
        (F::TestSource, a.test_image.source.clone()),
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
            (F::DbPassword, SecretName::GlanceDbPassword),
            (F::DbPasswordAgain, SecretName::GlanceDbPassword),
            (F::ServicePassword, SecretName::GlanceServicePassword),
            (F::ServicePasswordAgain, SecretName::GlanceServicePassword),
            (F::DbAdminPassword, SecretName::DbAdminPassword),
            (F::OsPassword, SecretName::OsPassword),
            (F::ProxyPassword, SecretName::ProxyPassword),
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
    pub fn value(&self, f: F, profile: Option<&Profile>) -> String {
        if f.is_derived() && !self.touched.contains(&f) {
            return self.default_of(f, profile);
        }
        self.values.get(&f).cloned().unwrap_or_default()
    }

    pub fn raw(&self, f: F) -> &str {
        self.values.get(&f).map_or("", String::as_str)
    }

    pub fn is_default(&self, f: F) -> bool {
        f.is_derived() && !self.touched.contains(&f)
    }

    fn controller_url(&self, port: u16) -> String {
        format!("http://{}:{port}", url_host(self.raw(F::ControllerHost)))
    }

    pub fn default_of(&self, f: F, profile: Option<&Profile>) -> String {
        let controller = self.raw(F::ControllerHost);
        match f {
            F::DbHost => controller.to_string(),
            F::WwwAuthUri => self.controller_url(5000),
            F::AuthUrl => self.controller_url(profile.map_or(5000, |p| p.release.auth_url_port)),
            F::Memcached => format!("{}:11211", url_host(controller)),
            // As the answers resolve them: the VIP defaults to the
            // controller, the endpoints to glance-api on the VIP.
            F::Vip => controller.to_string(),
            F::EndpointPublic | F::EndpointInternal | F::EndpointAdmin => {
                glance_api_url(&self.value(F::Vip, profile))
            }
            F::NoProxy => self.no_proxy_default.clone(),
            // The release's guide's; `file` (every release's) until the
            // release is known.
            F::Stores => profile
                .map_or("file", |p| stores_choice(&p.release.default_stores))
                .into(),
            F::TestSource => profile.map(|p| p.release.cirros_url()).unwrap_or_default(),
            F::ProxyTestUrl => {
                let source = self.value(F::TestSource, profile);
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
    pub fn set(&mut self, f: F, value: String) {
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
    pub fn editable(&mut self, f: F, profile: Option<&Profile>) -> String {
        let v = self.value(f, profile);
        if f.is_derived() && !self.touched.contains(&f) {
            self.touched.insert(f);
            self.values.insert(f, v.clone());
        }
        v
    }

    /// Fills a password pair with a strong random value.
    pub fn generate(&mut self, f: F) {
        let value = crate::answers::secrets::generate_password()
            .expose()
            .to_string();
        self.values.insert(f, value.clone());
        if let Some(again) = f.confirmation() {
            self.values.insert(again, value);
        }
        self.generated.insert(f);
    }

    pub fn choice(&self, f: F) -> &str {
        self.raw(f)
    }

    /// Whether a field is shown, given the choices made.
    pub fn visible(&self, f: F) -> bool {
        match f {
            F::Socket => self.choice(F::AdminAccess) == "socket",
            F::DbAdminPassword => self.choice(F::AdminAccess) == "tcp",
            F::Openrc => self.choice(F::AdminMode) == "openrc",
            F::OsAuthUrl
            | F::OsUsername
            | F::OsProjectName
            | F::OsUserDomain
            | F::OsProjectDomain
            | F::OsPassword => self.choice(F::AdminMode) == "manual",
            _ => true,
        }
    }

    fn derived_answer(&self, f: F) -> Option<String> {
        self.touched
            .contains(&f)
            .then(|| self.raw(f).trim().to_string())
    }

    /// The answers, as an answers file would hold them.
    pub fn answers(&self) -> Answers {
        let mut a = Answers::default();
        let text = |f: F| self.raw(f).trim().to_string();
        a.controller.host = text(F::ControllerHost);
        a.controller.bind_host = text(F::BindHost);
        a.database.host = self.derived_answer(F::DbHost);
        a.database.port = text(F::DbPort).parse().unwrap_or(0);
        a.database.admin_access = if self.choice(F::AdminAccess) == "tcp" {
            AdminAccess::Tcp
        } else {
            AdminAccess::Socket
        };
        a.database.admin_user = text(F::AdminUser);
        a.database.socket = text(F::Socket);
        a.database.name = text(F::DbName);
        a.database.user = text(F::DbUser);
        let k = &mut a.keystone;
        if self.choice(F::AdminMode) == "manual" {
            k.admin_openrc = String::new();
            k.os_auth_url = text(F::OsAuthUrl);
        } else {
            k.admin_openrc = text(F::Openrc);
            k.os_auth_url = String::new();
        }
        k.os_username = text(F::OsUsername);
        k.os_project_name = text(F::OsProjectName);
        k.os_user_domain_name = text(F::OsUserDomain);
        k.os_project_domain_name = text(F::OsProjectDomain);
        k.region = text(F::Region);
        k.service_user = text(F::ServiceUser);
        k.service_project = text(F::ServiceProject);
        k.www_authenticate_uri = self.derived_answer(F::WwwAuthUri);
        k.auth_url = self.derived_answer(F::AuthUrl);
        k.memcached_servers = self.derived_answer(F::Memcached).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        });
        a.endpoints.vip = self.derived_answer(F::Vip);
        a.endpoints.public = self.derived_answer(F::EndpointPublic);
        a.endpoints.internal = self.derived_answer(F::EndpointInternal);
        a.endpoints.admin = self.derived_answer(F::EndpointAdmin);
        a.image_store.stores = self
            .derived_answer(F::Stores)
            .map(|choice| stores_of_choice(&choice));
        a.image_store.default_store = text(F::DefaultStore);
        a.image_store.data_dir = text(F::DataDir);
        a.image_store.min_free_mib = text(F::MinFree).parse().unwrap_or(0);
        a.test_image.source = self.derived_answer(F::TestSource).filter(|s| !s.is_empty());
        a.test_image.name = text(F::TestName);
        a.test_image.disk_format = text(F::DiskFormat);
        a.test_image.container_format = text(F::ContainerFormat);
        a.proxy.http_proxy = text(F::HttpProxy);
        a.proxy.https_proxy = text(F::HttpsProxy);
        a.proxy.no_proxy = self.derived_answer(F::NoProxy).unwrap_or_default();
        a.proxy.persist = self.proxy_persist;
        a.target = self.target.clone();
        a
    }

    /// The secrets typed or generated.
    pub fn secrets(&self) -> Secrets {
        let mut s = Secrets::default();
        let mut put = |name: SecretName, f: F| {
            if !self.raw(f).is_empty() {
                s.set(name, Secret::new(self.raw(f)));
            }
        };
        put(SecretName::GlanceDbPassword, F::DbPassword);
        put(SecretName::GlanceServicePassword, F::ServicePassword);
        if self.choice(F::AdminAccess) == "tcp" {
            put(SecretName::DbAdminPassword, F::DbAdminPassword);
        }
        if self.choice(F::AdminMode) == "manual" {
            put(SecretName::OsPassword, F::OsPassword);
        }
        put(SecretName::ProxyPassword, F::ProxyPassword);
        s
    }

    /// Every problem, by field, found by the answers' own validation.
    pub fn problems(&self, profile: &Profile) -> BTreeMap<F, Problem> {
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
        if self.raw(F::DbPort).trim().parse::<i64>().is_err() {
            out.insert(F::DbPort, Problem::NotANumber);
        }
        if self.raw(F::MinFree).trim().parse::<u64>().is_err() {
            out.insert(F::MinFree, Problem::NotANumber);
        }
        if self.choice(F::AdminMode) == "manual"
            && let Err(rule) = validate::password(self.raw(F::OsPassword))
        {
            out.insert(F::OsPassword, Problem::Rule(rule.into()));
        }
        for again in [F::DbPasswordAgain, F::ServicePasswordAgain] {
            let first = again.confirms().expect("a confirmation field");
            if self.raw(again) != self.raw(first) {
                out.insert(again, Problem::Mismatch);
            }
        }
        let test_url = self.value(F::ProxyTestUrl, Some(profile));
        if !test_url.is_empty()
            && let Err(rule) = test_url.parse::<HttpUrl>()
        {
            out.insert(F::ProxyTestUrl, Problem::Rule(rule.into()));
        }
        out.retain(|f, _| self.visible(*f));
        out
    }
}

/// The form field an answers path belongs to.
pub fn field_of(path: &str, draft: &Draft) -> Option<F> {
    if path == "keystone.admin_openrc" && draft.choice(F::AdminMode) == "manual" {
        return Some(F::OsAuthUrl);
    }
    let base = path.split('[').next().unwrap_or(path);
    F::all().find(|f| !f.path().is_empty() && f.path() == base)
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
mod tests {
    use super::*;
    use crate::answers::types::ProxyUrlError;
    use crate::host::target::{InitSystem, profile_for};

    fn profile() -> Profile {
        profile_for("debian", "zed", InitSystem::SysV).unwrap()
    }

    fn lab_draft() -> Draft {
        let mut a = Answers::default();
        a.keystone.admin_openrc = "/root/admin-openrc".into();
        Draft::from_answers(&a, &Secrets::default())
    }

    #[test]
    fn the_answers_file_validators_decide() {
        let mut d = lab_draft();
        d.set(F::ControllerHost, "bad host".into());
        d.set(F::DbPassword, "short".into());
        d.set(F::DbPasswordAgain, "short".into());
        d.set(F::HttpProxy, "http://proxy".into());
        let p = d.problems(&profile());
        // The same errors as the types' and the password rules' own.
        assert_eq!(
            p[&F::ControllerHost],
            Problem::Rule("bad host".parse::<Host>().unwrap_err().into())
        );
        assert_eq!(
            p[&F::DbPassword],
            Problem::Rule(validate::db_password("short").unwrap_err().into())
        );
        assert_eq!(
            p[&F::HttpProxy],
            Problem::Rule(ProxyUrlError::NoPort("http://proxy".into()).into())
        );
        assert!(!p.contains_key(&F::DbPasswordAgain));
        assert!(p.contains_key(&F::ServicePassword), "missing secret");
    }

    #[test]
    fn generated_passwords_fill_both_entries_and_validate() {
        let mut d = lab_draft();
        d.generate(F::DbPassword);
        d.generate(F::ServicePassword);
        assert_eq!(d.raw(F::DbPassword), d.raw(F::DbPasswordAgain));
        assert_eq!(d.problems(&profile()), BTreeMap::new());
        d.set(F::DbPasswordAgain, "different-1".into());
        assert_eq!(
            d.problems(&profile())[&F::DbPasswordAgain],
            Problem::Mismatch
        );
    }

    #[test]
    fn derived_fields_follow_the_controller_until_edited() {
        let mut d = lab_draft();
        d.set(F::ControllerHost, "ctl1".into());
        assert_eq!(d.value(F::EndpointPublic, None), "http://ctl1:9292");
        assert_eq!(d.answers().endpoints.public, None);
        d.set(F::EndpointPublic, "http://api.example.org:9292".into());
        d.set(F::ControllerHost, "ctl2".into());
        assert_eq!(
            d.value(F::EndpointPublic, None),
            "http://api.example.org:9292"
        );
        assert_eq!(d.value(F::EndpointInternal, None), "http://ctl2:9292");
        assert_eq!(
            d.answers().endpoints.public.as_deref(),
            Some("http://api.example.org:9292")
        );
    }

    /// The VIP shows the controller until set; the endpoints not edited
    /// follow it, as the answers resolve them (`endpoint_on`).
    #[test]
    fn the_endpoints_follow_the_vip_which_follows_the_controller() {
        let mut d = lab_draft();
        d.set(F::ControllerHost, "ctl1".into());
        assert_eq!(d.value(F::Vip, None), "ctl1");
        assert!(d.is_default(F::Vip));
        assert_eq!(d.answers().endpoints.vip, None);
        d.set(F::EndpointAdmin, "http://admin.example.org:9292".into());
        d.set(F::Vip, "fd00::10".into());
        d.set(F::ControllerHost, "ctl2".into());
        assert_eq!(d.value(F::Vip, None), "fd00::10");
        assert_eq!(d.value(F::EndpointPublic, None), "http://[fd00::10]:9292");
        assert_eq!(d.value(F::EndpointInternal, None), "http://[fd00::10]:9292");
        assert_eq!(
            d.value(F::EndpointAdmin, None),
            "http://admin.example.org:9292"
        );
        let a = d.answers();
        assert_eq!(a.endpoints.vip.as_deref(), Some("fd00::10"));
        assert_eq!(a.endpoints.public, None);
        // The form shows what the answers resolve to.
        d.generate(F::DbPassword);
        d.generate(F::ServicePassword);
        let stand_in = AdminCredentials {
            vars: Default::default(),
            password: Secret::new("stand-in"),
            origin: crate::i18n::Message::verbatim(""),
        };
        let resolved = a.resolve(&profile(), &d.secrets(), stand_in).unwrap();
        assert_eq!(
            resolved.endpoints.public.as_str(),
            d.value(F::EndpointPublic, None)
        );
        assert_eq!(resolved.endpoints.vip.as_str(), "fd00::10");
    }

    /// The same bad value typed in the form and written in an answers file
    /// is refused by the same rule, in the same words.
    #[test]
    fn the_form_and_the_answers_file_agree_on_every_rule() {
        const BAD: &[(F, &str, &str)] = &[
            (F::ControllerHost, "bad host", "\"bad host\""),
            (F::BindHost, "not-an-ip", "\"not-an-ip\""),
            (F::DbHost, "-db", "\"-db\""),
            (F::DbPort, "70000", "70000"),
            (F::DbPort, "0", "0"),
            (F::AdminUser, "ro ot", "\"ro ot\""),
            (F::Socket, "run/mysqld.sock", "\"run/mysqld.sock\""),
            (F::DbName, "gl;ance", "\"gl;ance\""),
            (F::DbUser, "", "\"\""),
            (F::Openrc, "admin-openrc", "\"admin-openrc\""),
            (F::Region, "Region One", "\"Region One\""),
            (F::ServiceUser, "gl@nce", "\"gl@nce\""),
            (
                F::ServiceProject,
                "a-name-longer-than-sixty-four-characters-which-mysql-would-not-take",
                "\"{}\"",
            ),
            (F::WwwAuthUri, "ldap://x", "\"ldap://x\""),
            (F::AuthUrl, "http://", "\"http://\""),
            (F::Memcached, "controller", "[\"controller\"]"),
            (F::Memcached, "ctl:x", "[\"ctl:x\"]"),
            (F::Vip, "not a host", "\"not a host\""),
            (F::EndpointPublic, "controller:9292", "\"controller:9292\""),
            (
                F::EndpointInternal,
                "http://a_b:9292",
                "\"http://a_b:9292\"",
            ),
            (F::EndpointAdmin, "ftp://controller", "\"ftp://controller\""),
            (F::DataDir, "images", "\"images\""),
            (F::TestSource, "cirros.img", "\"cirros.img\""),
            (
                F::TestSource,
                "http://300.1.1.1/x",
                "\"http://300.1.1.1/x\"",
            ),
            (F::TestName, " ", "\" \""),
            (F::DiskFormat, "exe", "\"exe\""),
            (F::ContainerFormat, "zip", "\"zip\""),
            (F::HttpProxy, "proxy:3128", "\"proxy:3128\""),
            (F::HttpProxy, "http://proxy", "\"http://proxy\""),
            (F::HttpsProxy, "'http://p:3128'", "\"'http://p:3128'\""),
            (F::NoProxy, "10.0.0.0/8", "\"10.0.0.0/8\""),
        ];
        for (f, typed, toml_value) in BAD {
            let mut d = lab_draft();
            d.set(*f, typed.to_string());
            let in_form = d.problems(&profile()).remove(f);

            let (section, key) = f.path().split_once('.').unwrap();
            let toml_value = toml_value.replace("{}", typed);
            // The lab draft's admin-openrc, unless it is the field tried.
            let openrc = match *f {
                F::Openrc => "",
                _ => "admin_openrc = \"/root/admin-openrc\"\n",
            };
            let text = if section == "keystone" {
                format!("[keystone]\n{openrc}{key} = {toml_value}\n")
            } else {
                format!("[keystone]\n{openrc}[{section}]\n{key} = {toml_value}\n")
            };
            let answers = Answers::from_toml(&text).unwrap();
            let in_file = answers.validate_fields();
            assert_eq!(in_file.len(), 1, "{text}: {in_file:?}");
            let in_file = &in_file[0];
            assert_eq!(
                field_of(&in_file.field, &d),
                Some(*f),
                "{text}: {in_file:?}"
            );
            assert_eq!(
                in_form,
                Some(Problem::Rule(in_file.rule.clone())),
                "{f:?} = {typed:?}"
            );
        }
    }

    /// The stores field shows the release guide's stores until changed,
    /// and leaves the answers' `stores` unset until then.
    #[test]
    fn the_stores_follow_the_release_until_chosen() {
        let d = Draft::from_answers(&Answers::default(), &Secrets::default());
        let on = |release: &str| profile_for("debian", release, InitSystem::SysV).unwrap();
        assert_eq!(d.value(F::Stores, Some(&on("zed"))), "file+http");
        assert_eq!(d.value(F::Stores, Some(&on("2023.2"))), "file");
        assert_eq!(d.answers().image_store.stores, None);
        let mut d = d;
        d.set(F::Stores, "file".into());
        assert_eq!(d.value(F::Stores, Some(&on("zed"))), "file");
        assert_eq!(d.answers().image_store.stores, Some(vec!["file".into()]));
    }

    /// Answers → forms → answers keeps every value.
    #[test]
    fn round_trip_through_the_forms() {
        let text = r#"
[controller]
host = "ctl"
bind_host = "127.0.0.1"
[database]
host = "db1"
admin_access = "tcp"
admin_user = "admin"
[keystone]
admin_openrc = ""
os_auth_url = "http://ctl:5000/v3"
memcached_servers = ["m1:11211", "m2:11211"]
[image_store]
stores = ["file", "http"]
[endpoints]
vip = "lb.example.org"
internal = "http://ctl:9292"
[test_image]
source = "/tmp/x.img"
[proxy]
http_proxy = "http://p:3128"
no_proxy = "a,b"
"#;
        let a = Answers::from_toml(text).unwrap();
        let d = Draft::from_answers(&a, &Secrets::default());
        assert_eq!(d.answers(), a);
    }

    #[test]
    fn strength() {
        assert!(strength_bits("abc") < 20);
        assert!(strength_bits("Tr0ub4dor&3xyzAB") > 90);
    }
}
