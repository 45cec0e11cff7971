//! The field rules of [`Answers::validate_fields`](super::Answers::validate_fields),
//! one function per section of the answers, checked in file order.

use super::{
    AdminAccess, ControllerAnswers, DatabaseAnswers, EndpointAnswers, FieldError,
    ImageStoreAnswers, KeystoneAnswers, PackageAnswers, ProxyAnswers, TestImageAnswers,
    is_url_source, non_empty, split_list, validate,
};

/// The Glance stores glance-wizard can configure.
pub const STORES: &[&str] = &["file", "http"];
/// The Glance disk formats a test image may have.
pub const DISK_FORMATS: &[&str] = &[
    "qcow2", "raw", "vmdk", "vdi", "iso", "vhd", "vhdx", "ami", "ari", "aki", "ploop",
];
/// The Glance container formats a test image may have.
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

/// Every broken rule found so far, in the order the fields were checked.
#[derive(Default)]
pub(super) struct Problems(pub(super) Vec<FieldError>);

impl Problems {
    /// Records `result`'s rule against `field` when it is an error.
    pub(super) fn check(&mut self, field: &str, result: Result<(), String>) {
        if let Err(rule) = result {
            self.add(field, rule);
        }
    }

    pub(super) fn add(&mut self, field: impl Into<String>, rule: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            rule: rule.into(),
        });
    }
}

/// An http(s) URL's rule, without the parsed URL.
fn url(value: &str) -> Result<(), String> {
    validate::http_url(value).map(|_| ())
}

pub(super) fn controller(c: &ControllerAnswers, p: &mut Problems) {
    p.check("controller.host", validate::host(&c.host));
    if !c.bind_host.is_empty() {
        p.check(
            "controller.bind_host",
            c.bind_host
                .parse::<std::net::IpAddr>()
                .map(|_| ())
                .map_err(|_| {
                    format!(
                        "`{}` must be an IP address such as 0.0.0.0 or 127.0.0.1",
                        c.bind_host
                    )
                }),
        );
    }
}

pub(super) fn database(d: &DatabaseAnswers, p: &mut Problems) {
    if let Some(h) = &d.host {
        p.check("database.host", validate::host(h));
    }
    p.check("database.port", validate::port(d.port).map(|_| ()));
    p.check("database.admin_user", validate::identifier(&d.admin_user));
    if d.admin_access == AdminAccess::Socket {
        p.check("database.socket", validate::absolute_path(&d.socket));
    }
    p.check("database.name", validate::identifier(&d.name));
    p.check("database.user", validate::identifier(&d.user));
}

pub(super) fn keystone(k: &KeystoneAnswers, p: &mut Problems) {
    keystone_admin(k, p);
    p.check("keystone.region", validate::region(&k.region));
    p.check(
        "keystone.service_user",
        validate::identifier(&k.service_user),
    );
    p.check(
        "keystone.service_project",
        validate::identifier(&k.service_project),
    );
    if let Some(u) = &k.www_authenticate_uri {
        p.check("keystone.www_authenticate_uri", url(u));
    }
    if let Some(u) = &k.auth_url {
        p.check("keystone.auth_url", url(u));
    }
    if let Some(servers) = &k.memcached_servers {
        if servers.is_empty() {
            p.add("keystone.memcached_servers", "list at least one host:port");
        }
        for (i, s) in servers.iter().enumerate() {
            p.check(
                &format!("keystone.memcached_servers[{i}]"),
                validate::memcached_server(s),
            );
        }
    }
}

/// Where the Keystone admin credentials come from: an admin-openrc, or
/// the os_* fields.
fn keystone_admin(k: &KeystoneAnswers, p: &mut Problems) {
    if !k.admin_openrc.is_empty() {
        p.check(
            "keystone.admin_openrc",
            validate::absolute_path(&k.admin_openrc),
        );
    } else if k.os_auth_url.is_empty() {
        p.add(
            "keystone.admin_openrc",
            "give the path of an admin-openrc, or os_auth_url and the other os_* values",
        );
    } else {
        p.check("keystone.os_auth_url", url(&k.os_auth_url));
        p.check("keystone.os_username", non_empty(&k.os_username));
        p.check("keystone.os_project_name", non_empty(&k.os_project_name));
    }
}

pub(super) fn endpoints(e: &EndpointAnswers, p: &mut Problems) {
    for (name, value) in [
        ("endpoints.public", &e.public),
        ("endpoints.internal", &e.internal),
        ("endpoints.admin", &e.admin),
    ] {
        if let Some(u) = value {
            p.check(name, url(u));
        }
    }
}

pub(super) fn image_store(s: &ImageStoreAnswers, p: &mut Problems) {
    if s.stores.is_empty() {
        p.add("image_store.stores", "list at least one store: \"file\"");
    }
    for (i, store) in s.stores.iter().enumerate() {
        if !STORES.contains(&store.as_str()) {
            let supported: Vec<String> = STORES.iter().map(|s| format!("\"{s}\"")).collect();
            p.add(
                format!("image_store.stores[{i}]"),
                format!("`{store}` is not supported: use {}", supported.join(" or ")),
            );
        }
    }
    if !s.stores.contains(&s.default_store) {
        p.add(
            "image_store.default_store",
            format!(
                "`{}` must be one of the stores listed in image_store.stores",
                s.default_store
            ),
        );
    }
    p.check("image_store.data_dir", validate::absolute_path(&s.data_dir));
}

pub(super) fn test_image(t: &TestImageAnswers, p: &mut Problems) {
    if let Some(src) = &t.source {
        if is_url_source(src) {
            p.check("test_image.source", url(src));
        } else {
            p.check("test_image.source", validate::absolute_path(src));
        }
    }
    p.check("test_image.name", non_empty(&t.name));
    if !DISK_FORMATS.contains(&t.disk_format.as_str()) {
        p.add(
            "test_image.disk_format",
            format!(
                "`{}` is not a Glance disk format (qcow2, raw, ...)",
                t.disk_format
            ),
        );
    }
    if !CONTAINER_FORMATS.contains(&t.container_format.as_str()) {
        p.add(
            "test_image.container_format",
            format!(
                "`{}` is not a Glance container format (bare, ...)",
                t.container_format
            ),
        );
    }
}

pub(super) fn proxy(x: &ProxyAnswers, p: &mut Problems) {
    if !x.http_proxy.is_empty() {
        p.check("proxy.http_proxy", validate::proxy_url(&x.http_proxy));
    }
    if !x.https_proxy.is_empty() {
        p.check("proxy.https_proxy", validate::proxy_url(&x.https_proxy));
    }
    for entry in split_list(&x.no_proxy) {
        p.check("proxy.no_proxy", validate::no_proxy_entry(entry));
    }
    if x.persist && x.http_proxy.is_empty() && x.https_proxy.is_empty() {
        p.add(
            "proxy.persist",
            "there is no proxy to persist: set http_proxy or https_proxy, or persist = false",
        );
    }
}

pub(super) fn packages(x: &PackageAnswers, p: &mut Problems) {
    for (name, list) in [
        ("packages.manager_options", &x.manager_options),
        ("packages.query_options", &x.query_options),
    ] {
        for (i, option) in list.iter().enumerate() {
            p.check(&format!("{name}[{i}]"), validate::command_option(option));
        }
    }
}
