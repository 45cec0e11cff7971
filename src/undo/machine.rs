//! The undo of this machine, as both faces run it (`headless::undo` and
//! the wizard's Undo screen): the journal read from the state directory
//! and its steps for these settings, the confirmation rule, and the run
//! with the real clients, every line to the caller and to a log file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::{Item, Options, Outcome, Step};
use crate::answers::Settings;
use crate::engine::lock::RunLock;
use crate::engine::{Journal, RetryPolicy};
use crate::host::target::Profile;
use crate::i18n::Message;
use crate::plan::{TaskId, build_plan};
use crate::util::secret::Redactor;

/// The journal of the state directory and what undo would do with it.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub journal: Journal,
    pub steps: Vec<Step>,
}

/// Reads the journal of `state_dir` and works out the steps for the plan
/// of `settings` (none without a journal).
pub fn prepare(
    settings: &Settings,
    profile: &Profile,
    state_dir: &Path,
    options: &Options,
) -> anyhow::Result<Prepared> {
    let Some(mut journal) = Journal::load(state_dir)? else {
        return Ok(Prepared {
            journal: Journal::new(&profile.summary()),
            steps: Vec::new(),
        });
    };
    let plan = build_plan(settings, profile);
    let fingerprints = plan.fingerprints(&Journal::key(state_dir)?);
    let steps = super::steps(&plan, &mut journal, &fingerprints, options);
    Ok(Prepared { journal, steps })
}

impl Prepared {
    /// Running it would change nothing (no step acts).
    pub fn nothing_to_do(&self) -> bool {
        self.steps.iter().all(Step::inert)
    }

    /// It drops the database: what it holds is gone for good, and Glance's
    /// schema has no downgrade to go back to.
    pub fn drops_database(&self) -> bool {
        self.steps
            .iter()
            .flat_map(|step| &step.items)
            .any(|item| matches!(item, Item::DropDatabase { .. }))
    }

    /// The preview (`undo --dry-run`'s list), every line masked.
    pub fn preview(&self, redactor: &Redactor) -> Vec<Message> {
        let mut lines = super::preview(&self.steps, redactor);
        for line in &mut lines {
            line.map_texts(&|t| redactor.redact(t));
        }
        lines
    }

    /// Tasks the journal still records (packages kept, or a failed undo).
    pub fn still_recorded(journal: &Journal) -> Vec<TaskId> {
        journal.tasks.keys().copied().collect()
    }
}

/// Whether `typed` confirms an undo on `controller`: its host name, exactly
/// (surrounding blanks and the line end aside), as destructive tools ask.
pub fn confirms(controller: &str, typed: &str) -> bool {
    typed.trim() == controller
}

/// A new log file's path for an undo starting now.
pub fn log_path(state_dir: &Path) -> PathBuf {
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    state_dir
        .join("logs")
        .join(format!("undo-{}.log", stamp.replace(':', "")))
}

/// Runs `steps` with the real clients (`journal` is checkpointed in
/// `state_dir` after each); every line goes to `say` (for the front end
/// to put into words) and in English to `log_path` (0600), already
/// masked. `cancel` stops the child running (the wizard quitting): that
/// step then fails, and the next undo resumes there.
pub fn run_logged(
    settings: &Settings,
    state_dir: &Path,
    log_path: &Path,
    prepared: &mut Prepared,
    lock: Option<&RunLock>,
    cancel: &AtomicBool,
    say: &mut dyn FnMut(&Message),
) -> Outcome {
    use crate::engine::runner::{
        Reach, Said, TaskContext, identity, packages, service, sql, verify,
    };
    let mut log = crate::util::fs::open_private(log_path, crate::util::fs::Access::Append).ok();
    // One sink for undo's lines and the runners' (`SQL> …`, a child's
    // output: as they are), in the order said.
    let sink = std::cell::RefCell::new(|line: &Message| {
        say(line);
        if let Some(file) = log.as_mut() {
            let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
            // The screen or stdout has the line: a full disk loses the
            // log's copy only.
            let _ = writeln!(file, "{stamp} {}", line.english());
        }
    });
    let mut runner_line = |said: Said<'_>| match said {
        Said::Trace(lines) => (sink.borrow_mut())(&Message::verbatim(lines)),
        Said::Sentence(sentence) => (sink.borrow_mut())(&sentence),
    };
    let reach = Reach::of(settings);
    let redactor = settings.redactor();
    let mut ctx = TaskContext {
        reach: &reach,
        state_dir,
        redactor: &redactor,
        cancel,
        previous_outputs: None,
        lock,
        recheck: false,
        log: &mut runner_line,
    };
    let keystone = identity::RealKeystone::new(&reach.admin);
    let clients = super::Clients {
        keystone: &keystone,
        database: &sql::MySql,
        packages: &packages::System,
        services: &service::System,
        glance: &verify::GlanceHttp,
    };
    super::run(
        &prepared.steps,
        &mut prepared.journal,
        state_dir,
        &mut ctx,
        &clients,
        &RetryPolicy::default(),
        &mut |line| (sink.borrow_mut())(&line),
    )
}
