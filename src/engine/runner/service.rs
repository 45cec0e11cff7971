//! Database sync and the Glance services.

use std::time::{Duration, Instant};

use super::identity::direct_agent;
use super::{Network, TaskContext, run_streamed, run_streamed_holding_lock};
use crate::engine::TaskError;
use crate::engine::outputs::{DbSyncOutputs, MetadefsOutputs, ServicesOutputs, TaskOutputs};
use crate::plan::{DbSyncSpec, MetadefsSpec, ServiceSpec, commands};

pub fn db_sync(spec: &DbSyncSpec, ctx: &mut TaskContext<'_>) -> Result<TaskOutputs, TaskError> {
    let check = spec.check;
    // glance-manage gets the run lock too: a db_sync orphaned by a killed
    // run goes on migrating, and a second one started by the next run
    // collides with it in alembic_version ("expected to match one row").
    if ctx.recheck && check {
        let result = run_streamed_holding_lock(
            ctx,
            &commands::glance_manage("db check"),
            &[],
            Network::Direct,
        )?;
        if result.success() {
            ctx.say("the schema is at head: no sync needed");
            return Ok(TaskOutputs::DbSync(DbSyncOutputs { synced: false }));
        }
        ctx.say("the schema is not at head: syncing");
    }
    let sync = run_streamed_holding_lock(
        ctx,
        &commands::glance_manage("db_sync"),
        &[],
        Network::Direct,
    )?;
    if !sync.success() {
        let tail = sync.tail(5);
        let hint = if tail.contains("Access denied") {
            " (the glance account's password or grants do not match [database] connection)"
        } else {
            ""
        };
        let error = TaskError::fatal(format!("glance-manage db_sync failed{hint}: {tail}"));
        return Err(if hint.is_empty() {
            error
        } else {
            error.with_cause(crate::engine::Cause::DbAccessDenied)
        });
    }
    if check {
        let result = run_streamed_holding_lock(
            ctx,
            &commands::glance_manage("db check"),
            &[],
            Network::Direct,
        )?;
        let meaning = match result.code {
            Some(0) => None,
            Some(3) => Some("an expand migration is still needed"),
            Some(4) => Some("a data migration is still needed"),
            Some(5) => Some("a contract migration is still needed"),
            _ => Some("it failed"),
        };
        if let Some(meaning) = meaning {
            return Err(TaskError::fatal(format!(
                "`glance-manage db check` says the schema is not at head: {meaning}"
            )));
        }
        ctx.say("the schema is at head");
    }
    Ok(TaskOutputs::DbSync(DbSyncOutputs { synced: true }))
}

/// Loads the metadata definitions: `glance-manage db_load_metadefs` adds the
/// namespaces of the package's JSON files the database has not got, and
/// skips (never overwrites) those it has, an admin's edits included.
pub fn load_metadefs(
    spec: &MetadefsSpec,
    ctx: &mut TaskContext<'_>,
) -> Result<TaskOutputs, TaskError> {
    let count = |ctx: &mut TaskContext<'_>| {
        super::sql::count_rows(&spec.account, "metadef_namespaces").map_err(|e| {
            TaskError::fatal(format!(
                "cannot count the metadata namespaces as {}: {}",
                spec.account.user,
                ctx.redactor.redact(&e)
            ))
        })
    };
    let before = count(ctx)?;
    let load = run_streamed_holding_lock(
        ctx,
        &commands::metadefs_load(&spec.dir),
        &[],
        Network::Direct,
    )?;
    if !load.success() {
        return Err(TaskError::fatal(format!(
            "glance-manage db_load_metadefs failed: {}",
            load.tail(5)
        )));
    }
    let after = count(ctx)?;
    if after == 0 {
        return Err(TaskError::fatal(format!(
            "glance-manage db_load_metadefs loaded nothing: is {} empty?",
            spec.dir
        )));
    }
    ctx.say(format!(
        "{} metadata namespaces loaded, {before} there already",
        after.saturating_sub(before)
    ));
    Ok(TaskOutputs::Metadefs(MetadefsOutputs {
        namespaces_before: before,
        namespaces_after: after,
    }))
}

/// Polls Glance until it answers: `GET /` gives 300 (versions) without auth.
/// Gives up early when `cancel` is set.
pub fn wait_for_glance(
    url: &str,
    timeout: Duration,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<u16, String> {
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
pub fn probe(spec: &ServiceSpec) -> Result<String, String> {
    let agent = direct_agent(Duration::from_secs(2));
    match agent.get(&spec.health_url).call() {
        Ok(response) if matches!(response.status().as_u16(), 200 | 300) => Ok(format!(
            "glance-api answers at {} (HTTP {})",
            spec.health_url,
            response.status().as_u16()
        )),
        Ok(response) => Err(format!(
            "glance-api answers HTTP {} at {}",
            response.status().as_u16(),
            spec.health_url
        )),
        Err(e) => Err(format!(
            "glance-api does not answer at {}: {e}",
            spec.health_url
        )),
    }
}

pub fn restart(spec: &ServiceSpec, ctx: &mut TaskContext<'_>) -> Result<TaskOutputs, TaskError> {
    if ctx.recheck
        && let Ok(status) = wait_for_glance(&spec.health_url, Duration::from_secs(2), ctx.cancel)
    {
        ctx.say(format!(
            "glance-api answers at {} (HTTP {status}): not restarted",
            spec.health_url
        ));
        return Ok(TaskOutputs::Services(ServicesOutputs { restarted: vec![] }));
    }
    let mkdir = commands::image_dir(&spec.image_dir);
    if !run_streamed(ctx, &mkdir, &[], Network::Direct)?.success() {
        return Err(TaskError::fatal("cannot create the image directory"));
    }
    for service in &spec.services {
        for cmd in commands::service_enable(spec.init, spec.manager, service) {
            let result = run_streamed(ctx, &cmd, &[], Network::Direct)?;
            if !result.success() {
                return Err(TaskError::fatal(format!(
                    "cannot enable {service}: {}",
                    result.tail(3)
                )));
            }
        }
        let result = run_streamed(
            ctx,
            &commands::service_restart(spec.init, service),
            &[],
            Network::Direct,
        )?;
        if !result.success() {
            return Err(TaskError::fatal(format!(
                "cannot restart {service}: {}",
                result.tail(3)
            )));
        }
    }
    ctx.say(format!("waiting for {} to answer", spec.health_url));
    match wait_for_glance(&spec.health_url, Duration::from_secs(90), ctx.cancel) {
        Ok(status) => {
            ctx.say(format!("glance-api answers (HTTP {status})"));
            Ok(TaskOutputs::Services(ServicesOutputs {
                restarted: spec.services.clone(),
            }))
        }
        Err(last) if last == super::STOPPED => Err(TaskError::fatal(last)),
        Err(last) => {
            let log = &spec.api_log;
            let log_tail = std::fs::read_to_string(log)
                .map(|t| {
                    let lines: Vec<&str> = t.lines().collect();
                    lines[lines.len().saturating_sub(5)..].join("\n")
                })
                .unwrap_or_default();
            Err(TaskError::fatal(format!(
                "glance-api did not answer at {} within 90 s (last: {last}); {log} ends with:\n{}",
                spec.health_url,
                ctx.redactor.redact(&log_tail)
            )))
        }
    }
}
