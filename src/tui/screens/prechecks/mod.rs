//! The prechecks screen: the checks of the answers on this machine, each
//! failure leading to the field that fixes it.

pub mod draw;
#[cfg(test)]
mod tests;

use crossterm::event::{KeyCode, KeyEvent};

use crate::checks::precheck::Status;
use crate::tui::app::{App, CheckRow, Pending, Screen};

/// The prechecks screen's state: the checks' rows (once they ran) and the
/// selected one.
#[derive(Debug, Default)]
pub struct PrechecksView {
    pub rows: Pending<Vec<CheckRow>>,
    pub selected: usize,
}

/// The prechecks screen's keys.
impl App {
    pub(in crate::tui) fn key_prechecks(&mut self, key: KeyEvent) {
        let rows = match &self.prechecks.rows {
            Pending::Ready(rows) => rows.clone(),
            _ => Vec::new(),
        };
        match key.code {
            KeyCode::Up => self.prechecks.selected = self.prechecks.selected.saturating_sub(1),
            KeyCode::Down => {
                self.prechecks.selected =
                    (self.prechecks.selected + 1).min(rows.len().saturating_sub(1))
            }
            KeyCode::Esc => self.go(Screen::Proxy),
            KeyCode::Char('q') => self.quit(),
            KeyCode::Char('r') => self.go(Screen::Prechecks),
            KeyCode::Enter => {
                if rows.is_empty() {
                    return;
                }
                let selected = &rows[self.prechecks.selected.min(rows.len() - 1)];
                if selected.status == Status::Fail {
                    if let Some(f) = selected.field {
                        self.focus_field(f);
                    }
                } else if let Some(i) = rows.iter().position(|r| r.status == Status::Fail) {
                    self.prechecks.selected = i;
                    self.notice = Some(self.texts.t("prechecks.fix_first"));
                } else {
                    self.go(Screen::Review);
                }
            }
            _ => {}
        }
    }
}
