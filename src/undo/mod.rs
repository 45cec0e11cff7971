//! `glance-wizard undo`: takes back, in reverse plan order, only what the
//! journal records that this wizard *created* (the test image, the services
//! it started, config files, packages with `--purge-packages`, the
//! persisted proxy, endpoints, service, role assignment, user, database
//! accounts and database); what it found stays, one line each.
//!
//! - [`items`]: what each task's record means to undo (pure).
//! - [`execute`]: taking one item back through the runners' clients.
//! - [`machine`]: this machine's journal, the confirmation, the run with
//!   the real clients and its log (what both faces call).
//! - here: which tasks, the preview, and the run, checkpointed: once a
//!   task's items are all taken back its record leaves the journal (saved
//!   atomically), so a killed undo finishes when run again, and an undo
//!   after a finished one finds nothing to do.

pub mod execute;
pub mod items;
pub mod machine;
#[cfg(test)]
pub(crate) mod tests;

use std::path::Path;
use std::time::Duration;

use crate::engine::outputs::TaskOutputs;
use crate::engine::runner::TaskContext;
use crate::engine::{Journal, RetryPolicy, TaskError};
use crate::i18n::Message;
use crate::plan::{Plan, TaskId};

pub use execute::{Clients, FileCheck};
pub use items::Item;

/// What to take back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Remove the packages the wizard installed (absent before).
    pub purge_packages: bool,
    /// Only these tasks (all recorded ones when empty).
    pub only: Vec<TaskId>,
    /// Only what earlier runs created that the answers replaced and that
    /// holds data (a database, a test image): what apply keeps until the
    /// admin confirms this ([`crate::engine::outputs::Replaced`]).
    pub replaced: bool,
}

/// What of a task's record a step takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything it records: the record then leaves the journal.
    Record,
    /// Only the objects it records as replaced: the record stays, without
    /// them.
    Replaced,
}

/// One task's undo.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: TaskId,
    pub scope: Scope,
    pub items: Vec<Item>,
    /// Why it cannot be taken back as recorded (then undo stops there).
    pub refusal: Option<Message>,
}

impl Step {
    /// Its record stays in the journal after it ran: what it keeps was
    /// created by glance-wizard and may be taken back later (packages
    /// without `--purge-packages`).
    pub fn keeps_record(&self) -> bool {
        self.items
            .iter()
            .any(|item| matches!(item, Item::KeepPackages { .. }))
    }

    /// Running it would change nothing, not even the journal.
    pub fn inert(&self) -> bool {
        self.refusal.is_none() && self.keeps_record() && !self.items.iter().any(Item::acts)
    }
}

/// How an undo ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every step taken back (how many).
    Done { steps: usize },
    Failed {
        task: TaskId,
        /// Redacted; in words the front end translates.
        error: Message,
    },
}

/// The steps for `journal`, in reverse plan order: the tasks it records
/// (those of `options.only` when given; a journal of an older format is
/// carried over first, as apply does). `fingerprints` are the plan's,
/// in plan order: a task recorded with another fingerprint ran with other
/// answers, whose objects these specs may not name: it is refused.
pub fn steps(
    plan: &Plan,
    journal: &mut Journal,
    fingerprints: &[String],
    options: &Options,
) -> Vec<Step> {
    journal.carry_over(plan, fingerprints);
    let database_created = matches!(
        journal.tasks.get(&TaskId::SqlDatabase).and_then(|r| r.outputs.as_ref()),
        Some(TaskOutputs::Sql(sql)) if sql.database.created()
    );
    let context = items::Context {
        purge_packages: options.purge_packages,
        database_created,
    };
    plan.tasks
        .iter()
        .zip(fingerprints)
        .rev()
        .filter(|(task, _)| options.only.is_empty() || options.only.contains(&task.id))
        .filter_map(|(task, fingerprint)| {
            let record = journal.tasks.get(&task.id)?;
            if options.replaced {
                return replaced_step(task, record.outputs.as_ref()?);
            }
            let refusal = (record.fingerprint != *fingerprint)
                .then(|| Message::new("undo_line.other_answers").arg("task", task.id));
            let items = match &record.outputs {
                Some(outputs) => items::items(&task.kind, outputs, context),
                None => vec![Item::Note(Message::new("undo_item.never_finished"))],
            };
            Some(Step {
                id: task.id,
                scope: Scope::Record,
                items,
                refusal,
            })
        })
        .collect()
}

/// The step taking back what `outputs` records as replaced, if anything.
/// Those objects are named by the record itself, so the answers it ran
/// with do not matter.
fn replaced_step(task: &crate::plan::Task, outputs: &TaskOutputs) -> Option<Step> {
    let items = items::replaced_items(&task.kind, outputs);
    (!items.is_empty()).then_some(Step {
        id: task.id,
        scope: Scope::Replaced,
        items,
        refusal: None,
    })
}

/// The preview: per step, what is taken back and what stays. Restoring a
/// file is checked now (read only): a file edited by hand since shows
/// the refusal and its masked diff. One message a line.
pub fn preview(steps: &[Step], redactor: &crate::util::secret::Redactor) -> Vec<Message> {
    let mut lines = Vec::new();
    for step in steps {
        lines.push(Message::new("undo_line.task").arg("task", step.id));
        if let Some(refusal) = &step.refusal {
            lines.push(Message::new("undo_line.refused").msg("why", refusal.clone()));
        }
        for item in &step.items {
            let key = if item.acts() {
                "undo_line.take_back"
            } else {
                "undo_line.item"
            };
            lines.push(Message::new(key).msg("item", item.describe()));
            if let Item::RestoreFile(restore) = item {
                lines.extend(file_preview(restore, redactor));
            }
        }
    }
    lines
}

fn file_preview(
    restore: &items::FileRestore,
    redactor: &crate::util::secret::Redactor,
) -> Vec<Message> {
    let path = &restore.path;
    let lines = match execute::check_file(restore, redactor) {
        Ok(FileCheck::Restore { .. }) => return Vec::new(),
        Ok(FileCheck::AlreadyRestored) => {
            let said = Message::new("undo_said.already_restored").arg("path", path);
            return vec![Message::new("undo_line.file").msg("line", said)];
        }
        Ok(FileCheck::Refused(lines)) => lines,
        Err(e) => vec![e.message],
    };
    // The refusal's first line, then its masked diff and what to do.
    let mut lines = lines.into_iter();
    let first = lines.next().unwrap_or_else(|| Message::verbatim(""));
    std::iter::once(Message::new("undo_line.file_refused").msg("why", first))
        .chain(lines.map(|l| Message::new("undo_line.file").msg("line", l)))
        .collect()
}

/// Where the run is, for the pause points of the kill tests
/// ([`crate::engine::pause`]): `undo-during:<task>` after a task's first
/// item when it has more, `undo-after:<task>` once its checkpoint is saved.
fn pause(kind: &str, id: TaskId) {
    crate::engine::pause::point(&format!("undo-{kind}:{id}"));
}

/// Runs the steps in order, each item through `clients`; a retryable
/// failure is tried again within `retry`. After each step its record
/// leaves `journal`, saved at once in `state_dir`. Stops at the first
/// failure (or refusal). Its own lines go to `tell` as messages (the
/// front end puts them into words); the runners' to `ctx`.
pub fn run(
    steps: &[Step],
    journal: &mut Journal,
    state_dir: &Path,
    ctx: &mut TaskContext<'_>,
    clients: &Clients<'_>,
    retry: &RetryPolicy,
    tell: &mut dyn FnMut(Message),
) -> Outcome {
    // Masked as `ctx.trace` masks: a server's words may quote a secret.
    let redactor = ctx.redactor;
    let tell = &mut |mut line: Message| {
        line.map_texts(&|t| redactor.redact(t));
        tell(line)
    };
    for step in steps {
        tell(Message::new("undo_line.start").arg("task", step.id));
        if let Err(error) = run_step(step, ctx, clients, retry, tell) {
            let error = error.redacted(ctx.redactor);
            return Outcome::Failed {
                task: step.id,
                error,
            };
        }
        match step.scope {
            Scope::Record if !step.keeps_record() => {
                journal.tasks.remove(&step.id);
            }
            Scope::Record => {}
            Scope::Replaced => {
                if let Some(outputs) = journal
                    .tasks
                    .get_mut(&step.id)
                    .and_then(|r| r.outputs.as_mut())
                {
                    outputs.forget_replaced();
                }
            }
        }
        if let Err(e) = journal.save(state_dir) {
            return Outcome::Failed {
                task: step.id,
                error: Message::new("undo_error.journal_unsaved").arg("error", format!("{e:#}")),
            };
        }
        for said in step.items.iter().filter_map(execute::after_checkpoint) {
            tell(Message::new("undo_line.item").msg("item", said));
        }
        tell(Message::new("undo_line.done").arg("task", step.id));
        pause("after", step.id);
    }
    Outcome::Done { steps: steps.len() }
}

fn run_step(
    step: &Step,
    ctx: &mut TaskContext<'_>,
    clients: &Clients<'_>,
    retry: &RetryPolicy,
    tell: &mut dyn FnMut(Message),
) -> Result<(), TaskError> {
    if let Some(refusal) = &step.refusal {
        return Err(TaskError::new(
            crate::engine::ErrorClass::NeedsUser,
            refusal.clone(),
        ));
    }
    for (i, item) in step.items.iter().enumerate() {
        let said = with_retries(retry, ctx, tell, |ctx| execute::execute(item, ctx, clients))?;
        tell(Message::new("undo_line.item").msg("item", said));
        if i == 0 && step.items.len() > 1 {
            pause("during", step.id);
        }
    }
    Ok(())
}

/// `f`, tried again after a retryable failure within `retry.attempts`.
fn with_retries<T>(
    retry: &RetryPolicy,
    ctx: &mut TaskContext<'_>,
    tell: &mut dyn FnMut(Message),
    mut f: impl FnMut(&mut TaskContext<'_>) -> Result<T, TaskError>,
) -> Result<T, TaskError> {
    let mut attempt = 1;
    loop {
        match f(ctx) {
            Err(e) if e.retryable() && attempt < retry.attempts => {
                let wait: Duration = retry.wait_after(attempt);
                tell(
                    Message::new("undo_line.retry")
                        .arg("attempt", attempt)
                        .arg("error", &e.message)
                        .arg("seconds", wait.as_secs()),
                );
                std::thread::sleep(wait);
                attempt += 1;
            }
            other => return other,
        }
    }
}
