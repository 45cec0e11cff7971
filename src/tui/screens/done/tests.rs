//! The done screen.

use crate::tui::app::{Msg, Screen};
use crate::tui::tests::*;
use crossterm::event::KeyCode;
use std::collections::BTreeMap;

#[test]
fn done_screen() {
    both(|lang| {
        let mut a = app(lang);
        run_events(&mut a, t0());
        a.handle(Msg::EngineDone(Ok(crate::engine::RunOutcome::Verified {
            outputs: BTreeMap::from([(
                tid("verify.image"),
                crate::engine::outputs::TaskOutputs::Image(crate::engine::outputs::ImageOutputs {
                    id: "5f1a3c9e-0b6d-4e0f-9d8e-2c1b7a6f4e3d".to_string(),
                    origin: crate::engine::outputs::Origin::Created,
                    status: "active".to_string(),
                    sha512: "9a8b7c6d5e4f30211f2e3d4c5b6a79880a1b2c3d".to_string(),
                    name: None,
                    replaced: Vec::new(),
                }),
            )]),
        })));
        assert_eq!(a.screen, Screen::Done);
        snap!("done", lang, &a);
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.exit, Some(0));
    });
}
