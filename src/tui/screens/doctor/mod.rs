//! The doctor screen: the Glance on this machine examined, and adopting
//! its answers into the forms.

pub mod draw;
#[cfg(test)]
mod tests;

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::app::{App, Pending, Request, Screen};
use crate::tui::draft::Draft;

/// The doctor screen's state: the report (once the doctor is done) and
/// how far it is scrolled.
#[derive(Debug, Default)]
pub struct DoctorView {
    pub report: Pending<crate::checks::doctor::Report>,
    pub scroll: usize,
}

/// The doctor screen's keys and the adopted answers.
impl App {
    pub(in crate::tui) fn key_doctor(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Up => self.doctor.scroll = self.doctor.scroll.saturating_sub(1),
            KeyCode::Down => self.doctor.scroll += 1,
            KeyCode::PageUp => self.doctor.scroll = self.doctor.scroll.saturating_sub(10),
            KeyCode::PageDown => self.doctor.scroll += 10,
            KeyCode::Home => self.doctor.scroll = 0,
            KeyCode::Char('r') => self.go(Screen::Doctor),
            KeyCode::Char('a') => self.request(Request::Adopt),
            KeyCode::Esc => self.go(Screen::Welcome),
            KeyCode::Char('q') => self.quit(),
            _ => {}
        }
    }

    /// The doctor's Glance adopted: its answers fill the forms (passwords
    /// too, masked as typed ones are), and the wizard goes on from the first
    /// form, saying which answers are the wizard's defaults; apply then keeps
    /// what is right and repairs what the doctor found.
    pub(in crate::tui) fn adopted(
        &mut self,
        result: Result<Box<crate::checks::doctor::adopt::Adopted>, crate::i18n::Message>,
    ) {
        match result {
            Ok(adopted) => {
                // The config says nothing of the target: the one detected
                // or given on the command line stays.
                let mut answers = adopted.answers;
                answers.target = self.draft.answers().target;
                let proxy_test_default = self.draft.proxy_test_default.clone();
                self.draft = Draft::from_answers(&answers, &adopted.secrets);
                self.draft.proxy_test_default = proxy_test_default;
                let defaults = adopted.defaults.len().to_string();
                self.go(Screen::Database);
                self.notice = Some(self.texts.f("doctor.adopted", &[("n", &defaults)]));
            }
            Err(why) => {
                let said = crate::i18n::Message::new("doctor.not_adopted").msg("why", why);
                self.notice = Some(self.texts.msg(&said));
            }
        }
    }
}
