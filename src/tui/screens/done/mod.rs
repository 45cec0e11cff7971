//! The done screen: the install verified.

pub mod draw;
#[cfg(test)]
mod tests;

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::app::{App, Screen};

/// The done screen's keys.
impl App {
    pub(in crate::tui) fn key_done(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Char('x') => self.go(Screen::Export),
            KeyCode::Enter | KeyCode::Char('q') | KeyCode::Esc => self.quit_now(),
            _ => {}
        }
    }
}
