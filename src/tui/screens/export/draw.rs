//! Drawing the Export screen: pure functions of the [`App`], as in
//! `ui::render`.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{ExportView, Field};
use crate::tui::app::App;
use crate::tui::widgets::{cut, fit, screen_block, wrap};

/// Width of the inputs' labels, in cells.
const LABEL: usize = 18;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let th = &app.theme;
    let block = screen_block(app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(view) = &app.export else {
        return;
    };
    let width = inner.width as usize;
    let mut lines = styled(&t.t("export_screen.intro"), width, th.normal());
    lines.push(Line::raw(""));
    let first_input = lines.len();
    for field in [Field::Inventory, Field::Output] {
        lines.push(input_line(app, view, field, width));
    }
    lines.push(Line::raw(""));
    lines.extend(match &view.result {
        None => styled(&t.t("export_screen.before"), width, th.dim()),
        Some(Ok(written)) => styled(&t.msg(written), width, th.ok()),
        Some(Err(refusal)) => {
            let reason = refusal.render(t);
            let text = t.f("export_screen.not_written", &[("reason", &reason)]);
            styled(&text, width, th.error())
        }
    });
    let row = first_input + usize::from(view.focus == Field::Output);
    let typed = view.input(view.focus);
    let column = (LABEL + 2 + typed.width()).min(width.saturating_sub(1));
    frame.set_cursor_position(Position::new(inner.x + column as u16, inner.y + row as u16));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A label and its input (its end shown when it is longer than the row).
fn input_line(app: &App, view: &ExportView, field: Field, width: usize) -> Line<'static> {
    let th = &app.theme;
    let key = match field {
        Field::Inventory => "export_screen.inventory",
        Field::Output => "export_screen.output",
    };
    let label = fit(&app.texts.t(key), LABEL);
    let room = width.saturating_sub(LABEL + 3);
    let text = view.input(field);
    let shown = if text.width() > room {
        let tail: String = text.chars().rev().collect();
        let tail: String = cut(&tail, room).chars().rev().collect();
        tail
    } else {
        text.to_string()
    };
    let style = if view.focus == field {
        th.selected()
    } else {
        th.normal()
    };
    Line::from(vec![
        Span::styled(label, th.accent()),
        Span::raw("  "),
        Span::styled(shown, style),
    ])
}

fn styled(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    wrap(text, width)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

/// The key hints under the screen (an i18n key).
pub(in crate::tui) fn hints(_app: &App) -> &'static str {
    "export_screen.hints"
}
