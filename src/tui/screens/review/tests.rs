//! The review screen: the plan and the save dialog.

use crate::tui::app::{Msg, Request, Screen};
use crate::tui::tests::*;
use crossterm::event::KeyCode;
use std::path::PathBuf;

#[test]
fn review_and_save() {
    both(|lang| {
        let mut a = app(lang);
        a.go(Screen::Review);
        a.handle(Msg::Review(Ok(review_lines(a.texts))));
        snap!("review", lang, &a);
        key(&mut a, KeyCode::Char('s'));
        snap!("review_save", lang, &a);
        key(&mut a, KeyCode::Enter);
        assert!(a.take_requests().iter().any(|r| matches!(r, Request::Save(p) if p == &PathBuf::from("/root/glance-wizard-answers.toml"))));
    });
}
