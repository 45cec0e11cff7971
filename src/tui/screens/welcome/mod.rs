//! The welcome screen: what the machine is, what the journal says, and
//! where to go (install, resume, doctor, undo).

pub mod draw;
#[cfg(test)]
mod tests;

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::app::{App, Request, Screen, WelcomeChoice};

/// The welcome screen's state: the choice selected (the journal it
/// reads is the [`App`]'s, as the runtime reads it again after an undo).
#[derive(Debug, Default)]
pub struct WelcomeView {
    pub choice: usize,
}

/// The welcome screen's choices and keys.
impl App {
    pub fn welcome_choices(&self) -> Vec<WelcomeChoice> {
        let mut choices = self.install_choices();
        choices.push(WelcomeChoice::Doctor);
        if self.journal_records_something() {
            choices.push(WelcomeChoice::Undo);
        }
        choices
    }

    /// The journal records a task (done, failed or running): there may be
    /// something to undo. Unreadable, it may too (the Undo screen says why
    /// it cannot).
    pub fn journal_records_something(&self) -> bool {
        self.resume
            .as_ref()
            .is_some_and(|r| r.done > 0 || r.stopped_at.is_some() || r.error.is_some())
    }

    fn install_choices(&self) -> Vec<WelcomeChoice> {
        match &self.resume {
            Some(r) if r.has_session => {
                let finished = r.total.is_some_and(|t| r.done >= t) && r.stopped_at.is_none();
                if finished {
                    vec![WelcomeChoice::EditSaved, WelcomeChoice::Fresh]
                } else {
                    vec![
                        WelcomeChoice::Resume,
                        WelcomeChoice::EditSaved,
                        WelcomeChoice::Fresh,
                    ]
                }
            }
            _ => vec![WelcomeChoice::Fresh],
        }
    }

    pub(in crate::tui) fn key_welcome(&mut self, key: KeyEvent) {
        let choices = self.welcome_choices();
        match key.code {
            KeyCode::Up | KeyCode::BackTab => {
                self.welcome.choice = self.welcome.choice.saturating_sub(1)
            }
            KeyCode::Down | KeyCode::Tab => {
                self.welcome.choice = (self.welcome.choice + 1).min(choices.len() - 1)
            }
            KeyCode::Char('q') | KeyCode::Esc => self.quit(),
            KeyCode::Enter => {
                let choice = choices[self.welcome.choice.min(choices.len() - 1)];
                // The doctor reads the machine as it is: no target needed.
                if choice == WelcomeChoice::Doctor {
                    self.go(Screen::Doctor);
                    return;
                }
                if self.profile.is_err() {
                    self.notice = Some(self.texts.t("welcome.no_target"));
                    return;
                }
                match choice {
                    WelcomeChoice::Undo => self.go(Screen::Undo),
                    WelcomeChoice::Resume => {
                        self.request(Request::LoadSession);
                        self.start_run();
                    }
                    WelcomeChoice::EditSaved => {
                        self.request(Request::LoadSession);
                        self.go(Screen::Database);
                    }
                    WelcomeChoice::Fresh => self.go(Screen::Database),
                    WelcomeChoice::Doctor => {}
                }
            }
            _ => {}
        }
    }
}
