//! The two halves of [`Answers::resolve`](super::Answers::resolve): the
//! secrets, checked against their rules, and the settings of each section
//! with their defaults filled in.

use std::path::PathBuf;

use super::fields::Problems;
use super::{
    AdminAccess, AdminCredentials, Answers, DbAdmin, DbSettings, EndpointSettings, ImageSource,
    KeystoneSettings, PackageSettings, ProxySettings, SecretName, Secrets, Settings, StoreSettings,
    TestImageSettings, controller_no_proxy, is_url_source, split_list, validate,
};
use crate::secret::Secret;
use crate::target::Profile;

/// The secrets the settings hold, each already checked.
pub(super) struct ResolvedSecrets {
    db_password: Secret,
    service_password: Secret,
    db_admin: DbAdmin,
    proxy_password: Option<Secret>,
}

/// Looks secrets up and records the rule each one breaks.
struct SecretLookup<'a> {
    profile: &'a Profile,
    secrets: &'a Secrets,
    problems: &'a mut Problems,
}

impl SecretLookup<'_> {
    /// The secret `name` (empty when missing, with the problem recorded).
    /// A `new_account`'s password must be strong enough to create it with.
    fn take(&mut self, name: SecretName, new_account: bool) -> Secret {
        let field = format!("secrets.{}", name.key());
        match self.secrets.get(name) {
            Some(value) => {
                self.problems
                    .check(&field, self.rule(name, new_account, value));
                value.clone()
            }
            None => {
                self.problems.add(field, missing_rule(name));
                Secret::default()
            }
        }
    }

    fn rule(&self, name: SecretName, new_account: bool, value: &Secret) -> Result<(), String> {
        // Only the database password lands in a URL.
        let in_url = name == SecretName::GlanceDbPassword;
        let rule = if in_url {
            validate::db_password(value.expose())
        } else if new_account {
            validate::new_password(value.expose())
        } else {
            validate::password(value.expose())
        };
        rule?;
        let release = &self.profile.release;
        if in_url
            && release.refuse_url_encoded_passwords
            && crate::escape::needs_url_encoding(value.expose())
        {
            return Err(format!(
                "on {} glance-manage db_sync fails on passwords that need URL encoding (launchpad 1695299): use only letters, digits and - . _ ~",
                release.title
            ));
        }
        Ok(())
    }
}

fn missing_rule(name: SecretName) -> &'static str {
    if name.is_generatable() {
        "missing: put it in the secrets file (mode 0600), run in a terminal to be asked, or use --generate-passwords"
    } else {
        "missing: put it in the secrets file (mode 0600), or run in a terminal to be asked"
    }
}

impl Answers {
    /// Every secret these answers need, from `secrets`, and the admin's
    /// password, each checked; what is wrong goes to `problems`.
    pub(super) fn resolve_secrets(
        &self,
        profile: &Profile,
        secrets: &Secrets,
        admin: &AdminCredentials,
        problems: &mut Problems,
    ) -> ResolvedSecrets {
        let mut lookup = SecretLookup {
            profile,
            secrets,
            problems,
        };
        let db_password = lookup.take(SecretName::GlanceDbPassword, true);
        let service_password = lookup.take(SecretName::GlanceServicePassword, true);
        let db_admin = match self.database.admin_access {
            AdminAccess::Socket => DbAdmin::Socket {
                path: self.database.socket.clone(),
                user: self.database.admin_user.clone(),
            },
            AdminAccess::Tcp => DbAdmin::Tcp {
                user: self.database.admin_user.clone(),
                password: lookup.take(SecretName::DbAdminPassword, false),
            },
        };
        let proxy_password = self
            .proxy
            .names_a_user()
            .then(|| lookup.take(SecretName::ProxyPassword, false));
        if proxy_password.is_none() && secrets.get(SecretName::ProxyPassword).is_some() {
            problems.add(
                "secrets.proxy_password",
                "the proxy URL names no user: write it as http://USER@HOST:PORT",
            );
        }
        if let Err(rule) = validate::password(admin.password.expose()) {
            let field = if self.keystone.admin_openrc.is_empty() {
                "secrets.os_password"
            } else {
                "keystone.admin_openrc"
            };
            problems.add(field, format!("OS_PASSWORD {rule}"));
        }
        ResolvedSecrets {
            db_password,
            service_password,
            db_admin,
            proxy_password,
        }
    }

    /// The settings of valid answers, with every default filled in.
    pub(super) fn settings(
        &self,
        profile: &Profile,
        admin: AdminCredentials,
        secrets: ResolvedSecrets,
    ) -> Settings {
        Settings {
            controller: self.controller.host.clone(),
            bind_host: Some(self.controller.bind_host.clone()).filter(|b| !b.is_empty()),
            db: self.db_settings(secrets.db_admin, secrets.db_password),
            keystone: self.keystone_settings(profile, admin, secrets.service_password),
            endpoints: self.endpoint_settings(),
            store: StoreSettings {
                stores: self.image_store.stores.clone(),
                default_store: self.image_store.default_store.clone(),
                data_dir: self.image_store.data_dir.clone(),
                min_free_mib: self.image_store.min_free_mib,
            },
            test_image: self.test_image_settings(profile),
            proxy: self.proxy_settings(secrets.proxy_password),
            packages: PackageSettings {
                manager_options: self.packages.manager_options.clone(),
                query_options: self.packages.query_options.clone(),
            },
        }
    }

    fn db_settings(&self, admin: DbAdmin, password: Secret) -> DbSettings {
        let d = &self.database;
        DbSettings {
            host: d
                .host
                .clone()
                .unwrap_or_else(|| self.controller.host.clone()),
            port: d.port as u16,
            admin,
            name: d.name.clone(),
            user: d.user.clone(),
            password,
            load_metadefs: d.load_metadefs,
        }
    }

    fn keystone_settings(
        &self,
        profile: &Profile,
        admin: AdminCredentials,
        service_password: Secret,
    ) -> KeystoneSettings {
        let k = &self.keystone;
        let memcached = k.memcached_servers.clone().unwrap_or_else(|| {
            vec![format!(
                "{}:11211",
                crate::escape::url_host(&self.controller.host)
            )]
        });
        KeystoneSettings {
            admin,
            region: k.region.clone(),
            service_user: k.service_user.clone(),
            service_project: k.service_project.clone(),
            service_password,
            www_authenticate_uri: k
                .www_authenticate_uri
                .clone()
                .unwrap_or_else(|| self.controller_url(5000)),
            auth_url: k
                .auth_url
                .clone()
                .unwrap_or_else(|| self.controller_url(profile.release.auth_url_port)),
            memcached_servers: memcached,
        }
    }

    /// Each endpoint defaults to glance-api on the controller.
    fn endpoint_settings(&self) -> EndpointSettings {
        let endpoint = |v: &Option<String>| v.clone().unwrap_or_else(|| self.controller_url(9292));
        EndpointSettings {
            public: endpoint(&self.endpoints.public),
            internal: endpoint(&self.endpoints.internal),
            admin: endpoint(&self.endpoints.admin),
        }
    }

    /// The test image defaults to the release's CirrOS download.
    fn test_image_settings(&self, profile: &Profile) -> TestImageSettings {
        let t = &self.test_image;
        let source = match &t.source {
            Some(s) if is_url_source(s) => ImageSource::Url(s.clone()),
            Some(s) => ImageSource::Path(PathBuf::from(s)),
            None => ImageSource::Url(profile.release.cirros_url()),
        };
        TestImageSettings {
            source,
            name: t.name.clone(),
            disk_format: t.disk_format.clone(),
            container_format: t.container_format.clone(),
        }
    }

    /// The admin's no_proxy list, then the controller's names that are
    /// not in it yet.
    fn proxy_settings(&self, password: Option<Secret>) -> ProxySettings {
        let mut no_proxy: Vec<String> = split_list(&self.proxy.no_proxy)
            .map(str::to_string)
            .collect();
        for always in controller_no_proxy(&self.controller.host) {
            if !no_proxy.contains(&always) {
                no_proxy.push(always);
            }
        }
        ProxySettings {
            http_proxy: self.proxy.http_proxy.clone(),
            https_proxy: self.proxy.https_proxy.clone(),
            password,
            no_proxy,
            persist: self.proxy.persist,
        }
    }
}
