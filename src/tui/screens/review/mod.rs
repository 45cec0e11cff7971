//! The review screen: the plan to run, scrolled; saving the answers;
//! starting the install.

pub mod draw;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::app::{App, CheckRow, Pending, Request, Screen};

/// The review screen's state: the plan's text (or the answers' problems),
/// how far it is scrolled, and the save dialog.
#[derive(Debug, Default)]
pub struct ReviewView {
    pub plan: Pending<Result<Vec<String>, Vec<CheckRow>>>,
    pub scroll: usize,
    /// The save dialog's path while it is open.
    pub save_input: Option<String>,
}

/// The review screen's keys and save dialog.
impl App {
    pub(in crate::tui) fn key_review(&mut self, key: KeyEvent) {
        if let Some(path) = &mut self.review.save_input {
            match key.code {
                KeyCode::Esc => self.review.save_input = None,
                KeyCode::Enter => {
                    let path = PathBuf::from(path.trim());
                    self.request(Request::Save(path));
                }
                KeyCode::Backspace => {
                    path.pop();
                }
                KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => path.clear(),
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => path.push(c),
                _ => {}
            }
            return;
        }
        let ready = matches!(self.review.plan, Pending::Ready(Ok(_)));
        match key.code {
            KeyCode::Up => self.review.scroll = self.review.scroll.saturating_sub(1),
            KeyCode::Down => self.review.scroll += 1,
            KeyCode::PageUp => self.review.scroll = self.review.scroll.saturating_sub(15),
            KeyCode::PageDown => self.review.scroll += 15,
            KeyCode::Home => self.review.scroll = 0,
            KeyCode::Esc => self.go(Screen::Prechecks),
            KeyCode::Char('q') => self.quit(),
            KeyCode::Char('s') if ready => {
                self.saved.result = None;
                self.review.save_input = Some(self.saved.default_path.display().to_string());
            }
            KeyCode::Enter => {
                if ready {
                    self.run.skipped_by_user.clear();
                    self.start_run();
                } else if let Pending::Ready(Err(rows)) = &self.review.plan
                    && let Some(f) = rows.iter().find_map(|r| r.field)
                {
                    self.focus_field(f);
                }
            }
            _ => {}
        }
    }
}
