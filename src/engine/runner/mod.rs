//! One runner per task kind, plus the child-process helpers they share.

mod child;
pub mod clients;
pub mod config;
mod context;
#[cfg(test)]
pub(crate) mod fake;
pub mod identity;
mod observation;
mod openstack;
pub mod packages;
pub mod service;
pub mod sql;
pub mod stream;
pub mod verify;

use crate::i18n::Message;
use crate::plan::{Task, TaskKind};

use super::{ErrorClass, TaskError};

pub use crate::engine::outputs::TaskOutputs;
pub(crate) use child::stopped;
pub use child::{
    ChildResult, LockCopy, Network, STOP_GRACE, STOPPED, run_captured, run_streamed,
    run_streamed_holding_lock,
};
pub use context::{Reach, Said, TaskContext, is_trace};
pub(crate) use observation::kept_observation;
pub use openstack::{mask_env_secrets, openstack_batch, openstack_json, openstack_plain};

/// Checks that what a finished task left is still there; `Some(message)`
/// when it is not, and the task must run again. Only config files are
/// checked: they are what admins edit by hand between runs.
pub fn drift(task: &Task, outputs: Option<&TaskOutputs>) -> Option<Message> {
    match &task.kind {
        TaskKind::Config(spec) => config::drift(spec, outputs),
        _ => None,
    }
}

/// A cheap look at what a finished task set up, made at the start of every
/// run (see [`crate::engine::TaskProbe`]): one login, listing or query per
/// task, nothing changed. `Ok(what was found)` or `Err(what is wrong)`.
pub fn probe(task: &Task, ctx: &mut TaskContext<'_>) -> Result<Message, Message> {
    let reach: &Reach = ctx.reach;
    let keystone = identity::RealKeystone::new(&reach.admin);
    match &task.kind {
        TaskKind::Sql(spec) => sql::probe(spec, &sql::MySql),
        TaskKind::IdentityUser(spec) => identity::probe_user(spec, &keystone),
        TaskKind::IdentityRole(spec) => identity::probe_role(spec, &keystone),
        TaskKind::IdentityService(spec) => {
            let catalog = reach
                .probe_catalog
                .get_or_init(|| clients::Keystone::catalog(&keystone));
            identity::probe_service(spec, ctx, catalog)
        }
        TaskKind::IdentityEndpoints(spec) => {
            let catalog = reach
                .probe_catalog
                .get_or_init(|| clients::Keystone::catalog(&keystone));
            identity::probe_endpoints_task(spec, catalog)
        }
        TaskKind::Packages(spec) => packages::probe(spec, ctx, &packages::System),
        // Its file's hash, compared by `drift` before the probes.
        TaskKind::Config(spec) => Ok(Message::new("run_skip.config").arg("path", &spec.path)),
        TaskKind::DbSync(spec) => sql::probe_schema(&spec.account, &sql::MySql),
        TaskKind::Metadefs(spec) => sql::probe_metadefs(&spec.account, &sql::MySql),
        TaskKind::Services(spec) => service::probe(spec, &service::System),
        TaskKind::Verify(spec) => verify::probe(spec, ctx, &verify::GlanceHttp),
    }
}

/// Runs a task with the real clients.
pub fn run_task(task: &Task, ctx: &mut TaskContext<'_>) -> Result<TaskOutputs, TaskError> {
    let reach: &Reach = ctx.reach;
    let keystone = identity::RealKeystone::new(&reach.admin);
    match &task.kind {
        TaskKind::Sql(spec) => sql::run(spec, ctx, &sql::MySql),
        TaskKind::IdentityUser(spec) => identity::user(spec, ctx, &keystone),
        TaskKind::IdentityRole(spec) => identity::role(spec, ctx, &keystone),
        TaskKind::IdentityService(spec) => identity::service(spec, ctx, &keystone),
        TaskKind::IdentityEndpoints(spec) => identity::endpoints(spec, ctx, &keystone),
        TaskKind::Packages(spec) => packages::run(spec, ctx, &packages::System),
        TaskKind::Config(spec) => config::run(spec, ctx),
        TaskKind::DbSync(spec) => service::db_sync(spec, ctx, &service::System),
        TaskKind::Metadefs(spec) => {
            service::load_metadefs(spec, ctx, &service::System, &sql::MySql)
        }
        TaskKind::Services(spec) => service::restart(spec, ctx, &service::System),
        TaskKind::Verify(spec) => verify::run(
            spec,
            ctx,
            &verify::Verifiers {
                glance: &verify::GlanceHttp,
                database: &sql::MySql,
                keystone: &keystone,
            },
        ),
    }
}

/// A failure neither time nor the answers are known to fix.
pub(crate) fn fatal(message: Message) -> TaskError {
    TaskError::new(ErrorClass::Fatal, message)
}

/// A string field of a JSON object.
pub fn json_str<'v>(value: &'v serde_json::Value, key: &str) -> &'v str {
    value.get(key).and_then(|v| v.as_str()).unwrap_or("")
}

#[cfg(test)]
pub(crate) mod tests;
