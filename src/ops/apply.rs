//! What `apply` does once the answers are loaded and the run lock taken: the engine runs the
//! plan, its events going to the face's sink.

use std::path::Path;

use crate::engine::{self, Engine, EventSink, Journal, RunOutcome, lock::RunLock};
use crate::ops::load::Loaded;
use crate::plan::Plan;

/// How `apply` runs the plan.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub skip_prechecks: bool,
    /// Tasks run at once at most.
    pub jobs: usize,
    /// Run done tasks again (they probe and repair).
    pub verify: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            skip_prechecks: false,
            jobs: engine::DEFAULT_JOBS,
            verify: false,
        }
    }
}

/// Starts, in the background, the one Keystone request the probes of a rerun make (see
/// `glance_user_view`), so that its answer is ready once the prechecks have run. A first run
/// (no journal) probes nothing.
pub fn warm_probes(loaded: &Loaded, state_dir: &Path) {
    if Journal::path(state_dir).exists() {
        let login = crate::plan::service_login(&loaded.settings, &loaded.profile);
        std::thread::spawn(move || {
            // Only to warm the shared answer: the probe asks again.
            let _ = engine::runner::identity::glance_user_view(&login);
        });
    }
}

/// Runs `plan` (built from `loaded`) under `lock`, every event to `sink`.
pub fn run(
    plan: &Plan,
    loaded: &Loaded,
    state_dir: &Path,
    options: &RunOptions,
    lock: &RunLock,
    sink: &mut dyn EventSink,
) -> anyhow::Result<RunOutcome> {
    let mut engine = Engine::new(plan, &loaded.settings, state_dir);
    engine.lock = Some(lock);
    engine.jobs = options.jobs;
    engine.verify = options.verify;
    engine.run(sink)
}
