//! Whether a task the journal records as done runs again: its probe, its
//! drift, and what changed upstream in this run.

use super::scheduler::Slot;
use super::{Engine, Journal, TaskRecord, runner};
use crate::i18n::Message;
use crate::plan::Task;

impl Engine<'_> {
    /// Whether a task runs in this pass, and why. Done with the same
    /// inputs is skipped only when what it left holds: its config file is
    /// as it left it, no task it follows changed something in this run,
    /// and its probe in this run found its work in place.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn decide(
        &self,
        journal: &Journal,
        index: usize,
        fingerprint: &str,
        slots: &[Slot],
        upstream: &[usize],
        probe: &mut Option<Result<Message, Message>>,
        repairing: Option<Message>,
    ) -> Decision {
        let task = &self.plan.tasks[index];
        // A repair runs in full: a recheck of the restart would find
        // glance-api answering and leave it on its stale configuration.
        // Every runner probes before it changes anything, so a full run
        // redoes nothing that is in place.
        if let Some(note) = repairing {
            return Decision::Run {
                note: Some(note),
                recheck: false,
            };
        }
        let Some(record) = journal
            .tasks
            .get(&task.id)
            .filter(|_| journal.is_done_with(task.id, fingerprint))
        else {
            return Decision::Run {
                note: None,
                recheck: false,
            };
        };
        let changed_upstream = || {
            upstream
                .iter()
                .find(|&&u| slots[u] == (Slot::Complete { changed: true }))
                .map(|&u| Message::new("recheck.changed_upstream").arg("id", self.plan.tasks[u].id))
        };
        if let Some(note) = runner::drift(task, record.outputs.as_ref()).or_else(changed_upstream) {
            return Decision::Run {
                note: Some(note),
                recheck: false,
            };
        }
        // After the checks above: a task following a change runs in full
        // even when its record is unverified.
        if record.unverified {
            return Decision::Run {
                note: Some(Message::new("recheck.unverified")),
                recheck: true,
            };
        }
        self.decide_on_probe(record, probe)
    }

    /// A done task, unchanged: skipped when its probe in this run found its
    /// work in place, else rechecked, saying why.
    fn decide_on_probe(
        &self,
        record: &TaskRecord,
        probe: &mut Option<Result<Message, Message>>,
    ) -> Decision {
        // Only what was checked in this run counts (taken: a task run
        // again later in this run is not skipped on this probe).
        match probe.take() {
            _ if self.verify => Decision::Run {
                note: Some(Message::new("recheck.verify")),
                recheck: true,
            },
            Some(Ok(found)) => Decision::Skip(skip_reason(record.finished_at.as_deref(), found)),
            Some(Err(broken)) => Decision::Run {
                note: Some(Message::new("recheck.broken").msg("why", broken)),
                recheck: true,
            },
            None => Decision::Run {
                note: Some(Message::new("recheck.not_probed")),
                recheck: true,
            },
        }
    }

    /// Probes every task the journal records as done with the same inputs,
    /// all at once (each probe only reads: a REST listing, a login, one SQL
    /// query), before anything runs. `None` for the other tasks, and for
    /// all with `--verify` (each finished task then rechecks in full).
    pub(super) fn probe_finished(
        &self,
        journal: &Journal,
        fingerprints: &[String],
    ) -> Vec<Option<Result<Message, Message>>> {
        let tasks = &self.plan.tasks;
        if self.verify {
            return vec![None; tasks.len()];
        }
        std::thread::scope(|scope| {
            let probes: Vec<_> = tasks
                .iter()
                .zip(fingerprints)
                .map(|(task, fingerprint)| {
                    let record = journal
                        .tasks
                        .get(&task.id)
                        .filter(|_| journal.is_done_with(task.id, fingerprint))?;
                    Some(scope.spawn(move || self.probe_one(task, record.outputs.as_ref())))
                })
                .collect();
            probes
                .into_iter()
                .map(|probe| {
                    probe.map(|p| {
                        p.join()
                            .unwrap_or_else(|_| Err(Message::new("recheck.panicked")))
                    })
                })
                .collect()
        })
    }

    /// One task's probe; what it says is redacted, what it narrates is not
    /// shown (a run with nothing to do stays quiet).
    fn probe_one(
        &self,
        task: &Task,
        outputs: Option<&runner::TaskOutputs>,
    ) -> Result<Message, Message> {
        let mut quiet = |_: runner::Said<'_>| {};
        let mut ctx = runner::TaskContext {
            reach: &self.reach,
            state_dir: &self.state_dir,
            redactor: &self.redactor,
            cancel: &self.cancel,
            previous_outputs: outputs,
            lock: self.lock,
            recheck: false,
            log: &mut quiet,
        };
        match (self.task_probe)(task, &mut ctx) {
            Ok(mut found) => {
                found.map_texts(&|text| self.redactor.redact(text));
                Ok(found)
            }
            Err(mut broken) => {
                broken.map_texts(&|text| self.redactor.redact(text));
                Err(broken)
            }
        }
    }
}

/// Why a task is skipped: done at `finished_at` with the same inputs, and
/// what its probe `found` in this run.
pub(crate) fn skip_reason(finished_at: Option<&str>, found: Message) -> Message {
    Message::new("run_skip.done")
        .arg("time", finished_at.unwrap_or("?"))
        .msg("found", found)
}

/// What the engine does with a task whose upstream is complete.
pub(crate) enum Decision {
    /// Skipped: the reason, naming the check made in this run.
    Skip(Message),
    /// Run, with a note saying why when it is done already, as a recheck
    /// when it is (see [`runner::TaskContext::recheck`]).
    Run {
        note: Option<Message>,
        recheck: bool,
    },
}
