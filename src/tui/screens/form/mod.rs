//! The form screens (database, identity, image, proxy): their keys, the
//! text editing and the proxy test. The fields' values are the
//! [`Draft`](crate::tui::draft::Draft).

pub mod draw;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::answers::openrc::OpenrcError;
use crate::host::target::Profile;
use crate::tui::app::{App, Pending, Request, Screen, is_ctrl};
use crate::tui::draft::{FormField, Kind};

/// The form screens' state beside the answers (the
/// [`Draft`](crate::tui::draft::Draft)): where the focus is, the text
/// cursor, and what the identity and proxy forms' background checks found.
#[derive(Debug, Default)]
pub struct FormView {
    /// The focused field's index on each form.
    pub focus: BTreeMap<Screen, usize>,
    /// Char index of the cursor in the focused text field.
    pub cursor: usize,
    pub openrc: Pending<Result<Vec<(String, String)>, OpenrcError>>,
    /// The openrc path read last: a result for another one is dropped.
    pub(in crate::tui) openrc_parsed_for: Option<String>,
    pub proxy_test: Pending<Result<crate::i18n::Message, crate::i18n::Message>>,
}

/// The form screens' keys, text editing and proxy test.
impl App {
    /// The openrc's variables read, kept if the path is still the one
    /// asked about.
    pub(in crate::tui) fn openrc_read(
        &mut self,
        path: &str,
        result: Result<Vec<(String, String)>, OpenrcError>,
    ) {
        if self.form.openrc_parsed_for.as_deref() == Some(path) {
            self.form.openrc = Pending::Ready(result);
        }
    }

    /// Leaves a form for the next screen when every field is valid;
    /// otherwise shows the first problem.
    fn next_from_form(&mut self) {
        let problems = self.problems();
        if let Some(f) = self
            .visible_fields()
            .into_iter()
            .find(|f| problems.contains_key(f))
        {
            self.focus_field(f);
            self.notice = Some(self.texts.t("form.fix_first"));
            return;
        }
        let next = self.screen.next();
        self.go(next);
    }

    pub(in crate::tui) fn key_form(&mut self, key: KeyEvent) {
        let fields = self.visible_fields();
        let Some(f) = self.focused() else {
            return;
        };
        let i = fields.iter().position(|x| *x == f).unwrap_or(0);
        let profile = self.profile.as_ref().ok().cloned();
        if self.screen == Screen::Proxy && is_ctrl(&key, 't') {
            self.proxy_test();
            return;
        }
        match key.code {
            KeyCode::Tab | KeyCode::Down => self.set_focus((i + 1) % fields.len()),
            KeyCode::BackTab | KeyCode::Up => self.set_focus((i + fields.len() - 1) % fields.len()),
            KeyCode::Enter => {
                if i + 1 < fields.len() {
                    self.set_focus(i + 1);
                } else {
                    self.next_from_form();
                }
            }
            KeyCode::PageDown => self.next_from_form(),
            KeyCode::Esc => {
                let previous = self.screen.previous();
                self.go(previous);
            }
            KeyCode::F(5) if f.generatable() => {
                self.draft.generate(f);
                self.form.cursor = self.draft.raw(f).chars().count();
            }
            _ => match f.kind() {
                Kind::Choice(values) => {
                    let current = values
                        .iter()
                        .position(|v| *v == self.draft.value(f, profile.as_ref()))
                        .unwrap_or(0);
                    let next = match key.code {
                        KeyCode::Left => (current + values.len() - 1) % values.len(),
                        KeyCode::Right | KeyCode::Char(' ') => (current + 1) % values.len(),
                        _ => return,
                    };
                    self.draft.set(f, values[next].to_string());
                    if f == FormField::AdminMode {
                        self.parse_openrc();
                    }
                }
                Kind::Text | Kind::Secret => self.edit_text(f, key, profile.as_ref()),
            },
        }
    }

    fn edit_text(&mut self, f: FormField, key: KeyEvent, profile: Option<&Profile>) {
        let mut chars: Vec<char> = self.draft.value(f, profile).chars().collect();
        let mut cursor = self.form.cursor.min(chars.len());
        let mut changed = true;
        match key.code {
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                chars.clear();
                cursor = 0;
            }
            KeyCode::Char(_) if key.modifiers.contains(KeyModifiers::CONTROL) => return,
            KeyCode::Char(c) => {
                chars.insert(cursor, c);
                cursor += 1;
            }
            KeyCode::Backspace if cursor > 0 => {
                chars.remove(cursor - 1);
                cursor -= 1;
            }
            KeyCode::Delete if cursor < chars.len() => {
                chars.remove(cursor);
            }
            KeyCode::Left => {
                cursor = cursor.saturating_sub(1);
                changed = false;
            }
            KeyCode::Right => {
                cursor = (cursor + 1).min(chars.len());
                changed = false;
            }
            KeyCode::Home => {
                cursor = 0;
                changed = false;
            }
            KeyCode::End => {
                cursor = chars.len();
                changed = false;
            }
            _ => return,
        }
        self.form.cursor = cursor;
        if changed {
            if f.is_derived() {
                self.draft.editable(f, profile);
            }
            self.draft.set(f, chars.into_iter().collect());
            if FormField::PROXY.contains(&f) {
                self.form.proxy_test = Pending::Idle;
            }
        }
    }

    fn proxy_test(&mut self) {
        let url = self
            .draft
            .value(FormField::ProxyTestUrl, self.profile.as_ref().ok());
        let problems = self.problems();
        for &f in FormField::PROXY {
            if problems.contains_key(&f) {
                self.focus_field(f);
                self.notice = Some(self.texts.t("form.fix_first"));
                return;
            }
        }
        self.form.proxy_test = Pending::Busy;
        self.request(Request::ProxyTest(url));
    }
}
