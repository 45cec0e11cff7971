//! Retrying a failed task: the policy, the pause after each failure, and
//! the loop that runs a task until it succeeds or the policy gives up.

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::scheduler::WorkerMessage;
use super::{Engine, ErrorClass, ErrorKind, Event, TaskError, runner};
use crate::i18n::Message;
use crate::plan::{Task, TaskId};

/// Retry policy: bounded attempts with growing pauses, and a separate,
/// longer budget for waiting on a lock another package manager holds
/// (unattended-upgrades can hold it for minutes). Tests shorten the waits.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all for a retryable failure (the first one included).
    pub attempts: u32,
    /// Pause after the first failed attempt; doubled after each further one.
    pub first_wait: Duration,
    /// Longest pause between two attempts.
    pub max_wait: Duration,
    /// How long to keep waiting for a held lock, in all.
    pub lock_wait: Duration,
    /// Pause between two looks at a held lock.
    pub lock_poll: Duration,
    /// Pause before the one recheck of a needs-user failure (a proxy
    /// restarting in that instant should not stop the run).
    pub recheck_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            first_wait: Duration::from_secs(10),
            max_wait: Duration::from_secs(60),
            lock_wait: Duration::from_secs(600),
            lock_poll: Duration::from_secs(10),
            recheck_wait: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The pause after failed attempt number `attempt` (1-based).
    pub fn wait_after(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        self.first_wait.saturating_mul(factor).min(self.max_wait)
    }
}

impl Engine<'_> {
    /// The pause before the next attempt after `error`, or None to stop:
    /// a held lock is polled within its own budget, a retryable failure
    /// backs off within `retry.attempts`, a needs-user failure gets one
    /// quick recheck (its `failures` count starts it), a fatal one none.
    fn next_wait(
        &self,
        error: &TaskError,
        failures: &mut u32,
        lock_waited: &mut Duration,
    ) -> Option<Duration> {
        match error.class {
            ErrorClass::Retryable if error.kind == ErrorKind::LockHeld => {
                let wait = self.retry.lock_poll;
                (*lock_waited + wait <= self.retry.lock_wait).then(|| {
                    *lock_waited += wait;
                    wait
                })
            }
            ErrorClass::Retryable => {
                *failures += 1;
                (*failures < self.retry.attempts).then(|| self.retry.wait_after(*failures))
            }
            ErrorClass::NeedsUser => {
                *failures += 1;
                (*failures == 1).then_some(self.retry.recheck_wait)
            }
            ErrorClass::Fatal => None,
        }
    }

    /// Runs one task on a worker thread, retrying transient failures;
    /// its output and retries go to `tx`.
    pub(super) fn run_with_retries(
        &self,
        task: &Task,
        previous_outputs: Option<&runner::TaskOutputs>,
        recheck: bool,
        tx: &mpsc::SyncSender<WorkerMessage>,
    ) -> Result<runner::TaskOutputs, TaskError> {
        let send = |event: Event| {
            let _ = tx.send(WorkerMessage::Event(event));
        };
        let mut attempt = 1;
        // Failed attempts that count against `retry.attempts` (lock waits
        // do not), and time spent waiting for a lock.
        let mut failures = 0;
        let mut lock_waited = Duration::ZERO;
        loop {
            let result = self.attempt(task, previous_outputs, recheck, &send);
            let wait = match &result {
                Err(_) if self.cancel.load(Ordering::SeqCst) => None,
                // Waiting does not fix it: the engine repairs the task whose
                // work the cause is, then retries (see `Cause`).
                Err(e) if e.cause.is_some() => None,
                Err(e) => self.next_wait(e, &mut failures, &mut lock_waited),
                Ok(_) => None,
            };
            match (result, wait) {
                (Err(e), Some(wait)) => {
                    send(Event::TaskRetrying {
                        id: task.id,
                        attempt,
                        wait,
                        reason: e.redacted(&self.redactor),
                    });
                    self.pause_unless_cancelled(wait);
                    attempt += 1;
                }
                (Err(e), None) if e.retryable() && attempt > 1 => {
                    return Err(gave_up(e, attempt, lock_waited));
                }
                (other, _) => return other,
            }
        }
    }

    /// One attempt at `task`; what its runner says goes to `send`.
    fn attempt(
        &self,
        task: &Task,
        previous_outputs: Option<&runner::TaskOutputs>,
        recheck: bool,
        send: &dyn Fn(Event),
    ) -> Result<runner::TaskOutputs, TaskError> {
        // Redacted by the runner (`TaskContext::trace`, `tell`).
        let mut emit_line = |said: runner::Said<'_>| send(said_event(task.id, said));
        let mut ctx = runner::TaskContext {
            reach: &self.reach,
            state_dir: &self.state_dir,
            redactor: &self.redactor,
            cancel: &self.cancel,
            previous_outputs,
            lock: self.lock,
            recheck,
            log: &mut emit_line,
        };
        (self.task_runner)(task, &mut ctx)
    }

    /// Waits `wait`, or less when the run is cancelled meanwhile.
    fn pause_unless_cancelled(&self, wait: Duration) {
        let deadline = Instant::now() + wait;
        while !self.cancel.load(Ordering::SeqCst) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
    }
}

/// A retryable failure that stayed after `attempt` attempts (or a lock
/// held for `lock_waited`), saying so.
fn gave_up(mut e: TaskError, attempt: u32, lock_waited: Duration) -> TaskError {
    e.message = if e.kind == ErrorKind::LockHeld {
        Message::new("failure.lock_waited")
            .msg("error", e.message)
            .arg("seconds", format!("{:.1}", lock_waited.as_secs_f64()))
    } else {
        Message::new("failure.gave_up")
            .msg("error", e.message)
            .arg("attempts", attempt)
    };
    e
}

/// The event of what a task's runner said.
fn said_event(id: TaskId, said: runner::Said<'_>) -> Event {
    match said {
        runner::Said::Trace(lines) => Event::Output {
            id,
            lines: lines.to_string(),
        },
        runner::Said::Sentence(sentence) => Event::Narration { id, sentence },
    }
}
