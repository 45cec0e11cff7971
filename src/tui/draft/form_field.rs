//! The forms' fields: each one's name (its i18n keys), kind, path in the
//! answers file, and which form shows it.

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
