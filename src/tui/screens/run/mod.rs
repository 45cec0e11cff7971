//! The run screen: the install as it runs (its state is the [`RunView`](view::RunView)),
//! searching the log, and what to do after a failure.

pub mod draw;
#[cfg(test)]
mod tests;
pub mod view;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::plan::TaskId;
use crate::tui::app::{App, Outcome, Screen};
use view::{FailureChoice, Search};

/// The run screen's keys, and what a failure allows.
impl App {
    fn failure_choices(&self) -> Vec<FailureChoice> {
        FailureChoice::ALL.to_vec()
    }

    /// Where "edit answers" goes after a task failed.
    pub fn edit_screen(&self, task: TaskId) -> Screen {
        if self.network_failure {
            Screen::Proxy
        } else {
            Screen::for_task(task)
        }
    }

    pub fn can_skip(&self) -> bool {
        self.run
            .failure
            .as_ref()
            .is_some_and(|f| self.run.skippable.contains(&f.task))
    }

    pub(in crate::tui) fn key_run(&mut self, key: KeyEvent) {
        if self.run.search.as_ref().is_some_and(|s| s.editing) {
            self.key_run_search(key);
            return;
        }
        let failed = self.run.failure.is_some() && !self.engine_running;
        match key.code {
            KeyCode::Up => self.run.select(self.run.selected.saturating_sub(1)),
            KeyCode::Down => self.run.select(self.run.selected + 1),
            KeyCode::PageUp => self.run.page(false),
            KeyCode::PageDown => self.run.page(true),
            KeyCode::Home => self.run.home(),
            KeyCode::End => self.run.end(),
            KeyCode::Char('/') => {
                self.run.search = Some(Search {
                    editing: true,
                    ..Search::default()
                })
            }
            KeyCode::Char('n') if self.run.search.is_some() => self.run.find(true),
            KeyCode::Char('N') if self.run.search.is_some() => self.run.find(false),
            KeyCode::Esc if self.run.search.is_some() => self.run.search = None,
            KeyCode::Char('f') => self.run.follow(),
            KeyCode::Char('q') => self.quit(),
            _ if failed => self.key_run_failed(key),
            KeyCode::Enter
                if !self.engine_running && matches!(self.outcome, Some(Outcome::Error(_))) =>
            {
                self.go(Screen::Review)
            }
            _ => {}
        }
    }

    /// The query being typed: Enter searches (from the end, backwards).
    fn key_run_search(&mut self, key: KeyEvent) {
        let Some(search) = &mut self.run.search else {
            return;
        };
        match key.code {
            KeyCode::Esc => self.run.search = None,
            KeyCode::Enter => {
                search.editing = false;
                search.current = None;
                self.run.find(true);
            }
            KeyCode::Backspace => {
                search.query.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                search.query.push(c)
            }
            _ => {}
        }
    }

    /// After a task failed: ←→ and Enter pick a choice, or its key does.
    fn key_run_failed(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Left | KeyCode::Right => {
                let n = self.failure_choices().len();
                if let Some(f) = &mut self.run.failure {
                    f.choice = if key.code == KeyCode::Left {
                        (f.choice + n - 1) % n
                    } else {
                        (f.choice + 1) % n
                    };
                }
            }
            KeyCode::Enter => {
                let choice = self.run.failure.as_ref().map_or(0, |f| f.choice);
                self.failure_action(self.failure_choices()[choice]);
            }
            KeyCode::Char('r') => self.failure_action(FailureChoice::Retry),
            KeyCode::Char('e') => self.failure_action(FailureChoice::Edit),
            KeyCode::Char('s') => self.failure_action(FailureChoice::Skip),
            KeyCode::Char('v') => self.failure_action(FailureChoice::Recheck),
            _ => {}
        }
    }

    fn failure_action(&mut self, choice: FailureChoice) {
        let Some(failure) = self.run.failure.clone() else {
            return;
        };
        match choice {
            FailureChoice::Retry => self.start_run(),
            FailureChoice::Recheck => self.start_run_checking(true),
            FailureChoice::Edit => {
                let screen = self.edit_screen(failure.task);
                self.go(screen);
            }
            FailureChoice::Skip => {
                if self.can_skip() {
                    self.skipped_by_user.insert(failure.task);
                    self.start_run();
                } else {
                    self.notice = Some(self.texts.t("run.skip_unsafe"));
                }
            }
            FailureChoice::Quit => self.quit_now(),
        }
    }
}
