//! Drawing the done screen: the image checked, where the logs and
//! answers are, what to do next.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, Outcome};
use crate::tui::widgets::{cut, screen_block, wrap};

/// What the install verified, where its records are, and what to do next.
pub(in crate::tui) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.texts;
    let th = &app.theme;
    let block = screen_block(app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut text: Vec<(String, Style)> = verified_text(app);
    text.push((String::new(), th.normal()));
    text.extend(records_text(app));
    text.push((String::new(), th.normal()));
    text.push((t.t("done.next_heading"), th.accent()));
    text.push((t.t("done.next_steps"), th.normal()));
    let width = inner.width as usize;
    let lines: Vec<Line> = text
        .into_iter()
        .flat_map(|(text, style)| {
            wrap(&text, width)
                .into_iter()
                .map(move |l| Line::styled(l, style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The test image the install checked (its id, status and hash), or that
/// it could not be checked.
fn verified_text(app: &App) -> Vec<(String, Style)> {
    let t = app.texts;
    let th = &app.theme;
    let Some(Outcome::Verified(image)) = &app.run.outcome else {
        return Vec::new();
    };
    let Some(image) = image else {
        return vec![(t.t("done.unverified"), th.warn())];
    };
    let hash = cut(&image.sha512, 32).trim_end().to_string();
    vec![
        (t.t("done.works"), th.ok()),
        (
            t.f(
                "done.image",
                &[("id", &image.id), ("status", &image.status)],
            ),
            th.normal(),
        ),
        (t.f("done.hash", &[("hash", &hash)]), th.normal()),
    ]
}

/// Where the run's log, the journal, the session's answers and the saved
/// answers are.
fn records_text(app: &App) -> Vec<(String, Style)> {
    let t = app.texts;
    let normal = app.theme.normal();
    let mut text = Vec::new();
    if let Some(log) = &app.run.view.log_path {
        text.push((t.f("done.log", &[("path", &log.display())]), normal));
    }
    let journal = crate::engine::Journal::path(&app.state_dir);
    text.push((t.f("done.journal", &[("path", &journal.display())]), normal));
    let session = crate::tui::session::session_answers_path(&app.state_dir);
    text.push((t.f("done.session", &[("path", &session.display())]), normal));
    if let Some(answers) = app.saved.answers_file() {
        text.push((t.f("done.saved", &[("path", &answers.display())]), normal));
    }
    text
}

/// The key hints under the screen (an i18n key).
pub(in crate::tui) fn hints(_app: &App) -> &'static str {
    "hints.done"
}
