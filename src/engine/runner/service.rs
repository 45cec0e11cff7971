//! Database sync and the Glance services.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::clients::{AccountQuery, Database, DbFault, SchemaStep, Services};
use super::identity::direct_agent;
use super::sql::count_rows;
use super::{ChildResult, Network, TaskContext, fatal, run_streamed, run_streamed_holding_lock};
use crate::engine::outputs::{DbSyncOutputs, MetadefsOutputs, ServicesOutputs, TaskOutputs};
use crate::engine::{Cause, TaskError};
use crate::i18n::Message;
use crate::plan::{DbSyncSpec, MetadefsSpec, ServiceSpec, commands};

/// The init system, `glance-manage` and HTTP, as real runs use them.
pub struct System;

impl Services for System {
    fn make_image_dir(
        &self,
        ctx: &mut TaskContext<'_>,
        dir: &str,
    ) -> Result<ChildResult, TaskError> {
        run_streamed(ctx, &commands::image_dir(dir), &[], Network::Direct)
    }

    fn enable(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError> {
        run_steps(
            ctx,
            commands::service_enable(spec.init, spec.manager, service),
        )
    }

    fn restart(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError> {
        run_streamed(
            ctx,
            &commands::service_restart(spec.init, service),
            &[],
            Network::Direct,
        )
    }

    fn stop(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError> {
        run_streamed(
            ctx,
            &commands::service_stop(spec.init, service),
            &[],
            Network::Direct,
        )
    }

    fn enabled_at_boot(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &ServiceSpec,
        service: &str,
    ) -> Result<bool, TaskError> {
        match commands::service_boot_query(spec.init, spec.manager, service) {
            commands::BootQuery::Command(argv) => {
                Ok(run_streamed(ctx, &argv, &[], Network::Direct)?.success())
            }
            commands::BootQuery::RcStartLinks => {
                Ok(has_rc_start_link(std::path::Path::new("/etc"), service))
            }
        }
    }

    fn disable(
        &self,
        ctx: &mut TaskContext<'_>,
        spec: &ServiceSpec,
        service: &str,
    ) -> Result<ChildResult, TaskError> {
        run_steps(
            ctx,
            commands::service_disable(spec.init, spec.manager, service),
        )
    }

    /// glance-manage gets the run lock too: a db_sync orphaned by a killed
    /// run goes on migrating, and a second one started by the next run
    /// collides with it in alembic_version ("expected to match one row").
    fn glance_manage(
        &self,
        ctx: &mut TaskContext<'_>,
        step: SchemaStep<'_>,
    ) -> Result<ChildResult, TaskError> {
        let command = match step {
            SchemaStep::Sync => commands::glance_manage("db_sync"),
            SchemaStep::Check => commands::glance_manage("db check"),
            SchemaStep::LoadMetadefs { dir } => commands::metadefs_load(dir),
        };
        run_streamed_holding_lock(ctx, &command, &[], Network::Direct)
    }

    fn wait_answering(
        &self,
        url: &str,
        timeout: Duration,
        cancel: &AtomicBool,
    ) -> Result<u16, String> {
        wait_for_glance(url, timeout, cancel)
    }

    fn answer(&self, url: &str) -> Result<u16, String> {
        direct_agent(Duration::from_secs(2))
            .get(url)
            .call()
            .map(|response| response.status().as_u16())
            .map_err(|e| e.to_string())
    }

    fn log_tail(&self, path: &str, n: usize) -> String {
        std::fs::read_to_string(path)
            .map(|t| {
                let lines: Vec<&str> = t.lines().collect();
                lines[lines.len().saturating_sub(n)..].join("\n")
            })
            .unwrap_or_default()
    }
}

/// Runs commands one after the other until one fails: its result, or the
/// last one's.
fn run_steps(ctx: &mut TaskContext<'_>, steps: Vec<Vec<String>>) -> Result<ChildResult, TaskError> {
    let mut last = None;
    for cmd in steps {
        let result = run_streamed(ctx, &cmd, &[], Network::Direct)?;
        let failed = !result.success();
        last = Some(result);
        if failed {
            break;
        }
    }
    Ok(last.unwrap_or(ChildResult {
        code: Some(0),
        output: Default::default(),
    }))
}

pub fn db_sync(
    spec: &DbSyncSpec,
    ctx: &mut TaskContext<'_>,
    services: &dyn Services,
) -> Result<TaskOutputs, TaskError> {
    let check = spec.check;
    if ctx.recheck && check {
        if services.glance_manage(ctx, SchemaStep::Check)?.success() {
            ctx.tell(Message::new("narration.schema_at_head_no_sync"));
            return Ok(TaskOutputs::DbSync(DbSyncOutputs { synced: false }));
        }
        ctx.tell(Message::new("narration.schema_behind_syncing"));
    }
    let sync = services.glance_manage(ctx, SchemaStep::Sync)?;
    if !sync.success() {
        let tail = sync.tail(5);
        let refused = tail.contains("Access denied");
        let key = match refused {
            true => "failure.db_sync_refused",
            false => "failure.db_sync",
        };
        let error = fatal(Message::new(key).arg("output", tail));
        return Err(match refused {
            true => error.with_cause(Cause::DbAccessDenied),
            false => error,
        });
    }
    if check {
        let result = services.glance_manage(ctx, SchemaStep::Check)?;
        let meaning = match result.code {
            Some(0) => None,
            Some(3) => Some("failure.db_check_expand"),
            Some(4) => Some("failure.db_check_data"),
            Some(5) => Some("failure.db_check_contract"),
            _ => Some("failure.db_check_failed"),
        };
        if let Some(meaning) = meaning {
            let said = Message::new("failure.db_check").msg("meaning", Message::new(meaning));
            return Err(fatal(said));
        }
        ctx.tell(Message::new("narration.schema_at_head"));
    }
    Ok(TaskOutputs::DbSync(DbSyncOutputs { synced: true }))
}

/// Loads the metadata definitions: `glance-manage db_load_metadefs` adds the
/// namespaces of the package's JSON files the database has not got, and
/// skips (never overwrites) those it has, an admin's edits included.
pub fn load_metadefs(
    spec: &MetadefsSpec,
    ctx: &mut TaskContext<'_>,
    services: &dyn Services,
    db: &dyn Database,
) -> Result<TaskOutputs, TaskError> {
    // A refused login is the database task's to repair (someone changed the
    // glance account's password or grants since it ran).
    let count = |ctx: &mut TaskContext<'_>| {
        count_rows(db, &spec.account, AccountQuery::MetadefNamespaces).map_err(|e| {
            let context = Message::new("failure.db_count_metadefs").arg("user", &spec.account.user);
            let mut error = e.error_after(context);
            error.message = error.redacted(ctx.redactor);
            match e.fault {
                DbFault::AccessDenied => error.with_cause(Cause::DbAccessDenied),
                DbFault::Unreachable | DbFault::Other => error,
            }
        })
    };
    let before = count(ctx)?;
    let load = services.glance_manage(ctx, SchemaStep::LoadMetadefs { dir: &spec.dir })?;
    if !load.success() {
        let said = Message::new("failure.metadefs").arg("output", load.tail(5));
        return Err(fatal(said));
    }
    let after = count(ctx)?;
    if after == 0 {
        let said = Message::new("failure.metadefs_empty").arg("dir", &spec.dir);
        return Err(fatal(said));
    }
    ctx.tell(
        Message::new("narration.metadefs_loaded")
            .arg("loaded", after.saturating_sub(before))
            .arg("before", before),
    );
    Ok(TaskOutputs::Metadefs(MetadefsOutputs {
        namespaces_before: before,
        namespaces_after: after,
    }))
}

/// Polls Glance until it answers: `GET /` gives 300 (versions) without auth.
/// Gives up early when `cancel` is set.
pub fn wait_for_glance(url: &str, timeout: Duration, cancel: &AtomicBool) -> Result<u16, String> {
    let agent = direct_agent(Duration::from_secs(5));
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    while Instant::now() < deadline {
        if cancel.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(super::STOPPED.into());
        }
        match agent.get(url).call() {
            Ok(response) => {
                let status = response.status().as_u16();
                if status == 300 || status == 200 {
                    return Ok(status);
                }
                last = format!("HTTP {status}");
            }
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(last)
}

/// The service task's probe: glance-api answers its version document
/// (one request).
pub fn probe(spec: &ServiceSpec, services: &dyn Services) -> Result<Message, Message> {
    match services.answer(&spec.health_url) {
        Ok(status) if matches!(status, 200 | 300) => Ok(Message::new("run_skip.glance_api")
            .arg("url", &spec.health_url)
            .arg("status", status)),
        Ok(status) => Err(Message::new("recheck.api_status")
            .arg("status", status)
            .arg("url", &spec.health_url)),
        Err(e) => Err(Message::new("recheck.api_silent")
            .arg("url", &spec.health_url)
            .arg("error", e)),
    }
}

/// Whether `etc`/rc2.d to rc5.d hold a start link of `service`
/// (`S01glance-api`): Debian's SysV init starts it at boot then.
fn has_rc_start_link(etc: &std::path::Path, service: &str) -> bool {
    (2..=5).any(|level| {
        std::fs::read_dir(etc.join(format!("rc{level}.d"))).is_ok_and(|entries| {
            entries.filter_map(Result::ok).any(|entry| {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                name.starts_with('S') && name.get(3..) == Some(service)
            })
        })
    })
}

/// How long glance-api gets to answer after its restart.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// What glance-api was before this task first touched it: whether it
/// answered (undo stops it only when not) and which services started at
/// boot (undo disables only the others). `None`: not known (recorded by an
/// older glance-wizard).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Before {
    answering: Option<bool>,
    enabled: Option<Vec<String>>,
}

/// Where the first attempt keeps [`Before`] until the task's outputs hold
/// it: a retry, or a rerun after a failure or a kill, must not take what
/// that attempt enabled and started for what was there.
const BEFORE_FILE: &str = "service.restart.before.json";

/// [`Before`]: as a finished run of the task recorded it, else as the
/// first attempt kept it, else observed now (and kept) before anything is
/// enabled or restarted.
fn before_first_run(
    spec: &ServiceSpec,
    ctx: &mut TaskContext<'_>,
    services: &dyn Services,
) -> Result<Before, TaskError> {
    if let Some(TaskOutputs::Services(o)) = ctx.previous_outputs {
        return Ok(Before {
            answering: o.answering_before,
            enabled: o.enabled_before.clone(),
        });
    }
    let state_dir = ctx.state_dir;
    super::kept_observation(
        state_dir,
        BEFORE_FILE,
        |_: &Before| true,
        || {
            let mut enabled = Vec::new();
            for service in &spec.services {
                if services.enabled_at_boot(ctx, spec, service)? {
                    enabled.push(service.clone());
                }
            }
            Ok(Before {
                answering: Some(matches!(services.answer(&spec.health_url), Ok(200 | 300))),
                enabled: Some(enabled),
            })
        },
        "failure.run.keep_glance_api",
    )
}

/// The task's outputs, which hold [`Before`] from now on.
fn finished(ctx: &TaskContext<'_>, restarted: Vec<String>, before: Before) -> TaskOutputs {
    // Gone or not, the outputs say it now.
    let _ = std::fs::remove_file(ctx.state_dir.join(BEFORE_FILE));
    TaskOutputs::Services(ServicesOutputs {
        restarted,
        answering_before: before.answering,
        enabled_before: before.enabled,
    })
}

/// The services an earlier run of the task restarted: a recheck that finds
/// Glance answering restarts none, and undo must still know that the
/// wizard started it.
fn restarted_before(ctx: &TaskContext<'_>) -> Vec<String> {
    match ctx.previous_outputs {
        Some(TaskOutputs::Services(o)) => o.restarted.clone(),
        _ => Vec::new(),
    }
}

pub fn restart(
    spec: &ServiceSpec,
    ctx: &mut TaskContext<'_>,
    services: &dyn Services,
) -> Result<TaskOutputs, TaskError> {
    let before = before_first_run(spec, ctx, services)?;
    if ctx.recheck
        && let Ok(status) =
            services.wait_answering(&spec.health_url, Duration::from_secs(2), ctx.cancel)
    {
        ctx.tell(
            Message::new("narration.not_restarted")
                .arg("url", &spec.health_url)
                .arg("status", status),
        );
        return Ok(finished(ctx, restarted_before(ctx), before));
    }
    if !services.make_image_dir(ctx, &spec.image_dir)?.success() {
        return Err(fatal(Message::new("failure.run.image_dir")));
    }
    for service in &spec.services {
        let result = services.enable(ctx, spec, service)?;
        if !result.success() {
            let said = Message::new("failure.enable")
                .arg("service", service)
                .arg("output", result.tail(3));
            return Err(fatal(said));
        }
        let result = services.restart(ctx, spec, service)?;
        if !result.success() {
            let said = Message::new("failure.restart")
                .arg("service", service)
                .arg("output", result.tail(3));
            return Err(fatal(said));
        }
    }
    ctx.tell(Message::new("narration.waiting_answer").arg("url", &spec.health_url));
    match services.wait_answering(&spec.health_url, START_TIMEOUT, ctx.cancel) {
        Ok(status) => {
            ctx.tell(Message::new("narration.api_answers").arg("status", status));
            Ok(finished(ctx, spec.services.clone(), before))
        }
        Err(last) if last == super::STOPPED => Err(super::stopped()),
        Err(last) => {
            let log = &spec.api_log;
            let log_tail = services.log_tail(log, 5);
            let said = Message::new("failure.no_answer")
                .arg("url", &spec.health_url)
                .arg("seconds", START_TIMEOUT.as_secs())
                .arg("last", last)
                .arg("log", log)
                .arg("tail", ctx.redactor.redact(&log_tail));
            Err(fatal(said))
        }
    }
}

/// db_sync and the services against test doubles of the init system and
/// `glance-manage` (systemd is not PID 1 here).
#[cfg(test)]
mod tests;
