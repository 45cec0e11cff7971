//! Drawing a form screen (database, identity, image, proxy): a row per
//! field, the focused field's rule, what background checks found.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, Pending, Screen};
use crate::tui::draft::{FormField, Kind, Problem, strength_bits};
use crate::tui::widgets::{cut, fit, indented, notice_lines, screen_block, window, wrap};

const LABEL_WIDTH: usize = 24;

/// A form screen: its intro, a row per visible field (the focused one with its
/// rule) and the notice, scrolled to the focus.
pub(in crate::tui) fn draw(app: &App, frame: &mut Frame, area: Rect) {
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
        FormField::Openrc => match &app.form.openrc {
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
        FormField::ProxyTestUrl => Some(match &app.form.proxy_test {
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
        return app.form.cursor;
    };
    let start = value[..span.start].chars().count();
    let end = value[..span.end].chars().count();
    let mask = crate::util::secret::MASK.chars().count();
    match app.form.cursor {
        c if c <= start => c,
        c if c >= end => c - (end - start) + mask,
        _ => start + mask,
    }
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

/// The key hints under the screen (an i18n key).
pub(in crate::tui) fn hints(app: &App) -> &'static str {
    if app.screen == Screen::Proxy {
        "hints.proxy"
    } else {
        "hints.form"
    }
}
