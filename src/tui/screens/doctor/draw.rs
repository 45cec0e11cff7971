//! Drawing the doctor's report: findings first (each with why and fix),
//! then the checks that passed; scrolled with ↑↓.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, Pending};
use crate::tui::widgets::{notice_lines, screen_block, wrap};

/// The doctor's report: findings first (each with why and fix), then the
/// checks that passed; scrolled with ↑↓.
pub(in crate::tui) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let block = screen_block(app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = match &app.doctor.report {
        Pending::Ready(report) => doctor_lines(app, report, inner.width as usize),
        _ => vec![Line::styled(app.texts.t("doctor.running"), app.theme.dim())],
    };
    let skip = app.doctor.scroll.min(lines.len().saturating_sub(1));
    // A notice (why the Glance cannot be adopted) stays above the scroll.
    let notice = notice_lines(app, inner.width as usize);
    let [top, rest] =
        Layout::vertical([Constraint::Length(notice.len() as u16), Constraint::Min(0)])
            .areas(inner);
    frame.render_widget(Paragraph::new(notice), top);
    frame.render_widget(Paragraph::new(lines[skip..].to_vec()), rest);
}

/// The report's lines: the verdict, each finding, then the checks.
fn doctor_lines(
    app: &App,
    report: &crate::checks::doctor::Report,
    width: usize,
) -> Vec<Line<'static>> {
    let t = app.texts;
    let th = &app.theme;
    let mut lines = Vec::new();
    if report.healthy {
        lines.push(Line::styled(t.t("doctor.healthy"), th.ok()));
    } else {
        let n = report.findings.len();
        lines.push(Line::styled(t.f("doctor.found", &[("n", &n)]), th.error()));
    }
    for f in &report.findings {
        lines.push(Line::raw(""));
        lines.extend(finding_lines(app, f, width));
    }
    lines.push(Line::raw(""));
    for note in &report.checks {
        lines.extend(note_lines(app, note, width));
    }
    lines
}

/// A finding: what and where in the error style, then its explanation
/// (the doctor's own [`finding_parts`](crate::checks::doctor::finding_parts)).
fn finding_lines(
    app: &App,
    f: &crate::checks::doctor::Finding,
    width: usize,
) -> Vec<Line<'static>> {
    let t = app.texts;
    let head = t.f(
        "doctor.line",
        &[
            ("mark", &"✗"),
            ("check", &f.check.label(t)),
            ("text", &t.msg(&f.object)),
        ],
    );
    let mut lines: Vec<Line> = wrap(&head, width)
        .into_iter()
        .map(|l| Line::styled(l, app.theme.error()))
        .collect();
    for (label, text) in crate::checks::doctor::finding_parts(f, t) {
        for l in wrap(&format!("  {label} {text}"), width) {
            lines.push(Line::raw(l));
        }
    }
    lines
}

/// A check that passed (✓) or could not be made (–), dimmed.
fn note_lines(app: &App, note: &crate::checks::doctor::Note, width: usize) -> Vec<Line<'static>> {
    let t = app.texts;
    let mark = if note.passed { "✓" } else { "–" };
    let text = t.f(
        "doctor.line",
        &[
            ("mark", &mark),
            ("check", &note.check.label(t)),
            ("text", &t.msg(&note.detail)),
        ],
    );
    wrap(&text, width)
        .into_iter()
        .map(|l| Line::styled(l, app.theme.dim()))
        .collect()
}

/// The key hints under the screen (an i18n key).
pub(in crate::tui) fn hints(_app: &App) -> &'static str {
    "hints.doctor"
}
