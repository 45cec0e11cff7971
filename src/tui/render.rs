//! Drawing the frame: the header of screens, the screen of the moment (each
//! screen draws itself, in `screens/<name>/draw.rs`), the key hints, and the
//! help and quit popups over them. Pure functions of the [`App`]; no I/O.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::app::{App, Screen};
use super::screens;
use super::widgets::{centered, clear_popup, fit, wrap};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

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
        Screen::Welcome => screens::welcome::draw::draw(app, frame, body),
        Screen::Database | Screen::Identity | Screen::Image | Screen::Proxy => {
            screens::form::draw::draw(app, frame, body)
        }
        Screen::Prechecks => screens::prechecks::draw::draw(app, frame, body),
        Screen::Review => screens::review::draw::draw(app, frame, body),
        Screen::Run => screens::run::draw::draw(app, frame, body),
        Screen::Done => screens::done::draw::draw(app, frame, body),
        Screen::Doctor => screens::doctor::draw::draw(app, frame, body),
        Screen::Undo => screens::undo::draw::draw(app, frame, body),
        Screen::Export => screens::export::draw::draw(app, frame, body),
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
            Screen::Welcome => screens::welcome::draw::hints(app),
            Screen::Database | Screen::Identity | Screen::Image | Screen::Proxy => {
                screens::form::draw::hints(app)
            }
            Screen::Prechecks => screens::prechecks::draw::hints(app),
            Screen::Review => screens::review::draw::hints(app),
            Screen::Run => screens::run::draw::hints(app),
            Screen::Done => screens::done::draw::hints(app),
            Screen::Doctor => screens::doctor::draw::hints(app),
            Screen::Undo => screens::undo::draw::hints(app),
            Screen::Export => screens::export::draw::hints(app),
        }
    };
    let text = fit(&format!(" {}", t.t(key)), area.width as usize);
    frame.render_widget(
        Paragraph::new(Span::styled(text, app.theme.key_hint())),
        area,
    );
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
