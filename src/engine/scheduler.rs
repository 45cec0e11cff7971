//! One run of the plan: which task starts when, what a finished or failed
//! task changes for the others, and the journal kept true meanwhile.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::decide::Decision;
use super::journal::{Journal, TaskRecord, TaskStatus};
use super::log::{Reporter, timestamp};
use super::{Cause, Engine, ErrorKind, Event, RunOutcome, TaskError, pause, runner};
use crate::i18n::Message;
use crate::plan::{Task, TaskId};

/// The complete task whose work `cause` is about, unless it was repaired
/// once already in this run (then the failure stands).
fn owner_to_repair(
    tasks: &[Task],
    slots: &[Slot],
    repaired: &[bool],
    cause: Cause,
) -> Option<usize> {
    tasks.iter().enumerate().position(|(i, t)| {
        cause.owned_by(&t.kind) && matches!(slots[i], Slot::Complete { .. }) && !repaired[i]
    })
}

/// Where a task stands in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Waiting,
    Running,
    /// Done or skipped; `changed` when it ran and changed something its
    /// dependents must follow.
    Complete {
        changed: bool,
    },
    Failed,
}

/// Messages from the tasks' threads waiting for the engine's.
const WORKER_MESSAGES: usize = 16;

/// What a worker thread tells the engine.
pub(super) enum WorkerMessage {
    Event(Event),
    Finished {
        index: usize,
        duration: Duration,
        result: Result<runner::TaskOutputs, TaskError>,
    },
}

/// A task's first failure: the run's outcome.
type FirstFailure = (TaskId, Message, ErrorKind);

/// The state of one run.
pub(super) struct Run<'e> {
    engine: &'e Engine<'e>,
    journal: Journal,
    fingerprints: Vec<String>,
    /// Each task's upstream tasks, as indexes into the plan (an `after`
    /// naming a task not in this plan, e.g. one the admin skipped, is no
    /// constraint); a repair adds the repaired task.
    upstream: Vec<Vec<usize>>,
    probes: Vec<Option<Result<Message, Message>>>,
    /// A finished task to check again because a later task failed on what
    /// it set up: the note saying so.
    repairing: Vec<Option<Message>>,
    repaired: Vec<bool>,
    slots: Vec<Slot>,
    outputs: BTreeMap<TaskId, runner::TaskOutputs>,
    first_failure: Option<FirstFailure>,
    started: Instant,
}

/// A task the scheduler hands to a worker thread.
struct Started {
    index: usize,
    previous: Option<runner::TaskOutputs>,
    recheck: bool,
}

impl<'e> Run<'e> {
    /// Loads the journal, computes the fingerprints, probes the finished
    /// tasks, and says the run started.
    pub(super) fn start(
        engine: &'e Engine<'e>,
        reporter: &mut Reporter<'_>,
        log_path: PathBuf,
    ) -> anyhow::Result<Run<'e>> {
        let started = Instant::now();
        let plan = engine.plan;
        let target = plan.profile.summary();
        let key = Journal::key(&engine.state_dir)?;
        let mut journal =
            Journal::load(&engine.state_dir)?.unwrap_or_else(|| Journal::new(&target));
        journal.target = target;
        let fingerprints = plan.fingerprints(&key);
        journal.carry_over(plan, &fingerprints);
        let tasks = &plan.tasks;
        let total = tasks.len();
        reporter.emit(Event::RunStarted { total, log_path });
        let upstream = tasks
            .iter()
            .map(|t| {
                t.after
                    .iter()
                    .filter_map(|id| tasks.iter().position(|u| u.id == *id))
                    .collect()
            })
            .collect();
        let probes = engine.probe_finished(&journal, &fingerprints);
        Ok(Run {
            engine,
            journal,
            fingerprints,
            upstream,
            probes,
            repairing: vec![None; total],
            repaired: vec![false; total],
            slots: vec![Slot::Waiting; total],
            outputs: BTreeMap::new(),
            first_failure: None,
            started,
        })
    }

    fn tasks(&self) -> &'e [Task] {
        &self.engine.plan.tasks
    }

    fn stopping(&self) -> bool {
        self.first_failure.is_some() || self.engine.cancel.load(Ordering::SeqCst)
    }

    fn running(&self) -> usize {
        self.slots.iter().filter(|s| **s == Slot::Running).count()
    }

    /// Runs the tasks to the end (or the first failure, or a cancel) and
    /// returns the outcome.
    pub(super) fn drive(mut self, reporter: &mut Reporter<'_>) -> anyhow::Result<RunOutcome> {
        let engine = self.engine;
        std::thread::scope(|scope| -> anyhow::Result<()> {
            // Bounded: a task flooding its log waits for the log and the
            // front end instead of filling memory.
            let (tx, rx) = mpsc::sync_channel::<WorkerMessage>(WORKER_MESSAGES);
            loop {
                for Started {
                    index,
                    previous,
                    recheck,
                } in self.start_ready(reporter)?
                {
                    let task = &self.tasks()[index];
                    let tx = tx.clone();
                    std::thread::Builder::new()
                        .name(format!("task {}", task.id))
                        .spawn_scoped(scope, move || {
                            let started = Instant::now();
                            let result =
                                engine.run_with_retries(task, previous.as_ref(), recheck, &tx);
                            // The receiver waits for every worker's Finished.
                            let _ = tx.send(WorkerMessage::Finished {
                                index,
                                duration: started.elapsed(),
                                result,
                            });
                        })?;
                }
                if self.running() == 0 {
                    return Ok(());
                }
                // A worker always ends with `Finished`, and this scope holds
                // a sender: the channel cannot close while one runs.
                match rx.recv().expect("a running task reports") {
                    WorkerMessage::Event(event) => reporter.emit(event),
                    WorkerMessage::Finished {
                        index,
                        duration,
                        result,
                    } => self.finished(reporter, index, duration, result)?,
                }
            }
        })?;
        self.outcome(reporter)
    }

    /// Starts (or skips) every task whose upstream is complete, in plan
    /// order, up to `jobs` at once. Plan order is a topological order, so
    /// one pass also sees tasks freed by a skip earlier in the same pass.
    fn start_ready(&mut self, reporter: &mut Reporter<'_>) -> anyhow::Result<Vec<Started>> {
        let jobs = self.engine.jobs.max(1);
        let mut running = self.running();
        let mut started = Vec::new();
        for index in 0..self.slots.len() {
            if self.stopping() || running >= jobs {
                break;
            }
            let ready = self.upstream[index]
                .iter()
                .all(|&u| matches!(self.slots[u], Slot::Complete { .. }));
            if self.slots[index] != Slot::Waiting || !ready {
                continue;
            }
            if let Some(task) = self.begin(reporter, index)? {
                started.push(task);
                running += 1;
            }
        }
        Ok(started)
    }

    /// Skips a ready task, or records and announces its start.
    fn begin(
        &mut self,
        reporter: &mut Reporter<'_>,
        index: usize,
    ) -> anyhow::Result<Option<Started>> {
        let task = &self.tasks()[index];
        let decision = self.engine.decide(
            &self.journal,
            index,
            &self.fingerprints[index],
            &self.slots,
            &self.upstream[index],
            &mut self.probes[index],
            self.repairing[index].take(),
        );
        let (note, recheck) = match decision {
            Decision::Skip(reason) => {
                self.skip(reporter, index, reason);
                return Ok(None);
            }
            Decision::Run { note, recheck } => (note, recheck),
        };
        let previous = self.record_start(index)?;
        reporter.emit(Event::TaskStarted {
            id: task.id,
            title: task.title.english(),
            index: index + 1,
            total: self.slots.len(),
        });
        if let Some(note) = note {
            reporter.emit(Event::Narration {
                id: task.id,
                sentence: note,
            });
        }
        self.slots[index] = Slot::Running;
        Ok(Some(Started {
            index,
            previous,
            recheck,
        }))
    }

    /// Completes a task skipped for `reason` with what it recorded before.
    fn skip(&mut self, reporter: &mut Reporter<'_>, index: usize, reason: Message) {
        let task = &self.tasks()[index];
        if let Some(outputs) = &self.journal.tasks[&task.id].outputs {
            self.outputs.insert(task.id, outputs.clone());
        }
        reporter.emit(Event::TaskSkipped {
            id: task.id,
            title: task.title.english(),
            reason,
        });
        self.slots[index] = Slot::Complete { changed: false };
    }

    /// Records in the journal (saved) that a task is running; returns what
    /// it recorded last time.
    fn record_start(&mut self, index: usize) -> anyhow::Result<Option<runner::TaskOutputs>> {
        let task = &self.tasks()[index];
        let earlier = self.journal.tasks.get(&task.id);
        let previous = earlier.and_then(|r| r.outputs.clone());
        let attempts = earlier.map_or(0, |r| r.attempts) + 1;
        self.journal.tasks.insert(
            task.id,
            TaskRecord {
                status: TaskStatus::Running,
                fingerprint: self.fingerprints[index].clone(),
                started_at: timestamp(),
                finished_at: None,
                duration_ms: None,
                attempts,
                outputs: previous.clone(),
                error: None,
                unverified: false,
            },
        );
        self.journal.save(&self.engine.state_dir)?;
        Ok(previous)
    }

    /// A worker's result: the checkpoint, then what follows from it.
    fn finished(
        &mut self,
        reporter: &mut Reporter<'_>,
        index: usize,
        duration: Duration,
        result: Result<runner::TaskOutputs, TaskError>,
    ) -> anyhow::Result<()> {
        let task = &self.tasks()[index];
        let record = self
            .journal
            .tasks
            .get_mut(&task.id)
            .expect("inserted at start");
        record.finished_at = Some(timestamp());
        record.duration_ms = Some(duration.as_millis() as u64);
        match result {
            Ok(outputs) => {
                self.slots[index] = Slot::Complete {
                    changed: outputs.changed_something(),
                };
                record.status = TaskStatus::Done;
                record.outputs = Some(outputs.clone());
                self.journal.save(&self.engine.state_dir)?;
                self.outputs.insert(task.id, outputs.clone());
                reporter.emit(Event::TaskFinished {
                    id: task.id,
                    duration,
                    outputs,
                });
                pause::point(&format!("after:{}", task.id));
            }
            Err(e) => {
                let error = e.redacted(&self.engine.redactor);
                record.status = TaskStatus::Failed;
                record.error = Some(error.english());
                self.journal.save(&self.engine.state_dir)?;
                self.failed(reporter, index, duration, error, &e);
            }
        }
        Ok(())
    }

    /// A failure whose cause is a finished task's work has that task
    /// repaired, then this one retried; any other is the run's failure.
    fn failed(
        &mut self,
        reporter: &mut Reporter<'_>,
        index: usize,
        duration: Duration,
        error: Message,
        e: &TaskError,
    ) {
        let tasks = self.tasks();
        let task = &tasks[index];
        let cancelled = self.engine.cancel.load(Ordering::SeqCst);
        let owner = e.cause.filter(|_| !cancelled).and_then(|cause| {
            owner_to_repair(tasks, &self.slots, &self.repaired, cause).map(|o| (cause, o))
        });
        let Some((cause, owner)) = owner else {
            self.slots[index] = Slot::Failed;
            reporter.emit(Event::TaskFailed {
                id: task.id,
                duration,
                error: error.clone(),
            });
            if self.first_failure.is_none() {
                self.first_failure = Some((task.id, error, e.kind));
            }
            return;
        };
        // Repair the owner, then retry this task after it.
        self.repaired[owner] = true;
        self.repairing[owner] = Some(
            Message::new("recheck.repair")
                .arg("id", task.id)
                .msg("cause", cause.describe()),
        );
        self.slots[owner] = Slot::Waiting;
        self.slots[index] = Slot::Waiting;
        if !self.upstream[index].contains(&owner) {
            self.upstream[index].push(owner);
        }
        reporter.emit(Event::Narration {
            id: task.id,
            sentence: Message::new("recheck.failed").msg("error", error),
        });
        reporter.emit(Event::Narration {
            id: task.id,
            sentence: Message::new("recheck.repairing")
                .msg("cause", cause.describe())
                .arg("owner", tasks[owner].id)
                .arg("id", task.id),
        });
    }

    /// How the run ended, said last.
    fn outcome(self, reporter: &mut Reporter<'_>) -> anyhow::Result<RunOutcome> {
        let cancelled = self.engine.cancel.load(Ordering::SeqCst);
        let ok = self.first_failure.is_none()
            && !cancelled
            && self
                .slots
                .iter()
                .all(|s| matches!(s, Slot::Complete { .. }));
        reporter.emit(Event::RunFinished {
            ok,
            duration: self.started.elapsed(),
        });
        if cancelled {
            return Ok(RunOutcome::Cancelled);
        }
        if let Some((task, error, kind)) = self.first_failure {
            return Ok(RunOutcome::Failed { task, error, kind });
        }
        if !ok {
            anyhow::bail!("the plan's `after` lists form a cycle: some tasks never became ready");
        }
        Ok(RunOutcome::Verified {
            outputs: self.outputs,
        })
    }
}
