//! Pause points for the kill tests (tests/e2e_kill.rs). Some moments worth
//! a `kill -9` cannot be hit reliably from outside: the instant after a
//! task's checkpoint is saved and before the next task starts, or the few
//! milliseconds in which the config file's replacement is written but not
//! yet renamed. With `GLANCE_WIZARD_PAUSE_AT=<point>` in the environment the
//! wizard stops at that point (saying so on stderr) until it is killed, so
//! the test kills it exactly there. Without the variable a pause point does
//! nothing; it never changes what the wizard does, only when.
//!
//! Points: `after:<task id>` (checkpoint saved as done), `during:sql.database`
//! (the first account's statements ran, the second's not),
//! `during:config.<file>` (new file written and synced, not yet renamed),
//! `during:verify.image` (the image record created, its upload not begun).

use std::time::{Duration, Instant};

pub const PAUSE_ENV: &str = "GLANCE_WIZARD_PAUSE_AT";

/// How long a pause lasts if nobody kills the wizard: it then carries on.
const PAUSE_LIMIT: Duration = Duration::from_secs(600);

/// The line written to stderr when a pause point is reached.
pub fn announcement(point: &str) -> String {
    format!("glance-wizard: paused at {point} ({PAUSE_ENV})")
}

/// Pauses here if `GLANCE_WIZARD_PAUSE_AT` names `point`.
pub fn point(point: &str) {
    if std::env::var(PAUSE_ENV).is_ok_and(|wanted| wanted == point) {
        eprintln!("{}", announcement(point));
        let started = Instant::now();
        while started.elapsed() < PAUSE_LIMIT {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
