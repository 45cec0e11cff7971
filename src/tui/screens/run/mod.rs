//! The run screen: the install as it runs (its state is the [`RunScreen`]),
//! searching the log, and what to do after a failure.

pub mod draw;
#[cfg(test)]
mod tests;
pub mod view;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use std::collections::BTreeSet;

use crate::engine::RunOutcome;
use crate::plan::TaskId;
use crate::tui::app::{App, Outcome, Screen};
use view::{FailureChoice, RunView, Search};

/// The run screen's state: the install as it runs and how it ended.
#[derive(Default)]
pub struct RunScreen {
    /// The tasks, their logs, the selection and the search.
    pub view: RunView,
    /// The install's engine is running (see [`App::engine_running`] for
    /// the undo's too).
    pub engine_running: bool,
    /// How the last run ended (none while it runs).
    pub outcome: Option<Outcome>,
    /// Failed tasks the user chose to skip; the next runs skip them too.
    pub skipped_by_user: BTreeSet<TaskId>,
    /// The last failure was the network's (mirror, proxy, TLS): editing
    /// goes to the proxy screen.
    pub network_failure: bool,
}

impl RunScreen {
    /// A run starts: the tasks it skips.
    pub(in crate::tui) fn start(&mut self) -> Vec<TaskId> {
        self.outcome = None;
        self.engine_running = true;
        self.skipped_by_user.iter().copied().collect()
    }

    /// The engine ended: how, as the screens show it.
    pub(in crate::tui) fn finish(&mut self, result: Result<RunOutcome, String>) -> &Outcome {
        self.engine_running = false;
        let outcome = match result {
            Ok(RunOutcome::Verified { outputs }) => {
                Outcome::Verified(crate::engine::verified_image(&outputs).cloned())
            }
            Ok(RunOutcome::Failed { task, error, kind }) => {
                self.network_failure = kind.needs_proxy_settings();
                Outcome::Failed { task, error }
            }
            Ok(RunOutcome::Cancelled) => Outcome::Cancelled,
            Err(e) => Outcome::Error(e),
        };
        self.outcome.insert(outcome)
    }

    /// The run could not start (`why`).
    pub(in crate::tui) fn refused(&mut self, why: String) {
        self.engine_running = false;
        self.outcome = Some(Outcome::Error(why));
    }

    /// A task failed and the engine has stopped: the failure's choices show.
    pub fn failure_shown(&self) -> bool {
        self.view.failure.is_some() && !self.engine_running
    }

    /// The run ended in an error (not a task's failure).
    pub fn ended_in_error(&self) -> bool {
        matches!(self.outcome, Some(Outcome::Error(_)))
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
        self.view
            .failure
            .as_ref()
            .is_some_and(|f| self.view.skippable.contains(&f.task))
    }
}

/// The run screen's keys, and what a failure allows.
impl App {
    fn failure_choices(&self) -> Vec<FailureChoice> {
        FailureChoice::ALL.to_vec()
    }

    pub(in crate::tui) fn key_run(&mut self, key: KeyEvent) {
        if self.run.view.search.as_ref().is_some_and(|s| s.editing) {
            self.key_run_search(key);
            return;
        }
        let failed = self.run.failure_shown();
        match key.code {
            KeyCode::Up => self
                .run
                .view
                .select(self.run.view.selected.saturating_sub(1)),
            KeyCode::Down => self.run.view.select(self.run.view.selected + 1),
            KeyCode::PageUp => self.run.view.page(false),
            KeyCode::PageDown => self.run.view.page(true),
            KeyCode::Home => self.run.view.home(),
            KeyCode::End => self.run.view.end(),
            KeyCode::Char('/') => {
                self.run.view.search = Some(Search {
                    editing: true,
                    ..Search::default()
                })
            }
            KeyCode::Char('n') if self.run.view.search.is_some() => self.run.view.find(true),
            KeyCode::Char('N') if self.run.view.search.is_some() => self.run.view.find(false),
            KeyCode::Esc if self.run.view.search.is_some() => self.run.view.search = None,
            KeyCode::Char('f') => self.run.view.follow(),
            KeyCode::Char('q') => self.quit(),
            _ if failed => self.key_run_failed(key),
            KeyCode::Enter if !self.run.engine_running && self.run.ended_in_error() => {
                self.go(Screen::Review)
            }
            _ => {}
        }
    }

    /// The query being typed: Enter searches (from the end, backwards).
    fn key_run_search(&mut self, key: KeyEvent) {
        let Some(search) = &mut self.run.view.search else {
            return;
        };
        match key.code {
            KeyCode::Esc => self.run.view.search = None,
            KeyCode::Enter => {
                search.editing = false;
                search.current = None;
                self.run.view.find(true);
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
                if let Some(f) = &mut self.run.view.failure {
                    f.choice = if key.code == KeyCode::Left {
                        (f.choice + n - 1) % n
                    } else {
                        (f.choice + 1) % n
                    };
                }
            }
            KeyCode::Enter => {
                let choice = self.run.view.failure.as_ref().map_or(0, |f| f.choice);
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
        let Some(failure) = self.run.view.failure.clone() else {
            return;
        };
        match choice {
            FailureChoice::Retry => self.start_run(),
            FailureChoice::Recheck => self.start_run_checking(true),
            FailureChoice::Edit => {
                let screen = self.run.edit_screen(failure.task);
                self.go(screen);
            }
            FailureChoice::Skip => {
                if self.run.can_skip() {
                    self.run.skipped_by_user.insert(failure.task);
                    self.start_run();
                } else {
                    self.notice = Some(self.texts.t("run.skip_unsafe"));
                }
            }
            FailureChoice::Quit => self.quit_now(),
        }
    }
}
