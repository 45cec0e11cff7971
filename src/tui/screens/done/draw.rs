//! Drawing the done screen: the image checked, where the logs and
//! answers are, what to do next.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, Outcome};
use crate::tui::widgets::{cut, screen_block, wrap};

pub(in crate::tui) fn draw(app: &App, frame: &mut Frame, area: Rect) {
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
                &crate::tui::session::session_answers_path(&app.state_dir).display(),
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
