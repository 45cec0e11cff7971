//! Drawing the Undo screen: pure functions of the [`App`], as every
//! screen's.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::{Finished, Phase, Preview, Refusal};
use crate::i18n::Texts;
use crate::tui::app::{App, Pending};
use crate::tui::theme::Theme;
use crate::tui::widgets::{cut, screen_block, wrap};
use crate::undo::Outcome;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let block = screen_block(app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match &app.undo.phase {
        Phase::Preview | Phase::Confirm { .. } => draw_preview(app, frame, inner),
        Phase::Running | Phase::Ended(_) => draw_progress(app, frame, inner),
    }
}

/// The preview: what is taken back and what stays, the packages toggle,
/// the warning when the database goes; under it, the confirmation.
fn draw_preview(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let th = &app.theme;
    let width = area.width as usize;
    let (head, list) = match &app.undo.preview {
        Pending::Ready(Ok(p)) => (preview_head(app, p, width), preview_list(t, th, p, width)),
        Pending::Ready(Err(r)) => (styled(&refusal_text(app, r), width, th.error()), vec![]),
        _ => (vec![Line::styled(t.t("undo.reading"), th.dim())], vec![]),
    };
    let footer = footer_lines(app, width.saturating_sub(2));
    let footer_height = match &app.undo.phase {
        Phase::Confirm { .. } => footer.len() + 2,
        _ => footer.len(),
    };
    let [top, middle, bottom] = Layout::vertical([
        Constraint::Length(head.len() as u16),
        Constraint::Fill(1),
        Constraint::Length(footer_height as u16),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(head), top);
    let max_scroll = list.len().saturating_sub(middle.height as usize);
    app.undo.max_scroll.set(max_scroll);
    let skip = app.undo.scroll.min(max_scroll);
    frame.render_widget(Paragraph::new(list[skip..].to_vec()), middle);
    match &app.undo.phase {
        Phase::Confirm { typed, .. } => draw_confirm(app, frame, bottom, footer, typed),
        _ => frame.render_widget(Paragraph::new(footer), bottom),
    }
}

fn styled(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    wrap(text, width)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

/// The heading, the packages toggle, and the database warning.
fn preview_head(app: &App, p: &Preview, width: usize) -> Vec<Line<'static>> {
    let t = app.texts;
    let th = &app.theme;
    let mut lines = if p.nothing_to_do {
        styled(&t.t("undo.nothing"), width, th.warn())
    } else {
        styled(&t.t("undo.heading"), width, th.accent())
    };
    let toggle = if app.undo.purge_packages {
        "undo.purge_on"
    } else {
        "undo.purge_off"
    };
    lines.push(Line::styled(cut(&t.t(toggle), width), th.normal()));
    if p.drops_database {
        lines.extend(styled(&t.t("undo.drops_database"), width, th.error()));
    }
    lines.push(Line::raw(""));
    lines
}

/// `undo --dry-run`'s lines in the screen's language, wrapped (continued
/// lines indented), each styled by what it says.
fn preview_list(t: &Texts, th: &Theme, p: &Preview, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for line in &p.lines {
        let style = match line.key {
            "undo_line.task" => th.accent(),
            "undo_line.refused" | "undo_line.file_refused" => th.error(),
            "undo_line.take_back" => th.normal(),
            _ => th.dim(),
        };
        for row in wrapped_row(&t.msg(line), width) {
            lines.push(Line::styled(row, style));
        }
    }
    lines
}

/// Under the list: the confirmation's prompt, input and refusal while
/// confirming; otherwise that nothing changes before it.
fn footer_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let t = app.texts;
    let th = &app.theme;
    let Some(p) = app.undo.actionable() else {
        return Vec::new();
    };
    let Phase::Confirm { typed, refused } = &app.undo.phase else {
        return styled(&t.t("undo.before_confirm"), width + 2, th.dim());
    };
    let mut lines = styled(
        &t.f("undo.confirm_prompt", &[("host", &p.controller)]),
        width,
        th.warn(),
    );
    lines.push(Line::styled(format!("> {typed}"), th.selected()));
    if let Some(wrong) = refused {
        let text = t.f(
            "undo.wrong_host",
            &[("typed", wrong), ("host", &p.controller)],
        );
        lines.extend(styled(&text, width, th.error()));
    }
    lines
}

/// The confirmation panel, the cursor in its input line.
fn draw_confirm(app: &App, frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>, typed: &str) {
    let block = Block::bordered().title(Span::styled(
        format!(" {} ", app.texts.t("undo.confirm_title")),
        app.theme.warn(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let input_row = lines
        .iter()
        .position(|l| l.to_string().starts_with("> "))
        .unwrap_or(0);
    let column = (2 + typed.width()).min(inner.width.saturating_sub(1) as usize);
    frame.set_cursor_position(Position::new(
        inner.x + column as u16,
        inner.y + input_row as u16,
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The undo running or ended: its log, then how it ended.
fn draw_progress(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let th = &app.theme;
    let width = area.width as usize;
    let status = match (&app.undo.phase, &app.undo.log_path) {
        (Phase::Running, _) => Line::styled(t.t("undo.running"), th.accent()),
        (_, Some(path)) => Line::styled(
            cut(&t.f("undo.log_path", &[("path", &path.display())]), width),
            th.dim(),
        ),
        _ => Line::raw(""),
    };
    let outcome = match &app.undo.phase {
        Phase::Ended(result) => ended_lines(app, result, width.saturating_sub(2)),
        _ => Vec::new(),
    };
    let outcome_height = if outcome.is_empty() {
        0
    } else {
        outcome.len() + 2
    };
    let [top, log, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(outcome_height as u16),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(status), top);
    draw_log(app, frame, log);
    if !outcome.is_empty() {
        let failed = !matches!(
            &app.undo.phase,
            Phase::Ended(Ok(Finished {
                outcome: Outcome::Done { .. },
                ..
            }))
        );
        let style = if failed { th.error() } else { th.ok() };
        let block = Block::bordered().border_style(style);
        let inner = block.inner(bottom);
        frame.render_widget(block, bottom);
        frame.render_widget(Paragraph::new(outcome), inner);
    }
}

/// The undo's lines, wrapped (an undo says a few dozen), in a pane that
/// follows the tail unless scrolled.
fn draw_log(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let view = &app.undo;
    let block = Block::bordered().title(Span::styled(
        format!(" {} ", t.t("undo.log_title")),
        app.theme.title(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let rows: Vec<String> = (view.log.dropped..view.log.end())
        .filter_map(|n| view.log.get(n))
        .flat_map(|line| wrapped_row(line, width))
        .collect();
    view.view_height.set(inner.height as usize);
    view.rows.set(rows.len());
    let first = view.first_row();
    let lines: Vec<Line> = rows
        .into_iter()
        .skip(first)
        .take(inner.height as usize)
        .map(Line::raw)
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A line wrapped to `width`, its continuation indented under it; control
/// characters (from a file's diff) dropped, as the run's log does.
fn wrapped_row(line: &str, width: usize) -> Vec<String> {
    let line: String = line
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect();
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len() + 4;
    wrap(trimmed, width.saturating_sub(indent).max(20))
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            let pad = if i == 0 { indent - 4 } else { indent };
            format!("{}{piece}", " ".repeat(pad))
        })
        .collect()
}

/// How the undo ended, in words.
fn ended_lines(app: &App, result: &Result<Finished, Refusal>, width: usize) -> Vec<Line<'static>> {
    let t = app.texts;
    let th = &app.theme;
    match result {
        Ok(Finished {
            outcome: Outcome::Done { steps },
            still_recorded,
        }) => {
            let mut lines = styled(&t.f("undo.done", &[("steps", steps)]), width, th.ok());
            let rest = if still_recorded.is_empty() {
                t.t("undo.journal_empty")
            } else {
                let tasks: Vec<&str> = still_recorded.iter().map(|id| id.as_str()).collect();
                t.f("undo.still_recorded", &[("tasks", &tasks.join(", "))])
            };
            lines.extend(styled(&rest, width, th.normal()));
            lines
        }
        Ok(Finished {
            outcome: Outcome::Failed { task, error },
            ..
        }) => {
            let text = t.f("undo.failed", &[("task", task), ("error", &t.msg(error))]);
            let mut lines: Vec<Line> = styled(&text, width, th.error());
            lines.truncate(6);
            lines.extend(styled(
                &t.f("undo.resume", &[("task", task)]),
                width,
                th.normal(),
            ));
            lines
        }
        Err(refusal) => styled(
            &t.f(
                "undo.not_started",
                &[("reason", &refusal_text(app, refusal))],
            ),
            width,
            th.error(),
        ),
    }
}

fn refusal_text(app: &App, refusal: &Refusal) -> String {
    let t = app.texts;
    match refusal {
        Refusal::NoSession => t.f("undo.no_session", &[("dir", &app.state_dir.display())]),
        Refusal::Changed => t.t("undo.changed"),
        Refusal::Failed(e) => t.msg(e),
        Refusal::Answers(e) => e.render(t),
    }
}

/// The Undo screen's keys in its phase.
pub(in crate::tui) fn hints(app: &App) -> &'static str {
    match app.undo.phase {
        Phase::Preview if matches!(app.undo.preview, Pending::Ready(Err(_))) => "hints.undo_back",
        Phase::Preview => "hints.undo",
        Phase::Confirm { .. } => "hints.undo_confirm",
        Phase::Running => "hints.undo_running",
        Phase::Ended(_) => "hints.undo_ended",
    }
}
