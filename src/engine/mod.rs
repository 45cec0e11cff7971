//! The engine runs a plan: it skips tasks the journal records as done with
//! the same input fingerprint, runs the rest in order through one runner per
//! task kind, retries transient failures, and reports everything as
//! [`Event`]s to a sink (the headless printer or the TUI) and to a log file.

mod decide;
mod error;
mod event;
pub mod journal;
pub mod lock;
mod log;
mod net;
pub mod outputs;
pub mod pause;
mod retry;
mod run;
pub mod runner;
mod scheduler;

#[cfg(test)]
pub(crate) use decide::skip_reason;
pub use error::{Cause, ErrorClass, ErrorKind, TaskError};
pub use event::{Event, EventSink, RunOutcome, verified_image};
pub use journal::{Journal, TaskRecord, TaskStatus};
pub use log::{log_line, write_log};
pub use retry::RetryPolicy;
pub use run::{DEFAULT_JOBS, DEFAULT_STATE_DIR, Engine, TaskProbe, TaskRunner, ensure_state_dir};

#[cfg(test)]
mod tests;
