//! The plan: answers + target profile → an ordered list of tasks with stable
//! ids, the inputs each uses (for checkpoint fingerprints) and a description
//! of exactly what each will do. Tasks are data; the engine has one runner
//! per kind.

pub mod commands;
mod config;
mod render;
mod report;
mod spec;
mod task_id;

use crate::i18n::Message;
use crate::util::hex::hex;
use sha2::{Digest, Sha256};

use crate::answers::{Settings, TestImageSettings};
use crate::host::target::Profile;
use crate::util::secret::Secret;

pub use config::{
    BACKUP_SUFFIX, ConfigEdit, ConfigSpec, ConfigValue, apply_config_spec, config_specs,
};
pub use render::{masked_diff, plan_report, render_plan};
pub use report::{ConfigChange, ConfigReport, PlanReport, TaskReport};
pub use spec::{
    DbAccount, DbSyncSpec, EndpointSpec, EndpointsSpec, Interface, MetadefsSpec, PackagesSpec,
    RoleSpec, ServiceEntitySpec, ServiceLogin, ServiceSpec, SqlSpec, TaskKind, UserSpec,
    VerifySpec,
};
pub use task_id::{ConfigFile, TaskId, UnknownTask};
#[cfg(test)]
pub(crate) use task_id::{letter, stand_in};

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// Stable id used by the journal and `reset`.
    pub id: TaskId,
    /// What it does, in any language (`task.*` of assets/i18n).
    pub title: Message,
    /// What the task does: everything its runner reads.
    pub kind: TaskKind,
    /// Tasks whose fingerprints feed into this one: when they change, this
    /// task runs again (a changed config means a restart).
    pub after: Vec<TaskId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub profile: Profile,
    pub tasks: Vec<Task>,
}

impl Plan {
    pub fn task(&self, id: TaskId) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// Fingerprints of every task, in order: SHA-256 of the task's id, its
    /// whole spec (secrets in it HMAC-keyed with `key`, never in clear) and
    /// its upstream tasks' fingerprints.
    pub fn fingerprints(&self, key: &FingerprintKey) -> Vec<String> {
        let key = key.clone();
        crate::util::secret::hashing_secrets(
            move |secret| key.hash(secret),
            || {
                let mut done: Vec<(TaskId, String)> = Vec::new();
                for task in &self.tasks {
                    let mut hasher = Sha256::new();
                    hasher.update(task.id.as_str().as_bytes());
                    hasher.update([0]);
                    let spec = serde_json::to_vec(&task.kind)
                        .expect("a spec is plain data: it always serialises");
                    hasher.update(&spec);
                    for upstream in &task.after {
                        if let Some((_, fp)) = done.iter().find(|(id, _)| id == upstream) {
                            hasher.update([0]);
                            hasher.update(fp.as_bytes());
                        }
                    }
                    done.push((task.id, hex(&hasher.finalize())));
                }
                done.into_iter().map(|(_, fp)| fp).collect()
            },
        )
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

/// Builds the plan, in the install guide's order.
pub fn build_plan(settings: &Settings, profile: &Profile) -> Plan {
    let mut tasks = vec![sql_task(settings)];
    tasks.extend(identity_tasks(settings, profile));
    tasks.push(packages_task(settings, profile));
    let configs: Vec<Task> = config_specs(settings, profile)
        .into_iter()
        .map(config_task)
        .collect();
    let config_ids: Vec<TaskId> = configs.iter().map(|t| t.id).collect();
    tasks.extend(configs);
    tasks.push(db_sync_task(settings, profile, &config_ids));
    if settings.db.load_metadefs {
        tasks.push(metadefs_task(settings, profile));
    }
    tasks.push(services_task(settings, profile, &config_ids));
    tasks.push(verify_task(settings, profile));
    Plan {
        profile: profile.clone(),
        tasks,
    }
}

fn sql_spec(settings: &Settings) -> SqlSpec {
    let db = &settings.db;
    SqlSpec {
        admin: db.admin.clone(),
        host: db.host.to_string(),
        port: db.port.get(),
        database: db.name.to_string(),
        user: db.user.to_string(),
        password: db.password.clone(),
        account_hosts: vec!["localhost".into(), "%".into()],
    }
}

fn sql_task(settings: &Settings) -> Task {
    Task {
        id: TaskId::SqlDatabase,
        title: Message::new("task.sql_database"),
        kind: TaskKind::Sql(sql_spec(settings)),
        after: vec![],
    }
}

/// The glance user's login, in the release's domain.
pub fn service_login(settings: &Settings, profile: &Profile) -> ServiceLogin {
    let k = &settings.keystone;
    ServiceLogin {
        auth_url: k.admin.auth_url().to_string(),
        user: k.service_user.to_string(),
        domain: profile.release.domain_name.clone(),
        project: k.service_project.to_string(),
        password: k.service_password.clone(),
    }
}

/// The user, its role, the image service and its endpoints.
fn identity_tasks(settings: &Settings, profile: &Profile) -> [Task; 4] {
    let k = &settings.keystone;
    let login = service_login(settings, profile);
    let auth_url = login.auth_url.clone();
    let endpoints = Interface::ALL
        .into_iter()
        .zip(settings.endpoints.by_interface())
        .map(|(interface, (_, url))| EndpointSpec {
            interface,
            url: url.to_string(),
        })
        .collect();
    [
        Task {
            id: TaskId::IdentityUser,
            title: Message::new("task.identity_user").arg("user", &k.service_user),
            kind: TaskKind::IdentityUser(UserSpec {
                login: login.clone(),
            }),
            after: vec![],
        },
        Task {
            id: TaskId::IdentityRole,
            title: Message::new("task.identity_role")
                .arg("user", &k.service_user)
                .arg("project", &k.service_project),
            kind: TaskKind::IdentityRole(RoleSpec {
                login,
                role: "admin".into(),
            }),
            after: vec![TaskId::IdentityUser],
        },
        Task {
            id: TaskId::IdentityService,
            title: Message::new("task.identity_service"),
            kind: TaskKind::IdentityService(ServiceEntitySpec {
                auth_url: auth_url.clone(),
                name: "glance".into(),
                service_type: "image".into(),
                description: "OpenStack Image".into(),
            }),
            after: vec![],
        },
        Task {
            id: TaskId::IdentityEndpoints,
            title: Message::new("task.identity_endpoints"),
            kind: TaskKind::IdentityEndpoints(EndpointsSpec {
                auth_url,
                service_type: "image".into(),
                region: k.region.to_string(),
                endpoints,
            }),
            after: vec![TaskId::IdentityService],
        },
    ]
}

fn packages_task(settings: &Settings, profile: &Profile) -> Task {
    let packages = profile.packages();
    let p = &settings.packages;
    let distro = &profile.distro;
    Task {
        id: TaskId::PackagesInstall,
        title: Message::new("task.packages").arg("packages", packages.join(" ")),
        kind: TaskKind::Packages(PackagesSpec {
            manager: profile.package_manager,
            packages,
            manager_options: p.manager_options.clone(),
            query_options: p.query_options.clone(),
            persist_proxy: settings.proxy.persist.then(|| settings.proxy.clone()),
            repository: distro.repository_msg(),
        }),
        after: vec![],
    }
}

fn config_task(spec: ConfigSpec) -> Task {
    Task {
        id: TaskId::Config(spec.file),
        title: Message::new("task.config").arg("path", &spec.path),
        kind: TaskKind::Config(spec),
        after: vec![TaskId::PackagesInstall],
    }
}

fn db_sync_task(settings: &Settings, profile: &Profile, config_ids: &[TaskId]) -> Task {
    let mut after = vec![TaskId::SqlDatabase];
    after.extend(config_ids.iter().copied());
    Task {
        id: TaskId::DbSync,
        title: Message::new("task.db_sync"),
        kind: TaskKind::DbSync(DbSyncSpec {
            release: profile.release.name.clone(),
            check: profile.release.db_check,
            account: sql_spec(settings).account(),
        }),
        after,
    }
}

fn metadefs_task(settings: &Settings, profile: &Profile) -> Task {
    Task {
        id: TaskId::DbMetadefs,
        title: Message::new("task.metadefs"),
        kind: TaskKind::Metadefs(MetadefsSpec {
            dir: profile.config_path("metadefs"),
            account: sql_spec(settings).account(),
        }),
        after: vec![TaskId::DbSync],
    }
}

fn services_task(settings: &Settings, profile: &Profile, config_ids: &[TaskId]) -> Task {
    let services = profile.services();
    let mut after = config_ids.to_vec();
    after.push(TaskId::PackagesInstall);
    after.push(TaskId::DbSync);
    Task {
        id: TaskId::ServiceRestart,
        title: Message::new("task.services").arg("services", services.join(" ")),
        kind: TaskKind::Services(ServiceSpec {
            services,
            init: profile.init,
            manager: profile.package_manager,
            health_url: health_url(settings),
            image_dir: settings.store.data_dir.to_string(),
            api_log: profile.distro.api_log.clone(),
        }),
        after,
    }
}

/// Where glance-api answers its version document without authentication.
fn health_url(settings: &Settings) -> String {
    format!(
        "http://{}:9292/",
        crate::util::escape::url_host(&settings.controller)
    )
}

fn verify_task(settings: &Settings, profile: &Profile) -> Task {
    let t: &TestImageSettings = &settings.test_image;
    Task {
        id: TaskId::VerifyImage,
        title: Message::new("task.verify").arg("name", &t.name),
        kind: TaskKind::Verify(VerifySpec {
            source: t.source.clone(),
            name: t.name.clone(),
            disk_format: t.disk_format.to_string(),
            container_format: t.container_format.to_string(),
            region: settings.keystone.region.to_string(),
            public_url: settings.endpoints.public.to_string(),
            account: sql_spec(settings).account(),
            login: service_login(settings, profile),
        }),
        after: vec![
            TaskId::ServiceRestart,
            TaskId::IdentityEndpoints,
            TaskId::IdentityRole,
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

/// The literal shown for `password` in plan output and logs: masked, or
/// `<not set>` for a password not set yet.
pub fn masked_literal(password: &Secret) -> String {
    format!("'{}'", password.shown())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> SqlSpec {
        SqlSpec::example("x")
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
