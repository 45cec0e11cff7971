//! `glance-wizard export ansible`: the plan as an Ansible project for one
//! or more controllers behind a VIP, the way Kolla shapes it: the database,
//! Keystone objects and `db_sync` once; packages, config and the store on
//! every controller; restarts one controller at a time; the check once,
//! through the VIP. Built from the field's modules (community.mysql,
//! openstack.cloud, community.general.ini_file, the profile's package and
//! service modules), fed by [`build_plan`]'s task specs.
//!
//! Secrets go into `secrets.yml` only (mode 0600, meant for
//! `ansible-vault encrypt`), as `!unsafe` values the playbook names;
//! every task that reads one has `no_log: true`.

use std::fmt::Write as _;
use std::path::Path;

use super::inventory::{Connection, Inventory, OnceHost};
use super::yaml::{expr, list, literal, secret};
use crate::answers::types::{IpAddress, Store};
use crate::answers::{DbAdmin, ImageSource, Settings};
use crate::host::target::{InitSystem, PackageManager, Profile};
use crate::i18n::Message;
use crate::ini::oslo_quote;
use crate::plan::{
    ConfigSpec, ConfigValue, EndpointsSpec, Plan, RoleSpec, ServiceEntitySpec, SqlSpec, TaskKind,
    UserSpec, VerifySpec, build_plan,
};

/// One file of the project, relative to its directory.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportFile {
    pub path: &'static str,
    pub text: String,
    /// Holds secrets: written mode 0600.
    pub secret: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub files: Vec<ExportFile>,
}

impl Export {
    pub fn file(&self, path: &str) -> Option<&ExportFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{}", self.msg().english())]
    LocalStore { count: usize, data_dir: String },
    #[error("{}", self.msg().english())]
    Value {
        section: String,
        key: String,
        rule: String,
    },
    #[error("{}", self.msg().english())]
    Write {
        path: String,
        source: std::io::Error,
    },
}

impl ExportError {
    /// The error in any language (its words: `export.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::LocalStore { count, data_dir } => Message::new("export.local_store")
                .arg("count", count)
                .arg("data_dir", data_dir),
            Self::Value { section, key, rule } => Message::new("export.value")
                .arg("section", section)
                .arg("key", key)
                .arg("rule", rule),
            Self::Write { path, source } => Message::new("export.write")
                .arg("path", path)
                .arg("error", source),
        }
    }
}

/// What an export is made from.
pub struct ExportInput<'a> {
    pub settings: &'a Settings,
    pub profile: &'a Profile,
    pub inventory: &'a Inventory,
    /// The answers left `keystone.memcached_servers` unset: glance uses the
    /// memcached of every controller, as Kolla does.
    pub memcached_on_controllers: bool,
}

/// The project's files. Refuses a local file store for several controllers.
pub fn export(input: &ExportInput) -> Result<Export, ExportError> {
    check_store(input)?;
    let plan = export_plan(input.settings, input.profile);
    let parts = Parts::from_plan(&plan)?;
    let mut secrets = Secrets::default();
    let group_vars = group_vars(input, &parts, &mut secrets)?;
    Ok(Export {
        files: vec![
            file("ansible.cfg", ANSIBLE_CFG.to_string()),
            file("requirements.yml", REQUIREMENTS.to_string()),
            file("inventory.yml", inventory_yml(input.inventory)),
            file("group_vars/controllers.yml", group_vars),
            ExportFile {
                path: "secrets.yml",
                text: secrets.text(),
                secret: true,
            },
            file("site.yml", site_yml(input, &parts)),
            file("haproxy-glance.cfg", haproxy_cfg(input)),
            file("README.md", readme(input)),
        ],
    })
}

fn file(path: &'static str, text: String) -> ExportFile {
    ExportFile {
        path,
        text,
        secret: false,
    }
}

/// Writes the project into `dir` (made mode 0700: it holds the secrets),
/// each file atomically; `secrets.yml` mode 0600.
pub fn write_export(dir: &Path, export: &Export) -> Result<(), ExportError> {
    let fail = |path: &Path, source| ExportError::Write {
        path: path.display().to_string(),
        source,
    };
    crate::util::fs::private_dir(&dir.join("group_vars"))
        .and_then(|()| crate::util::fs::private_dir(dir))
        .map_err(|e| fail(dir, e))?;
    for f in &export.files {
        let path = dir.join(f.path);
        let mode = if f.secret { 0o600 } else { 0o644 };
        crate::util::fs::write_atomically(&path, f.text.as_bytes(), mode, None)
            .map_err(|e| fail(&path, e))?;
    }
    Ok(())
}

fn check_store(input: &ExportInput) -> Result<(), ExportError> {
    let count = input.inventory.controllers.len();
    let store = &input.settings.store;
    if count > 1 && store.stores.contains(&Store::File) && !input.inventory.shared_store {
        return Err(ExportError::LocalStore {
            count,
            data_dir: store.data_dir.to_string(),
        });
    }
    Ok(())
}

/// Placeholder bind address: every controller binds its own, so the plan
/// is built with one and the export puts each node's address in its place.
fn bind_placeholder() -> IpAddress {
    "0.0.0.0".parse().expect("0.0.0.0 is an address")
}

/// The plan the export follows: the answers' plan with a bind address,
/// so that the releases whose glance-api binds by itself get the edit.
fn export_plan(settings: &Settings, profile: &Profile) -> Plan {
    let mut settings = settings.clone();
    settings.bind_host = Some(bind_placeholder());
    build_plan(&settings, profile)
}

/// The specs of the plan's tasks the export uses.
struct Parts {
    sql: SqlSpec,
    manager: PackageManager,
    packages: Vec<String>,
    configs: Vec<ConfigSpec>,
    db_check: bool,
    /// `glance-manage db_load_metadefs`'s command, when the plan loads them.
    metadefs_load: Option<Vec<String>>,
    services: Vec<String>,
    init: InitSystem,
    verify: VerifySpec,
    identity: Identity,
}

impl Parts {
    fn from_plan(plan: &Plan) -> Result<Parts, ExportError> {
        let mut sql = None;
        let mut packages = None;
        let mut configs = Vec::new();
        let mut db_check = false;
        let mut metadefs_load = None;
        let mut services = None;
        let mut verify = None;
        let mut identity = IdentityParts::default();
        for task in &plan.tasks {
            match &task.kind {
                TaskKind::Sql(s) => sql = Some(s.clone()),
                TaskKind::Packages(p) => packages = Some((p.manager, p.packages.clone())),
                TaskKind::Config(spec) => configs.push(spec.clone()),
                TaskKind::DbSync(spec) => db_check = spec.check,
                TaskKind::Services(spec) => services = Some(spec.clone()),
                TaskKind::Verify(spec) => verify = Some(spec.clone()),
                TaskKind::IdentityUser(spec) => identity.user = Some(spec.clone()),
                TaskKind::IdentityRole(spec) => identity.role = Some(spec.clone()),
                TaskKind::IdentityService(spec) => identity.service = Some(spec.clone()),
                TaskKind::IdentityEndpoints(spec) => identity.endpoints = Some(spec.clone()),
                TaskKind::Metadefs(spec) => {
                    metadefs_load = Some(crate::plan::commands::metadefs_load(&spec.dir))
                }
            }
        }
        let missing = |what: &str| ExportError::Value {
            section: "plan".into(),
            key: what.into(),
            rule: "the plan has no such task".into(),
        };
        let (manager, packages) = packages.ok_or_else(|| missing("packages"))?;
        let services = services.ok_or_else(|| missing("service"))?;
        Ok(Parts {
            sql: sql.ok_or_else(|| missing("sql"))?,
            manager,
            packages,
            configs,
            db_check,
            metadefs_load,
            init: services.init,
            services: services.services,
            verify: verify.ok_or_else(|| missing("verify"))?,
            identity: identity.identity().ok_or_else(|| missing("identity"))?,
        })
    }
}

/// What the identity tasks create.
struct Identity {
    domain: String,
    user: String,
    project: String,
    role: String,
    service_name: String,
    service_type: String,
    service_description: String,
    region: String,
    endpoints: Vec<(&'static str, String)>,
}

/// The specs of the plan's four identity tasks, as they are found.
#[derive(Default)]
struct IdentityParts {
    user: Option<UserSpec>,
    role: Option<RoleSpec>,
    service: Option<ServiceEntitySpec>,
    endpoints: Option<EndpointsSpec>,
}

impl IdentityParts {
    /// The identity values, from the specs the identity runner reads;
    /// `None` when the plan lacks one of the tasks.
    fn identity(self) -> Option<Identity> {
        let login = self.user?.login;
        let service = self.service?;
        let endpoints = self.endpoints?;
        Some(Identity {
            domain: login.domain,
            user: login.user,
            project: login.project,
            role: self.role?.role,
            service_name: service.name,
            service_type: service.service_type,
            service_description: service.description,
            region: endpoints.region,
            endpoints: endpoints
                .endpoints
                .into_iter()
                .map(|e| (e.interface.as_str(), e.url))
                .collect(),
        })
    }
}

/// The secrets file's variables, in the order they are first named.
#[derive(Default)]
struct Secrets {
    vars: Vec<(String, String)>,
}

impl Secrets {
    /// Adds `name` (once) and returns the expression that names it.
    fn add(&mut self, name: &str, value: &str) -> String {
        if !self.vars.iter().any(|(n, _)| n == name) {
            self.vars.push((name.to_string(), value.to_string()));
        }
        expr(name)
    }

    fn text(&self) -> String {
        let mut out = String::from(SECRETS_HEADER);
        for (name, value) in &self.vars {
            let _ = writeln!(out, "{name}: {}", secret(value));
        }
        out
    }
}

const SECRETS_HEADER: &str = "---
# The secrets of this export, and nothing else: site.yml and group_vars name
# them. Encrypt this file before it leaves this machine:
#   ansible-vault encrypt secrets.yml
# then run the playbook with --ask-vault-pass (or --vault-password-file).
";

fn group_vars(
    input: &ExportInput,
    parts: &Parts,
    secrets: &mut Secrets,
) -> Result<String, ExportError> {
    let s = input.settings;
    let mut out = format!(
        "---\n# glance-wizard export for {}\n# Secrets are in secrets.yml, named here.\n",
        input.profile.summary()
    );
    let once = match input.inventory.once_host {
        OnceHost::First => expr("groups['controllers'][0]"),
        OnceHost::Localhost => literal("localhost"),
    };
    let _ = writeln!(
        out,
        "\n# Where the database, Keystone and test image tasks run, once.\nglance_once_host: {once}"
    );
    let _ = writeln!(out, "glance_vip: {}", literal(&s.endpoints.vip));
    db_vars(&mut out, &parts.sql, secrets);
    if let Some(load) = &parts.metadefs_load {
        let _ = writeln!(out, "glance_metadefs_load: {}", list(load));
    }
    identity_vars(&mut out, input, &parts.identity, secrets);
    let _ = writeln!(
        out,
        "\nglance_packages: {}\nglance_services: {}\nglance_store_dir: {}\nglance_shared_store: {}",
        list(&parts.packages),
        list(&parts.services),
        literal(&s.store.data_dir),
        input.inventory.shared_store
    );
    let memcached = if input.memcached_on_controllers {
        expr("groups['controllers'] | map('extract', hostvars, 'glance_memcached') | join(',')")
    } else {
        literal(&s.keystone.memcached_servers.join(","))
    };
    let _ = writeln!(out, "glance_memcached_servers: {memcached}");
    let proxy = proxy_env(s, secrets);
    let _ = writeln!(out, "glance_proxy_env: {proxy}");
    config_vars(&mut out, &parts.configs, secrets)?;
    verify_vars(&mut out, &parts.verify);
    Ok(out)
}

fn db_vars(out: &mut String, sql: &SqlSpec, secrets: &mut Secrets) {
    let _ = writeln!(
        out,
        "\n# The glance database, made by the database administrator."
    );
    match &sql.admin {
        DbAdmin::Socket { path, user } => {
            let _ = writeln!(
                out,
                "glance_db_login:\n  login_unix_socket: {}\n  login_user: {}",
                literal(path),
                literal(user)
            );
        }
        DbAdmin::Tcp { user, password } => {
            let password = secrets.add("glance_db_admin_password", password.expose());
            let _ = writeln!(
                out,
                "glance_db_login:\n  login_host: {}\n  login_port: {}\n  login_user: {}\n  login_password: {password}",
                literal(&sql.host),
                sql.port,
                literal(user)
            );
        }
    }
    secrets.add("glance_db_password", sql.password.expose());
    let _ = writeln!(
        out,
        "glance_db_name: {}\nglance_db_user: {}\nglance_db_account_hosts: {}",
        literal(&sql.database),
        literal(&sql.user),
        list(&sql.account_hosts)
    );
}

fn identity_vars(out: &mut String, input: &ExportInput, id: &Identity, secrets: &mut Secrets) {
    let admin = &input.settings.keystone.admin;
    let password = secrets.add("glance_keystone_admin_password", admin.password.expose());
    secrets.add(
        "glance_service_password",
        input.settings.keystone.service_password.expose(),
    );
    let _ = writeln!(
        out,
        "\n# The Keystone administrator the identity tasks work as.\nglance_keystone_auth:\n  auth_url: {}\n  username: {}\n  password: {password}\n  project_name: {}\n  user_domain_name: {}\n  project_domain_name: {}",
        literal(admin.auth_url()),
        literal(admin.username()),
        literal(admin.project_name()),
        literal(admin.user_domain_name()),
        literal(admin.project_domain_name()),
    );
    let _ = writeln!(
        out,
        "glance_region: {}\nglance_domain: {}\nglance_service_user: {}\nglance_service_project: {}\nglance_service_role: {}\nglance_catalog_name: {}\nglance_catalog_type: {}\nglance_catalog_description: {}\nglance_endpoints:",
        literal(&id.region),
        literal(&id.domain),
        literal(&id.user),
        literal(&id.project),
        literal(&id.role),
        literal(&id.service_name),
        literal(&id.service_type),
        literal(&id.service_description),
    );
    for (interface, url) in &id.endpoints {
        let _ = writeln!(
            out,
            "  - interface: {}\n    url: {}",
            literal(interface),
            literal(url)
        );
    }
}

/// The package manager's proxy, when the answers name one: the URL may
/// carry the proxy's password, so it lives in the secrets file.
fn proxy_env(s: &Settings, secrets: &mut Secrets) -> String {
    if !s.proxy.is_set() {
        return "{}".into();
    }
    let mut env = Vec::new();
    for (name, url) in [
        ("http_proxy", &s.proxy.http_proxy),
        ("https_proxy", &s.proxy.https_proxy),
    ] {
        if !url.is_empty() {
            let var = format!("glance_{name}");
            let value = s.proxy.with_credentials(url);
            env.push(format!("{name}: {}", secrets.add(&var, value.expose())));
        }
    }
    env.push(format!(
        "no_proxy: {}",
        literal(&s.proxy.no_proxy.join(","))
    ));
    format!("{{{}}}", env.join(", "))
}

/// One entry per edit of the plan's config specs; a secret value goes to
/// the secrets file (as the file will hold it, oslo-quoted), named by its
/// section and key. The bind address and memcached become per-node values.
fn config_vars(
    out: &mut String,
    configs: &[ConfigSpec],
    secrets: &mut Secrets,
) -> Result<(), ExportError> {
    let mut plain = String::from(
        "\n# The plan's config edits (community.general.ini_file).\nglance_config_edits:\n",
    );
    let mut hidden = String::from("glance_config_secret_edits:\n");
    let mut keep = String::from("glance_config_keep:\n");
    for spec in configs {
        for e in &spec.edits {
            let raw = |v: &str| {
                oslo_quote(v).map_err(|err| ExportError::Value {
                    section: e.section.clone(),
                    key: e.key.clone(),
                    rule: err.to_string(),
                })
            };
            let head = format!(
                "  - path: {}\n    section: {}\n    option: {}\n    value: ",
                literal(&spec.path),
                literal(&e.section),
                literal(&e.key)
            );
            match (&e.value, e.section.as_str(), e.key.as_str()) {
                (_, "DEFAULT", "bind_host") => {
                    let _ = writeln!(plain, "{head}{}", expr("glance_address"));
                }
                (_, "keystone_authtoken", "memcached_servers") => {
                    let _ = writeln!(plain, "{head}{}", expr("glance_memcached_servers"));
                }
                (ConfigValue::Plain(v), _, _) => {
                    let _ = writeln!(plain, "{head}{}", literal(&raw(v)?));
                }
                (ConfigValue::Secret { secret: s, .. }, section, key) => {
                    let name = format!("glance_conf_{section}_{key}").to_lowercase();
                    let reference = secrets.add(&name, &raw(s.expose())?);
                    let _ = writeln!(hidden, "{head}{reference}");
                }
            }
        }
        if let Some((section, names)) = &spec.comment_out_except {
            let _ = writeln!(
                keep,
                "  - path: {}\n    section: {}\n    options:",
                literal(&spec.path),
                literal(section),
            );
            for name in names {
                let _ = writeln!(keep, "      - {}", literal(name));
            }
        }
    }
    out.push_str(&plain);
    out.push_str(&hidden);
    out.push_str(&keep);
    Ok(())
}

fn verify_vars(out: &mut String, v: &VerifySpec) {
    let (path, url) = match &v.source {
        ImageSource::Path(p) => (p.display().to_string(), None),
        ImageSource::Url(u) => {
            let name = u.rsplit('/').next().unwrap_or("image");
            (format!("/var/tmp/glance-wizard-{name}"), Some(u.clone()))
        }
    };
    let _ = writeln!(
        out,
        "\n# The test image, uploaded once through the VIP and checked.\nglance_image_name: {}\nglance_image_file: {}\nglance_image_url: {}\nglance_image_disk_format: {}\nglance_image_container_format: {}",
        literal(&v.name),
        literal(&path),
        url.as_deref().map(literal).unwrap_or_else(|| "\"\"".into()),
        literal(&v.disk_format),
        literal(&v.container_format),
    );
}

fn inventory_yml(inventory: &Inventory) -> String {
    let mut out = String::from("---\ncontrollers:\n  hosts:\n");
    for c in &inventory.controllers {
        let address = c.address.to_string();
        let url_host = crate::util::escape::url_host(&address);
        let _ = writeln!(out, "    {}:", literal(&c.name));
        let _ = writeln!(out, "      ansible_connection: {}", c.connection.plugin());
        let host = c.host.clone().unwrap_or_else(|| address.clone());
        let _ = writeln!(out, "      ansible_host: {}", literal(&host));
        if let Some(exe) = c
            .chroot_exe
            .as_ref()
            .filter(|_| c.connection == Connection::Chroot)
        {
            let _ = writeln!(out, "      ansible_chroot_exe: {}", literal(exe));
        }
        if c.connection == Connection::Local {
            // Ansible's own Python has the modules' libraries.
            let _ = writeln!(
                out,
                "      ansible_python_interpreter: {}",
                expr("ansible_playbook_python")
            );
        }
        let _ = writeln!(out, "      glance_address: {}", literal(&address));
        let _ = writeln!(
            out,
            "      glance_memcached: {}",
            literal(&format!("{url_host}:11211"))
        );
        let _ = writeln!(
            out,
            "      glance_api_url: {}",
            literal(&format!("http://{url_host}:9292"))
        );
    }
    out
}

const ANSIBLE_CFG: &str = "[defaults]
inventory = inventory.yml
interpreter_python = auto_silent
# Each task's result on one line per host: changed= in the recap is what a rerun compares.
stdout_callback = default

[ssh_connection]
pipelining = True
";

const REQUIREMENTS: &str = "---
# The `ansible` package (PyPI) bundles these; without it:
#   ansible-galaxy collection install -r requirements.yml
collections:
  - name: community.mysql
    version: \">=3.8.0\"
  - name: community.general
    version: \">=9.0.0\"
  - name: openstack.cloud
    version: \">=2.2.0\"
";

fn site_yml(input: &ExportInput, parts: &Parts) -> String {
    let profile = input.profile;
    // The proxy's URLs hold its password when it has one.
    let proxy_no_log = if input.settings.proxy.password.is_some() {
        "      no_log: true\n"
    } else {
        ""
    };
    let packages = package_task(parts.manager, proxy_no_log);
    let service_module = match parts.init {
        InitSystem::Systemd => "ansible.builtin.systemd_service",
        InitSystem::SysV => "ansible.builtin.service",
    };
    let header = format!(
        "---\n# glance-wizard export: {}\n# Guide: {}\n",
        profile.summary(),
        profile.guide()
    );
    let db_sync = if parts.db_check {
        DB_SYNC_CHECKED
    } else {
        DB_SYNC_UNCHECKED
    };
    let metadefs = if parts.metadefs_load.is_some() {
        METADEFS
    } else {
        ""
    };
    header
        + &SITE
            .replace("@PACKAGES@", &packages)
            .replace("@SERVICE_MODULE@", service_module)
            .replace("@DB_SYNC@", db_sync)
            .replace("@METADEFS@", metadefs)
            .replace("@PROXY_NO_LOG@", proxy_no_log)
}

/// The profile's package module, through the proxy (`no_log` is that
/// task's line for a proxy with a password, or nothing).
fn package_task(manager: PackageManager, no_log: &str) -> String {
    let (module, extra) = match manager {
        PackageManager::Apt => (
            "ansible.builtin.apt",
            "        update_cache: true\n        cache_valid_time: 3600\n",
        ),
        PackageManager::Dnf => ("ansible.builtin.dnf", ""),
        // ansible.builtin.yum left ansible-core in 2.17, with the Pythons of
        // the yum-era hosts (CentOS 7): `package` picks yum there under the
        // ansible-core <= 2.16 such hosts need.
        PackageManager::Yum => ("ansible.builtin.package", ""),
    };
    format!(
        "    - name: Install the packages\n      {module}:\n        name: \"{{{{ glance_packages }}}}\"\n        state: present\n{extra}      environment: \"{{{{ glance_proxy_env }}}}\"\n      register: glance_packages_result\n{no_log}"
    )
}

const DB_SYNC_CHECKED: &str = "    - name: Ask glance-manage whether the database is at head
      ansible.builtin.command:
        argv: [su, -s, /bin/sh, -c, glance-manage db check, glance]
      register: glance_db_check
      changed_when: false
      failed_when: glance_db_check.rc not in [0, 3, 4, 5]

    - name: Populate the database (glance-manage db_sync)
      ansible.builtin.command:
        argv: [su, -s, /bin/sh, -c, glance-manage db_sync, glance]
      when: glance_db_check.rc != 0
      changed_when: true
      register: glance_db_sync
      retries: 3
      delay: 10
      until: glance_db_sync is succeeded
";

/// Before Queens there is no `db check`: db_sync runs each time, and is
/// then a no-op that reports no change.
const DB_SYNC_UNCHECKED: &str =
    "    - name: Populate the database (glance-manage db_sync; no db check before Queens)
      ansible.builtin.command:
        argv: [su, -s, /bin/sh, -c, glance-manage db_sync, glance]
      changed_when: false
      register: glance_db_sync
      retries: 3
      delay: 10
      until: glance_db_sync is succeeded
";

/// Like the wizard's db.metadefs task: loaded when the database has no
/// namespace yet (`db_load_metadefs` skips the ones it has, an admin's edits
/// included, but would report a change on every run).
const METADEFS: &str = "
    - name: Count the metadata definition namespaces in the database
      community.mysql.mysql_query:
        login_db: \"{{ glance_db_name }}\"
        query: SELECT COUNT(*) AS namespaces FROM metadef_namespaces
        login_unix_socket: \"{{ glance_db_login.login_unix_socket | default(omit) }}\"
        login_host: \"{{ glance_db_login.login_host | default(omit) }}\"
        login_port: \"{{ glance_db_login.login_port | default(omit) }}\"
        login_user: \"{{ glance_db_login.login_user }}\"
        login_password: \"{{ glance_db_login.login_password | default(omit) }}\"
      delegate_to: \"{{ glance_once_host }}\"
      no_log: true
      changed_when: false
      register: glance_metadefs

    - name: Load the metadata definitions (glance-manage db_load_metadefs)
      ansible.builtin.command:
        argv: \"{{ glance_metadefs_load }}\"
      when: glance_metadefs.query_result[0][0].namespaces | int == 0
      changed_when: true
";

const SITE: &str = include_str!("site.yml.in");

fn haproxy_cfg(input: &ExportInput) -> String {
    let vip = crate::util::escape::url_host(&input.settings.endpoints.vip);
    let mut out = format!(
        "# glance-api behind the VIP: add to haproxy.cfg (glance-wizard export).\n# Uploads are long: the client and server timeouts allow an hour.\nfrontend glance_api\n    bind {vip}:9292\n    mode http\n    option httplog\n    timeout client 1h\n    default_backend glance_api_nodes\n\nbackend glance_api_nodes\n    mode http\n    balance roundrobin\n    option httpchk GET /healthcheck\n    http-check expect status 200\n    timeout server 1h\n    timeout connect 5s\n"
    );
    for c in &input.inventory.controllers {
        let address = crate::util::escape::url_host(&c.address.to_string());
        let _ = writeln!(
            out,
            "    server {} {address}:9292 check inter 2s fall 2 rise 2",
            c.name
        );
    }
    out
}

fn readme(input: &ExportInput) -> String {
    let names: Vec<&str> = input
        .inventory
        .controllers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    include_str!("README.ansible.md")
        .replace("@TARGET@", &input.profile.summary())
        .replace("@CONTROLLERS@", &names.join(", "))
        .replace("@VIP@", &input.settings.endpoints.vip)
}

#[cfg(test)]
mod tests {
    use super::ExportError;
    use crate::i18n::{Lang, Texts, english_sentences};

    /// The export's refusals read the same in English as before they were
    /// messages, and hold no English sentence in Chinese.
    #[test]
    fn the_refusals_are_said_in_both_languages() {
        let local = ExportError::LocalStore {
            count: 2,
            data_dir: "/var/lib/glance/images/".into(),
        };
        assert_eq!(
            local.to_string(),
            "image_store: the file store in /var/lib/glance/images/ is local to each controller: with 2 controllers an image uploaded to one could not be read through the others. Mount /var/lib/glance/images/ from one shared filesystem (NFS, CephFS) on every controller and set shared_store = true in the inventory (the playbook checks it)"
        );
        let write = ExportError::Write {
            path: "/x/site.yml".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert!(write.to_string().starts_with("cannot write /x/site.yml: "));
        let zh = Texts::of(Lang::ZhCn);
        for e in [local, write] {
            let said = zh.msg(&e.msg());
            let english = english_sentences(&said);
            // The I/O error is the system's words, kept as they are.
            let english: Vec<_> = english
                .iter()
                .filter(|s| !s.contains("permission denied"))
                .collect();
            assert!(english.is_empty(), "{said}: {english:?}");
        }
    }
}
