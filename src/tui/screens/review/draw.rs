//! Drawing the review screen: the plan's text and the save dialog.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::tui::app::{App, Pending};
use crate::tui::theme::Theme;
use crate::tui::widgets::{check_lines, cut, fit, screen_block, window, wrap};

/// The review: the plan's text above, the save dialog or its result below.
pub(in crate::tui) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let block = screen_block(app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let footer_height = if app.review.save_input.is_some() || app.saved.result.is_some() {
        3
    } else {
        1
    };
    let [text_area, footer] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(footer_height)]).areas(inner);
    draw_review_body(app, frame, text_area);
    let lines = if let Some(path) = &app.review.save_input {
        save_prompt_lines(app, frame, footer, path)
    } else if let Some(saved) = &app.saved.result {
        saved_lines(app, saved, footer.width as usize)
    } else {
        vec![Line::styled(app.texts.t("review.footer"), app.theme.dim())]
    };
    frame.render_widget(Paragraph::new(lines), footer);
}

/// The plan's text scrolled, or why it could not be built, or that it is
/// being built.
fn draw_review_body(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let th = &app.theme;
    let width = area.width as usize;
    match &app.review.plan {
        Pending::Ready(Ok(text)) => {
            let height = area.height as usize;
            let max = text.len().saturating_sub(height);
            let scroll = app.review.scroll.min(max);
            let lines: Vec<Line> = text
                .iter()
                .skip(scroll)
                .take(height)
                .map(|l| Line::styled(cut(l, width), plan_line_style(th, l)))
                .collect();
            frame.render_widget(Paragraph::new(lines), area);
        }
        Pending::Ready(Err(rows)) => {
            let mut lines = vec![Line::styled(t.t("review.invalid"), th.error())];
            lines.extend(check_lines(app, rows, None, width));
            frame.render_widget(Paragraph::new(lines), area);
        }
        _ => frame.render_widget(
            Paragraph::new(Line::styled(t.t("review.building"), th.dim())),
            area,
        ),
    }
}

/// A plan line's style: a config diff's added and removed lines, and the
/// tasks' headings ("3. title [id]").
fn plan_line_style(th: &Theme, l: &str) -> Style {
    if l.starts_with("     +") || l.starts_with("       +") {
        th.ok()
    } else if l.starts_with("     -") || l.starts_with("       -") {
        th.error()
    } else if l.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        th.accent()
    } else {
        th.normal()
    }
}

/// The footer while the admin types where to save the answers (the cursor
/// at the end of the path).
fn save_prompt_lines(app: &App, frame: &mut Frame, footer: Rect, path: &str) -> Vec<Line<'static>> {
    let t = app.texts;
    let th = &app.theme;
    let label = t.t("review.save_to");
    let w = footer.width as usize - label.width() - 2;
    let (shown, col) = window(path, path.chars().count(), w);
    frame.set_cursor_position(Position::new(
        footer.x + label.width() as u16 + 1 + col as u16,
        footer.y,
    ));
    vec![
        Line::from(vec![
            Span::styled(label, th.accent()),
            Span::raw(" "),
            Span::styled(fit(&shown, w), th.input()),
        ]),
        Line::styled(
            cut(&t.t("review.save_note"), footer.width as usize),
            th.dim(),
        ),
    ]
}

/// The footer after saving: where the answers and secrets went, or why
/// they could not be saved.
fn saved_lines(
    app: &App,
    saved: &Result<(PathBuf, PathBuf), String>,
    width: usize,
) -> Vec<Line<'static>> {
    let t = app.texts;
    let th = &app.theme;
    match saved {
        Ok((answers, secrets)) => wrap(
            &t.f(
                "review.saved",
                &[
                    ("answers", &answers.display()),
                    ("secrets", &secrets.display()),
                ],
            ),
            width,
        )
        .into_iter()
        .take(3)
        .map(|l| Line::styled(l, th.ok()))
        .collect(),
        Err(e) => vec![Line::styled(
            t.f("review.save_failed", &[("error", e)]),
            th.error(),
        )],
    }
}

/// The key hints under the screen (an i18n key).
pub(in crate::tui) fn hints(app: &App) -> &'static str {
    if app.review.save_input.is_some() {
        "hints.save"
    } else {
        "hints.review"
    }
}
