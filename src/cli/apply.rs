//! `glance-wizard apply`: the notes, the prechecks, the run's progress and how it ended, in the
//! locale's language.

use std::io::Write;
use std::path::Path;

use super::check::print_prechecks;
use super::lock::take_lock;
use super::progress::LinePrinter;
use crate::engine::{self, ErrorKind, Journal, RunOutcome, lock::RunLock};
use crate::i18n::{Lang, Message, Texts};
use crate::ops::apply::RunOptions;
use crate::ops::exit;
use crate::ops::load::Loaded;
use crate::plan::{Plan, TaskId, build_plan};

/// `glance-wizard apply`; its exit code. The answers' notes are printed with the run's lines.
pub fn run(
    args: &super::AnswersArgs,
    options: &RunOptions,
    state_dir: &Path,
    out: &mut dyn Write,
) -> i32 {
    let loaded = super::load_or_exit(&args.options());
    apply(&loaded, state_dir, options, out)
}

/// Prechecks, then the engine. Returns the exit code.
pub fn apply(loaded: &Loaded, state_dir: &Path, run: &RunOptions, out: &mut dyn Write) -> i32 {
    // Every line in the locale's language.
    let texts = Texts::of(Lang::from_env());
    let lock = match prepare_apply(loaded, state_dir, run, texts, out) {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    let plan: Plan = build_plan(&loaded.settings, &loaded.profile);
    let mut printer = LinePrinter::localized(&mut *out, &plan, texts);
    let outcome = crate::ops::apply::run(&plan, loaded, state_dir, run, &lock, &mut printer);
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
    crate::ops::apply::warm_probes(loaded, state_dir);
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
pub(super) fn report_outcome(
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
pub(super) fn report_failure(
    task: &TaskId,
    error: &Message,
    kind: ErrorKind,
    t: &Texts,
    out: &mut dyn Write,
) {
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
