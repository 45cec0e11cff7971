//! `glance-wizard check`: the prechecks, as text or as JSON (`--format json`, fields in
//! docs/json.md). The JSON is the serde form of a typed report, built from the same values the
//! text shows (masked the same way).

use std::io::Write;

use serde::Serialize;

use super::{Format, json, say_notes};
use crate::checks::precheck::{self, Check, Status};
use crate::i18n::{Lang, Texts};
use crate::ops::exit;
use crate::ops::load::Loaded;

/// What `check --format json` prints. Field names are stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// The target, as the text prints it after `Target:`.
    pub target: String,
    /// Every precheck, in the order run.
    pub checks: Vec<CheckEntry>,
    /// `passed` when none failed (warnings allowed), else `failed`.
    pub outcome: CheckOutcome,
}

/// One precheck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckEntry {
    /// `root`, `repository`, `database_login`, ... ([`Check::id`]).
    pub id: String,
    pub status: Status,
    /// What was found, or why it fails and how to fix it; secrets masked.
    pub detail: String,
    /// The answers field that fixes a failure.
    pub field: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Passed,
    Failed,
}

impl CheckReport {
    pub fn new(target: String, checks: &[Check]) -> CheckReport {
        let failed = checks.iter().any(|c| c.status == Status::Fail);
        CheckReport {
            target,
            checks: checks
                .iter()
                .map(|c| CheckEntry {
                    id: c.id(),
                    status: c.status,
                    // English whatever the locale: scripts read it.
                    detail: c.detail.english(),
                    field: c.field,
                })
                .collect(),
            outcome: if failed {
                CheckOutcome::Failed
            } else {
                CheckOutcome::Passed
            },
        }
    }

    /// The report of a target that cannot be worked out: one failed
    /// `target` check saying why, fixed in `[target]`.
    pub fn unknown_target(error: &crate::host::target::TargetError) -> CheckReport {
        CheckReport {
            target: String::new(),
            checks: vec![CheckEntry {
                id: "target".into(),
                status: Status::Fail,
                detail: error.to_string(),
                field: Some(match error {
                    crate::host::target::TargetError::UnknownRelease(..) => "target.release",
                    _ => "target.distro",
                }),
            }],
            outcome: CheckOutcome::Failed,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self.outcome {
            CheckOutcome::Passed => exit::OK,
            CheckOutcome::Failed => exit::PRECHECK_FAILED,
        }
    }
}

/// `glance-wizard check` once the answers loaded: runs the prechecks,
/// prints them, returns the exit code.
pub fn check(loaded: &Loaded, format: Format, out: &mut dyn Write) -> i32 {
    let target = loaded.profile.summary();
    say_notes(&loaded.notes, format, out);
    // The text in the locale's language; JSON is language-neutral.
    let t = Texts::of(Lang::from_env());
    if format == Format::Text {
        say!(out, "{}", t.t("cli.answers_valid"));
        say!(out, "{}", t.f("cli.target", &[("target", &target)]));
        say!(out, "{}", t.t("cli.prechecks"));
    }
    let checks = precheck::run_all(&loaded.settings, &loaded.profile);
    let result = CheckReport::new(target, &checks);
    match format {
        Format::Text => print_checks(&checks, t, out),
        Format::Json => say!(out, "{}", json(&result)),
    }
    result.exit_code()
}

/// `check --format json` when the target cannot be worked out: the report
/// of that (a script reads one JSON document with every exit 0 or 4); the
/// exit code.
pub fn target_failed(error: &crate::host::target::TargetError, out: &mut dyn Write) -> i32 {
    let report = CheckReport::unknown_target(error);
    say!(out, "{}", json(&report));
    report.exit_code()
}

/// Runs the prechecks and prints them in the locale's language; true when
/// none failed.
pub fn print_prechecks(loaded: &Loaded, out: &mut dyn Write) -> bool {
    let checks = precheck::run_all(&loaded.settings, &loaded.profile);
    print_checks(&checks, Texts::of(Lang::from_env()), out);
    checks.iter().all(|c| c.status != Status::Fail)
}

/// The prechecks' lines ([`crate::checks::text::check_lines`]).
pub fn print_checks(checks: &[precheck::Check], t: &Texts, out: &mut dyn Write) {
    for line in crate::checks::text::check_lines(checks, t) {
        say!(out, "{line}");
    }
}

/// `glance-wizard check`; its exit code. The notes are printed with the
/// report.
pub fn run(args: &super::AnswersArgs, format: Format, out: &mut dyn Write) -> i32 {
    match crate::ops::load::load(&args.options()) {
        Ok(loaded) => check(&loaded, format, out),
        // A script reading JSON gets a report with every exit 4.
        Err(crate::ops::load::LoadError::Target(e)) if format == Format::Json => {
            target_failed(&e, out)
        }
        Err(e) => super::load_failed(&e),
    }
}
