//! `glance-wizard plan`: every task with the exact statements, commands and
//! config keys, secrets masked, and a unified diff of each config file.

use super::commands::{self, display};
use super::report::{ConfigChange, ConfigReport, PlanReport, TaskReport};
use super::{
    ConfigEdit, ConfigFile, ConfigSpec, ConfigValue, EndpointSpec, EndpointsSpec, MetadefsSpec,
    PackagesSpec, Plan, RoleSpec, ServiceEntitySpec, ServiceSpec, SqlSpec, Task, TaskKind,
    UserSpec, VerifySpec, apply_config_spec, masked_literal, sql_statements,
};
use crate::answers::{DbAdmin, ImageSource, Settings};
use crate::host::target::Profile;
use crate::i18n::Message;
use crate::ini::IniDocument;

/// Renders the plan as text. `read_config` gives a config file's current
/// text (or `None` when it does not exist yet), so tests can feed fixtures.
pub fn render_plan(
    plan: &Plan,
    settings: &Settings,
    read_config: &dyn Fn(&str) -> Option<String>,
) -> String {
    plan_report(plan, settings, read_config, &|_| Vec::new()).text()
}

/// The plan as it is shown (text or JSON), every secret masked, with
/// `earlier(task)` under each task: what it will do with objects an
/// earlier run of it created that the answers now place elsewhere (from
/// the journal); no
/// password is marked as not set ([`PlanReport::passwords_not_set`]) and
/// no journal error is noted.
pub fn plan_report(
    plan: &Plan,
    settings: &Settings,
    read_config: &dyn Fn(&str) -> Option<String>,
    earlier: &dyn Fn(&Task) -> Vec<Message>,
) -> PlanReport {
    let view = View {
        profile: &plan.profile,
        settings,
        keystone_v3: keystone_v3(settings),
    };
    let tasks = plan
        .tasks
        .iter()
        .map(|task| TaskReport {
            id: task.id,
            title: task.title.clone(),
            after: task.after.clone(),
            steps: view.task_lines(&task.kind),
            config: match &task.kind {
                TaskKind::Config(spec) => Some(ConfigReport {
                    file: spec.path.clone(),
                    change: config_change(spec, read_config, settings),
                }),
                _ => None,
            },
            earlier_runs: earlier(task),
        })
        .collect();
    PlanReport {
        target: plan.profile.summary(),
        distro: plan.profile.distro.family.clone(),
        release: plan.profile.release.name.clone(),
        sources: header_lines(&plan.profile, settings),
        passwords_not_set: Vec::new(),
        journal_error: None,
        tasks,
    }
}

/// What every task's lines are rendered from.
struct View<'a> {
    profile: &'a Profile,
    settings: &'a Settings,
    /// Keystone's v3 base URL, where the identity probes go.
    keystone_v3: String,
}

/// The admin auth URL with `/v3` appended unless it already ends so.
fn keystone_v3(settings: &Settings) -> String {
    let base = settings.keystone.admin.auth_url().trim_end_matches('/');
    if base.ends_with("/v3") {
        base.to_string()
    } else {
        format!("{base}/v3")
    }
}

/// The sources and Keystone admin the plan is for (the target aside).
fn header_lines(profile: &Profile, settings: &Settings) -> Vec<Message> {
    let admin = &settings.keystone.admin;
    let mut lines = vec![
        Message::new("plan.guide").arg("url", profile.guide()),
        Message::new("plan.test_image")
            .arg("version", &profile.release.cirros)
            .arg("page", profile.release.verify_page()),
        Message::new("plan.api_server").msg("server", profile.distro.api_server.clone()),
        Message::new("plan.packages_from").msg("repository", profile.distro.repository_msg()),
    ];
    lines.extend(
        profile
            .unverified()
            .into_iter()
            .map(|note| Message::new("plan.unverified").msg("note", note)),
    );
    lines.push(
        Message::new("plan.keystone_admin")
            .arg("url", admin.auth_url())
            .arg("user", admin.username())
            .msg("origin", admin.origin.clone()),
    );
    lines
}

/// An `openstack` command line as the plan shows it.
fn openstack(argv: Vec<String>) -> String {
    format!("$ openstack {}", display(&argv))
}

/// A shell command line as the plan shows it.
fn shell(argv: &[String]) -> String {
    format!("$ {}", display(argv))
}

/// A plan line that is a command as it is: no words to translate.
fn verbatim(line: String) -> Message {
    Message::verbatim(line)
}

impl View<'_> {
    /// The indented lines under one task's title (a config file's change
    /// aside: [`config_change`]).
    fn task_lines(&self, kind: &TaskKind) -> Vec<Message> {
        match kind {
            TaskKind::Sql(spec) => sql_lines(spec),
            TaskKind::IdentityUser(spec) => self.identity_user_lines(spec),
            TaskKind::IdentityRole(spec) => self.identity_role_lines(spec),
            TaskKind::IdentityService(spec) => self.identity_service_lines(spec),
            TaskKind::IdentityEndpoints(spec) => self.identity_endpoints_lines(spec),
            TaskKind::Packages(spec) => self.packages_lines(spec),
            TaskKind::Config(spec) => self.config_lines(spec),
            TaskKind::DbSync(spec) => db_sync_lines(spec.check),
            TaskKind::Metadefs(spec) => metadefs_lines(spec),
            TaskKind::Services(spec) => self.services_lines(spec),
            TaskKind::Verify(spec) => verify_lines(spec),
        }
    }

    fn identity_user_lines(&self, spec: &UserSpec) -> Vec<Message> {
        let login = &spec.login;
        let (v3, domain) = (&self.keystone_v3, &login.domain);
        vec![
            Message::new("plan.user_probe").arg(
                "url",
                format!("{v3}/users?name={}&domain_id=<{domain}>", login.user),
            ),
            Message::new("plan.only_if_missing").arg(
                "command",
                openstack(commands::user_create(domain, &login.user)),
            ),
            Message::new("plan.user_password")
                .arg("user", &login.user)
                .arg("password", &login.password)
                .arg("url", format!("{v3}/users/<id>")),
        ]
    }

    fn identity_role_lines(&self, spec: &RoleSpec) -> Vec<Message> {
        let login = &spec.login;
        vec![
            Message::new("plan.probe").arg(
                "url",
                format!(
                    "{}/role_assignments?user.id=<{}>&scope.project.id=<{}>&role.id=<{}>",
                    self.keystone_v3, login.user, login.project, spec.role
                ),
            ),
            Message::new("plan.only_if_unassigned").arg(
                "command",
                openstack(commands::role_add(&login.project, &login.user, &spec.role)),
            ),
        ]
    }

    fn identity_service_lines(&self, spec: &ServiceEntitySpec) -> Vec<Message> {
        let kind = &spec.service_type;
        vec![
            Message::new("plan.probe")
                .arg("url", format!("{}/services?type={kind}", self.keystone_v3)),
            Message::new("plan.only_if_no_service")
                .arg("type", kind)
                .arg(
                    "command",
                    openstack(commands::service_create(
                        &spec.name,
                        &spec.description,
                        kind,
                    )),
                ),
        ]
    }

    fn identity_endpoints_lines(&self, spec: &EndpointsSpec) -> Vec<Message> {
        let region = &spec.region;
        let mut lines = vec![
            Message::new("plan.probe").arg(
                "url",
                format!(
                    "{}/endpoints?service_id=<image>&region_id={region}",
                    self.keystone_v3
                ),
            ),
            Message::new("plan.endpoints_fix"),
        ];
        for EndpointSpec { interface, url } in &spec.endpoints {
            lines.push(Message::new("plan.endpoint_if_missing").arg(
                "command",
                openstack(commands::endpoint_create(
                    region,
                    &spec.service_type,
                    interface.as_str(),
                    url,
                )),
            ));
            lines.push(Message::new("plan.endpoint_if_url_differs").arg(
                "command",
                openstack(commands::endpoint_set_url("<id>", url)),
            ));
        }
        lines
    }

    fn packages_lines(&self, spec: &PackagesSpec) -> Vec<Message> {
        let (manager, packages) = (spec.manager, &spec.packages);
        let options = &spec.manager_options;
        let query = &spec.query_options;
        let mut lines: Vec<Message> = packages
            .iter()
            .map(|p| verbatim(shell(&commands::package_query(manager, query, p))))
            .collect();
        if spec.persist_proxy.is_some() {
            let path = commands::proxy_config_path(manager);
            lines.push(Message::new("plan.write_proxy").arg("path", path));
        }
        lines.push(Message::new("plan.if_any_missing").arg(
            "command",
            shell(&commands::package_refresh(manager, options)),
        ));
        lines.push(verbatim(shell(&commands::package_install(
            manager, options, packages,
        ))));
        lines.push(Message::new("plan.check_again"));
        // "a and b": the list's words are the language's.
        let clean = commands::package_clean(manager, options)
            .iter()
            .map(|c| Message::verbatim(shell(c)))
            .reduce(|a, b| Message::new("plan.and").msg("a", a).msg("b", b));
        if let Some(clean) = clean {
            lines.push(Message::new("plan.on_mirror_trouble").msg("commands", clean));
        }
        lines.extend(self.proxy_line());
        lines
    }

    /// The proxy the package manager goes through, if any.
    fn proxy_line(&self) -> Option<Message> {
        let proxy = &self.settings.proxy;
        let shown = proxy.shown()?;
        let password = match &proxy.password {
            Some(p) if p.is_not_set() => Message::new("plan.proxy_password").arg("password", p),
            Some(_) => Message::new("plan.proxy_password_in_secrets"),
            None => Message::verbatim(""),
        };
        Some(
            Message::new("plan.through_proxy")
                .arg("proxy", shown)
                .msg("password", password)
                .arg("no_proxy", proxy.no_proxy.join(",")),
        )
    }

    fn config_lines(&self, spec: &ConfigSpec) -> Vec<Message> {
        let (profile, settings) = (self.profile, self.settings);
        let mut lines: Vec<Message> = spec
            .edits
            .iter()
            .map(|e| {
                let line = format!("[{}] {} = {}", e.section, e.key, e.value.shown());
                match e.value {
                    ConfigValue::Secret { .. } => {
                        Message::new("plan.secret_edit").arg("line", line)
                    }
                    ConfigValue::Plain(_) => verbatim(line),
                }
            })
            .collect();
        if spec.file == ConfigFile::GlanceApi
            && !profile.release.standalone_api
            && let Some(bind_host) = &settings.bind_host
        {
            lines.push(
                Message::new("plan.bind_host_unused")
                    .arg("bind_host", bind_host)
                    .arg("release", &profile.release.title)
                    .msg("server", profile.distro.api_server.clone()),
            );
        }
        if let Some((section, keep)) = &spec.comment_out_except {
            lines.push(
                Message::new("plan.comment_out")
                    .arg("section", section)
                    .arg("keep", keep.join(", ")),
            );
        }
        lines.push(Message::new("plan.backup").arg(
            "backup",
            format!("{}{}", spec.path, crate::plan::BACKUP_SUFFIX),
        ));
        lines
    }

    fn services_lines(&self, spec: &ServiceSpec) -> Vec<Message> {
        let mut lines = vec![verbatim(shell(&commands::image_dir(
            &self.settings.store.data_dir,
        )))];
        for s in &spec.services {
            for cmd in commands::service_enable(spec.init, self.profile.package_manager, s) {
                lines.push(verbatim(shell(&cmd)));
            }
            lines.push(verbatim(shell(&commands::service_restart(spec.init, s))));
        }
        lines.push(Message::new("plan.wait_health").arg("url", &spec.health_url));
        lines
    }
}

fn sql_lines(spec: &SqlSpec) -> Vec<Message> {
    let connect = match &spec.admin {
        DbAdmin::Socket { path, user } => Message::new("plan.connect_socket")
            .arg("user", user)
            .arg("path", path),
        DbAdmin::Tcp { user, password } => Message::new("plan.connect_tcp")
            .arg("user", user)
            .arg("address", format!("{}:{}", spec.host, spec.port))
            .arg("password", password),
    };
    let statements = sql_statements(spec, &masked_literal(&spec.password));
    std::iter::once(connect)
        .chain(statements.iter().map(|s| verbatim(format!("SQL> {s};"))))
        .collect()
}

fn metadefs_lines(spec: &MetadefsSpec) -> Vec<Message> {
    vec![
        verbatim(shell(&commands::metadefs_load(&spec.dir))),
        Message::new("plan.metadefs").arg("dir", &spec.dir),
    ]
}

fn db_sync_lines(check: bool) -> Vec<Message> {
    let check_line = if check {
        Message::new("plan.db_check").arg("command", shell(&commands::glance_manage("db check")))
    } else {
        Message::new("plan.no_db_check")
    };
    vec![
        verbatim(shell(&commands::glance_manage("db_sync"))),
        check_line,
    ]
}

fn verify_lines(spec: &VerifySpec) -> Vec<Message> {
    let mut lines = Vec::new();
    let file = match &spec.source {
        ImageSource::Path(p) => Message::verbatim(p.display()),
        ImageSource::Url(u) => {
            lines.push(
                Message::new("plan.download").arg("url", crate::util::mask::mask_url_password(u)),
            );
            Message::new("plan.downloaded_file")
        }
    };
    let mark = format!("{}={}", commands::IMAGE_MARK.0, commands::IMAGE_MARK.1);
    lines.extend([
        Message::new("plan.verify_api")
            .arg("name", &spec.name)
            .msg("file", file)
            .arg("disk_format", &spec.disk_format)
            .arg("container_format", &spec.container_format),
        Message::new("plan.verify_reuse")
            .arg("name", &spec.name)
            .arg("mark", &mark),
        Message::new("plan.verify_upload").arg("mark", &mark),
        Message::new("plan.verify_wait"),
        Message::new("plan.verify_list"),
    ]);
    lines
}

/// The planned change to a config file as a unified diff, with every
/// secret masked on both sides: by key name (managed or not, commented out
/// or not, only the password inside a URL), then by value, for the
/// answers' secrets and every secret the file holds now. The change itself
/// is computed with the real values, so "no change" means the file already
/// has the answers' passwords; a change only to a secret says so without
/// showing it.
fn config_change(
    spec: &ConfigSpec,
    read_config: &dyn Fn(&str) -> Option<String>,
    settings: &Settings,
) -> ConfigChange {
    let Some(before) = read_config(&spec.path) else {
        return ConfigChange::Missing;
    };
    let mut doc = IniDocument::parse(&before);
    if let Err(e) = apply_config_spec(&mut doc, &not_set_shown(spec, false), true) {
        return ConfigChange::Error { error: e };
    }
    let after = doc.to_string();
    let planned = format!("{} (planned)", spec.path);
    masked_change(
        &before,
        &after,
        (&spec.path, &planned),
        &settings.redactor(),
        Some(spec),
    )
}

/// A unified diff of two texts of an INI file, every secret masked on both
/// sides: by key name (commented out or not, only the password inside a
/// URL), then by value (what `redactor` knows, plus every secret either
/// text holds, which it learns). The change is computed on the real texts:
/// a change only to a secret says so without showing it. `labels` head the
/// two sides. Used by `plan` and by `undo` (a file edited by hand since).
/// `not_set_in`: the planned spec, whose passwords not set yet (`plan`
/// before the secrets exist) show as `<not set>` in the new side.
pub fn masked_diff(
    before: &str,
    after: &str,
    labels: (&str, &str),
    redactor: &crate::util::secret::Redactor,
    not_set_in: Option<&ConfigSpec>,
) -> Vec<String> {
    masked_change(before, after, labels, redactor, not_set_in).lines(labels.0)
}

/// [`masked_diff`] as data.
fn masked_change(
    before: &str,
    after: &str,
    labels: (&str, &str),
    redactor: &crate::util::secret::Redactor,
    not_set_in: Option<&ConfigSpec>,
) -> ConfigChange {
    for secret in crate::util::mask::ini_secret_values(before)
        .into_iter()
        .chain(crate::util::mask::ini_secret_values(after))
    {
        redactor.add(&secret);
    }
    let mask = |text: &str| redactor.redact(&crate::util::mask::mask_ini_text(text));
    let shown_before = mask(before);
    let shown_after = match not_set_in.map(|spec| not_set_shown(spec, true)) {
        // Masking by key name hid `<not set>` too: shown again.
        Some(not_set) if !not_set.edits.is_empty() => {
            let mut doc = IniDocument::parse(&mask(after));
            if let Err(e) = apply_config_spec(&mut doc, &not_set, true) {
                return ConfigChange::Error { error: e };
            }
            doc.to_string()
        }
        _ => mask(after),
    };
    let real_changes = changed_lines(before, after);
    let shown_changes = changed_lines(&shown_before, &shown_after);
    if real_changes == 0 {
        return ConfigChange::Unchanged;
    }
    if shown_changes == 0 {
        return ConfigChange::SecretOnly;
    }
    let diff = similar::TextDiff::from_lines(&shown_before, &shown_after)
        .unified_diff()
        .context_radius(2)
        .header(labels.0, labels.1)
        .to_string();
    ConfigChange::Diff {
        diff,
        secret_changed: shown_changes < real_changes,
    }
}

/// The spec with each password not set yet (a stand-in: `plan` before
/// the secrets exist) as the plain text it shows, `<not set>`: the stand-in
/// itself can be written to no config file, and the mask would pass for a
/// value. `only` keeps just those edits.
fn not_set_shown(spec: &ConfigSpec, only: bool) -> ConfigSpec {
    let not_set = |e: &ConfigEdit| e.value.shown().contains(crate::util::secret::NOT_SET);
    let edits = spec
        .edits
        .iter()
        .filter(|e| !only || not_set(e))
        .map(|e| match &e.value {
            ConfigValue::Secret { shown, .. } if not_set(e) => ConfigEdit {
                value: ConfigValue::Plain(shown.clone()),
                ..e.clone()
            },
            _ => e.clone(),
        })
        .collect();
    ConfigSpec {
        edits,
        comment_out_except: spec.comment_out_except.clone().filter(|_| !only),
        ..spec.clone()
    }
}

/// How many lines a minimal line diff removes or adds. Masking maps equal
/// lines to equal lines, so a masked text never has more changes than the
/// real one; fewer means a change touched only a secret.
fn changed_lines(before: &str, after: &str) -> usize {
    similar::TextDiff::from_lines(before, after)
        .iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .count()
}
