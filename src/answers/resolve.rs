//! Answers into settings: [`Answers::resolve`] and its variants (the fields
//! checked first with [`Answers::checked`], the proxy alone), and the two
//! halves of resolving: the secrets, checked against their rules, and the
//! settings of each section with their defaults filled in.

use std::collections::BTreeMap;

use super::fields::{self, DbAccess, Fields, Problems, ProxyFields, StoreFields, TestImageFields};
use super::types::{Host, HttpUrl, MemcachedServer, ProxyUrl};
use super::validate::{self, PasswordError};
use super::{
    AdminAccess, AdminCredentials, Answers, AnswersError, DbAdmin, DbSettings, EndpointSettings,
    FieldError, ImageSource, KeystoneSettings, PackageSettings, ProxySettings, Rule, SecretName,
    Secrets, Settings, StoreSettings, TestImageSettings,
};
use crate::host::target::Profile;
use crate::util::secret::Secret;

/// The ports of the services on the controller that the defaults name.
const KEYSTONE_PORT: u16 = 5000;
const GLANCE_API_PORT: u16 = 9292;
const MEMCACHED_PORT: u16 = 11211;

/// The secrets the settings hold, each already checked.
pub(super) struct ResolvedSecrets {
    db_password: Secret,
    service_password: Secret,
    /// Over TCP only: the socket needs none.
    db_admin_password: Option<Secret>,
    proxy_password: Option<Secret>,
}

/// What a secret the secrets do not hold becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// A problem: `check`, `apply` and the wizard's run need every secret.
    Refused,
    /// [`Secret::not_set`]: `plan` shows the plan before the secrets exist.
    StandIn,
}

/// Looks secrets up and records the rule each one breaks.
struct SecretLookup<'a> {
    profile: &'a Profile,
    secrets: &'a Secrets,
    problems: &'a mut Problems,
    missing: Missing,
}

impl SecretLookup<'_> {
    /// The secret `name` (when missing: empty with the problem recorded,
    /// or the stand-in). A `new_account`'s password must be strong enough
    /// to create it with.
    fn take(&mut self, name: SecretName, new_account: bool) -> Secret {
        let field = format!("secrets.{}", name.key());
        match (self.secrets.get(name), self.missing) {
            (Some(value), _) => {
                let rule = self.rule(name, new_account, value);
                self.problems.record(field, rule);
                value.clone()
            }
            (None, Missing::Refused) => {
                self.problems.add(field, missing_rule(name));
                Secret::default()
            }
            (None, Missing::StandIn) => Secret::not_set(),
        }
    }

    fn rule(
        &self,
        name: SecretName,
        new_account: bool,
        value: &Secret,
    ) -> Result<(), PasswordError> {
        // Only the database password lands in a URL.
        let in_url = name == SecretName::GlanceDbPassword;
        if in_url {
            validate::db_password(value.expose())?;
        } else if new_account {
            validate::new_password(value.expose())?;
        } else {
            validate::password(value.expose())?;
        }
        let release = &self.profile.release;
        if in_url
            && release.refuse_url_encoded_passwords
            && crate::util::escape::needs_url_encoding(value.expose())
        {
            return Err(PasswordError::NeedsUrlEncoding(release.title.clone()));
        }
        Ok(())
    }
}

fn missing_rule(name: SecretName) -> Rule {
    if name.is_generatable() {
        Rule::MissingGeneratable
    } else {
        Rule::Missing
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
        missing: Missing,
    ) -> ResolvedSecrets {
        let mut lookup = SecretLookup {
            profile,
            secrets,
            problems,
            missing,
        };
        let db_password = lookup.take(SecretName::GlanceDbPassword, true);
        let service_password = lookup.take(SecretName::GlanceServicePassword, true);
        let db_admin_password = (self.database.admin_access == AdminAccess::Tcp)
            .then(|| lookup.take(SecretName::DbAdminPassword, false));
        let proxy_password = self
            .proxy
            .names_a_user()
            .then(|| lookup.take(SecretName::ProxyPassword, false));
        if proxy_password.is_none() && secrets.get(SecretName::ProxyPassword).is_some() {
            problems.add("secrets.proxy_password", Rule::ProxyNamesNoUser);
        }
        // The admin's password is only ever put in a child's environment,
        // never shown: a plan can do without it.
        let admin_stands_in = missing == Missing::StandIn && admin.password.is_empty();
        if !admin_stands_in && let Err(rule) = validate::password(admin.password.expose()) {
            let field = if self.keystone.admin_openrc.is_empty() {
                "secrets.os_password"
            } else {
                "keystone.admin_openrc"
            };
            problems.add(field, Rule::AdminPassword(rule));
        }
        ResolvedSecrets {
            db_password,
            service_password,
            db_admin_password,
            proxy_password,
        }
    }

    /// The settings of parsed answers, with every default filled in.
    pub(super) fn settings(
        fields: Fields,
        store: StoreSettings,
        profile: &Profile,
        admin: AdminCredentials,
        secrets: ResolvedSecrets,
    ) -> Settings {
        let controller = fields.controller.host.clone();
        Settings {
            bind_host: fields.controller.bind_host.clone(),
            db: db_settings(&fields, &controller, &secrets),
            keystone: keystone_settings(
                &fields,
                &controller,
                profile,
                admin,
                secrets.service_password,
            ),
            endpoints: endpoint_settings(&fields, &controller),
            store,
            test_image: test_image_settings(fields.test_image, profile),
            proxy: proxy_settings(fields.proxy, &controller, secrets.proxy_password),
            packages: PackageSettings {
                manager_options: fields
                    .packages
                    .manager_options
                    .into_iter()
                    .map(String::from)
                    .collect(),
                query_options: fields
                    .packages
                    .query_options
                    .into_iter()
                    .map(String::from)
                    .collect(),
            },
            controller,
        }
    }
}

fn db_settings(fields: &Fields, controller: &Host, secrets: &ResolvedSecrets) -> DbSettings {
    let d = &fields.database;
    let admin = match &d.access {
        DbAccess::Socket(path) => DbAdmin::Socket {
            path: path.clone(),
            user: d.admin_user.clone(),
        },
        // A missing password was recorded as a problem: these settings are
        // then never made.
        DbAccess::Tcp => DbAdmin::Tcp {
            user: d.admin_user.clone(),
            password: secrets.db_admin_password.clone().unwrap_or_default(),
        },
    };
    DbSettings {
        host: d.host.clone().unwrap_or_else(|| controller.clone()),
        port: d.port,
        admin,
        name: d.name.clone(),
        user: d.user.clone(),
        password: secrets.db_password.clone(),
        load_metadefs: d.load_metadefs,
    }
}

fn keystone_settings(
    fields: &Fields,
    controller: &Host,
    profile: &Profile,
    admin: AdminCredentials,
    service_password: Secret,
) -> KeystoneSettings {
    let k = &fields.keystone;
    let memcached = k
        .memcached_servers
        .clone()
        .unwrap_or_else(|| vec![MemcachedServer::on_host(controller, MEMCACHED_PORT)]);
    KeystoneSettings {
        admin,
        region: k.region.clone(),
        service_user: k.service_user.clone(),
        service_project: k.service_project.clone(),
        service_password,
        www_authenticate_uri: k
            .www_authenticate_uri
            .clone()
            .unwrap_or_else(|| HttpUrl::on_host(controller, KEYSTONE_PORT)),
        auth_url: k
            .auth_url
            .clone()
            .unwrap_or_else(|| HttpUrl::on_host(controller, profile.release.auth_url_port)),
        memcached_servers: memcached,
    }
}

/// Where an endpoint left unset points: glance-api on the VIP. The one
/// place for the rule: the wizard's form shows the same default
/// (`ui::draft`).
pub fn endpoint_on(vip: &Host) -> HttpUrl {
    HttpUrl::on_host(vip, GLANCE_API_PORT)
}

/// Each endpoint defaults to glance-api on the VIP, which defaults to the
/// controller.
fn endpoint_settings(fields: &Fields, controller: &Host) -> EndpointSettings {
    let e = &fields.endpoints;
    let vip = e.vip.clone().unwrap_or_else(|| controller.clone());
    let endpoint = |v: &Option<HttpUrl>| v.clone().unwrap_or_else(|| endpoint_on(&vip));
    EndpointSettings {
        public: endpoint(&e.public),
        internal: endpoint(&e.internal),
        admin: endpoint(&e.admin),
        vip,
    }
}

/// The stores the answers list, else the ones the release's guide enables;
/// `None` when the default store is not among them (the problem recorded).
pub(super) fn store_settings(
    s: &StoreFields,
    profile: &Profile,
    problems: &mut Problems,
) -> Option<StoreSettings> {
    let release = &profile.release;
    let stores = s.stores.as_ref().unwrap_or(&release.default_stores);
    if !stores.contains(&s.default_store) {
        // A list the answers give was checked with its fields.
        problems.add(
            "image_store.default_store",
            Rule::DefaultStoreNotInGuide {
                store: s.default_store.to_string(),
                release: release.title.clone(),
                stores: stores.join(", "),
            },
        );
        return None;
    }
    Some(StoreSettings {
        stores: stores.clone(),
        default_store: s.default_store,
        data_dir: s.data_dir.clone(),
        min_free_mib: s.min_free_mib,
    })
}

/// The test image defaults to the release's CirrOS download.
fn test_image_settings(t: TestImageFields, profile: &Profile) -> TestImageSettings {
    TestImageSettings {
        source: t
            .source
            .unwrap_or_else(|| ImageSource::Url(HttpUrl::known(profile.release.cirros_url()))),
        name: t.name,
        disk_format: t.disk_format,
        container_format: t.container_format,
    }
}

/// The admin's no_proxy list, then the controller's names that are not in
/// it yet.
pub(super) fn proxy_settings(
    x: ProxyFields,
    controller: &Host,
    password: Option<Secret>,
) -> ProxySettings {
    let mut no_proxy: Vec<String> = x.no_proxy.into_iter().map(String::from).collect();
    for always in controller_no_proxy(controller) {
        if !no_proxy.contains(&always) {
            no_proxy.push(always);
        }
    }
    let url = |u: Option<ProxyUrl>| u.map(String::from).unwrap_or_default();
    ProxySettings {
        http_proxy: url(x.http_proxy),
        https_proxy: url(x.https_proxy),
        password,
        no_proxy,
        persist: x.persist,
    }
}

impl Answers {
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
                Ok(proxy_settings(proxy, &controller.host, password))
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
            .and_then(|f| store_settings(&f.store, profile, &mut problems));
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
