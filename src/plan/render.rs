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
use crate::ini::IniDocument;
use crate::target::Profile;

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
    earlier: &dyn Fn(&Task) -> Vec<String>,
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
            title: task.title.english(),
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
fn header_lines(profile: &Profile, settings: &Settings) -> Vec<String> {
    let admin = &settings.keystone.admin;
    let mut lines = vec![
        format!("Install guide: {}", profile.guide()),
        format!(
            "Test image: CirrOS {} ({})",
            profile.release.cirros,
            profile.release.verify_page()
        ),
        format!("Image API served by: {}", profile.distro.api_server),
        format!(
            "Packages from: {} ({})",
            profile.distro.repository, profile.distro.repository_setup
        ),
    ];
    lines.extend(
        profile
            .unverified()
            .into_iter()
            .map(|note| format!("Unverified: {note}")),
    );
    lines.push(format!(
        "Keystone admin: {} as {} (password from {}, passed in the environment)",
        admin.auth_url(),
        admin.username(),
        admin.origin
    ));
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

impl View<'_> {
    /// The indented lines under one task's title (a config file's change
    /// aside: [`config_change`]).
    fn task_lines(&self, kind: &TaskKind) -> Vec<String> {
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

    fn identity_user_lines(&self, spec: &UserSpec) -> Vec<String> {
        let login = &spec.login;
        let (v3, domain) = (&self.keystone_v3, &login.domain);
        vec![
            format!(
                "probe: GET {v3}/users?name={}&domain_id=<{domain}> (admin token; no `openstack` call)",
                login.user
            ),
            format!(
                "only if missing: {}",
                openstack(commands::user_create(domain, &login.user))
            ),
            format!(
                "set the password of {} ({}) with PATCH {v3}/users/<id> unless it already logs in; never on a command line",
                login.user, login.password,
            ),
        ]
    }

    fn identity_role_lines(&self, spec: &RoleSpec) -> Vec<String> {
        let login = &spec.login;
        vec![
            format!(
                "probe: GET {}/role_assignments?user.id=<{}>&scope.project.id=<{}>&role.id=<{}>",
                self.keystone_v3, login.user, login.project, spec.role
            ),
            format!(
                "only if not assigned: {}",
                openstack(commands::role_add(&login.project, &login.user, &spec.role))
            ),
        ]
    }

    fn identity_service_lines(&self, spec: &ServiceEntitySpec) -> Vec<String> {
        let kind = &spec.service_type;
        vec![
            format!("probe: GET {}/services?type={kind}", self.keystone_v3),
            format!(
                "only if no service of type {kind} exists: {}",
                openstack(commands::service_create(
                    &spec.name,
                    &spec.description,
                    kind
                ))
            ),
        ]
    }

    fn identity_endpoints_lines(&self, spec: &EndpointsSpec) -> Vec<String> {
        let region = &spec.region;
        let mut lines = vec![
            format!(
                "probe: GET {}/endpoints?service_id=<image>&region_id={region}",
                self.keystone_v3
            ),
            "what is missing or wrong is fixed by one `openstack` process (the commands on its standard input), then probed again:"
                .to_string(),
        ];
        for EndpointSpec { interface, url } in &spec.endpoints {
            lines.push(format!(
                "  if missing: {}",
                openstack(commands::endpoint_create(
                    region,
                    &spec.service_type,
                    interface.as_str(),
                    url
                ))
            ));
            lines.push(format!(
                "  if its URL differs: {}",
                openstack(commands::endpoint_set_url("<id>", url))
            ));
        }
        lines
    }

    fn packages_lines(&self, spec: &PackagesSpec) -> Vec<String> {
        let settings = self.settings;
        let (manager, packages) = (spec.manager, &spec.packages);
        let options = &spec.manager_options;
        let query = &spec.query_options;
        let mut lines: Vec<String> = packages
            .iter()
            .map(|p| shell(&commands::package_query(manager, query, p)))
            .collect();
        if spec.persist_proxy.is_some() {
            let path = commands::proxy_config_path(manager);
            lines.push(format!(
                "if any is missing: write the proxy to {path} (original kept as {path}.glance-wizard.orig)"
            ));
        }
        lines.push(format!(
            "if any is missing: {}",
            shell(&commands::package_refresh(manager, options))
        ));
        lines.push(shell(&commands::package_install(
            manager, options, packages,
        )));
        lines.push("then the installed check again: exiting 0 is not enough".to_string());
        let clean: Vec<String> = commands::package_clean(manager, options)
            .iter()
            .map(|c| shell(c))
            .collect();
        lines.push(format!(
            "on mirror or metadata trouble: {}, then again from the refresh, with growing pauses",
            clean.join(" and ")
        ));
        if let Some(proxy) = settings.proxy.shown() {
            let password = match &settings.proxy.password {
                Some(p) if p.is_not_set() => format!(" (password {p})"),
                Some(_) => " (password from the secrets file)".into(),
                None => String::new(),
            };
            lines.push(format!(
                "through the proxy {proxy}{password} (no_proxy={})",
                settings.proxy.no_proxy.join(",")
            ));
        }
        lines
    }

    fn config_lines(&self, spec: &ConfigSpec) -> Vec<String> {
        let (profile, settings) = (self.profile, self.settings);
        let mut lines: Vec<String> = spec
            .edits
            .iter()
            .map(|e| {
                let marker = match e.value {
                    ConfigValue::Secret { .. } => " (secret)",
                    ConfigValue::Plain(_) => "",
                };
                format!("[{}] {} = {}{marker}", e.section, e.key, e.value.shown())
            })
            .collect();
        if spec.file == ConfigFile::GlanceApi
            && !profile.release.standalone_api
            && let Some(bind_host) = &settings.bind_host
        {
            lines.push(format!(
                "controller.bind_host {bind_host} is not written: Glance {} has no bind_host option; the WSGI server decides where glance listens ({})",
                profile.release.title, profile.distro.api_server
            ));
        }
        if let Some((section, keep)) = &spec.comment_out_except {
            lines.push(format!(
                "comment out every other option in [{section}] (keeping {})",
                keep.join(", ")
            ));
        }
        lines.push(format!(
            "back up the original once to {}{}; replace atomically, keeping owner and mode",
            spec.path,
            crate::engine::runner::config::BACKUP_SUFFIX
        ));
        lines
    }

    fn services_lines(&self, spec: &ServiceSpec) -> Vec<String> {
        let mut lines = vec![shell(&commands::image_dir(&self.settings.store.data_dir))];
        for s in &spec.services {
            for cmd in commands::service_enable(spec.init, self.profile.package_manager, s) {
                lines.push(shell(&cmd));
            }
            lines.push(shell(&commands::service_restart(spec.init, s)));
        }
        lines.push(format!(
            "wait until GET {} answers (up to 90 s)",
            spec.health_url
        ));
        lines
    }
}

fn sql_lines(spec: &SqlSpec) -> Vec<String> {
    let connect = match &spec.admin {
        DbAdmin::Socket { path, user } => format!("connect as {user} over the unix socket {path}"),
        DbAdmin::Tcp { user, password } => format!(
            "connect as {user} to {}:{} over TCP (password {password})",
            spec.host, spec.port
        ),
    };
    let statements = sql_statements(spec, &masked_literal(&spec.password));
    std::iter::once(connect)
        .chain(statements.iter().map(|s| format!("SQL> {s};")))
        .collect()
}

fn metadefs_lines(spec: &MetadefsSpec) -> Vec<String> {
    vec![
        shell(&commands::metadefs_load(&spec.dir)),
        format!(
            "adds the namespaces of {}/*.json the database has not got; those it has (an admin's edits too) are kept",
            spec.dir
        ),
    ]
}

fn db_sync_lines(check: bool) -> Vec<String> {
    let check_line = if check {
        format!(
            "{}   (exit 0: schema at head)",
            shell(&commands::glance_manage("db check"))
        )
    } else {
        "this release has no `db check`: the sync's own result is the check".into()
    };
    vec![shell(&commands::glance_manage("db_sync")), check_line]
}

fn verify_lines(spec: &VerifySpec) -> Vec<String> {
    let mut lines = Vec::new();
    let file = match &spec.source {
        ImageSource::Path(p) => p.display().to_string(),
        ImageSource::Url(u) => {
            lines.push(format!(
                "download {} into the state directory",
                crate::mask::mask_url_password(u)
            ));
            "<downloaded file>".to_string()
        }
    };
    let mark = format!("{}={}", commands::IMAGE_MARK.0, commands::IMAGE_MARK.1);
    lines.extend([
        format!(
            "through Glance's API at the public image endpoint of the catalog (admin token), as `openstack image create {} --file {file} --disk-format {} --container-format {} --public` would:",
            spec.name, spec.disk_format, spec.container_format
        ),
        format!(
            "  GET <glance>/v2/images?name={}: reuse an active image whose sha512 matches, else DELETE this wizard's unfinished uploads ({mark})",
            spec.name,
        ),
        format!("  POST <glance>/v2/images (public, {mark}), then PUT <glance>/v2/images/<id>/file"),
        "  wait for status active; compare os_hash_value (sha512) with the local file".into(),
        "  GET <glance>/v2/images: list the images".into(),
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
        return ConfigChange::Error {
            error: e.to_string(),
        };
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
    redactor: &crate::secret::Redactor,
    not_set_in: Option<&ConfigSpec>,
) -> Vec<String> {
    masked_change(before, after, labels, redactor, not_set_in).lines(labels.0)
}

/// [`masked_diff`] as data.
fn masked_change(
    before: &str,
    after: &str,
    labels: (&str, &str),
    redactor: &crate::secret::Redactor,
    not_set_in: Option<&ConfigSpec>,
) -> ConfigChange {
    for secret in crate::mask::ini_secret_values(before)
        .into_iter()
        .chain(crate::mask::ini_secret_values(after))
    {
        redactor.add(&secret);
    }
    let mask = |text: &str| redactor.redact(&crate::mask::mask_ini_text(text));
    let shown_before = mask(before);
    let shown_after = match not_set_in.map(|spec| not_set_shown(spec, true)) {
        // Masking by key name hid `<not set>` too: shown again.
        Some(not_set) if !not_set.edits.is_empty() => {
            let mut doc = IniDocument::parse(&mask(after));
            if let Err(e) = apply_config_spec(&mut doc, &not_set, true) {
                return ConfigChange::Error {
                    error: e.to_string(),
                };
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
    let not_set = |e: &ConfigEdit| e.value.shown().contains(crate::secret::NOT_SET);
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
