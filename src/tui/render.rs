//! Drawing: pure functions of the [`App`]; no I/O. Widths are display
//! widths (a CJK character takes two columns), so labels and tables line up
//! in Chinese too.

use std::path::PathBuf;
use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Gauge, Paragraph, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::app::{App, Outcome, Pending, ResumeInfo, Screen, WelcomeChoice};
use super::draft::{FormField, Kind, Problem, strength_bits};
use super::run::{Failure, FailureChoice, LogBuf, Search, TaskRow, TaskState};
use super::theme::Theme;
pub use super::wrap::wrap;
use crate::checks::precheck::Status;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
const LABEL_WIDTH: usize = 24;

/// Pads `s` with spaces to `width` columns (or cuts it, ending in `…`).
pub fn fit(s: &str, width: usize) -> String {
    let w = s.width();
    if w <= width {
        let mut out = s.to_string();
        out.push_str(&" ".repeat(width - w));
        return out;
    }
    cut(s, width)
}

/// Cuts `s` to at most `width` columns, ending in `…` when cut.
pub fn cut(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > width {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    used += 1;
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.1}s")
    } else if s < 600.0 {
        format!("{}s", s.round() as u64)
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let t = app.texts;
        let text = t.f(
            "ui.too_small",
            &[
                ("width", &area.width),
                ("height", &area.height),
                ("min_width", &MIN_WIDTH),
                ("min_height", &MIN_HEIGHT),
            ],
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let [header, body, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(app, frame, header);
    match app.screen {
        Screen::Welcome => draw_welcome(app, frame, body),
        Screen::Database | Screen::Identity | Screen::Image | Screen::Proxy => {
            draw_form(app, frame, body)
        }
        Screen::Prechecks => draw_prechecks(app, frame, body),
        Screen::Review => draw_review(app, frame, body),
        Screen::Run => draw_run(app, frame, body),
        Screen::Done => draw_done(app, frame, body),
        Screen::Doctor => draw_doctor(app, frame, body),
        Screen::Undo => super::undo::draw::draw(app, frame, body),
        Screen::Export => super::export::draw::draw(app, frame, body),
    }
    draw_hints(app, frame, hints);
    if app.help {
        draw_help(app, frame, area);
    }
    if app.confirm_quit {
        draw_confirm(app, frame, area);
    }
}

fn draw_header(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let th = &app.theme;
    let mut spans = vec![Span::styled(format!(" {} ", t.t("app.name")), th.title())];
    for (i, s) in Screen::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled("›", th.dim()));
        }
        let name = t.t(&format!("screen.{}.short", s.name()));
        let style = if *s == app.screen {
            th.selected()
        } else if *s < app.screen {
            th.normal()
        } else {
            th.dim()
        };
        spans.push(Span::styled(name, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_hints(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let key = if app.confirm_quit {
        "hints.confirm"
    } else if app.help {
        "hints.help"
    } else {
        match app.screen {
            Screen::Run if app.run.search.as_ref().is_some_and(|s| s.editing) => "hints.search",
            Screen::Run if app.run.failure.is_some() && !app.engine_running => "hints.run_failed",
            Screen::Review if app.save_input.is_some() => "hints.save",
            Screen::Welcome => "hints.welcome",
            Screen::Database | Screen::Identity | Screen::Image => "hints.form",
            Screen::Proxy => "hints.proxy",
            Screen::Prechecks => "hints.prechecks",
            Screen::Review => "hints.review",
            Screen::Run => "hints.run",
            Screen::Done => "hints.done",
            Screen::Doctor => "hints.doctor",
            Screen::Undo => undo_hints(app),
            Screen::Export => "export_screen.hints",
        }
    };
    let text = fit(&format!(" {}", t.t(key)), area.width as usize);
    frame.render_widget(
        Paragraph::new(Span::styled(text, app.theme.key_hint())),
        area,
    );
}

/// The Undo screen's keys in its phase.
fn undo_hints(app: &App) -> &'static str {
    use super::undo::Phase;
    match app.undo.phase {
        Phase::Preview if matches!(app.undo.preview, Pending::Ready(Err(_))) => "hints.undo_back",
        Phase::Preview => "hints.undo",
        Phase::Confirm { .. } => "hints.undo_confirm",
        Phase::Running => "hints.undo_running",
        Phase::Ended(_) => "hints.undo_ended",
    }
}

pub(crate) fn screen_block(app: &App) -> Block<'static> {
    Block::bordered().title(Span::styled(
        format!(
            " {} ",
            app.texts.t(&format!("screen.{}.title", app.screen.name()))
        ),
        app.theme.title(),
    ))
}

/// The notice wrapped to `width` (none when there is no notice).
fn notice_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    app.notice
        .iter()
        .flat_map(|n| {
            wrap(n, width)
                .into_iter()
                .map(|l| Line::styled(l, app.theme.warn()))
        })
        .collect()
}

fn notice_line(app: &App) -> Option<Line<'static>> {
    app.notice
        .as_ref()
        .map(|n| Line::styled(n.clone(), app.theme.warn()))
}

fn draw_welcome(app: &App, frame: &mut Frame, area: Rect) {
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
        let selected = i == app.welcome_choice.min(choices.len() - 1);
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

/// The text a field shows: masked for secrets, always.
fn shown_value(app: &App, f: FormField) -> (String, bool) {
    let t = app.texts;
    let value = app.draft.value(f, app.profile());
    match f.kind() {
        // The same mask whatever the length: a row of one star per
        // character would tell every onlooker how long the password is.
        Kind::Secret => {
            let generated = app.draft.generated.contains(&f)
                || f.confirms()
                    .is_some_and(|p| app.draft.generated.contains(&p));
            let s = if generated {
                format!("{} {}", crate::util::secret::MASK, t.t("form.generated"))
            } else if value.is_empty() {
                String::new()
            } else {
                crate::util::secret::MASK.to_string()
            };
            (s, false)
        }
        Kind::Choice(_) => {
            let key = format!("choice.{value}");
            let label = if t.has(&key) { t.t(&key) } else { value };
            (format!("‹ {label} ›"), false)
        }
        // A URL's password is masked even while it is typed.
        Kind::Text => (
            crate::util::mask::mask_url_password(&value).into_owned(),
            app.draft.is_default(f),
        ),
    }
}

/// The cursor's char index in the shown (masked) text of a text field:
/// past a masked URL password it moves by the difference in length, inside
/// one it stays at the mask's end.
fn shown_cursor(app: &App, f: FormField) -> usize {
    let value = app.draft.value(f, app.profile());
    let Some(span) = crate::util::mask::url_password_span(&value) else {
        return app.cursor;
    };
    let start = value[..span.start].chars().count();
    let end = value[..span.end].chars().count();
    let mask = crate::util::secret::MASK.chars().count();
    match app.cursor {
        c if c <= start => c,
        c if c >= end => c - (end - start) + mask,
        _ => start + mask,
    }
}

/// A window of `s` of `width` columns that contains the char `cursor`;
/// returns the text and the cursor's column in it.
fn window(s: &str, cursor: usize, width: usize) -> (String, usize) {
    let chars: Vec<char> = s.chars().collect();
    let cursor = cursor.min(chars.len());
    let col = |from: usize, to: usize| -> usize {
        chars[from..to].iter().map(|c| c.width().unwrap_or(0)).sum()
    };
    let mut start = 0;
    while col(start, cursor) >= width.saturating_sub(1) && start < cursor {
        start += 1;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in &chars[start..] {
        let cw = c.width().unwrap_or(0);
        if used + cw > width {
            break;
        }
        out.push(*c);
        used += cw;
    }
    (out, col(start, cursor))
}

fn problem_text(app: &App, p: &Problem) -> String {
    let t = app.texts;
    match p {
        Problem::Mismatch => t.t("rule.mismatch"),
        Problem::NotANumber => t.t("rule.not_a_number"),
        // The validator's own rule, in the screen's language.
        Problem::Rule(rule) => t.msg(&rule.msg()),
    }
}

fn draw_form(app: &App, frame: &mut Frame, area: Rect) {
    let block = screen_block(app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let form = form_lines(app, inner.width as usize);
    let height = inner.height as usize;
    let offset = form_scroll(app, &form, height);
    let visible: Vec<Line> = form.lines.into_iter().skip(offset).take(height).collect();
    frame.render_widget(Paragraph::new(visible), inner);
    if let Some((row, col)) = form.cursor
        && row >= offset
        && row < offset + height
    {
        frame.set_cursor_position(Position::new(
            inner.x + col as u16,
            inner.y + (row - offset) as u16,
        ));
    }
}

/// A form screen's text, before scrolling.
struct FormLines {
    lines: Vec<Line<'static>>,
    /// The focused field's lines (its row and its rule), start..end.
    focus: (usize, usize),
    /// Line and column of the text cursor, when a text field has focus.
    cursor: Option<(usize, usize)>,
}

/// The screen's intro, a row for each visible field (with its rule and
/// status lines below when it has them) and the notice.
fn form_lines(app: &App, width: usize) -> FormLines {
    let problems = app.problems();
    let focused = app.focused();
    let intro = app.texts.t(&format!("screen.{}.intro", app.screen.name()));
    let mut form = FormLines {
        lines: wrap(&intro, width)
            .into_iter()
            .map(|l| Line::styled(l, app.theme.dim()))
            .collect(),
        focus: (0, 0),
        cursor: None,
    };
    for f in app.visible_fields() {
        let is_focused = focused == Some(f);
        let problem = problems.get(&f);
        let start = form.lines.len();
        let (row, cursor_col) = field_row(app, f, problem, is_focused, width);
        form.lines.push(row);
        if is_focused && matches!(f.kind(), Kind::Text | Kind::Secret) {
            form.cursor = Some((start, LABEL_WIDTH + 3 + cursor_col));
        }
        if is_focused {
            let rule = field_rule(app, f, problem);
            let style = if problem.is_some() {
                app.theme.error()
            } else {
                app.theme.dim()
            };
            form.lines.extend(indented(&rule, width, style));
        }
        if let Some((text, style)) = field_status(app, f) {
            form.lines.extend(indented(&text, width, style));
        }
        if is_focused {
            form.focus = (start, form.lines.len());
        }
    }
    if app.notice.is_some() {
        form.lines.push(Line::raw(""));
        form.lines.extend(notice_lines(app, width));
    }
    form
}

/// The first line shown: the focused field and its rule stay visible, and
/// the notice too when there is one.
fn form_scroll(app: &App, form: &FormLines, height: usize) -> usize {
    let (focus_start, focus_end) = form.focus;
    let total = form.lines.len();
    let mut offset = focus_end.saturating_sub(height);
    if total > height && app.notice.is_some() && offset + height < total {
        offset = (total - height).min(focus_start);
    }
    offset
}

/// A field's row: marker, label and value; and the cursor's column within
/// the value.
fn field_row(
    app: &App,
    f: FormField,
    problem: Option<&Problem>,
    is_focused: bool,
    width: usize,
) -> (Line<'static>, usize) {
    let th = &app.theme;
    let value_width = width.saturating_sub(LABEL_WIDTH + 3);
    let marker = if is_focused {
        Span::styled("›", th.accent())
    } else if problem.is_some() {
        Span::styled("✗", th.error())
    } else {
        Span::raw(" ")
    };
    let label = fit(
        &app.texts.t(&format!("field.{}.label", f.name())),
        LABEL_WIDTH,
    );
    let (value, is_default) = shown_value(app, f);
    let (shown, cursor_col) = if is_focused {
        // A secret shows a fixed mask: its cursor stays at the end.
        let at = if f.kind() == Kind::Secret {
            value.chars().count()
        } else {
            shown_cursor(app, f)
        };
        let (value, col) = window(&value, at, value_width);
        (fit(&value, value_width), col)
    } else {
        (cut(&value, value_width), 0)
    };
    let value_style = if is_focused {
        th.input()
    } else if problem.is_some() {
        th.error()
    } else if is_default {
        th.dim()
    } else {
        th.normal()
    };
    let label_style = if is_focused { th.accent() } else { th.normal() };
    let row = Line::from(vec![
        marker,
        Span::raw(" "),
        Span::styled(label, label_style),
        Span::raw(" "),
        Span::styled(shown, value_style),
    ]);
    (row, cursor_col)
}

/// The focused field's rule, or the problem with its value; for a password
/// the wizard can generate, its strength and the generate hint.
fn field_rule(app: &App, f: FormField, problem: Option<&Problem>) -> String {
    let t = app.texts;
    let mut rule = match problem {
        Some(p) => problem_text(app, p),
        None => t.t(&format!("field.{}.rule", f.name())),
    };
    // The level only (its bits would hint at the length), and only
    // for a password the rules accept.
    if f.generatable() && !app.draft.raw(f).is_empty() && problem.is_none() {
        let level = match strength_bits(app.draft.raw(f)) {
            0..50 => t.t("strength.weak"),
            50..80 => t.t("strength.fair"),
            _ => t.t("strength.strong"),
        };
        rule = format!("{}  {}", t.f("form.strength", &[("level", &level)]), rule);
    }
    if f.generatable() {
        rule = format!("{} · {}", rule, t.t("form.generate_hint"));
    }
    rule
}

/// What a background check found for this field: the admin-openrc's
/// variables, or the proxy test's result.
fn field_status(app: &App, f: FormField) -> Option<(String, Style)> {
    let (t, th) = (app.texts, &app.theme);
    match f {
        FormField::Openrc => match &app.openrc {
            Pending::Idle => None,
            Pending::Busy => Some((t.t("identity.openrc_reading"), th.dim())),
            Pending::Ready(Ok(vars)) => Some((
                vars.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("  "),
                th.ok(),
            )),
            Pending::Ready(Err(e)) => Some((e.to_string(), th.error())),
        },
        FormField::ProxyTestUrl => Some(match &app.proxy_test {
            Pending::Idle => (t.t("proxy.test_hint"), th.dim()),
            Pending::Busy => (t.t("proxy.testing"), th.dim()),
            Pending::Ready(Ok(line)) => {
                let result = t.msg(line);
                (t.f("proxy.test_ok", &[("result", &result)]), th.ok())
            }
            Pending::Ready(Err(line)) => {
                let result = t.msg(line);
                (t.f("proxy.test_failed", &[("result", &result)]), th.error())
            }
        }),
        _ => None,
    }
}

/// Up to three lines of `text` under a field, indented by four.
fn indented(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    wrap(text, width - 4)
        .into_iter()
        .take(3)
        .map(|l| Line::styled(format!("    {l}"), style))
        .collect()
}

fn status_span(app: &App, status: Status) -> Span<'static> {
    let t = app.texts;
    let th = &app.theme;
    match status {
        Status::Pass => Span::styled(fit(&t.t("status.pass"), 6), th.ok()),
        Status::Warn => Span::styled(fit(&t.t("status.warn"), 6), th.warn()),
        Status::Fail => Span::styled(fit(&t.t("status.fail"), 6), th.error()),
    }
}

fn check_lines(
    app: &App,
    rows: &[super::app::CheckRow],
    selected: Option<usize>,
    width: usize,
) -> Vec<Line<'static>> {
    let t = app.texts;
    let th = &app.theme;
    let name_width = 18;
    let detail_width = width.saturating_sub(name_width + 8);
    let mut lines = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let is_selected = selected == Some(i);
        let name = fit(&t.t(&row.name_key), name_width);
        let mut detail = t.msg(&row.detail);
        if row.status == Status::Fail
            && let Some(f) = row.field
        {
            let screen = Screen::of_field(f);
            detail = format!(
                "{detail} {}",
                t.f(
                    "prechecks.jump",
                    &[("screen", &t.t(&format!("screen.{}.title", screen.name())))]
                )
            );
        }
        // A passed check takes one line, so that every check fits at 80×24
        // (the screen does not scroll); a warning shows up to three, a
        // failure its remedy and where to fix it, which come last.
        let width = detail_width.max(10);
        let (wrapped, shown) = match row.status {
            Status::Pass => (vec![cut(&detail, width)], 1),
            Status::Warn => (wrap(&detail, width), 3),
            Status::Fail => (wrap(&detail, width), 8),
        };
        for (j, d) in wrapped.into_iter().enumerate().take(shown) {
            if j == 0 {
                lines.push(Line::from(vec![
                    Span::raw(if is_selected { "›" } else { " " }),
                    status_span(app, row.status),
                    Span::styled(
                        name.clone(),
                        if is_selected {
                            th.selected()
                        } else {
                            th.normal()
                        },
                    ),
                    Span::raw(" "),
                    Span::raw(d),
                ]));
            } else {
                lines.push(Line::raw(format!("{}{d}", " ".repeat(name_width + 8))));
            }
        }
    }
    lines
}

fn draw_prechecks(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let block = screen_block(app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (mut lines, mut footer) = match &app.checks {
        Pending::Ready(rows) => {
            let lines = check_lines(app, rows, Some(app.check_selected), inner.width as usize);
            let failed = rows.iter().any(|r| r.status == Status::Fail);
            let summary = Line::styled(
                t.t(if failed {
                    "prechecks.some_failed"
                } else {
                    "prechecks.all_passed"
                }),
                if failed {
                    app.theme.error()
                } else {
                    app.theme.ok()
                },
            );
            (lines, vec![Line::raw(""), summary])
        }
        _ => (
            vec![Line::styled(t.t("prechecks.running"), app.theme.dim())],
            Vec::new(),
        ),
    };
    footer.extend(notice_line(app));
    // The summary and a notice stay in view when long failures fill the
    // screen: the checks' lines give way.
    lines.truncate((inner.height as usize).saturating_sub(footer.len()));
    lines.extend(footer);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The doctor's report: findings first (each with why and fix), then the
/// checks that passed; scrolled with ↑↓.
fn draw_doctor(app: &App, frame: &mut Frame, area: Rect) {
    let block = screen_block(app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = match &app.doctor {
        Pending::Ready(report) => doctor_lines(app, report, inner.width as usize),
        _ => vec![Line::styled(app.texts.t("doctor.running"), app.theme.dim())],
    };
    let skip = app.doctor_scroll.min(lines.len().saturating_sub(1));
    // A notice (why the Glance cannot be adopted) stays above the scroll.
    let notice = notice_lines(app, inner.width as usize);
    let [top, rest] =
        Layout::vertical([Constraint::Length(notice.len() as u16), Constraint::Min(0)])
            .areas(inner);
    frame.render_widget(Paragraph::new(notice), top);
    frame.render_widget(Paragraph::new(lines[skip..].to_vec()), rest);
}

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
        let head = t.f(
            "doctor.line",
            &[
                ("mark", &"✗"),
                ("check", &f.check.label(t)),
                ("text", &t.msg(&f.object)),
            ],
        );
        lines.extend(
            wrap(&head, width)
                .into_iter()
                .map(|l| Line::styled(l, th.error())),
        );
        let mut parts = vec![
            (t.t("doctor.problem"), t.msg(&f.problem)),
            (t.t("doctor.why"), t.msg(&f.why)),
            (t.t("doctor.fix"), t.msg(&f.fix)),
        ];
        if f.apply_fixes {
            parts.push((t.t("doctor.or"), t.t("doctor.apply_hint")));
        }
        for (label, text) in parts {
            for l in wrap(&format!("  {label} {text}"), width) {
                lines.push(Line::raw(l));
            }
        }
    }
    lines.push(Line::raw(""));
    for note in &report.checks {
        let mark = if note.passed { "✓" } else { "–" };
        let text = t.f(
            "doctor.line",
            &[
                ("mark", &mark),
                ("check", &note.check.label(t)),
                ("text", &t.msg(&note.detail)),
            ],
        );
        lines.extend(
            wrap(&text, width)
                .into_iter()
                .map(|l| Line::styled(l, th.dim())),
        );
    }
    lines
}

fn draw_review(app: &App, frame: &mut Frame, area: Rect) {
    let block = screen_block(app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let footer_height = if app.save_input.is_some() || app.saved.is_some() {
        3
    } else {
        1
    };
    let [text_area, footer] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(footer_height)]).areas(inner);
    draw_review_body(app, frame, text_area);
    let lines = if let Some(path) = &app.save_input {
        save_prompt_lines(app, frame, footer, path)
    } else if let Some(saved) = &app.saved {
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
    match &app.review {
        Pending::Ready(Ok(text)) => {
            let height = area.height as usize;
            let max = text.len().saturating_sub(height);
            let scroll = app.review_scroll.min(max);
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

/// A running task's spinner, one frame per 100 ms of its run.
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

fn task_glyph(state: TaskState) -> &'static str {
    match state {
        TaskState::Pending => "·",
        TaskState::Running => "▶",
        TaskState::Done => "✓",
        TaskState::Skipped => "↷",
        TaskState::Failed => "✗",
        TaskState::Retrying => "↻",
    }
}

fn draw_run(app: &App, frame: &mut Frame, area: Rect) {
    let failed = app.run.failure.is_some() && !app.engine_running;
    let error = matches!(app.outcome, Some(Outcome::Error(_)));
    // A failure: its error (the remedy is in it: as many lines as leave
    // the task list and log RUN_MIDDLE_MIN rows), the choices, the recheck
    // choice and the resume note.
    let bottom = if let (true, Some(failure)) = (failed, &app.run.failure) {
        failure_error_rows(app, failure, area) + 5
    } else if error {
        6
    } else {
        0
    };
    let [gauge_area, middle, bottom_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(bottom),
    ])
    .areas(area);
    draw_run_gauge(app, frame, gauge_area);
    let [tasks_area, log_area] =
        Layout::horizontal([Constraint::Length(32), Constraint::Fill(1)]).areas(middle);
    draw_task_list(app, frame, tasks_area);
    draw_task_log(app, frame, log_area);
    if failed && let Some(failure) = &app.run.failure {
        draw_failure(app, failure, frame, bottom_area);
    } else if let Some(Outcome::Error(e)) = &app.outcome {
        draw_run_error(app, e, frame, bottom_area);
    }
    if app.quitting {
        draw_stopping(app, frame, area);
    }
}

/// The progress bar: tasks done out of all, those running, time so far.
fn draw_run_gauge(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let th = &app.theme;
    let run = &app.run;
    let (done, total) = run.progress();
    let elapsed = run
        .finished_in
        .or_else(|| run.started.map(|s| app.now.saturating_duration_since(s)))
        .unwrap_or_default();
    let running = run.running_count();
    let label = t.f(
        if running > 0 {
            "run.progress_running"
        } else {
            "run.progress"
        },
        &[
            ("done", &done),
            ("total", &total),
            ("running", &running),
            ("elapsed", &seconds(elapsed)),
        ],
    );
    let ratio = if total == 0 {
        0.0
    } else {
        done as f64 / total as f64
    };
    frame.render_widget(
        Gauge::default()
            .gauge_style(if th.color { th.ok() } else { th.selected() })
            .ratio(ratio)
            .label(label),
        area,
    );
}

/// The task list, scrolled so that the selected task shows.
fn draw_task_list(app: &App, frame: &mut Frame, area: Rect) {
    let run = &app.run;
    let block = Block::bordered().title(Span::styled(
        format!(" {} ", app.texts.t("run.tasks")),
        app.theme.title(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // "▶ id ⠹ 12.3s": glyph, id, spinner (running tasks), time.
    let id_width = (inner.width as usize).saturating_sub(11);
    let rows: Vec<Line> = run
        .tasks
        .iter()
        .enumerate()
        .map(|(i, task)| task_line(app, task, i == run.selected, id_width))
        .collect();
    let visible = inner.height as usize;
    let skip = run.selected.saturating_sub(visible.saturating_sub(1));
    frame.render_widget(
        Paragraph::new(rows.into_iter().skip(skip).collect::<Vec<_>>()),
        inner,
    );
}

/// One task's row: glyph, id and time, styled by its state.
fn task_line(app: &App, task: &TaskRow, selected: bool, id_width: usize) -> Line<'static> {
    let th = &app.theme;
    let mut state = task.state;
    if state == TaskState::Retrying && task.retry_until.is_some_and(|u| app.now >= u) {
        state = TaskState::Running;
    }
    let style = match state {
        TaskState::Done => th.ok(),
        TaskState::Failed => th.error(),
        TaskState::Retrying => th.warn(),
        TaskState::Running => th.accent(),
        TaskState::Skipped | TaskState::Pending => th.dim(),
    };
    let time = cut(&task_time(app, task, state), 8);
    let text = format!(
        "{} {} {}{time}",
        task_glyph(state),
        fit(task.id.as_str(), id_width),
        " ".repeat(8usize.saturating_sub(time.width()))
    );
    Line::styled(
        text,
        if selected {
            style.patch(th.selected())
        } else {
            style
        },
    )
}

/// A task's time column: a spinner and the time so far while it runs, the
/// wait before a retry, its duration once ended.
fn task_time(app: &App, task: &TaskRow, state: TaskState) -> String {
    let t = app.texts;
    match state {
        TaskState::Running => task
            .started
            .map(|s| {
                let running = app.now.saturating_duration_since(s);
                let frame = (running.as_millis() / 100) as usize % SPINNER.len();
                format!("{} {}", SPINNER[frame], cut(&seconds(running), 6))
            })
            .unwrap_or_default(),
        TaskState::Retrying => task
            .retry_until
            .map(|u| {
                let left = u.saturating_duration_since(app.now);
                t.f("run.retry_in", &[("seconds", &left.as_secs_f64().ceil())])
            })
            .unwrap_or_default(),
        TaskState::Done | TaskState::Failed => task.duration.map(seconds).unwrap_or_default(),
        TaskState::Skipped => t.t("run.skipped_short"),
        TaskState::Pending => String::new(),
    }
}

/// The selected task's log, titled with its id (as in the list) and title,
/// and the search line under it while searching.
fn draw_task_log(app: &App, frame: &mut Frame, area: Rect) {
    let th = &app.theme;
    let run = &app.run;
    let title = run.tasks.get(run.selected).map_or(String::new(), |task| {
        format!(" {} · {} ", task.id, task.title)
    });
    let log = run.selected_log();
    let searching = run.search.as_ref();
    let block = Block::bordered()
        .title(Span::styled(
            cut(&title, area.width.saturating_sub(4) as usize),
            th.title(),
        ))
        .title_bottom(Span::styled(log_position(app, log), th.dim()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let search_rows = usize::from(searching.is_some());
    let height = (inner.height as usize).saturating_sub(search_rows);
    run.view_height.set(height);
    let width = inner.width as usize;
    let mut lines = log.map_or_else(Vec::new, |log| log_lines(app, log, height, width));
    while lines.len() < height {
        lines.push(Line::raw(""));
    }
    if let Some(s) = searching {
        lines.push(search_line(app, s, width));
        if s.editing {
            frame.set_cursor_position(Position::new(
                inner.x + (1 + s.query.width()).min(width.saturating_sub(1)) as u16,
                inner.y + height as u16,
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The log pane's bottom title: following the end, or where the view is.
/// Reads the pane's height of the last draw, as scrolling does.
fn log_position(app: &App, log: Option<&LogBuf>) -> String {
    let t = app.texts;
    let run = &app.run;
    let end = log.map_or(0, |l| l.end());
    if run.top.is_none() {
        format!(" {} ", t.f("run.following", &[("lines", &end)]))
    } else {
        let first = run.first_line(run.view_height.get()) + 1;
        format!(
            " {} ",
            t.f("run.scrolled", &[("line", &first), ("lines", &end)])
        )
    }
}

/// The log lines in view, the search's matches highlighted (the current
/// one as selected).
fn log_lines(app: &App, log: &LogBuf, height: usize, width: usize) -> Vec<Line<'static>> {
    let th = &app.theme;
    let run = &app.run;
    let searching = run.search.as_ref();
    let first = run.first_line(height);
    let query = searching
        .map(|s| s.query.to_lowercase())
        .filter(|q| !q.is_empty());
    let mut lines = Vec::new();
    for n in first..(first + height).min(log.end()) {
        let Some(line) = log.get(n) else { continue };
        let shown = cut(line, width);
        let is_current = searching.and_then(|s| s.current) == Some(n);
        match &query {
            Some(q) if shown.to_lowercase().contains(q.as_str()) => {
                lines.push(highlight(
                    &shown,
                    q,
                    if is_current {
                        th.selected()
                    } else {
                        th.highlight()
                    },
                ));
            }
            _ => lines.push(Line::raw(shown)),
        }
    }
    lines
}

/// The line under the log while searching: the query being typed, or the
/// search's state.
fn search_line(app: &App, s: &Search, width: usize) -> Line<'static> {
    let t = app.texts;
    let th = &app.theme;
    let text = if s.editing {
        format!("/{}", s.query)
    } else if s.not_found {
        t.f("run.not_found", &[("query", &s.query)])
    } else {
        t.f("run.search_active", &[("query", &s.query)])
    };
    Line::styled(
        cut(&text, width),
        if s.not_found { th.warn() } else { th.accent() },
    )
}

/// Clears `r` for a popup. A wide character of the screen under it that
/// starts just left of `r` would span the popup's left border on the
/// terminal (ratatui then never sends the border's cell), and one that `r`
/// cuts on the right would leave its second half: both become spaces.
fn clear_popup(frame: &mut Frame, r: Rect) {
    frame.render_widget(Clear, r);
    let buffer = frame.buffer_mut();
    let area = buffer.area;
    for y in r.top()..r.bottom() {
        if r.left() > area.left() {
            let cell = &mut buffer[(r.left() - 1, y)];
            if cell.symbol().width() > 1 {
                cell.set_symbol(" ");
            }
        }
        if r.right() < area.right() {
            let cell = &mut buffer[(r.right(), y)];
            if cell.symbol().is_empty() {
                cell.set_symbol(" ");
            }
        }
    }
}

/// A bordered panel over `area` (cleared first) with `title` in the error
/// style; returns the area inside it.
fn error_panel(app: &App, frame: &mut Frame, area: Rect, title: &str) -> Rect {
    let block = Block::bordered().title(Span::styled(format!(" {title} "), app.theme.error()));
    let inner = block.inner(area);
    clear_popup(frame, area);
    frame.render_widget(block, area);
    inner
}

/// At most `max` lines of `error` wrapped to `width`, in the error style.
fn error_lines(app: &App, error: &str, width: usize, max: usize) -> Vec<Line<'static>> {
    wrap(error, width)
        .into_iter()
        .take(max)
        .map(|l| Line::styled(l, app.theme.error()))
        .collect()
}

/// Rows the task list and the log keep when a failure's panel grows.
const RUN_MIDDLE_MIN: u16 = 10;

/// Rows of the failed task's error in its panel: all of it wrapped, but at
/// least two and no more than leave the task list and log
/// [`RUN_MIDDLE_MIN`] rows of `area` (the run screen's body).
fn failure_error_rows(app: &App, failure: &Failure, area: Rect) -> u16 {
    let width = area.width.saturating_sub(2) as usize;
    let wrapped = wrap(&app.texts.msg(&failure.error), width).len() as u16;
    let room = area.height.saturating_sub(1 + 5 + RUN_MIDDLE_MIN);
    wrapped.min(room).max(2)
}

/// The failed task's panel: its error (as many lines as the panel has),
/// the choices and the resume note (or the notice).
fn draw_failure(app: &App, failure: &Failure, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let title = t.f("run.failed_title", &[("task", &failure.task)]);
    let inner = error_panel(app, frame, area, &title);
    let w = inner.width as usize;
    let rows = usize::from(inner.height.saturating_sub(3));
    let mut lines = error_lines(app, &t.msg(&failure.error), w, rows);
    while lines.len() < rows {
        lines.push(Line::raw(""));
    }
    let (choices, recheck) = failure_choices(app, failure, w);
    lines.push(choices);
    lines.extend(recheck);
    if let Some(n) = notice_line(app) {
        lines.push(n);
    } else {
        lines.push(Line::styled(
            cut(&t.t("run.resume_note"), w),
            app.theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The choices after a failure: one line of keys, and the recheck on a line
/// of its own (it is long, and rarer).
fn failure_choices(
    app: &App,
    failure: &Failure,
    w: usize,
) -> (Line<'static>, Option<Line<'static>>) {
    let t = app.texts;
    let th = &app.theme;
    let mut spans = Vec::new();
    let mut recheck = None;
    for (i, c) in FailureChoice::ALL.iter().enumerate() {
        let mut style = if i == failure.choice {
            th.selected()
        } else {
            th.normal()
        };
        let (key, text) = match c {
            FailureChoice::Recheck => {
                let text = format!("[v] {}", t.t("run.choice_recheck"));
                recheck = Some(Line::styled(cut(&text, w), style));
                continue;
            }
            FailureChoice::Retry => ("r", t.t("run.choice_retry")),
            FailureChoice::Edit => {
                let screen = app.edit_screen(failure.task).name();
                let short = t.t(&format!("screen.{screen}.short"));
                ("e", t.f("run.choice_edit", &[("screen", &short)]))
            }
            FailureChoice::Skip if app.can_skip() => ("s", t.t("run.choice_skip")),
            FailureChoice::Skip => ("s", t.t("run.choice_skip_unsafe")),
            FailureChoice::Quit => ("q", t.t("run.choice_quit")),
        };
        if *c == FailureChoice::Skip && !app.can_skip() {
            style = style.patch(th.dim());
        }
        spans.push(Span::styled(format!("[{key}] {text}"), style));
        spans.push(Span::raw("  "));
    }
    (Line::from(spans), recheck)
}

/// The install could not start (or the engine ended in an error of its
/// own, not a task's): the error and the way back.
fn draw_run_error(app: &App, error: &str, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let inner = error_panel(app, frame, area, &t.t("run.error_title"));
    let mut lines = error_lines(app, error, inner.width as usize, 3);
    lines.push(Line::styled(t.t("run.error_back"), app.theme.dim()));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A box in the middle of the screen while quitting stops the running
/// command.
fn draw_stopping(app: &App, frame: &mut Frame, area: Rect) {
    let text = app.texts.t("run.stopping");
    let w = (text.width() as u16 + 4).min(area.width);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + area.height / 2,
        w,
        3,
    );
    clear_popup(frame, r);
    frame.render_widget(
        Paragraph::new(Line::styled(text, app.theme.warn())).block(Block::bordered()),
        r,
    );
}

/// A line with every occurrence of `query` (lower case) styled.
fn highlight(line: &str, query: &str, style: Style) -> Line<'static> {
    let lower = line.to_lowercase();
    if lower.len() != line.len() {
        // Case folding changed byte offsets: highlight the whole line.
        return Line::styled(line.to_string(), style);
    }
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(i) = lower[at..].find(query) {
        let start = at + i;
        let end = start + query.len();
        spans.push(Span::raw(line[at..start].to_string()));
        spans.push(Span::styled(line[start..end].to_string(), style));
        at = end;
    }
    spans.push(Span::raw(line[at..].to_string()));
    Line::from(spans)
}

fn draw_done(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let th = &app.theme;
    let block = screen_block(app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut push = |text: String, style: Style| {
        for l in wrap(&text, width) {
            lines.push(Line::styled(l, style));
        }
    };
    if let Some(Outcome::Verified(image)) = &app.outcome {
        match image {
            Some(image) => {
                push(t.t("done.works"), th.ok());
                push(
                    t.f(
                        "done.image",
                        &[("id", &image.id), ("status", &image.status)],
                    ),
                    th.normal(),
                );
                let hash = &image.sha512;
                push(
                    t.f(
                        "done.hash",
                        &[("hash", &cut(hash, 32).trim_end().to_string())],
                    ),
                    th.normal(),
                );
            }
            None => push(t.t("done.unverified"), th.warn()),
        }
    }
    push(String::new(), th.normal());
    if let Some(log) = &app.run.log_path {
        push(t.f("done.log", &[("path", &log.display())]), th.normal());
    }
    push(
        t.f(
            "done.journal",
            &[(
                "path",
                &crate::engine::Journal::path(&app.state_dir).display(),
            )],
        ),
        th.normal(),
    );
    push(
        t.f(
            "done.session",
            &[(
                "path",
                &super::session_answers_path(&app.state_dir).display(),
            )],
        ),
        th.normal(),
    );
    if let Some(Ok((answers, _))) = &app.saved {
        push(
            t.f("done.saved", &[("path", &answers.display())]),
            th.normal(),
        );
    }
    push(String::new(), th.normal());
    push(t.t("done.next_heading"), th.accent());
    push(t.t("done.next_steps"), th.normal());
    frame.render_widget(Paragraph::new(lines), inner);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn draw_help(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let inner_width = 70;
    let mut text = Vec::new();
    for l in wrap(&t.t(&app.screen.help_key()), inner_width) {
        text.push(Line::raw(l));
    }
    text.push(Line::raw(""));
    for l in wrap(&t.t("help.common"), inner_width) {
        text.push(Line::styled(l, app.theme.dim()));
    }
    let r = centered(area, inner_width as u16 + 2, text.len() as u16 + 2);
    let block = Block::bordered().title(Span::styled(
        format!(" {} ", t.t("help.title")),
        app.theme.title(),
    ));
    let inner = block.inner(r);
    clear_popup(frame, r);
    frame.render_widget(block, r);
    frame.render_widget(Paragraph::new(Text::from(text)), inner);
}

fn draw_confirm(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let r = centered(area, 60, 7);
    let block = Block::bordered().title(Span::styled(
        format!(" {} ", t.t("confirm.title")),
        app.theme.warn(),
    ));
    let inner = block.inner(r);
    clear_popup(frame, r);
    frame.render_widget(block, r);
    let text = if app.screen == Screen::Undo {
        t.t("confirm.quit_undo")
    } else {
        t.t("confirm.quit_running")
    };
    let lines: Vec<Line> = wrap(&text, inner.width as usize)
        .into_iter()
        .map(Line::raw)
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_counts_wide_characters_twice() {
        assert_eq!(fit("数据库", 8), "数据库  ");
        assert_eq!(fit("数据库主机地址", 8).width(), 8);
        assert_eq!(cut("abcdef", 4), "abc…");
    }

    #[test]
    fn wrap_breaks_chinese_without_spaces() {
        let lines = wrap("一二三四五六七八九十", 8);
        assert_eq!(lines, ["一二三四", "五六七八", "九十"]);
        // Mixed text fills each line with Chinese instead of moving a
        // whole run of it to the next one, and keeps the Latin word whole
        // (this test once asked for "Keys|tone").
        let lines = wrap("数据库及其账号、Keystone 用户、服务和端点", 20);
        assert_eq!(lines, ["数据库及其账号、", "Keystone 用户、服务", "和端点"]);
        assert!(wrap("one two three", 7).iter().all(|l| l.width() <= 7));
    }
}
