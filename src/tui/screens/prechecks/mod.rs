//! The prechecks screen: the checks of the answers on this machine, each
//! failure leading to the field that fixes it.

pub mod draw;
#[cfg(test)]
mod tests;

use crossterm::event::{KeyCode, KeyEvent};

use crate::answers::FieldError;
use crate::checks::precheck::{Check, Status};
use crate::tui::app::{App, CheckRow, Pending, Screen};
use crate::tui::draft::FormField;

/// The prechecks screen's state: the checks' rows (once they ran) and the
/// selected one.
#[derive(Debug, Default)]
pub struct PrechecksView {
    pub rows: Pending<Vec<CheckRow>>,
    pub selected: usize,
}

/// The prechecks screen's keys and results.
impl App {
    /// The checks' results, or the answers' problems that kept them from
    /// running, as the screen's rows.
    pub(in crate::tui) fn prechecks_done(&mut self, result: Result<Vec<Check>, Vec<FieldError>>) {
        self.prechecks.rows = Pending::Ready(match result {
            Ok(checks) => checks.into_iter().map(check_row).collect(),
            Err(errors) => self.error_rows(errors),
        });
    }

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

fn check_row(c: Check) -> CheckRow {
    CheckRow {
        name_key: format!("check.{}", c.id()),
        status: c.status,
        detail: c.detail,
        field: c.field.and_then(|path| {
            FormField::all().find(|f| f.path() == path).or(match path {
                "database.admin_access" => Some(FormField::AdminAccess),
                "keystone.admin_openrc" => Some(FormField::Openrc),
                _ => None,
            })
        }),
    }
}

/// The names `precheck::run_all` gives its checks (their i18n keys are
/// `check.<name with _>`); a test keeps this list and the translations in
/// step.
pub const CHECK_NAMES: &[&str] = &[
    "root",
    "target",
    "repository",
    "controller name",
    "database login",
    "binary logging",
    "keystone admin",
    "memcached",
    "proxy",
    "mirror via proxy",
    "test image",
    "port 9292",
    "free disk",
    "answers",
];
