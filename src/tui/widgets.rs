//! Drawing helpers every screen shares: fitting text to display widths
//! (a CJK character takes two columns), the screen's frame, notices,
//! error panels and popups. Pure functions; no I/O.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub use super::wrap::wrap;
use crate::checks::precheck::Status;
use crate::tui::app::{App, Screen};

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

pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.1}s")
    } else if s < 600.0 {
        format!("{}s", s.round() as u64)
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// A window of `s` of `width` columns that contains the char `cursor`;
/// returns the text and the cursor's column in it.
pub fn window(s: &str, cursor: usize, width: usize) -> (String, usize) {
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

/// Up to three lines of `text` under a field, indented by four.
pub fn indented(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    wrap(text, width - 4)
        .into_iter()
        .take(3)
        .map(|l| Line::styled(format!("    {l}"), style))
        .collect()
}

/// Clears `r` for a popup. A wide character of the screen under it that
/// starts just left of `r` would span the popup's left border on the
/// terminal (ratatui then never sends the border's cell), and one that `r`
/// cuts on the right would leave its second half: both become spaces.
pub fn clear_popup(frame: &mut Frame, r: Rect) {
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

pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// A line with every occurrence of `query` (lower case) styled.
pub fn highlight(line: &str, query: &str, style: Style) -> Line<'static> {
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

pub fn screen_block(app: &App) -> Block<'static> {
    Block::bordered().title(Span::styled(
        format!(
            " {} ",
            app.texts.t(&format!("screen.{}.title", app.screen.name()))
        ),
        app.theme.title(),
    ))
}

/// The notice wrapped to `width` (none when there is no notice).
pub fn notice_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    app.notice
        .iter()
        .flat_map(|n| {
            wrap(n, width)
                .into_iter()
                .map(|l| Line::styled(l, app.theme.warn()))
        })
        .collect()
}

pub fn notice_line(app: &App) -> Option<Line<'static>> {
    app.notice
        .as_ref()
        .map(|n| Line::styled(n.clone(), app.theme.warn()))
}

/// A bordered panel over `area` (cleared first) with `title` in the error
/// style; returns the area inside it.
pub fn error_panel(app: &App, frame: &mut Frame, area: Rect, title: &str) -> Rect {
    let block = Block::bordered().title(Span::styled(format!(" {title} "), app.theme.error()));
    let inner = block.inner(area);
    clear_popup(frame, area);
    frame.render_widget(block, area);
    inner
}

/// At most `max` lines of `error` wrapped to `width`, in the error style.
pub fn error_lines(app: &App, error: &str, width: usize, max: usize) -> Vec<Line<'static>> {
    wrap(error, width)
        .into_iter()
        .take(max)
        .map(|l| Line::styled(l, app.theme.error()))
        .collect()
}

pub fn status_span(app: &App, status: Status) -> Span<'static> {
    let t = app.texts;
    let th = &app.theme;
    match status {
        Status::Pass => Span::styled(fit(&t.t("status.pass"), 6), th.ok()),
        Status::Warn => Span::styled(fit(&t.t("status.warn"), 6), th.warn()),
        Status::Fail => Span::styled(fit(&t.t("status.fail"), 6), th.error()),
    }
}

pub fn check_lines(
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
