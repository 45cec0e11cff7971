//! Drawing the welcome screen: the target, the journal, the choices.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, ResumeInfo, WelcomeChoice};
use crate::tui::widgets::{fit, notice_line, screen_block, wrap};

/// The welcome screen: the intro, the target, the journal, the choices.
pub(in crate::tui) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let block = screen_block(app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    for l in wrap(&app.texts.t("welcome.intro"), width) {
        lines.push(Line::raw(l));
    }
    lines.push(Line::raw(""));
    lines.extend(target_lines(app, width));
    lines.push(Line::raw(""));
    if let Some(r) = &app.resume {
        lines.extend(resume_lines(app, r, width));
        lines.push(Line::raw(""));
    }
    lines.extend(welcome_choice_lines(app));
    if let Some(n) = notice_line(app) {
        lines.push(Line::raw(""));
        lines.push(n);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The target detected (distro, release, init, package manager), or why
/// there is none.
fn target_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let t = app.texts;
    let th = &app.theme;
    let mut lines = Vec::new();
    match &app.profile {
        Ok(p) => {
            lines.push(Line::styled(t.t("welcome.target_heading"), th.accent()));
            for (label, value) in [
                ("welcome.distro", p.distro.title.clone()),
                ("welcome.release", p.release.title.clone()),
                ("welcome.init", p.init.name().to_string()),
                (
                    "welcome.package_manager",
                    p.package_manager.name().to_string(),
                ),
            ] {
                lines.push(Line::from(vec![
                    Span::raw(format!("  {}", fit(&t.t(label), 18))),
                    Span::raw(value),
                ]));
            }
        }
        Err(e) => {
            lines.push(Line::styled(t.t("welcome.no_target"), th.error()));
            for l in wrap(e, width) {
                lines.push(Line::raw(l));
            }
        }
    }
    lines
}

/// What the journal says of an earlier run: where it stopped, and whether
/// its answers were saved.
fn resume_lines(app: &App, r: &ResumeInfo, width: usize) -> Vec<Line<'static>> {
    let t = app.texts;
    let th = &app.theme;
    if let Some(err) = &r.error {
        return vec![Line::styled(
            t.f("welcome.journal_unreadable", &[("error", err)]),
            th.error(),
        )];
    }
    let text = match (&r.stopped_at, r.total) {
        (None, _) if r.done == 0 => t.t("welcome.journal_empty"),
        (Some(task), Some(total)) => t.f(
            "welcome.journal_stopped",
            &[("done", &r.done), ("total", &total), ("task", task)],
        ),
        (Some(task), None) => t.f(
            "welcome.journal_stopped_unknown_total",
            &[("done", &r.done), ("task", task)],
        ),
        (None, Some(total)) => t.f(
            "welcome.journal_done",
            &[("done", &r.done), ("total", &total)],
        ),
        (None, None) => t.f("welcome.journal_some", &[("done", &r.done)]),
    };
    let mut lines: Vec<Line> = wrap(&text, width)
        .into_iter()
        .map(|l| Line::styled(l, th.warn()))
        .collect();
    if !r.has_session {
        for l in wrap(&t.t("welcome.no_session"), width) {
            lines.push(Line::styled(l, th.dim()));
        }
    }
    lines
}

/// The welcome screen's choices, the selected one marked.
fn welcome_choice_lines(app: &App) -> Vec<Line<'static>> {
    let t = app.texts;
    let th = &app.theme;
    let choices = app.welcome_choices();
    let mut lines = Vec::new();
    for (i, c) in choices.iter().enumerate() {
        let key = match c {
            WelcomeChoice::Resume => "welcome.choice_resume",
            WelcomeChoice::EditSaved => "welcome.choice_edit",
            WelcomeChoice::Fresh if app.resume.is_some() => "welcome.choice_fresh",
            WelcomeChoice::Fresh => "welcome.choice_start",
            WelcomeChoice::Doctor => "welcome.choice_doctor",
            WelcomeChoice::Undo => "welcome.choice_undo",
        };
        let selected = i == app.welcome.choice.min(choices.len() - 1);
        let text = format!("{} {}", if selected { "›" } else { " " }, t.t(key));
        lines.push(Line::styled(
            text,
            if selected { th.selected() } else { th.normal() },
        ));
    }
    if !app.journal_records_something() {
        let dir = app.state_dir.display();
        lines.push(Line::styled(
            format!("  {}", t.f("welcome.nothing_to_undo", &[("dir", &dir)])),
            th.dim(),
        ));
    }
    lines
}

/// The key hints under the screen (an i18n key).
pub(in crate::tui) fn hints(_app: &App) -> &'static str {
    "hints.welcome"
}
