//! What `reset [TASK]` does: under the run lock, forgets one task's checkpoint or all of them
//! (the next `apply` runs them again; their probes find what is in place), or sets a damaged
//! journal aside.

use std::path::{Path, PathBuf};

use crate::engine::{self, Journal, lock::RunLock};
use crate::plan::TaskId;

/// How a reset ended.
#[derive(Debug)]
pub enum ResetOutcome {
    /// Another run holds the lock: nothing changed.
    Locked(anyhow::Error),
    /// The journal could not be read; it was moved to `aside`.
    SetAside {
        error: anyhow::Error,
        aside: PathBuf,
    },
    NoJournal,
    ForgotAll,
    Forgot(TaskId),
    /// The journal has no checkpoint for `task`: nothing changed.
    NoCheckpoint {
        task: TaskId,
        known: Vec<TaskId>,
    },
}

pub fn reset(state_dir: &Path, task: Option<TaskId>) -> anyhow::Result<ResetOutcome> {
    let _lock = match RunLock::acquire(state_dir, engine::lock::ORPHAN_WAIT) {
        Ok(lock) => lock,
        Err(e) => return Ok(ResetOutcome::Locked(e)),
    };
    let loaded = match Journal::load(state_dir) {
        Ok(loaded) => loaded,
        Err(error) if task.is_none() && Journal::path(state_dir).exists() => {
            // A damaged journal cannot be edited, only set aside.
            let aside = Journal::move_aside(state_dir)?;
            return Ok(ResetOutcome::SetAside { error, aside });
        }
        Err(e) => return Err(e),
    };
    let Some(mut journal) = loaded else {
        return Ok(ResetOutcome::NoJournal);
    };
    let outcome = match task {
        None => {
            journal.tasks.clear();
            ResetOutcome::ForgotAll
        }
        Some(id) if journal.tasks.remove(&id).is_some() => ResetOutcome::Forgot(id),
        Some(id) => {
            let known = journal.tasks.keys().copied().collect();
            return Ok(ResetOutcome::NoCheckpoint { task: id, known });
        }
    };
    journal.save(state_dir)?;
    Ok(outcome)
}
