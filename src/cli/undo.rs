//! `glance-wizard undo`: the preview, the confirmation (`--yes`, or the controller's host name
//! typed), then the steps, each said in the locale's language.

use std::io::Write;
use std::path::Path;

use super::lock::take_lock;
use crate::engine::{self, Journal, lock::RunLock};
use crate::i18n::{Lang, Message, Texts};
use crate::ops::exit;
use crate::ops::load::Loaded;
use crate::undo::machine::Prepared;

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

/// Why undo has nothing to do, and the lines of what stays.
fn say_nothing_to_undo(
    prepared: &Prepared,
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

/// `glance-wizard undo`: the preview, the confirmation, then the steps.
/// Returns the exit code.
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
    say_preview(&prepared, loaded, options, t, out);
    if options.dry_run {
        say!(out, "{}", t.t("undo_cli.dry_run"));
        return exit::OK;
    }
    if let Err(code) = confirmed(loaded, confirm, t, out) {
        return code;
    }
    run_steps(
        loaded,
        state_dir,
        &mut prepared,
        lock.as_ref(),
        options,
        out,
    )
}

/// What undo will do, step by step, secrets masked.
fn say_preview(
    prepared: &Prepared,
    loaded: &Loaded,
    options: &UndoOptions,
    t: &Texts,
    out: &mut dyn Write,
) {
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
}

/// The confirmed steps, each line said as it is logged; the exit code of how they ended.
fn run_steps(
    loaded: &Loaded,
    state_dir: &Path,
    prepared: &mut Prepared,
    lock: Option<&RunLock>,
    options: &UndoOptions,
    out: &mut dyn Write,
) -> i32 {
    let t = Texts::of(Lang::from_env());
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
        prepared,
        lock,
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

/// `undo`: confirmed by `--yes`, or by the host name typed on the
/// terminal.
pub fn run(args: &super::AnswersArgs, state_dir: &Path, options: &UndoOptions, yes: bool) -> i32 {
    use std::io::{BufRead, IsTerminal};
    let loaded = super::load_with_notes(args);
    let mut ask = |prompt: &str| {
        print!("{prompt}");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).ok()?;
        Some(line)
    };
    let confirm = if yes {
        Confirm::Given
    } else if std::io::stdin().is_terminal() {
        Confirm::Ask(&mut ask)
    } else {
        Confirm::NoTerminal
    };
    undo(&loaded, state_dir, options, confirm, &mut std::io::stdout())
}
