//! Drawing the prechecks screen: a line per check, the summary.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::checks::precheck::Status;
use crate::tui::app::{App, Pending};
use crate::tui::widgets::{check_lines, notice_line, screen_block};

/// The prechecks: a line per check (more for a warning or failure), the summary
/// and the notice.
pub(in crate::tui) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let block = screen_block(app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (mut lines, mut footer) = match &app.prechecks.rows {
        Pending::Ready(rows) => {
            let lines = check_lines(
                app,
                rows,
                Some(app.prechecks.selected),
                inner.width as usize,
            );
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

/// The key hints under the screen (an i18n key).
pub(in crate::tui) fn hints(_app: &App) -> &'static str {
    "hints.prechecks"
}
