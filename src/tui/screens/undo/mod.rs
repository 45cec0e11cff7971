//! The Undo screen: the preview (`undo --dry-run`'s list, from
//! [`crate::undo::machine`]), the confirmation by the controller's host
//! name, then the undo's lines and its outcome. The model and its keys are
//! pure; [`preview`] and [`run`] are the runtime's background work.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::SyncSender;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub mod draw;
#[cfg(test)]
mod tests;

use crate::answers::Settings;
use crate::host::target::Profile;
use crate::i18n::{Message, Texts};
use crate::plan::TaskId;
use crate::tui::app::{App, Msg, Pending, Request, Screen};
use crate::tui::log_buffer::LogBuf;
use crate::undo::machine::{self, Prepared};
use crate::undo::{Options, Outcome, Step};

/// What the preview shows, worked out in the background.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// The host name that confirms.
    pub controller: String,
    /// `undo --dry-run`'s lines, masked.
    pub lines: Vec<Message>,
    pub nothing_to_do: bool,
    pub drops_database: bool,
    /// The steps shown: the undo starts only if the journal still gives
    /// these (nothing runs that the admin did not see).
    pub steps: Vec<Step>,
}

/// Why there is no preview, or why the undo did not start.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The answers of the install are not saved in the state directory.
    NoSession,
    /// The journal changed since the preview.
    Changed,
    Failed(Message),
    /// The saved answers are no longer valid (each field and rule).
    Answers(crate::answers::AnswersError),
}

/// How the undo ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub outcome: Outcome,
    /// Tasks the journal still records (packages kept).
    pub still_recorded: Vec<TaskId>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Preview,
    /// Typing the host name; `refused`: the last name typed was wrong.
    Confirm {
        typed: String,
        refused: Option<String>,
    },
    Running,
    Ended(Result<Finished, Refusal>),
}

/// What a key on the Undo screen asks of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Nothing,
    /// Back to the welcome screen.
    Back,
    Quit,
    /// Work the preview out again (the packages toggle changed).
    Preview,
    /// Confirmed: take back the steps shown.
    Start,
}

#[derive(Debug, Clone)]
pub struct UndoView {
    /// `--purge-packages`.
    pub purge_packages: bool,
    pub preview: Pending<Result<Preview, Refusal>>,
    pub phase: Phase,
    /// First line shown of the preview.
    pub scroll: usize,
    /// The last first line that still fills the preview's pane, at the
    /// last draw.
    pub max_scroll: Cell<usize>,
    /// First row shown of the log (its lines wrapped); `None` follows its
    /// tail.
    pub top: Option<usize>,
    /// Rows of the log pane, and of the log wrapped to it, at the last
    /// draw: for scrolling.
    pub view_height: Cell<usize>,
    pub rows: Cell<usize>,
    pub log: LogBuf,
    pub log_path: Option<PathBuf>,
}

impl Default for UndoView {
    fn default() -> UndoView {
        UndoView {
            purge_packages: false,
            preview: Pending::Busy,
            phase: Phase::Preview,
            scroll: 0,
            max_scroll: Cell::new(usize::MAX),
            top: None,
            view_height: Cell::new(0),
            rows: Cell::new(0),
            log: LogBuf::default(),
            log_path: None,
        }
    }
}

impl UndoView {
    pub fn options(&self) -> Options {
        Options {
            purge_packages: self.purge_packages,
            ..Options::default()
        }
    }

    /// The preview when it says there is something to take back.
    pub fn actionable(&self) -> Option<&Preview> {
        match &self.preview {
            Pending::Ready(Ok(p)) if !p.nothing_to_do => Some(p),
            _ => None,
        }
    }

    pub fn running(&self) -> bool {
        self.phase == Phase::Running
    }

    /// The wizard's exit code for this undo, once it ended (as
    /// `glance-wizard undo`'s).
    pub fn exit_code(&self) -> Option<i32> {
        match &self.phase {
            Phase::Ended(Ok(f)) => Some(crate::ops::exit::for_undo(&f.outcome)),
            Phase::Ended(Err(_)) => Some(crate::ops::exit::ERROR),
            _ => None,
        }
    }

    pub fn key(&mut self, key: KeyEvent) -> Action {
        match &mut self.phase {
            Phase::Confirm { .. } if key.code == KeyCode::Esc => {
                self.phase = Phase::Preview;
                Action::Nothing
            }
            Phase::Confirm { typed, refused } => confirm_key(key, typed, refused, &self.preview),
            Phase::Preview => self.preview_key(key),
            Phase::Running => {
                self.scroll_log(key);
                match key.code {
                    KeyCode::Char('q') => Action::Quit,
                    _ => Action::Nothing,
                }
            }
            Phase::Ended(_) => {
                self.scroll_log(key);
                match key.code {
                    KeyCode::Enter | KeyCode::Esc => Action::Back,
                    KeyCode::Char('q') => Action::Quit,
                    _ => Action::Nothing,
                }
            }
        }
    }

    fn preview_key(&mut self, key: KeyEvent) -> Action {
        self.scroll = self.scroll.min(self.max_scroll.get());
        match key.code {
            KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::Down => self.scroll += 1,
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::PageDown => self.scroll += 10,
            KeyCode::Home => self.scroll = 0,
            KeyCode::Char('p') if !matches!(self.preview, Pending::Busy) => {
                self.purge_packages = !self.purge_packages;
                self.preview = Pending::Busy;
                return Action::Preview;
            }
            KeyCode::Enter if self.actionable().is_some() => {
                self.phase = Phase::Confirm {
                    typed: String::new(),
                    refused: None,
                };
            }
            KeyCode::Esc => return Action::Back,
            KeyCode::Char('q') => return Action::Quit,
            _ => {}
        }
        Action::Nothing
    }

    /// The log's first row in view (its lines wrapped to the pane).
    pub fn first_row(&self) -> usize {
        let bottom = self.bottom_row();
        self.top.map_or(bottom, |top| top.min(bottom))
    }

    /// The first row when the pane shows the log's tail.
    fn bottom_row(&self) -> usize {
        self.rows.get().saturating_sub(self.view_height.get())
    }

    fn scroll_log(&mut self, key: KeyEvent) {
        let (first, bottom) = (self.first_row(), self.bottom_row());
        let page = self.view_height.get().saturating_sub(1).max(1);
        let to = match key.code {
            KeyCode::Up => first.saturating_sub(1),
            KeyCode::Down => first + 1,
            KeyCode::PageUp => first.saturating_sub(page),
            KeyCode::PageDown => first + page,
            KeyCode::Home => 0,
            KeyCode::End => bottom,
            _ => return,
        };
        self.top = (to < bottom).then_some(to);
    }

    /// A message of the background work; its lines put into words by `t`.
    /// The undo's steps are being taken back (its engine runs).
    pub fn is_running(&self) -> bool {
        matches!(self.phase, Phase::Running)
    }

    pub fn handle(&mut self, msg: UndoMsg, t: &Texts) {
        match msg {
            UndoMsg::Preview(result) => {
                self.preview = Pending::Ready(result);
                self.scroll = 0;
            }
            UndoMsg::Log(path) => self.log_path = Some(path),
            UndoMsg::Line(line) => self.log.push(&t.msg(&line)),
            UndoMsg::Done(result) => {
                // The whole error (a refused file's diff is long) stays
                // readable in the log; the panel under it shows its start.
                if let Ok(Finished {
                    outcome: Outcome::Failed { error, .. },
                    ..
                }) = &result
                {
                    self.log.push("");
                    self.log.push(&t.msg(error));
                }
                self.phase = Phase::Ended(result);
            }
        }
    }

    /// Starts over: the preview again, the toggle kept.
    pub fn restart(&mut self) {
        *self = UndoView {
            purge_packages: self.purge_packages,
            ..UndoView::default()
        };
    }
}

/// A key while typing the host name.
fn confirm_key(
    key: KeyEvent,
    typed: &mut String,
    refused: &mut Option<String>,
    preview: &Pending<Result<Preview, Refusal>>,
) -> Action {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Enter => {
            let Pending::Ready(Ok(p)) = preview else {
                return Action::Nothing;
            };
            if machine::confirms(&p.controller, typed) {
                return Action::Start;
            }
            *refused = Some(std::mem::take(typed));
        }
        KeyCode::Backspace => {
            typed.pop();
        }
        KeyCode::Char('u') if ctrl => typed.clear(),
        KeyCode::Char(c) if !ctrl => typed.push(c),
        _ => {}
    }
    Action::Nothing
}

/// What the background work sends.
#[derive(Debug)]
pub enum UndoMsg {
    Preview(Result<Preview, Refusal>),
    /// The undo's log file.
    Log(PathBuf),
    /// One line of the undo, masked.
    Line(Message),
    Done(Result<Finished, Refusal>),
}

/// The settings of the answers the wizard saved for its install.
fn session_settings(state_dir: &Path, profile: &Profile) -> Result<Settings, Refusal> {
    let (answers, secrets) =
        crate::tui::session::load_session(state_dir).ok_or(Refusal::NoSession)?;
    crate::ops::settings::settings_from(&answers, &secrets, profile).map_err(Refusal::Answers)
}

fn prepared(
    settings: &Settings,
    profile: &Profile,
    state_dir: &Path,
    options: &Options,
) -> Result<Prepared, Refusal> {
    machine::prepare(settings, profile, state_dir, options)
        .map_err(|e| Refusal::Failed(Message::of_error(&e)))
}

/// The preview for `settings` (changes nothing: `undo --dry-run`).
pub fn preview_of(
    settings: &Settings,
    profile: &Profile,
    state_dir: &Path,
    options: &Options,
) -> Result<Preview, Refusal> {
    let prepared = prepared(settings, profile, state_dir, options)?;
    Ok(Preview {
        controller: settings.controller.as_str().to_string(),
        lines: prepared.preview(&settings.redactor()),
        nothing_to_do: prepared.nothing_to_do(),
        drops_database: prepared.drops_database(),
        steps: prepared.steps,
    })
}

/// Background: the preview of the saved answers' undo.
pub fn preview(state_dir: &Path, profile: &Profile, options: &Options) -> Result<Preview, Refusal> {
    let settings = session_settings(state_dir, profile)?;
    preview_of(&settings, profile, state_dir, options)
}

/// Background: the undo of the steps shown, under the run lock; each line
/// to `tx`. Refused, with nothing changed, if the journal now gives other
/// steps than `shown`.
pub fn run(
    state_dir: &Path,
    profile: &Profile,
    options: &Options,
    shown: &[Step],
    cancel: &AtomicBool,
    tx: &SyncSender<Msg>,
) -> Result<Finished, Refusal> {
    let failed = |e: anyhow::Error| Refusal::Failed(Message::of_error(&e));
    let settings = session_settings(state_dir, profile)?;
    crate::engine::ensure_state_dir(state_dir).map_err(failed)?;
    let lock = crate::engine::lock::RunLock::acquire(state_dir, crate::engine::lock::ORPHAN_WAIT)
        .map_err(failed)?;
    let mut prepared = prepared(&settings, profile, state_dir, options)?;
    if prepared.steps != shown {
        return Err(Refusal::Changed);
    }
    let log_path = machine::log_path(state_dir);
    // The front end is gone when a send fails (quitting): the log file
    // keeps every line.
    let _ = tx.send(Msg::Undo(UndoMsg::Log(log_path.clone())));
    let outcome = machine::run_logged(
        &settings,
        state_dir,
        &log_path,
        &mut prepared,
        Some(&lock),
        cancel,
        &mut |line| {
            let _ = tx.send(Msg::Undo(UndoMsg::Line(line.clone())));
        },
    );
    Ok(Finished {
        outcome,
        still_recorded: Prepared::still_recorded(&prepared.journal),
    })
}

/// The Undo screen's keys and results, for the [`App`].
impl App {
    pub(in crate::tui) fn key_undo(&mut self, key: KeyEvent) {
        match self.undo.key(key) {
            Action::Nothing => {}
            Action::Back => {
                self.request(Request::ReadJournal);
                self.go(Screen::Welcome);
            }
            Action::Quit => self.quit(),
            Action::Preview => self.request(Request::UndoPreview(self.undo.options())),
            Action::Start => {
                let shown = self
                    .undo
                    .actionable()
                    .map(|p| p.steps.clone())
                    .unwrap_or_default();
                self.undo.phase = Phase::Running;
                self.request(Request::Undo {
                    options: self.undo.options(),
                    shown,
                });
            }
        }
    }

    pub(in crate::tui) fn undo_msg(&mut self, msg: UndoMsg) {
        let done = matches!(msg, UndoMsg::Done(_));
        self.undo.handle(msg, self.texts);
        if done && self.quitting {
            self.exit = Some(self.exit_code());
        }
    }
}
