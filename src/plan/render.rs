//! `glance-wizard plan`: every task with the exact statements, commands and
//! config keys, secrets masked, and a unified diff of each config file.

use std::fmt::Write;

use super::commands::{self, display};
use super::{ConfigValue, Plan, TaskKind, apply_config_spec, masked_literal, sql_statements};
use crate::answers::{DbAdmin, ImageSource, Settings};
use crate::ini::IniDocument;

/// Renders the plan. `read_config` gives a config file's current text (or
/// `None` when it does not exist yet), so tests can feed fixtures.
pub fn render_plan(
    plan: &Plan,
    settings: &Settings,
    read_config: &dyn Fn(&str) -> Option<String>,
) -> String {
    let profile = &plan.profile;
    let k = &settings.keystone;
    let keystone_v3 = {
        let base = k.admin.auth_url().trim_end_matches('/');
        if base.ends_with("/v3") {
            base.to_string()
        } else {
            format!("{base}/v3")
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "Target: {}", profile.summary());
    let _ = writeln!(out, "Install guide: {}", profile.guide());
    let _ = writeln!(
        out,
        "Test image: CirrOS {} ({})",
        profile.release.cirros,
        profile.release.verify_page()
    );
    let _ = writeln!(out, "Image API served by: {}", profile.distro.api_server);
    let _ = writeln!(
        out,
        "Packages from: {} ({})",
        profile.distro.repository, profile.distro.repository_setup
    );
    for note in profile.unverified() {
        let _ = writeln!(out, "Unverified: {note}");
    }
    let _ = writeln!(
        out,
        "Keystone admin: {} as {} (password from {}, passed in the environment)",
        k.admin.auth_url(),
        k.admin.username(),
        k.admin.origin
    );
    let _ = writeln!(out);
    for (i, task) in plan.tasks.iter().enumerate() {
        let _ = writeln!(out, "{}. {} [{}]", i + 1, task.title, task.id);
        let mut line = |text: String| {
            let _ = writeln!(out, "     {text}");
        };
        let os = |argv: Vec<String>| format!("$ openstack {}", display(&argv));
        match &task.kind {
            TaskKind::Sql(spec) => {
                line(match &spec.admin {
                    DbAdmin::Socket { path, user } => {
                        format!("connect as {user} over the unix socket {path}")
                    }
                    DbAdmin::Tcp { user, .. } => format!(
                        "connect as {user} to {}:{} over TCP (password ********)",
                        spec.host, spec.port
                    ),
                });
                for statement in sql_statements(spec, &masked_literal()) {
                    line(format!("SQL> {statement};"));
                }
            }
            TaskKind::IdentityUser => {
                line(format!(
                    "probe: GET {}/users?name={}&domain_id=<{}> (admin token; no `openstack` call)",
                    keystone_v3, k.service_user, profile.release.domain_name
                ));
                line(format!(
                    "only if missing: {}",
                    os(commands::user_create(
                        &profile.release.domain_name,
                        &k.service_user,
                    ))
                ));
                line(format!(
                    "set the password of {} (********) with PATCH {keystone_v3}/users/<id> unless it already logs in; never on a command line",
                    k.service_user,
                ));
            }
            TaskKind::IdentityRole => {
                line(format!(
                    "probe: GET {keystone_v3}/role_assignments?user.id=<{}>&scope.project.id=<{}>&role.id=<admin>",
                    k.service_user, k.service_project
                ));
                line(format!(
                    "only if not assigned: {}",
                    os(commands::role_add(&k.service_project, &k.service_user))
                ));
            }
            TaskKind::IdentityService => {
                line(format!("probe: GET {keystone_v3}/services?type=image"));
                line(format!(
                    "only if no service of type image exists: {}",
                    os(commands::service_create())
                ));
            }
            TaskKind::IdentityEndpoints => {
                line(format!(
                    "probe: GET {keystone_v3}/endpoints?service_id=<image>&region_id={}",
                    k.region
                ));
                line(
                    "what is missing or wrong is fixed by one `openstack` process (the commands on its standard input), then probed again:"
                        .to_string(),
                );
                for (interface, url) in settings.endpoints.by_interface() {
                    line(format!(
                        "  if missing: {}",
                        os(commands::endpoint_create(&k.region, interface, url))
                    ));
                    line(format!(
                        "  if its URL differs: {}",
                        os(commands::endpoint_set_url("<id>", url))
                    ));
                }
            }
            TaskKind::Packages { manager, packages } => {
                let options = &settings.packages.manager_options;
                let query = &settings.packages.query_options;
                for p in packages {
                    line(format!(
                        "$ {}",
                        display(&commands::package_query(*manager, query, p))
                    ));
                }
                if settings.proxy.persist {
                    line(format!(
                        "if any is missing: write the proxy to {} (original kept as {}.glance-wizard.orig)",
                        commands::proxy_config_path(*manager),
                        commands::proxy_config_path(*manager)
                    ));
                }
                line(format!(
                    "if any is missing: $ {}",
                    display(&commands::package_refresh(*manager, options))
                ));
                line(format!(
                    "$ {}",
                    display(&commands::package_install(*manager, options, packages))
                ));
                line("then the installed check again: exiting 0 is not enough".to_string());
                let clean: Vec<String> = commands::package_clean(*manager, options)
                    .iter()
                    .map(|c| format!("$ {}", display(c)))
                    .collect();
                line(format!(
                    "on mirror or metadata trouble: {}, then again from the refresh, with growing pauses",
                    clean.join(" and ")
                ));
                if let Some(proxy) = settings.proxy.shown() {
                    line(format!(
                        "through the proxy {proxy}{} (no_proxy={})",
                        if settings.proxy.password.is_some() {
                            " (password from the secrets file)"
                        } else {
                            ""
                        },
                        settings.proxy.no_proxy.join(",")
                    ));
                }
            }
            TaskKind::Config(spec) => {
                for e in &spec.edits {
                    let marker = match e.value {
                        ConfigValue::Secret { .. } => " (secret)",
                        ConfigValue::Plain(_) => "",
                    };
                    line(format!(
                        "[{}] {} = {}{marker}",
                        e.section,
                        e.key,
                        e.value.shown()
                    ));
                }
                if spec.file_stem() == "glance-api"
                    && !profile.release.standalone_api
                    && let Some(bind_host) = &settings.bind_host
                {
                    line(format!(
                        "controller.bind_host {bind_host} is not written: Glance {} has no bind_host option; the WSGI server decides where glance listens ({})",
                        profile.release.title, profile.distro.api_server
                    ));
                }
                if let Some((section, keep)) = &spec.comment_out_except {
                    line(format!(
                        "comment out every other option in [{section}] (keeping {})",
                        keep.join(", ")
                    ));
                }
                line(format!(
                    "back up the original once to {}{}; replace atomically, keeping owner and mode",
                    spec.path,
                    crate::engine::runner::config::BACKUP_SUFFIX
                ));
                match read_config(&spec.path) {
                    Some(before) => {
                        for l in config_diff(spec, &before, settings) {
                            line(l);
                        }
                    }
                    None => line(format!(
                        "{} does not exist yet (the package installs it); the diff is shown once it does",
                        spec.path
                    )),
                }
            }
            TaskKind::DbSync { check } => {
                line(format!(
                    "$ {}",
                    display(&commands::glance_manage("db_sync"))
                ));
                if *check {
                    line(format!(
                        "$ {}   (exit 0: schema at head)",
                        display(&commands::glance_manage("db check"))
                    ));
                } else {
                    line(
                        "this release has no `db check`: the sync's own result is the check".into(),
                    );
                }
            }
            TaskKind::Services(spec) => {
                line(format!(
                    "$ {}",
                    display(&commands::image_dir(&settings.store.data_dir))
                ));
                for s in &spec.services {
                    for cmd in commands::service_enable(spec.init, profile.package_manager, s) {
                        line(format!("$ {}", display(&cmd)));
                    }
                    line(format!(
                        "$ {}",
                        display(&commands::service_restart(spec.init, s))
                    ));
                }
                line(format!(
                    "wait until GET {} answers (up to 90 s)",
                    spec.health_url
                ));
            }
            TaskKind::Verify(spec) => {
                let file = match &spec.source {
                    ImageSource::Path(p) => p.display().to_string(),
                    ImageSource::Url(u) => {
                        line(format!(
                            "download {} into the state directory",
                            crate::mask::mask_url_password(u)
                        ));
                        "<downloaded file>".to_string()
                    }
                };
                line(format!(
                    "through Glance's API at the public image endpoint of the catalog (admin token), as `openstack image create {} --file {file} --disk-format {} --container-format {} --public` would:",
                    spec.name, spec.disk_format, spec.container_format
                ));
                let mark = format!("{}={}", commands::IMAGE_MARK.0, commands::IMAGE_MARK.1);
                line(format!(
                    "  GET <glance>/v2/images?name={}: reuse an active image whose sha512 matches, else DELETE this wizard's unfinished uploads ({mark})",
                    spec.name,
                ));
                line(format!(
                    "  POST <glance>/v2/images (public, {mark}), then PUT <glance>/v2/images/<id>/file"
                ));
                line(
                    "  wait for status active; compare os_hash_value (sha512) with the local file"
                        .into(),
                );
                line("  GET <glance>/v2/images: list the images".into());
            }
        }
        let _ = writeln!(out);
    }
    out
}

/// The planned change to a config file as a unified diff, with every
/// secret masked on both sides: by key name (managed or not, commented out
/// or not, only the password inside a URL), then by value, for the
/// answers' secrets and every secret the file holds now. The change itself
/// is computed with the real values, so "no change" means the file already
/// has the answers' passwords; a change only to a secret says so without
/// showing it.
fn config_diff(spec: &super::ConfigSpec, before: &str, settings: &Settings) -> Vec<String> {
    let mut doc = IniDocument::parse(before);
    if let Err(e) = apply_config_spec(&mut doc, spec, true) {
        return vec![format!("cannot preview: {e}")];
    }
    let after = doc.to_string();
    let redactor = settings.redactor();
    for secret in crate::mask::ini_secret_values(before) {
        redactor.add(&secret);
    }
    let mask = |text: &str| redactor.redact(&crate::mask::mask_ini_text(text));
    let (shown_before, shown_after) = (mask(before), mask(&after));
    let real_changes = changed_lines(before, &after);
    let shown_changes = changed_lines(&shown_before, &shown_after);
    if real_changes == 0 {
        return vec!["no change: the file already has these values".into()];
    }
    if shown_changes == 0 {
        return vec!["secret changed (hidden)".into()];
    }
    let diff = similar::TextDiff::from_lines(&shown_before, &shown_after);
    let mut lines: Vec<String> = diff
        .unified_diff()
        .context_radius(2)
        .header(&spec.path, &format!("{} (planned)", spec.path))
        .to_string()
        .lines()
        .map(|l| format!("  {l}"))
        .collect();
    if shown_changes < real_changes {
        lines.push("and a secret changed (hidden)".into());
    }
    lines
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
