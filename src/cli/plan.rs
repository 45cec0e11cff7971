//! `glance-wizard plan`: the plan as text in the locale's language, or as JSON.

use std::io::Write;

use super::{Format, json, say_notes};
use crate::i18n::{Lang, Message, Texts};
use crate::plan::PlanReport;

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

/// `glance-wizard plan`; its exit code.
pub fn run(
    args: &super::AnswersArgs,
    format: Format,
    state_dir: &std::path::Path,
    out: &mut dyn Write,
) -> i32 {
    match crate::ops::load::plan_preview(&args.options(), state_dir) {
        Ok((report, notes)) => {
            plan(&report, &notes, format, out);
            crate::ops::exit::OK
        }
        Err(e) => super::load_failed(&e),
    }
}
