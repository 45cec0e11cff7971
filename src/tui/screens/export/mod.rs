//! The Export screen, reached from the Done screen: the install's answers
//! written as an Ansible project for one or more controllers, by the same
//! function as `glance-wizard export ansible`
//! ([`crate::export::write_project`]). The model and its keys are pure;
//! [`write`] is the runtime's work.

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub mod draw;
#[cfg(test)]
mod tests;

use crate::answers::{AnswersError, Secrets};
use crate::export::Failure;
use crate::host::target::Profile;
use crate::i18n::{Message, Texts};
use crate::tui::app::{App, Request, Screen};

/// The screen's two inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Inventory,
    Output,
}

/// Why nothing (or not everything) was exported.
#[derive(Debug)]
pub enum Refusal {
    /// The wizard's answers no longer resolve (each field and rule), or
    /// there is no target.
    Answers(AnswersError),
    NoTarget(String),
    Export(Failure),
}

impl Refusal {
    pub fn render(&self, t: &Texts) -> String {
        match self {
            Refusal::Answers(e) => e.render(t).trim_end().to_string(),
            Refusal::NoTarget(why) => why.clone(),
            Refusal::Export(e) => e.render(t),
        }
    }
}

/// What a key on the Export screen asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Nothing,
    /// Back to the Done screen.
    Back,
    /// Write the project: the inventory file, the output directory.
    Write {
        inventory: PathBuf,
        output: PathBuf,
    },
}

#[derive(Debug)]
pub struct ExportView {
    pub inventory: String,
    pub output: String,
    pub focus: Field,
    /// The last export's words (`export.written`), or why it refused.
    pub result: Option<Result<Message, Refusal>>,
}

impl ExportView {
    /// The inputs filled in from `dir`, the directory of the answers file
    /// the wizard saved or would save (the current directory by default).
    /// Not the state directory: that is the wizard's own (journal, logs),
    /// root's; the Ansible project is the admin's, to encrypt, copy or
    /// commit, so it goes where they keep their answers, as
    /// `export ansible -o glance-ansible` does from there; the inventory
    /// the admin writes is looked for beside it, by the name docs/ansible.md
    /// uses.
    pub fn new(dir: &Path) -> ExportView {
        ExportView {
            inventory: dir.join("controllers.toml").display().to_string(),
            output: dir.join("glance-ansible").display().to_string(),
            focus: Field::Inventory,
            result: None,
        }
    }

    pub fn input(&self, field: Field) -> &str {
        match field {
            Field::Inventory => &self.inventory,
            Field::Output => &self.output,
        }
    }

    pub fn key(&mut self, key: KeyEvent) -> Action {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return Action::Back,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                self.focus = match self.focus {
                    Field::Inventory => Field::Output,
                    Field::Output => Field::Inventory,
                };
            }
            KeyCode::Enter => {
                return Action::Write {
                    inventory: PathBuf::from(self.inventory.trim()),
                    output: PathBuf::from(self.output.trim()),
                };
            }
            KeyCode::Backspace => self.edit(|text| {
                text.pop();
            }),
            KeyCode::Char('u') if ctrl => self.edit(String::clear),
            KeyCode::Char(c) if !ctrl => self.edit(|text| text.push(c)),
            _ => {}
        }
        Action::Nothing
    }

    /// Changes the focused input; the last result no longer says what the
    /// inputs would do, so it goes.
    fn edit(&mut self, change: impl FnOnce(&mut String)) {
        change(match self.focus {
            Field::Inventory => &mut self.inventory,
            Field::Output => &mut self.output,
        });
        self.result = None;
    }
}

/// The runtime's work for [`crate::tui::app::Request::Export`]: the
/// project of the answers and secrets in the forms, its result to the app.
pub fn perform(app: &mut App, inventory: &Path, output: &Path) {
    let (answers, secrets) = (app.draft.answers(), app.draft.secrets());
    let written = write(&answers, &secrets, &app.profile, inventory, output);
    app.handle(crate::tui::app::Msg::Exported(written));
}

/// The project for the wizard's answers and secrets, resolved as the
/// install resolved them.
pub fn write(
    answers: &crate::answers::Answers,
    secrets: &Secrets,
    profile: &Result<Profile, String>,
    inventory: &Path,
    output: &Path,
) -> Result<Message, Refusal> {
    let profile = profile.as_ref().map_err(|e| Refusal::NoTarget(e.clone()))?;
    let settings =
        crate::ops::settings::settings_from(answers, secrets, profile).map_err(Refusal::Answers)?;
    crate::export::write_project(answers, &settings, profile, inventory, output)
        .map_err(Refusal::Export)
}

/// The Export screen's keys, for the [`App`].
impl App {
    pub(in crate::tui) fn key_export(&mut self, key: KeyEvent) {
        let Some(view) = &mut self.export else {
            return;
        };
        match view.key(key) {
            Action::Nothing => {}
            Action::Back => self.go(Screen::Done),
            Action::Write { inventory, output } => {
                view.result = None;
                self.request(Request::Export { inventory, output });
            }
        }
    }
}
