//! The prechecks screen: a failure leads to the field that fixes it.

use crate::tui::app::{Msg, Request, Screen};
use crate::tui::draft::FormField;
use crate::tui::tests::*;
use crossterm::event::KeyCode;

#[test]
fn prechecks_with_a_failure_jump_to_the_fix() {
    both(|lang| {
        let mut a = app(lang);
        a.go(Screen::Prechecks);
        assert!(a.take_requests().contains(&Request::Prechecks));
        a.handle(Msg::Prechecks(Ok(checks())));
        // Enter on a passing check with a failure elsewhere selects it.
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.prechecks.selected, 3);
        snap!("prechecks", lang, &a);
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.screen, Screen::Database);
        assert_eq!(a.focused(), Some(FormField::AdminAccess));
    });
}
