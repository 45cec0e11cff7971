//! `glance-wizard status`: the journal's tasks, as text in the locale's language or as JSON in
//! English (docs/json.md).

use std::io::Write;
use std::path::Path;

use super::Format;
use crate::i18n::{Lang, Message, Texts};
use crate::ops::status::{StatusReport, TaskState};

/// `glance-wizard status`: text in the locale's language, JSON in English.
pub fn status(state_dir: &Path, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    let report = StatusReport::load(state_dir)?;
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        Format::Text => status_text(&report, state_dir, Texts::of(Lang::from_env()), out)?,
    }
    Ok(())
}

pub(super) fn status_text(
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
