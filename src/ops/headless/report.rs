//! `check` and `plan` on the command line, as text or as JSON
//! (`--format json`, fields in docs/json.md). The JSON is the serde form of
//! typed reports, built from the same values the text shows (masked the
//! same way). With JSON, stdout holds the one document: the notes made
//! while loading (generated passwords) go to stderr.

use std::io::Write;

use serde::Serialize;

use super::{Loaded, exit, report};
use crate::checks::precheck::{self, Check, Status};
use crate::cli::Format;
use crate::i18n::{Lang, Message, Texts};
use crate::plan::PlanReport;

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
        Format::Text => super::print_checks(&checks, t, out),
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

/// `glance-wizard plan` once the report is made: prints it.
pub fn plan(report: &PlanReport, notes: &[Message], format: Format, out: &mut dyn Write) {
    say_notes(notes, format, out);
    match format {
        Format::Text => {
            // In the locale's language; JSON is language-neutral.
            let text = report.text_in(Texts::of(Lang::from_env()));
            // Ignored on purpose, as in `report`.
            let _ = out.write_all(text.as_bytes());
        }
        Format::Json => say!(out, "{}", json(report)),
    }
}

/// The notes made while loading, in the locale's language: on `out` with
/// text, on stderr with JSON (stdout holds only the document).
fn say_notes(notes: &[Message], format: Format, out: &mut dyn Write) {
    let t = Texts::of(Lang::from_env());
    for note in notes {
        match format {
            Format::Text => say!(out, "{}", t.msg(note)),
            Format::Json => eprintln!("{}", t.msg(note)),
        }
    }
}

/// Pretty JSON of a report made of strings, lists and enums.
fn json<T: Serialize>(report: &T) -> String {
    serde_json::to_string_pretty(report).expect("a report is plain data: it always serialises")
}

#[cfg(test)]
mod tests;
