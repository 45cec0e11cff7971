//! The plan: answers + target profile → an ordered list of tasks with stable
//! ids, the inputs each uses (for checkpoint fingerprints) and a description
//! of exactly what each will do. Tasks are data; the engine has one runner
//! per kind.

pub mod commands;
mod config;
mod render;

use sha2::{Digest, Sha256};

use crate::answers::{DbAdmin, ImageSource, KeystoneSettings, Settings, TestImageSettings};
use crate::secret::{MASK, Secret};
use crate::target::{InitSystem, PackageManager, Profile};

pub use config::{ConfigEdit, ConfigSpec, ConfigValue, apply_config_spec, config_specs};
pub use render::render_plan;

/// A value a task depends on. Secrets enter the fingerprint only keyed
/// ([`FingerprintKey`]), so the journal never holds them in clear.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Plain(String),
    Secret(Secret),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SqlSpec {
    pub admin: DbAdmin,
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub password: Secret,
    /// Hosts of the accounts: `localhost` and `%` (an anonymous
    /// `''@'localhost'` would otherwise shadow `%` for local logins).
    pub account_hosts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSpec {
    pub services: Vec<String>,
    pub init: InitSystem,
    /// Polled after the restart until Glance answers.
    pub health_url: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VerifySpec {
    pub source: ImageSource,
    pub name: String,
    pub disk_format: String,
    pub container_format: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TaskKind {
    Sql(SqlSpec),
    IdentityUser,
    IdentityRole,
    IdentityService,
    IdentityEndpoints,
    Packages {
        manager: PackageManager,
        packages: Vec<String>,
    },
    Config(ConfigSpec),
    DbSync {
        check: bool,
    },
    Services(ServiceSpec),
    Verify(VerifySpec),
}

impl TaskKind {
    /// Short name of the runner, shown in progress lines.
    pub fn label(&self) -> &'static str {
        match self {
            TaskKind::Sql(_) => "sql",
            TaskKind::IdentityUser
            | TaskKind::IdentityRole
            | TaskKind::IdentityService
            | TaskKind::IdentityEndpoints => "identity",
            TaskKind::Packages { .. } => "packages",
            TaskKind::Config(_) => "config",
            TaskKind::DbSync { .. } => "db",
            TaskKind::Services(_) => "service",
            TaskKind::Verify(_) => "verify",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// Stable id used by the journal and `reset`.
    pub id: String,
    pub title: String,
    pub kind: TaskKind,
    /// Values this task's result depends on.
    pub inputs: Vec<(String, Input)>,
    /// Tasks whose fingerprints feed into this one: when they change, this
    /// task runs again (a changed config means a restart).
    pub after: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub profile: Profile,
    pub tasks: Vec<Task>,
}

impl Plan {
    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// Fingerprints of every task, in order; secrets enter them keyed with
    /// `key` (HMAC-SHA256).
    pub fn fingerprints(&self, key: &FingerprintKey) -> Vec<String> {
        self.fingerprints_with(|secret| key.hash(secret))
    }

    /// The fingerprints a format-1 journal holds: secrets hashed with the
    /// salt written beside them (SHA-256 of salt, NUL, secret). Only to
    /// carry such a journal's checkpoints over to keyed fingerprints.
    pub fn salted_fingerprints(&self, salt: &str) -> Vec<String> {
        self.fingerprints_with(|secret| {
            let mut hasher = Sha256::new();
            hasher.update(salt.as_bytes());
            hasher.update([0]);
            hasher.update(secret.expose().as_bytes());
            hex(&hasher.finalize())
        })
    }

    /// SHA-256 of the task's id, its inputs (secrets as `secret_hash`
    /// gives them) and its upstream tasks' fingerprints.
    fn fingerprints_with(&self, secret_hash: impl Fn(&Secret) -> String) -> Vec<String> {
        let mut done: Vec<(String, String)> = Vec::new();
        for task in &self.tasks {
            let mut hasher = Sha256::new();
            hasher.update(task.id.as_bytes());
            hasher.update([0]);
            for (name, input) in &task.inputs {
                hasher.update(name.as_bytes());
                hasher.update([b'=']);
                match input {
                    Input::Plain(v) => hasher.update(v.as_bytes()),
                    Input::Secret(s) => hasher.update(secret_hash(s).as_bytes()),
                }
                hasher.update([0]);
            }
            for upstream in &task.after {
                if let Some((_, fp)) = done.iter().find(|(id, _)| id == upstream) {
                    hasher.update(fp.as_bytes());
                }
            }
            let fp = hex(&hasher.finalize());
            done.push((task.id.clone(), fp));
        }
        done.into_iter().map(|(_, fp)| fp).collect()
    }
}

/// The key secrets are hashed with (HMAC-SHA256) before they enter a
/// fingerprint. It is kept apart from the journal (the engine keeps it in a
/// file of its own, mode 0600): a journal that leaked alone does not let
/// anyone test guesses of a password against its fingerprints.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerprintKey([u8; 32]);

impl FingerprintKey {
    pub fn new(bytes: [u8; 32]) -> FingerprintKey {
        FingerprintKey(bytes)
    }

    pub fn random() -> FingerprintKey {
        use rand::Rng;
        FingerprintKey(rand::rng().random())
    }

    /// 64 hex digits, as [`FingerprintKey::to_hex`] writes them.
    pub fn from_hex(text: &str) -> Option<FingerprintKey> {
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
            *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        }
        Some(FingerprintKey(bytes))
    }

    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    fn hash(&self, secret: &Secret) -> String {
        use hmac::{Hmac, Mac};
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(secret.expose().as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

/// Never the key itself.
impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(..)")
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn plain(name: &str, value: impl Into<String>) -> (String, Input) {
    (name.to_string(), Input::Plain(value.into()))
}

fn secret(name: &str, value: &Secret) -> (String, Input) {
    (name.to_string(), Input::Secret(value.clone()))
}

/// Builds the plan, in the install guide's order.
pub fn build_plan(settings: &Settings, profile: &Profile) -> Plan {
    let mut tasks = vec![sql_task(settings)];
    tasks.extend(identity_tasks(settings, profile));
    tasks.push(packages_task(settings, profile));
    let configs: Vec<Task> = config_specs(settings, profile)
        .into_iter()
        .map(config_task)
        .collect();
    let config_ids: Vec<String> = configs.iter().map(|t| t.id.clone()).collect();
    tasks.extend(configs);
    tasks.push(db_sync_task(profile, &config_ids));
    tasks.push(services_task(settings, profile, &config_ids));
    tasks.push(verify_task(&settings.test_image));
    Plan {
        profile: profile.clone(),
        tasks,
    }
}

fn sql_task(settings: &Settings) -> Task {
    let sql = SqlSpec {
        admin: settings.db.admin.clone(),
        host: settings.db.host.to_string(),
        port: settings.db.port.get(),
        database: settings.db.name.to_string(),
        user: settings.db.user.to_string(),
        password: settings.db.password.clone(),
        account_hosts: vec!["localhost".into(), "%".into()],
    };
    Task {
        id: "sql.database".into(),
        title: "Create the glance database and its accounts".into(),
        inputs: vec![
            plain("host", format!("{}:{}", sql.host, sql.port)),
            plain("database", &sql.database),
            plain("user", &sql.user),
            secret("password", &sql.password),
        ],
        kind: TaskKind::Sql(sql),
        after: vec![],
    }
}

/// The Keystone admin every identity task works as, followed by `more`.
fn admin_inputs(
    k: &KeystoneSettings,
    more: impl IntoIterator<Item = (String, Input)>,
) -> Vec<(String, Input)> {
    let mut inputs = vec![
        plain("auth_url", k.admin.auth_url()),
        plain("admin_user", k.admin.username()),
    ];
    inputs.extend(more);
    inputs
}

/// The user, its role, the image service and its endpoints.
fn identity_tasks(settings: &Settings, profile: &Profile) -> [Task; 4] {
    let k = &settings.keystone;
    // The user is looked up and made in the release's domain.
    let domain = || plain("domain", &profile.release.domain_name);
    let mut endpoint_inputs = admin_inputs(k, [plain("region", &k.region)]);
    for (interface, url) in settings.endpoints.by_interface() {
        endpoint_inputs.push(plain(interface, url));
    }
    [
        Task {
            id: "identity.user".into(),
            title: format!("Create the Keystone user {}", k.service_user),
            kind: TaskKind::IdentityUser,
            inputs: admin_inputs(
                k,
                [
                    domain(),
                    plain("user", &k.service_user),
                    secret("password", &k.service_password),
                ],
            ),
            after: vec![],
        },
        Task {
            id: "identity.role".into(),
            title: format!(
                "Give {} the admin role on project {}",
                k.service_user, k.service_project
            ),
            kind: TaskKind::IdentityRole,
            inputs: admin_inputs(
                k,
                [
                    domain(),
                    plain("user", &k.service_user),
                    plain("project", &k.service_project),
                ],
            ),
            after: vec!["identity.user".into()],
        },
        Task {
            id: "identity.service".into(),
            title: "Create the image service entity".into(),
            kind: TaskKind::IdentityService,
            inputs: admin_inputs(k, []),
            after: vec![],
        },
        Task {
            id: "identity.endpoints".into(),
            title: "Create the public, internal and admin endpoints".into(),
            kind: TaskKind::IdentityEndpoints,
            inputs: endpoint_inputs,
            after: vec!["identity.service".into()],
        },
    ]
}

fn packages_task(settings: &Settings, profile: &Profile) -> Task {
    let packages = profile.packages();
    let mut inputs = vec![
        plain("manager", profile.package_manager.name()),
        plain("packages", packages.join(" ")),
    ];
    // Only when set, so that the default plan keeps its fingerprints.
    let p = &settings.packages;
    if !p.manager_options.is_empty() {
        inputs.push(plain("manager_options", p.manager_options.join("\0")));
    }
    if !p.query_options.is_empty() {
        inputs.push(plain("query_options", p.query_options.join("\0")));
    }
    if settings.proxy.persist {
        // The URL may hold the proxy's password: hashed like a secret.
        let proxy = format!(
            "{}\0{}",
            settings.proxy.http_proxy, settings.proxy.https_proxy
        );
        inputs.push(secret("persisted_proxy", &Secret::new(proxy)));
    }
    Task {
        id: "packages.install".into(),
        title: format!("Install {}", packages.join(" ")),
        inputs,
        kind: TaskKind::Packages {
            manager: profile.package_manager,
            packages,
        },
        after: vec![],
    }
}

fn config_task(spec: ConfigSpec) -> Task {
    let mut inputs = vec![plain("path", &spec.path)];
    for edit in &spec.edits {
        let name = format!("{}.{}", edit.section, edit.key);
        inputs.push(match &edit.value {
            ConfigValue::Plain(v) => plain(&name, v),
            ConfigValue::Secret { shown, secret: s } => (
                name,
                Input::Secret(Secret::new(format!("{shown}\0{}", s.expose()))),
            ),
        });
    }
    if let Some((section, keep)) = &spec.comment_out_except {
        inputs.push(plain(
            "comment_out_except",
            format!("{section}:{}", keep.join(",")),
        ));
    }
    Task {
        id: format!("config.{}", spec.file_stem()),
        title: format!("Configure {}", spec.path),
        kind: TaskKind::Config(spec),
        inputs,
        after: vec!["packages.install".into()],
    }
}

fn db_sync_task(profile: &Profile, config_ids: &[String]) -> Task {
    let mut after = vec!["sql.database".to_string()];
    after.extend(config_ids.iter().cloned());
    Task {
        id: "db.sync".into(),
        title: "Populate the Image service database (glance-manage db_sync)".into(),
        kind: TaskKind::DbSync {
            check: profile.release.db_check,
        },
        inputs: vec![plain("release", &profile.release.name)],
        after,
    }
}

fn services_task(settings: &Settings, profile: &Profile, config_ids: &[String]) -> Task {
    let health_url = format!(
        "http://{}:9292/",
        crate::escape::url_host(&settings.controller)
    );
    let services = profile.services();
    let mut after = config_ids.to_vec();
    after.push("packages.install".into());
    after.push("db.sync".into());
    Task {
        id: "service.restart".into(),
        title: format!("Enable and restart {}", services.join(" ")),
        inputs: vec![
            plain("services", services.join(" ")),
            plain("init", profile.init.name()),
            plain("health_url", &health_url),
        ],
        kind: TaskKind::Services(ServiceSpec {
            services,
            init: profile.init,
            health_url,
        }),
        after,
    }
}

fn verify_task(t: &TestImageSettings) -> Task {
    Task {
        id: "verify.image".into(),
        title: format!("Upload the test image {} and check it", t.name),
        inputs: vec![
            plain("source", t.source.to_string()),
            plain("name", &t.name),
            plain("disk_format", &t.disk_format),
            plain("container_format", &t.container_format),
        ],
        kind: TaskKind::Verify(VerifySpec {
            source: t.source.clone(),
            name: t.name.clone(),
            disk_format: t.disk_format.to_string(),
            container_format: t.container_format.to_string(),
        }),
        after: vec![
            "service.restart".into(),
            "identity.endpoints".into(),
            "identity.role".into(),
        ],
    }
}

/// The SQL statements of the database task, with the password as given by
/// `password_literal` (masked for display, escaped for execution).
pub fn sql_statements(spec: &SqlSpec, password_literal: &str) -> Vec<String> {
    let db = &spec.database;
    let mut out = vec![format!(
        "CREATE DATABASE IF NOT EXISTS `{db}` CHARACTER SET utf8"
    )];
    for host in &spec.account_hosts {
        let account = format!("'{}'@'{}'", spec.user, host);
        out.push(format!(
            "CREATE USER IF NOT EXISTS {account} IDENTIFIED BY {password_literal}"
        ));
        out.push(format!(
            "ALTER USER {account} IDENTIFIED BY {password_literal}"
        ));
        out.push(format!("GRANT ALL PRIVILEGES ON `{db}`.* TO {account}"));
    }
    out
}

/// The masked literal used in plan output and logs.
pub fn masked_literal() -> String {
    format!("'{MASK}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> SqlSpec {
        SqlSpec {
            admin: DbAdmin::Socket {
                path: "/run/mysqld/mysqld.sock".parse().unwrap(),
                user: "root".parse().unwrap(),
            },
            host: "controller".into(),
            port: 3306,
            database: "glance".into(),
            user: "glance".into(),
            password: Secret::new("x"),
            account_hosts: vec!["localhost".into(), "%".into()],
        }
    }

    /// MySQL 8 removed `GRANT ... IDENTIFIED BY` (the guide's syntax): the
    /// password is set by CREATE USER / ALTER USER, grants carry none.
    #[test]
    fn statements_use_syntax_mysql_8_accepts() {
        let statements = sql_statements(&spec(), "'pw'");
        for s in &statements {
            if s.starts_with("GRANT") {
                assert!(!s.contains("IDENTIFIED"), "{s}");
            }
        }
        // Both accounts, each created, its password (re)set and granted.
        for host in ["localhost", "%"] {
            let account = format!("'glance'@'{host}'");
            assert!(
                statements
                    .iter()
                    .any(|s| s.starts_with("CREATE USER IF NOT EXISTS") && s.contains(&account))
            );
            assert!(
                statements
                    .iter()
                    .any(|s| s.starts_with("ALTER USER") && s.contains(&account))
            );
            assert!(
                statements
                    .iter()
                    .any(|s| s.starts_with("GRANT ALL PRIVILEGES") && s.contains(&account))
            );
        }
        assert!(statements[0].starts_with("CREATE DATABASE IF NOT EXISTS"));
    }
}
