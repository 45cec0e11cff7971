//! Exit codes, distinct per way of failing: the one mapping of an outcome to a code, for the
//! command line and the interactive wizard.

use crate::engine::RunOutcome;

pub const OK: i32 = 0;
pub const ERROR: i32 = 1;
pub const INVALID_ANSWERS: i32 = 3;
pub const PRECHECK_FAILED: i32 = 4;
pub const TASK_FAILED: i32 = 5;
pub const VERIFY_FAILED: i32 = 6;
pub const LOCKED: i32 = 7;
/// `doctor` found something that breaks Glance.
pub const DOCTOR_FOUND: i32 = 8;
/// The user stopped the run, or did not confirm an undo (a wrong host
/// name typed, or no terminal to confirm on and no `--yes`).
pub const CANCELLED: i32 = 130;

/// The code for a run's outcome: the one mapping for the command line
/// and the interactive wizard.
pub fn for_outcome(outcome: &RunOutcome) -> i32 {
    match outcome {
        RunOutcome::Verified { .. } => OK,
        RunOutcome::Failed { task, .. } => for_failed_task(*task),
        RunOutcome::Cancelled => CANCELLED,
    }
}

/// The code for an undo's outcome: a step that failed or was refused
/// is a failed task, as in apply.
pub fn for_undo(outcome: &crate::undo::Outcome) -> i32 {
    match outcome {
        crate::undo::Outcome::Done { .. } => OK,
        crate::undo::Outcome::Failed { .. } => TASK_FAILED,
    }
}

/// A failed verification is told apart from a failed installation step.
pub fn for_failed_task(task: crate::plan::TaskId) -> i32 {
    if task == crate::plan::TaskId::VerifyImage {
        VERIFY_FAILED
    } else {
        TASK_FAILED
    }
}
