//! Whether a task created the object it reports or found it.

use crate::engine::outputs::{Origin, TaskOutputs};

/// An object with `id` is created by this task if it made it now or an
/// earlier run of the task recorded it as created (a rerun finds its own).
pub(super) fn origin_of(id: &str, created_now: bool, previous: Option<&TaskOutputs>) -> Origin {
    let recorded_created = match previous {
        Some(TaskOutputs::User(o) | TaskOutputs::Service(o)) => o.id == id && o.origin.created(),
        Some(TaskOutputs::Endpoints { endpoints }) => {
            endpoints.iter().any(|e| e.id == id && e.origin.created())
        }
        _ => false,
    };
    Origin::of(created_now || recorded_created)
}
