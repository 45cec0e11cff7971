//! The command-line face of the engine: `answers`, `check`, `plan`, `apply`,
//! `export`, `status`, `reset`. Events become progress lines; nothing here
//! decides what to run.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::answers::{Answers, AnswersError, SecretName, Secrets, Settings};
use crate::checks::precheck::{self, Status};
use crate::cli::Format;
use crate::engine::{
    self, Engine, ErrorKind, Event, EventSink, Journal, RunOutcome, TaskStatus, lock::RunLock,
};
use crate::host::target::{self, Profile};
use crate::i18n::{Lang, Message, Texts};
use crate::ops::wizard::checked_settings;
pub use crate::ops::wizard::{
    admin_credentials, exit, needed_secrets, settings_from, settings_plan_text,
};
use crate::plan::{Plan, TaskId, build_plan};
use crate::util::secret::Secret;

/// `writeln!` for the report on the command line: see [`report`].
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        report($out, format_args!($($arg)*))
    };
}

/// Writes one line of the report (stdout, or a test's buffer). A report
/// that cannot be written (stdout closed: `| head`, a terminal gone) must
/// not stop or change a run that is changing the system: the run's log file
/// keeps the whole story, so the line is dropped, here and nowhere else.
fn report(out: &mut dyn Write, line: std::fmt::Arguments<'_>) {
    // Ignored on purpose: see above.
    let _ = out.write_fmt(line).and_then(|()| out.write_all(b"\n"));
}

mod report;
pub use report::{CheckEntry, CheckOutcome, CheckReport, check, plan, target_failed};

/// How to read the answers: shared by every subcommand that needs them.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub answers: PathBuf,
    pub secrets: Option<PathBuf>,
    pub distro: Option<String>,
    pub release: Option<String>,
    pub generate_passwords: bool,
    /// Ask for missing secrets on the terminal.
    pub prompt: bool,
}

/// Why loading failed, mapped to an exit code by the caller.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Answers(#[from] AnswersError),
    #[error("target: {0}")]
    Target(#[from] target::TargetError),
}

impl LoadError {
    /// In a language.
    pub fn render(&self, t: &Texts) -> String {
        match self {
            LoadError::Answers(e) => e.render(t),
            LoadError::Target(e) => {
                t.msg(&Message::new("target_error.prefix").msg("error", e.msg()))
            }
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            LoadError::Answers(_) => exit::INVALID_ANSWERS,
            LoadError::Target(_) => exit::PRECHECK_FAILED,
        }
    }
}

pub struct Loaded {
    pub answers: Answers,
    pub settings: Settings,
    pub profile: Profile,
    /// Notes for the user (generated passwords and where they went).
    pub notes: Vec<Message>,
}

fn prompt_secret(name: SecretName) -> Option<Secret> {
    let t = Texts::of(Lang::from_env());
    let first = rpassword::prompt_password(t.msg(&name.prompt())).ok()?;
    if name.is_generatable() {
        let again = rpassword::prompt_password(t.t("prompt.again")).ok()?;
        if again != first {
            eprintln!("{}", t.t("prompt.differ"));
            return None;
        }
    }
    Some(Secret::new(first))
}

/// Reads answers, secrets and admin credentials, detects the target and
/// validates everything.
pub fn load(options: &LoadOptions) -> Result<Loaded, LoadError> {
    let (answers, profile) = answers_and_target(options)?;
    let checked = answers.checked()?;
    let (secrets, notes) = load_secrets(options, &answers)?;
    let settings = checked_settings(checked, &secrets, &profile)?;
    Ok(Loaded {
        answers,
        settings,
        profile,
        notes,
    })
}

/// `glance-wizard plan`: the plan, and notes for the user. Missing
/// passwords show as `<not set>` ([`crate::ops::wizard::plan_preview`]);
/// everything else is checked as [`load`] checks it.
pub fn plan_preview(
    options: &LoadOptions,
    state_dir: &Path,
) -> Result<(crate::plan::PlanReport, Vec<Message>), LoadError> {
    let (answers, profile) = answers_and_target(options)?;
    let checked = answers.checked()?;
    let (secrets, notes) = load_secrets(options, &answers)?;
    let report = crate::ops::wizard::plan_preview(checked, &secrets, &profile, state_dir)?;
    Ok((report, notes))
}

/// The answers file, and the target detected (or named by the options or
/// the answers).
fn answers_and_target(options: &LoadOptions) -> Result<(Answers, Profile), LoadError> {
    let answers = Answers::load(&options.answers)?;
    let distro = options
        .distro
        .clone()
        .unwrap_or_else(|| answers.target.distro.clone());
    let release = options
        .release
        .clone()
        .unwrap_or_else(|| answers.target.release.clone());
    let profile = target::detect(&distro, &release)?;
    Ok((answers, profile))
}

/// The secrets file, with the missing passwords generated (and saved) or
/// asked for as the options say; the notes say what was generated.
fn load_secrets(
    options: &LoadOptions,
    answers: &Answers,
) -> Result<(Secrets, Vec<Message>), LoadError> {
    let secrets_path = options
        .secrets
        .clone()
        .unwrap_or_else(|| answers.secrets_path(&options.answers));
    let mut secrets = Secrets::load(&secrets_path)?;
    let mut notes = Vec::new();
    let needed = needed_secrets(answers);
    if options.generate_passwords {
        let filled = secrets.generate_missing(&needed);
        if !filled.is_empty() {
            secrets.save(&secrets_path).map_err(|e| {
                let rule = crate::answers::Rule::Unwritable {
                    path: secrets_path.display().to_string(),
                    error: e.to_string(),
                };
                AnswersError::single("secrets.file", rule)
            })?;
            let names: Vec<&str> = filled.iter().map(|n| n.key()).collect();
            notes.push(
                Message::new("apply_end.generated")
                    .arg("names", names.join(", "))
                    .arg("path", secrets_path.display()),
            );
        }
    }
    if options.prompt && std::io::stdin().is_terminal() {
        for name in &needed {
            if secrets.get(*name).is_none()
                && let Some(value) = prompt_secret(*name)
            {
                secrets.set(*name, value);
            }
        }
    }
    Ok((secrets, notes))
}

/// `glance-wizard export ansible`: the project written into `output`.
pub fn export_ansible(
    loaded: &Loaded,
    inventory: &Path,
    output: &Path,
    out: &mut dyn Write,
) -> i32 {
    use crate::export::{ExportError, Failure, write_project};
    let t = Texts::of(Lang::from_env());
    let written = write_project(
        &loaded.answers,
        &loaded.settings,
        &loaded.profile,
        inventory,
        output,
    );
    match written {
        Ok(done) => {
            say!(out, "{}", t.msg(&done));
            exit::OK
        }
        Err(e) => {
            eprintln!("glance-wizard: {}", e.render(t));
            match e {
                Failure::Export(ExportError::Write { .. }) => exit::ERROR,
                _ => exit::INVALID_ANSWERS,
            }
        }
    }
}

/// Runs the prechecks and prints them in the locale's language; true when
/// none failed.
pub fn print_prechecks(loaded: &Loaded, out: &mut dyn Write) -> bool {
    let checks = precheck::run_all(&loaded.settings, &loaded.profile);
    print_checks(&checks, Texts::of(Lang::from_env()), out);
    checks.iter().all(|c| c.status != Status::Fail)
}

/// One line a check: its status word, its name padded to a column (by
/// terminal cells, for Chinese), what it found.
pub fn print_checks(checks: &[precheck::Check], t: &Texts, out: &mut dyn Write) {
    use unicode_width::UnicodeWidthStr;
    for c in checks {
        let name = t.t(&format!("check.{}", c.id()));
        let pad = " ".repeat(16usize.saturating_sub(name.width()));
        let status = t.t(&format!("status.{}", c.status.id()));
        say!(out, "  [{status}] {name}{pad} {}", t.msg(&c.detail));
    }
}

/// The engine's events as lines, in a language: `apply`'s progress. The
/// task titles come from the plan (the events carry the English ones), so
/// they are in the printer's language too.
pub struct LinePrinter<W: Write> {
    pub out: W,
    total: usize,
    /// Reused for blocks of output.
    buf: Vec<u8>,
    texts: &'static Texts,
    titles: std::collections::HashMap<TaskId, Message>,
}

impl<W: Write> LinePrinter<W> {
    /// In English, with the events' titles.
    pub fn new(out: W) -> Self {
        LinePrinter {
            out,
            total: 0,
            buf: Vec::new(),
            texts: Texts::of(Lang::En),
            titles: std::collections::HashMap::new(),
        }
    }

    /// In `texts`' language, the titles those of `plan`'s tasks.
    pub fn localized(out: W, plan: &Plan, texts: &'static Texts) -> Self {
        LinePrinter {
            titles: plan
                .tasks
                .iter()
                .map(|task| (task.id, task.title.clone()))
                .collect(),
            texts,
            ..LinePrinter::new(out)
        }
    }

    /// A block of lines, each under the task's id.
    fn output(&mut self, id: TaskId, lines: &str) {
        self.buf.clear();
        for line in lines.split('\n') {
            self.buf.extend_from_slice(b"    ");
            self.buf.extend_from_slice(id.as_str().as_bytes());
            self.buf.extend_from_slice(b" | ");
            self.buf.extend_from_slice(line.as_bytes());
            self.buf.push(b'\n');
        }
        // Ignored on purpose, as in `report`: the engine's log file has
        // every event; a closed stdout must not stop the run.
        let _ = self
            .out
            .write_all(&self.buf)
            .and_then(|()| self.out.flush());
    }

    fn title(&self, id: TaskId, english: &str) -> String {
        self.titles
            .get(&id)
            .map_or_else(|| english.to_string(), |title| self.texts.msg(title))
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

impl<W: Write> EventSink for LinePrinter<W> {
    fn emit(&mut self, event: Event) {
        // Each line is one message, filled in one pass: a server's words in
        // a reason never have a placeholder filled in them.
        let line = match &event {
            Event::RunStarted { total, log_path } => {
                self.total = *total;
                Message::new("apply_line.running")
                    .arg("total", total)
                    .arg("path", log_path.display())
            }
            Event::TaskSkipped { id, title, reason } => Message::new("apply_line.skip")
                .arg("id", id)
                .arg("title", self.title(*id, title))
                .msg("reason", reason.clone()),
            Event::TaskStarted {
                id,
                title,
                index,
                total,
            } => Message::new("apply_line.started")
                .arg("index", index)
                .arg("total", total)
                .arg("id", id)
                .arg("title", self.title(*id, title)),
            Event::Output { id, lines } => return self.output(*id, lines),
            Event::Narration { id, sentence } => {
                let text = self.texts.msg(sentence);
                return self.output(*id, &text);
            }
            Event::TaskRetrying {
                id,
                attempt,
                wait,
                reason,
            } => Message::new("apply_line.retry")
                .arg("id", id)
                .arg("attempt", attempt)
                .msg("reason", reason.clone())
                .arg("wait", wait.as_secs()),
            Event::TaskFinished { id, duration, .. } => Message::new("apply_line.done")
                .arg("id", id)
                .arg("time", seconds(*duration)),
            Event::TaskFailed {
                id,
                duration,
                error,
            } => Message::new("apply_line.failed")
                .arg("id", id)
                .arg("time", seconds(*duration))
                .msg("error", error.clone()),
            Event::RunFinished { ok, duration } => Message::new(if *ok {
                "apply_line.finished"
            } else {
                "apply_line.stopped"
            })
            .arg("time", seconds(*duration)),
        };
        // Ignored on purpose, as above.
        let _ = writeln!(self.out, "{}", self.texts.msg(&line)).and_then(|()| self.out.flush());
    }
}

/// `glance-wizard apply`: prechecks, then the engine. Returns the exit code.
/// How `apply` runs the plan.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub skip_prechecks: bool,
    /// Tasks run at once at most.
    pub jobs: usize,
    /// Run done tasks again (they probe and repair).
    pub verify: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            skip_prechecks: false,
            jobs: engine::DEFAULT_JOBS,
            verify: false,
        }
    }
}

pub fn apply(loaded: &Loaded, state_dir: &Path, run: &RunOptions, out: &mut dyn Write) -> i32 {
    // Every line in the locale's language.
    let texts = Texts::of(Lang::from_env());
    let lock = match prepare_apply(loaded, state_dir, run, texts, out) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    let plan: Plan = build_plan(&loaded.settings, &loaded.profile);
    let mut engine = Engine::new(&plan, &loaded.settings, state_dir);
    engine.lock = Some(&lock);
    engine.jobs = run.jobs;
    engine.verify = run.verify;
    let mut printer = LinePrinter::localized(&mut *out, &plan, texts);
    let outcome = engine.run(&mut printer);
    report_outcome(outcome, state_dir, texts, out)
}

/// Everything before the first task: the notes, the state directory, the
/// run lock and the prechecks. The exit code when one of them stops the
/// run.
fn prepare_apply(
    loaded: &Loaded,
    state_dir: &Path,
    run: &RunOptions,
    t: &Texts,
    out: &mut dyn Write,
) -> Result<RunLock, i32> {
    for note in &loaded.notes {
        say!(out, "{}", t.msg(note));
    }
    let target = loaded.profile.summary();
    say!(out, "{}", t.f("cli.target", &[("target", &target)]));
    if let Err(e) = engine::ensure_state_dir(state_dir) {
        let failed = Message::new("apply_end.state_dir")
            .arg("path", state_dir.display())
            .arg("error", e);
        say!(out, "{}", t.msg(&failed));
        return Err(exit::ERROR);
    }
    let lock = take_lock(state_dir, t, out)?;
    if Journal::path(state_dir).exists() {
        // The probes' one Keystone request, made while the prechecks run
        // (see `glance_user_view`); its answer waits for them.
        let login = crate::plan::service_login(&loaded.settings, &loaded.profile);
        std::thread::spawn(move || {
            // Only to warm the shared answer: the probe asks again.
            let _ = engine::runner::identity::glance_user_view(&login);
        });
    }
    if !run.skip_prechecks {
        say!(out, "{}", t.t("cli.prechecks"));
        if !print_prechecks(loaded, out) {
            say!(out, "{}", t.t("cli.precheck_failed"));
            return Err(exit::PRECHECK_FAILED);
        }
    }
    Ok(lock)
}

/// Says how the run ended, in the language of `t`, and returns its exit
/// code.
fn report_outcome(
    outcome: anyhow::Result<RunOutcome>,
    state_dir: &Path,
    t: &Texts,
    out: &mut dyn Write,
) -> i32 {
    let code = match &outcome {
        Ok(outcome) => exit::for_outcome(outcome),
        Err(_) => exit::ERROR,
    };
    match outcome {
        Ok(RunOutcome::Verified { outputs }) => {
            let image = engine::verified_image(&outputs).map_or("?", |i| i.id.as_str());
            let works = Message::new("apply_end.verified").arg("id", image);
            say!(out, "{}", t.msg(&works));
            let journal = Journal::path(state_dir);
            say!(
                out,
                "{}",
                t.f("apply_end.journal", &[("path", &journal.display())])
            );
        }
        Ok(RunOutcome::Failed { task, error, kind }) => report_failure(&task, &error, kind, t, out),
        Ok(RunOutcome::Cancelled) => {}
        Err(e) => {
            say!(out, "glance-wizard: {e:#}");
        }
    }
    code
}

/// The failed task, its error and what to do about it, in the language
/// of `t` (the locale's).
fn report_failure(task: &TaskId, error: &Message, kind: ErrorKind, t: &Texts, out: &mut dyn Write) {
    let failed = Message::new("failure.task_failed")
        .arg("task", task)
        .msg("error", error.clone());
    say!(out, "{}", t.msg(&failed));
    if kind.needs_proxy_settings() {
        say!(out, "{}", t.t("failure.network_hint"));
    }
    say!(out, "{}", t.f("failure.resume_hint", &[("task", task)]));
    // Finished tasks were probed cheaply and a failure with a known
    // cause repaired its task once; a full recheck looks further.
    say!(out, "{}", t.t("failure.verify_hint"));
}

/// What `status` reports: the journal's tasks in plan order. Serialised,
/// it is `status --format json`, whose field names are stable
/// (docs/json.md).
#[derive(Debug, serde::Serialize)]
pub struct StatusReport {
    /// The journal file; `null` when nothing has run yet.
    pub journal: Option<PathBuf>,
    /// The target the tasks ran for (`null` with no journal).
    pub target: Option<String>,
    pub tasks: Vec<TaskState>,
}

/// One task of [`StatusReport`].
#[derive(Debug, serde::Serialize)]
pub struct TaskState {
    pub id: TaskId,
    /// `done`, `failed` or `interrupted` (started by a run that was killed).
    pub status: &'static str,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub duration_ms: Option<u64>,
    pub attempts: u32,
    /// Carried over from an older journal: checked again on the next run.
    pub unverified: bool,
    /// What the task created or found, one object a line (as `status`
    /// prints them; English in JSON).
    pub objects: Vec<Message>,
    pub error: Option<String>,
}

impl StatusReport {
    pub fn load(state_dir: &Path) -> anyhow::Result<StatusReport> {
        let Some(journal) = Journal::load(state_dir)? else {
            return Ok(StatusReport {
                journal: None,
                target: None,
                tasks: Vec::new(),
            });
        };
        // In plan order (`TaskId::ALL` is the order `build_plan` puts its
        // tasks in: tests/releases.rs checks it for every release),
        // whatever order reruns left in the journal.
        let tasks = TaskId::ALL
            .into_iter()
            .filter_map(|id| journal.tasks.get(&id).map(|r| TaskState::of(id, r)))
            .collect();
        Ok(StatusReport {
            journal: Some(Journal::path(state_dir)),
            target: Some(journal.target),
            tasks,
        })
    }
}

impl TaskState {
    fn of(id: TaskId, r: &engine::TaskRecord) -> TaskState {
        TaskState {
            id,
            status: match r.status {
                TaskStatus::Done => "done",
                TaskStatus::Failed => "failed",
                TaskStatus::Running => "interrupted",
            },
            started_at: r.started_at.clone(),
            finished_at: r.finished_at.clone(),
            duration_ms: r.duration_ms,
            attempts: r.attempts,
            unverified: r.unverified,
            objects: r.outputs.iter().flat_map(|o| o.summary()).collect(),
            error: r.error.clone(),
        }
    }
}

/// `glance-wizard status`: text in the locale's language, JSON in English.
pub fn status(state_dir: &Path, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    let report = StatusReport::load(state_dir)?;
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        Format::Text => status_text(&report, state_dir, Texts::of(Lang::from_env()), out)?,
    }
    Ok(())
}

fn status_text(
    report: &StatusReport,
    state_dir: &Path,
    t: &Texts,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let (Some(journal), Some(target)) = (&report.journal, &report.target) else {
        let dir = state_dir.display();
        writeln!(out, "{}", t.f("status_cli.no_journal", &[("dir", &dir)]))?;
        return Ok(());
    };
    let heading = Message::new("status_cli.journal")
        .arg("journal", journal.display())
        .arg("target", target);
    writeln!(out, "{}", t.msg(&heading))?;
    for task in &report.tasks {
        writeln!(out, "{}", t.msg(&status_line(task, t)))?;
        for line in &task.objects {
            writeln!(out, "      {}", t.msg(line))?;
        }
        if let Some(e) = &task.error {
            // The journal keeps the error in English.
            writeln!(out, "{}", t.f("status_cli.error", &[("error", e)]))?;
        }
    }
    Ok(())
}

/// A task's line of `status`: its id and status in columns (by terminal
/// cells, for Chinese), when it finished or started, how long, attempts.
fn status_line(task: &TaskState, t: &Texts) -> Message {
    use unicode_width::UnicodeWidthStr;
    let status = t.t(&format!("status_cli.{}", task.status));
    let pad = " ".repeat(11usize.saturating_sub(status.width()));
    let duration = task.duration_ms.map_or(String::new(), |ms| {
        let seconds = format!("{:.1}", ms as f64 / 1000.0);
        t.f("status_cli.duration", &[("seconds", &seconds)])
    });
    Message::new("status_cli.task")
        .arg("id", format!("{:<22}", task.id.as_str()))
        .arg("status", format!("{status}{pad}"))
        .arg(
            "time",
            task.finished_at.as_deref().unwrap_or(&task.started_at),
        )
        .arg("duration", duration)
        .arg("attempts", task.attempts)
}

/// `glance-wizard reset [TASK]`, said in the locale's language.
pub fn reset(state_dir: &Path, task: Option<TaskId>, out: &mut dyn Write) -> anyhow::Result<i32> {
    let t = Texts::of(Lang::from_env());
    let _lock = match RunLock::acquire(state_dir, engine::lock::ORPHAN_WAIT) {
        Ok(l) => l,
        Err(e) => {
            writeln!(out, "{}", t.error(&e))?;
            return Ok(exit::LOCKED);
        }
    };
    let loaded = match Journal::load(state_dir) {
        Ok(loaded) => loaded,
        Err(e) if task.is_none() && Journal::path(state_dir).exists() => {
            // A damaged journal cannot be edited, only set aside.
            let aside = Journal::move_aside(state_dir)?;
            writeln!(out, "{}", t.error(&e))?;
            let moved = Message::new("reset_cli.moved").arg("path", aside.display());
            writeln!(out, "{}", t.msg(&moved))?;
            return Ok(exit::OK);
        }
        Err(e) => return Err(e),
    };
    let Some(mut journal) = loaded else {
        writeln!(out, "{}", t.t("reset_cli.no_journal"))?;
        return Ok(exit::OK);
    };
    match task {
        None => {
            journal.tasks.clear();
            writeln!(out, "{}", t.t("reset_cli.forgot_all"))?;
        }
        Some(id) => {
            if journal.tasks.remove(&id).is_none() {
                let known: Vec<&str> = journal.tasks.keys().map(|k| k.as_str()).collect();
                let none = Message::new("reset_cli.no_checkpoint")
                    .arg("task", id)
                    .arg("known", known.join(", "));
                writeln!(out, "{}", t.msg(&none))?;
                return Ok(exit::ERROR);
            }
            writeln!(out, "{}", t.f("reset_cli.forgot", &[("task", &id)]))?;
        }
    }
    journal.save(state_dir)?;
    Ok(exit::OK)
}

/// How `undo` runs.
#[derive(Debug, Clone, Default)]
pub struct UndoOptions {
    /// Print the preview only.
    pub dry_run: bool,
    pub undo: crate::undo::Options,
}

/// How `undo` is confirmed.
pub enum Confirm<'a> {
    /// `--yes`.
    Given,
    /// Ask on the terminal: shows the prompt, returns the line typed.
    Ask(&'a mut dyn FnMut(&str) -> Option<String>),
    /// No terminal to ask on and no `--yes`.
    NoTerminal,
}

/// `glance-wizard undo`: the preview, the confirmation, then the steps.
/// Returns the exit code.
/// Why undo has nothing to do, and the lines of what stays.
fn say_nothing_to_undo(
    prepared: &crate::undo::machine::Prepared,
    state_dir: &Path,
    options: &crate::undo::Options,
    t: &Texts,
    out: &mut dyn Write,
) {
    let key = match (options.replaced, options.only.is_empty()) {
        (false, true) => "undo_cli.nothing_recorded",
        (false, false) => "undo_cli.nothing_recorded_for_tasks",
        (true, true) => "undo_cli.nothing_replaced",
        (true, false) => "undo_cli.nothing_replaced_for_tasks",
    };
    let journal = Journal::path(state_dir);
    say!(out, "{}", t.f(key, &[("journal", &journal.display())]));
    for item in prepared.steps.iter().flat_map(|step| &step.items) {
        let line = crate::i18n::Message::new("undo_line.item").msg("item", item.describe());
        say!(out, "{}", t.msg(&line));
    }
}

pub fn undo(
    loaded: &Loaded,
    state_dir: &Path,
    options: &UndoOptions,
    confirm: Confirm<'_>,
    out: &mut dyn Write,
) -> i32 {
    // In the locale's language; the log file in English.
    let t = Texts::of(Lang::from_env());
    let target = loaded.profile.summary();
    say!(out, "{}", t.f("cli.target", &[("target", &target)]));
    if !Journal::path(state_dir).exists() {
        let dir = state_dir.display();
        say!(out, "{}", t.f("undo_cli.no_journal", &[("dir", &dir)]));
        return exit::OK;
    }
    let lock = match undo_lock(state_dir, options, out) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    let prepared =
        crate::undo::machine::prepare(&loaded.settings, &loaded.profile, state_dir, &options.undo);
    let mut prepared = match prepared {
        Ok(found) => found,
        Err(e) => {
            say!(out, "glance-wizard: {e:#}");
            return exit::ERROR;
        }
    };
    if prepared.nothing_to_do() {
        say_nothing_to_undo(&prepared, state_dir, &options.undo, t, out);
        return exit::OK;
    }
    let heading = if options.undo.replaced {
        "undo_cli.heading_replaced"
    } else {
        "undo_cli.heading"
    };
    say!(out, "{}", t.t(heading));
    for line in prepared.preview(&loaded.settings.redactor()) {
        say!(out, "{}", t.msg(&line));
    }
    if prepared.drops_database() {
        say!(out, "{}", t.t("undo_cli.drops_database"));
    }
    if options.dry_run {
        say!(out, "{}", t.t("undo_cli.dry_run"));
        return exit::OK;
    }
    if let Err(code) = confirmed(loaded, confirm, t, out) {
        return code;
    }
    let log_path = crate::undo::machine::log_path(state_dir);
    say!(
        out,
        "{}",
        t.f("undo_cli.full_log", &[("path", &log_path.display())])
    );
    let outcome = crate::undo::machine::run_logged(
        &loaded.settings,
        state_dir,
        &log_path,
        &mut prepared,
        lock.as_ref(),
        &std::sync::atomic::AtomicBool::new(false),
        &mut |line| say!(out, "{}", t.msg(line)),
    );
    if options.undo.replaced {
        report_replaced_undo(&outcome, t, out);
    } else {
        report_undo(&outcome, &prepared.journal, state_dir, t, out);
    }
    exit::for_undo(&outcome)
}

/// `glance-wizard bundle`'s list of what it wrote, in the locale's
/// language.
pub fn bundle_written(
    manifest: &crate::ops::bundle::Manifest,
    output: &Path,
    t: &Texts,
    out: &mut dyn Write,
) {
    let wrote = Message::new("bundle.wrote")
        .arg("path", output.display())
        .arg("count", manifest.files.len() + 1);
    say!(out, "{}", t.msg(&wrote));
    for f in &manifest.files {
        say!(out, "  {:<40} {}", f.path, t.msg(&f.description));
    }
    for m in &manifest.missing {
        let left_out = Message::new("bundle.left_out").msg("what", m.clone());
        say!(out, "  {}", t.msg(&left_out));
    }
}

/// The run lock, as apply takes it (not for a dry run, which changes
/// nothing).
fn undo_lock(
    state_dir: &Path,
    options: &UndoOptions,
    out: &mut dyn Write,
) -> Result<Option<RunLock>, i32> {
    if options.dry_run {
        return Ok(None);
    }
    if let Err(e) = engine::ensure_state_dir(state_dir) {
        let failed = Message::new("apply_end.state_dir_unusable")
            .arg("path", state_dir.display())
            .arg("error", e);
        say!(out, "{}", Texts::of(Lang::from_env()).msg(&failed));
        return Err(exit::ERROR);
    }
    take_lock(state_dir, Texts::of(Lang::from_env()), out).map(Some)
}

/// The run lock, saying in the language of `t` what it waits for and why
/// it is refused; [`exit::LOCKED`] when it is.
fn take_lock(state_dir: &Path, t: &Texts, out: &mut dyn Write) -> Result<RunLock, i32> {
    RunLock::acquire_reporting(state_dir, engine::lock::ORPHAN_WAIT, &mut |line| {
        say!(out, "{}", t.msg(line));
        // Ignored on purpose, as in `report`.
        let _ = out.flush();
    })
    .map_err(|e| {
        say!(out, "{}", t.error(&e));
        exit::LOCKED
    })
}

/// Asks for the controller's host name, as destructive tools do.
fn confirmed(
    loaded: &Loaded,
    confirm: Confirm<'_>,
    t: &Texts,
    out: &mut dyn Write,
) -> Result<(), i32> {
    let host = loaded.settings.controller.as_str();
    match confirm {
        Confirm::Given => Ok(()),
        Confirm::NoTerminal => {
            say!(out, "{}", t.t("undo_cli.no_terminal"));
            Err(exit::CANCELLED)
        }
        Confirm::Ask(ask) => {
            let _ = out.flush();
            let typed = ask(&t.f("undo_cli.ask", &[("host", &host)]));
            if typed.is_some_and(|typed| crate::undo::machine::confirms(host, &typed)) {
                Ok(())
            } else {
                say!(out, "{}", t.t("undo_cli.not_confirmed"));
                Err(exit::CANCELLED)
            }
        }
    }
}

/// `undo --replaced`'s outcome: the install itself stays recorded.
fn report_replaced_undo(outcome: &crate::undo::Outcome, t: &Texts, out: &mut dyn Write) {
    match outcome {
        crate::undo::Outcome::Done { .. } => say!(out, "{}", t.t("undo_cli.done_replaced")),
        crate::undo::Outcome::Failed { .. } => report_undo_failure(outcome, t, out),
    }
}

fn report_undo(
    outcome: &crate::undo::Outcome,
    journal: &Journal,
    state_dir: &Path,
    t: &Texts,
    out: &mut dyn Write,
) {
    match outcome {
        crate::undo::Outcome::Done { steps } => {
            say!(out, "{}", t.f("undo_cli.done", &[("steps", steps)]));
            if journal.tasks.is_empty() {
                let path = Journal::path(state_dir);
                say!(
                    out,
                    "{}",
                    t.f("undo_cli.journal_empty", &[("journal", &path.display())])
                );
            } else {
                let left: Vec<&str> = journal.tasks.keys().map(|id| id.as_str()).collect();
                let tasks = left.join(", ");
                say!(
                    out,
                    "{}",
                    t.f("undo_cli.still_recorded", &[("tasks", &tasks)])
                );
            }
        }
        crate::undo::Outcome::Failed { .. } => report_undo_failure(outcome, t, out),
    }
}

fn report_undo_failure(outcome: &crate::undo::Outcome, t: &Texts, out: &mut dyn Write) {
    if let crate::undo::Outcome::Failed { task, error } = outcome {
        say!(
            out,
            "{}",
            t.f(
                "undo_cli.failed",
                &[("task", task), ("error", &t.msg(error))]
            )
        );
        say!(out, "{}", t.f("undo_cli.resume", &[("task", task)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::outputs::{ObjectOutput, Origin, TaskOutputs};

    /// `apply`'s last words when Glance works: the image checked and the
    /// journal, in the locale's language; in English as before (the
    /// end-to-end tests read it).
    #[test]
    fn a_verified_run_is_reported_in_the_locale_language() {
        let image = crate::engine::outputs::ImageOutputs {
            id: "img-1".into(),
            origin: Origin::Created,
            status: "active".into(),
            sha512: "ab".into(),
            name: None,
            replaced: Vec::new(),
        };
        let outputs: std::collections::BTreeMap<_, _> =
            [(TaskId::VerifyImage, TaskOutputs::Image(image))].into();
        let said = |lang| {
            let mut out = Vec::new();
            let outcome = Ok(RunOutcome::Verified {
                outputs: outputs.clone(),
            });
            let code = report_outcome(outcome, Path::new("/s"), Texts::of(lang), &mut out);
            assert_eq!(code, exit::OK);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            said(Lang::En),
            "Glance works: image img-1 is active and its sha512 matches the local file.\n\
             Journal: /s/journal.json\n"
        );
        assert_eq!(
            said(Lang::ZhCn),
            "Glance 工作正常：镜像 img-1 已处于 active 状态，其 sha512 与本地文件一致。\n\
             Journal：/s/journal.json\n"
        );
    }

    /// `apply`'s last words on a failure: the runner's error and the
    /// remedies, in the locale's language; in English as before.
    #[test]
    fn a_failure_is_reported_in_the_locale_language() {
        use crate::engine::runner::packages::{classify::Diagnosis, error_for};
        let diagnosis = Diagnosis::Unreachable {
            evidence: "Temporary failure resolving 'deb.debian.org'".into(),
            proxy: false,
        };
        let repository = Message::verbatim("bookworm");
        let error = error_for(
            &diagnosis,
            crate::host::target::PackageManager::Apt,
            None,
            &repository,
            "",
        );
        let said = |lang| {
            let mut out = Vec::new();
            let task = TaskId::PackagesInstall;
            report_failure(&task, &error.message, error.kind, Texts::of(lang), &mut out);
            String::from_utf8(out).unwrap()
        };
        let en = said(Lang::En);
        assert!(
            en.starts_with("Task packages.install failed: apt cannot reach its mirror: Temporary failure resolving 'deb.debian.org'. If this machine"),
            "{en}"
        );
        assert!(en.contains("This is a network path problem"), "{en}");
        let zh = said(Lang::ZhCn);
        assert!(
            zh.starts_with("任务 packages.install 失败：apt 无法连接其镜像站：Temporary failure resolving 'deb.debian.org'。"),
            "{zh}"
        );
        assert_eq!(zh.lines().count(), en.lines().count(), "{zh}");
        let english: Vec<String> = crate::i18n::english_sentences(&zh)
            .into_iter()
            .filter(|s| !"Temporary failure resolving".contains(s.as_str()))
            .collect();
        assert!(english.is_empty(), "{english:?} in:\n{zh}");
    }

    fn record(started_at: &str, outputs: Option<TaskOutputs>) -> engine::TaskRecord {
        engine::TaskRecord {
            status: TaskStatus::Done,
            fingerprint: "f".into(),
            started_at: started_at.into(),
            finished_at: Some(started_at.into()),
            duration_ms: Some(1500),
            attempts: 1,
            outputs,
            error: None,
            unverified: false,
        }
    }

    /// `status --format json` parses, and is the example docs/json.md
    /// documents (the state directory aside); with no journal, `null`s and
    /// no task.
    #[test]
    fn status_json_is_the_documented_example() {
        use crate::engine::outputs::{AccountOutput, SqlOutputs};
        let dir = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        status(dir.path(), Format::Json, &mut out).unwrap();
        let empty: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let none = serde_json::json!({"journal": null, "target": null, "tasks": []});
        assert_eq!(empty, none);

        let mut journal =
            Journal::new("Debian / Glance Zed / apt / sysv-init (service / /etc/init.d)");
        let account = |host: &str| AccountOutput {
            host: host.into(),
            origin: Origin::Created,
        };
        let sql = TaskOutputs::Sql(SqlOutputs {
            database: Origin::Created,
            accounts: vec![account("localhost"), account("%")],
            server: Some("controller:3306".into()),
            name: "glance".parse().ok(),
            user: "glance".parse().ok(),
            replaced: Vec::new(),
        });
        let user = TaskOutputs::User(ObjectOutput {
            id: "9f2c41".into(),
            origin: Origin::Found,
            name: Some("glance".into()),
        });
        let at = |t: &str| format!("2026-11-30T05:{t}Z");
        let done = |start: &str, end: &str, ms: u64, outputs| engine::TaskRecord {
            finished_at: Some(at(end)),
            duration_ms: Some(ms),
            ..record(&at(start), Some(outputs))
        };
        journal.tasks.insert(
            TaskId::DbSync,
            engine::TaskRecord {
                status: TaskStatus::Failed,
                attempts: 2,
                error: Some("glance-manage db_sync exited with status 1".into()),
                finished_at: Some(at("01:20")),
                duration_ms: Some(20_000),
                ..record(&at("01:00"), None)
            },
        );
        journal
            .tasks
            .insert(TaskId::IdentityUser, done("00:01", "00:03", 1500, user));
        journal
            .tasks
            .insert(TaskId::SqlDatabase, done("00:00", "00:01", 240, sql));
        journal.save(dir.path()).unwrap();
        let mut out = Vec::new();
        status(dir.path(), Format::Json, &mut out).unwrap();
        let text = String::from_utf8(out)
            .unwrap()
            .replace(&dir.path().display().to_string(), "/var/lib/glance-wizard");
        insta::assert_snapshot!("status_json", text);
        let docs = include_str!("../../docs/json.md");
        let example = docs
            .split("```json\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .unwrap();
        let documented: serde_json::Value = serde_json::from_str(example).unwrap();
        let real: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(real, documented);
    }

    /// `status` lists the tasks in plan order, however they ran (a rerun
    /// of verify.image first, then db.sync), each with what it created or
    /// found under it.
    #[test]
    fn status_lists_tasks_in_plan_order_with_their_objects() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::new("debian zed");
        let user = TaskOutputs::User(ObjectOutput {
            id: "u-1".into(),
            origin: Origin::Created,
            name: Some("glance".into()),
        });
        for (id, at, outputs) in [
            (TaskId::VerifyImage, "2026-11-30T05:00:00Z", None),
            (TaskId::DbSync, "2026-11-30T06:00:00Z", None),
            (TaskId::IdentityUser, "2026-11-30T07:00:00Z", Some(user)),
            (TaskId::SqlDatabase, "2026-11-30T08:00:00Z", None),
        ] {
            journal.tasks.insert(id, record(at, outputs));
        }
        journal.save(dir.path()).unwrap();
        let out = status_in(dir.path(), Lang::En);
        let lines: Vec<&str> = out.lines().skip(1).collect();
        let ids: Vec<&str> = lines
            .iter()
            .filter(|l| !l.starts_with("      "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(
            ids,
            ["sql.database", "identity.user", "db.sync", "verify.image"],
            "{out}"
        );
        assert_eq!(lines[2].trim(), "user u-1 (created)", "{out}");
    }

    /// A run lock another live run holds is refused in the locale's
    /// language; in English as before.
    #[test]
    fn a_held_lock_is_refused_in_the_locale_language() {
        let dir = tempfile::tempdir().unwrap();
        let _first = RunLock::acquire(dir.path(), Duration::ZERO).unwrap();
        // Pretend the holder is another live process: pid 1 always exists.
        std::fs::write(dir.path().join("lock"), "1\n").unwrap();
        let lock = dir.path().join("lock");
        let said = |lang| {
            let mut out = Vec::new();
            let refused = take_lock(dir.path(), Texts::of(lang), &mut out);
            assert_eq!(refused.err(), Some(exit::LOCKED));
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            said(Lang::En),
            format!(
                "another glance-wizard run (pid 1) holds {}; wait for it to finish\n",
                lock.display()
            )
        );
        assert_eq!(
            said(Lang::ZhCn),
            format!(
                "另一个 glance-wizard 运行（pid 1）持有 {}；请等待它结束\n",
                lock.display()
            )
        );
    }

    /// `status` as text in `lang`.
    fn status_in(state_dir: &Path, lang: Lang) -> String {
        let report = StatusReport::load(state_dir).unwrap();
        let mut out = Vec::new();
        status_text(&report, state_dir, Texts::of(lang), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// `status` as text in the locale's language: the heading, each task's
    /// status (in columns by terminal cells), what it made or found; a
    /// failed task's error as the journal keeps it (English). English as
    /// before, to the byte.
    #[test]
    fn status_is_in_the_locale_language() {
        use crate::engine::outputs::{PackagesOutputs, ServicesOutputs, WrittenFile};
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            status_in(dir.path(), Lang::En),
            format!(
                "No journal in {}: nothing has run yet.\n",
                dir.path().display()
            )
        );
        assert_eq!(
            status_in(dir.path(), Lang::ZhCn),
            format!(
                "{} 中没有 journal：尚未运行过任何任务。\n",
                dir.path().display()
            )
        );
        let mut journal = Journal::new("Debian / Glance Zed");
        let packages = TaskOutputs::Packages(PackagesOutputs {
            installed: vec!["glance-api".into()],
            found: vec!["python3-openstackclient".into()],
            proxy_config: Some(WrittenFile {
                path: "/etc/apt/apt.conf.d/90proxy".into(),
                backup: None,
                sha256: None,
            }),
        });
        let services = TaskOutputs::Services(ServicesOutputs {
            restarted: vec!["glance-api".into()],
            answering_before: Some(false),
            enabled_before: None,
        });
        journal.tasks.insert(
            TaskId::PackagesInstall,
            record("2026-11-30T05:00:00Z", Some(packages)),
        );
        journal.tasks.insert(
            TaskId::ServiceRestart,
            record("2026-11-30T06:00:00Z", Some(services)),
        );
        let mut failed = record("2026-11-30T07:00:00Z", None);
        failed.status = TaskStatus::Failed;
        failed.finished_at = None;
        failed.duration_ms = None;
        failed.attempts = 3;
        failed.error = Some("HTTP 503".into());
        journal.tasks.insert(TaskId::VerifyImage, failed);
        journal.save(dir.path()).unwrap();
        let en = status_in(dir.path(), Lang::En);
        let zh = status_in(dir.path(), Lang::ZhCn);
        let journal = Journal::path(dir.path());
        assert_eq!(
            en,
            format!(
                "Journal {} (target: Debian / Glance Zed)\n\
                 \x20 packages.install       done        2026-11-30T05:00:00Z in 1.5s (attempts 1)\n\
                 \x20     installed glance-api\n\
                 \x20     found installed python3-openstackclient\n\
                 \x20     wrote /etc/apt/apt.conf.d/90proxy\n\
                 \x20 service.restart        done        2026-11-30T06:00:00Z in 1.5s (attempts 1)\n\
                 \x20     restarted glance-api (nothing answered before: undo stops it)\n\
                 \x20 verify.image           FAILED      2026-11-30T07:00:00Z (attempts 3)\n\
                 \x20     error: HTTP 503\n",
                journal.display()
            )
        );
        assert!(zh.contains("  packages.install       完成        2026-11-30T05:00:00Z，用时 1.5s（尝试 1 次）\n"), "{zh}");
        assert!(
            zh.contains("  verify.image           失败        2026-11-30T07:00:00Z（尝试 3 次）\n"),
            "{zh}"
        );
        assert!(
            zh.contains("      已重启 glance-api（之前没有应答：undo 会停止它）\n"),
            "{zh}"
        );
        assert!(zh.contains("      错误：HTTP 503\n"), "{zh}");
        let english = crate::i18n::english_sentences(&zh);
        assert!(english.is_empty(), "English: {english:?} in:\n{zh}");
    }

    /// Loaded answers for Debian Zed (the runners' test settings) and a
    /// state directory whose journal records the test image as found.
    fn undo_world() -> (Loaded, tempfile::TempDir) {
        use crate::engine::outputs::{ImageOutputs, Origin, TaskOutputs};
        let (settings, profile) = crate::engine::runner::tests::settings();
        let answers = Answers::from_toml("").unwrap();
        let loaded = Loaded {
            answers,
            settings,
            profile,
            notes: vec![],
        };
        let state = tempfile::tempdir().unwrap();
        let plan = build_plan(&loaded.settings, &loaded.profile);
        let fingerprints = plan.fingerprints(&Journal::key(state.path()).unwrap());
        let index = plan.tasks.iter().position(|t| t.id == TaskId::VerifyImage);
        let mut journal = Journal::new("test");
        journal.tasks.insert(
            TaskId::VerifyImage,
            engine::TaskRecord {
                status: TaskStatus::Done,
                fingerprint: fingerprints[index.unwrap()].clone(),
                started_at: "2026-11-30T00:00:00Z".into(),
                finished_at: None,
                duration_ms: None,
                attempts: 1,
                outputs: Some(TaskOutputs::Image(ImageOutputs {
                    id: "img-9".into(),
                    origin: Origin::Found,
                    status: "active".into(),
                    sha512: "ab".into(),
                    name: None,
                    replaced: Vec::new(),
                })),
                error: None,
                unverified: false,
            },
        );
        journal.save(state.path()).unwrap();
        (loaded, state)
    }

    fn undo_with(
        loaded: &Loaded,
        state: &Path,
        dry_run: bool,
        confirm: Confirm<'_>,
    ) -> (i32, String) {
        let mut out = Vec::new();
        let options = UndoOptions {
            dry_run,
            undo: Default::default(),
        };
        let code = undo(loaded, state, &options, confirm, &mut out);
        (code, String::from_utf8(out).unwrap())
    }

    /// Nothing changes without a confirmation: a dry run previews, no
    /// terminal and no --yes refuses, a wrong host name typed refuses. The
    /// host name typed runs it; a second undo has nothing to do.
    #[test]
    fn undo_changes_nothing_until_confirmed_and_then_once() {
        let (loaded, state) = undo_world();
        let journal = || Journal::load(state.path()).unwrap().unwrap().tasks.len();
        let (code, out) = undo_with(&loaded, state.path(), true, Confirm::Given);
        assert_eq!(code, exit::OK, "{out}");
        assert!(out.contains("verify.image:\n  stays: image img-9"), "{out}");
        assert!(out.contains("Dry run: nothing was changed."), "{out}");
        let (code, out) = undo_with(&loaded, state.path(), false, Confirm::NoTerminal);
        assert_eq!(code, exit::CANCELLED);
        assert!(out.contains("pass --yes"), "{out}");
        let mut typed = |_: &str| Some("ctl\n".to_string());
        let (code, out) = undo_with(&loaded, state.path(), false, Confirm::Ask(&mut typed));
        assert_eq!(code, exit::CANCELLED);
        assert!(out.contains("Not confirmed"), "{out}");
        assert_eq!(journal(), 1);

        let mut prompts = Vec::new();
        let mut typed = |prompt: &str| {
            prompts.push(prompt.to_string());
            Some("controller\n".to_string())
        };
        let (code, out) = undo_with(&loaded, state.path(), false, Confirm::Ask(&mut typed));
        assert_eq!(code, exit::OK, "{out}");
        assert!(prompts[0].contains("(controller)"), "{prompts:?}");
        assert!(out.contains("[undone] verify.image"), "{out}");
        assert_eq!(journal(), 0);
        let (code, out) = undo_with(&loaded, state.path(), false, Confirm::Given);
        assert_eq!(code, exit::OK);
        assert!(out.contains("Nothing to undo"), "{out}");
    }

    /// apply's progress in Chinese: the plan's task titles and the words
    /// in Chinese, ids and times as they are; the English printer says the
    /// same as before.
    #[test]
    fn progress_lines_follow_the_language() {
        let (loaded, _state) = undo_world();
        let plan = build_plan(&loaded.settings, &loaded.profile);
        let events = || {
            [
                Event::TaskStarted {
                    id: TaskId::SqlDatabase,
                    title: "Create the glance database and its accounts".into(),
                    index: 1,
                    total: 11,
                },
                Event::Output {
                    id: TaskId::SqlDatabase,
                    lines: "SQL> CREATE DATABASE IF NOT EXISTS `glance`;".into(),
                },
                Event::Narration {
                    id: TaskId::SqlDatabase,
                    sentence: Message::new("narration.db_server")
                        .arg("version", "10.11.6-MariaDB")
                        .arg("sql_mode", "STRICT_TRANS_TABLES"),
                },
                Event::TaskFinished {
                    id: TaskId::SqlDatabase,
                    duration: Duration::from_millis(1200),
                    outputs: TaskOutputs::DbSync(crate::engine::outputs::DbSyncOutputs {
                        synced: true,
                    }),
                },
            ]
        };
        let printed = |mut printer: LinePrinter<Vec<u8>>| {
            for event in events() {
                printer.emit(event);
            }
            String::from_utf8(printer.out).unwrap()
        };
        assert_eq!(
            printed(LinePrinter::new(Vec::new())),
            "[1/11] sql.database: Create the glance database and its accounts\n    \
             sql.database | SQL> CREATE DATABASE IF NOT EXISTS `glance`;\n    \
             sql.database | server 10.11.6-MariaDB, sql_mode=STRICT_TRANS_TABLES\n\
             [done] sql.database in 1.2s\n"
        );
        let chinese = printed(LinePrinter::localized(
            Vec::new(),
            &plan,
            Texts::of(Lang::ZhCn),
        ));
        assert_eq!(
            chinese,
            format!(
                "[1/11] sql.database：{}\n    \
                 sql.database | SQL> CREATE DATABASE IF NOT EXISTS `glance`;\n    \
                 sql.database | 服务器 10.11.6-MariaDB，sql_mode=STRICT_TRANS_TABLES\n\
                 [完成] sql.database，用时 1.2s\n",
                Texts::of(Lang::ZhCn).t("task.sql_database")
            )
        );
    }

    /// `glance-wizard bundle`'s list in the language asked, the paths as
    /// they are; the manifest keeps the English.
    #[test]
    fn the_bundle_list_follows_the_language() {
        let manifest = crate::ops::bundle::Manifest {
            wizard_version: "0.1.0".into(),
            created: "2026-11-30T16:50:00Z".into(),
            missing: vec![Message::new("bundle.no_answers")],
            files: vec![crate::ops::bundle::ManifestEntry {
                path: "wizard/journal.json".into(),
                description: Message::new("bundle.journal"),
                bytes: 10,
            }],
        };
        let said = |lang| {
            let mut out = Vec::new();
            bundle_written(
                &manifest,
                Path::new("/tmp/b.tar.gz"),
                Texts::of(lang),
                &mut out,
            );
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            said(Lang::En),
            "Wrote /tmp/b.tar.gz (2 files):\n  wizard/journal.json                      the wizard's journal\n  \
             not included: answers: not given (bundle -a ANSWERS.toml adds them and the prechecks)\n"
        );
        let chinese = said(Lang::ZhCn);
        assert!(
            chinese.starts_with("已写入 /tmp/b.tar.gz（2 个文件）："),
            "{chinese}"
        );
        assert!(chinese.contains("未包含：应答文件：未给出"), "{chinese}");
        let json = serde_json::to_string(&manifest).unwrap();
        assert!(
            json.contains("\"description\":\"the wizard's journal\""),
            "{json}"
        );
    }

    /// Each line of a block of output is printed with its task, as a
    /// single line of output is.
    #[test]
    fn every_line_is_printed_with_its_task() {
        let mut printer = LinePrinter::new(Vec::new());
        printer.emit(Event::Output {
            id: TaskId::DbSync,
            lines: "one".into(),
        });
        printer.emit(Event::Output {
            id: TaskId::PackagesInstall,
            lines: "two\n\nthree".into(),
        });
        assert_eq!(
            String::from_utf8(printer.out).unwrap(),
            "    db.sync | one\n    packages.install | two\n    packages.install | \n    packages.install | three\n"
        );
    }
}
