//! What `status` reports: the journal's tasks in plan order, each with what it created or found.

use std::path::{Path, PathBuf};

use crate::engine::{self, Journal, TaskStatus};
use crate::i18n::Message;
use crate::plan::TaskId;

/// What `status` reports: the journal's tasks in plan order. Serialised,
/// it is `status --format json`, whose field names are stable
/// (docs/json.md).
#[derive(Debug, serde::Serialize)]
pub struct StatusReport {
    /// The journal file; `null` when nothing has run yet.
    pub journal: Option<PathBuf>,
    /// The target the tasks ran for (`null` with no journal).
    pub target: Option<String>,
    pub tasks: Vec<TaskState>,
}

/// One task of [`StatusReport`].
#[derive(Debug, serde::Serialize)]
pub struct TaskState {
    pub id: TaskId,
    /// `done`, `failed` or `interrupted` (started by a run that was killed).
    pub status: &'static str,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub duration_ms: Option<u64>,
    pub attempts: u32,
    /// Carried over from an older journal: checked again on the next run.
    pub unverified: bool,
    /// What the task created or found, one object a line (as `status`
    /// prints them; English in JSON).
    pub objects: Vec<Message>,
    pub error: Option<String>,
}

impl StatusReport {
    pub fn load(state_dir: &Path) -> anyhow::Result<StatusReport> {
        let Some(journal) = Journal::load(state_dir)? else {
            return Ok(StatusReport {
                journal: None,
                target: None,
                tasks: Vec::new(),
            });
        };
        // In plan order (`TaskId::ALL` is the order `build_plan` puts its
        // tasks in: tests/releases.rs checks it for every release),
        // whatever order reruns left in the journal.
        let tasks = TaskId::ALL
            .into_iter()
            .filter_map(|id| journal.tasks.get(&id).map(|r| TaskState::of(id, r)))
            .collect();
        Ok(StatusReport {
            journal: Some(Journal::path(state_dir)),
            target: Some(journal.target),
            tasks,
        })
    }
}

impl TaskState {
    fn of(id: TaskId, r: &engine::TaskRecord) -> TaskState {
        TaskState {
            id,
            status: match r.status {
                TaskStatus::Done => "done",
                TaskStatus::Failed => "failed",
                TaskStatus::Running => "interrupted",
            },
            started_at: r.started_at.clone(),
            finished_at: r.finished_at.clone(),
            duration_ms: r.duration_ms,
            attempts: r.attempts,
            unverified: r.unverified,
            objects: r.outputs.iter().flat_map(|o| o.summary()).collect(),
            error: r.error.clone(),
        }
    }
}
