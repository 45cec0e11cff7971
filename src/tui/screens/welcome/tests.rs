//! The welcome screen: drawn with and without an earlier run.

use crate::tui::app::ResumeInfo;
use crate::tui::tests::*;

#[test]
fn welcome() {
    both(|lang| {
        let a = app(lang);
        snap!("welcome", lang, &a);
    });
}

#[test]
fn welcome_with_a_stopped_install() {
    both(|lang| {
        let mut a = app(lang);
        a.resume = Some(ResumeInfo {
            done: 5,
            total: Some(10),
            stopped_at: Some(tid("packages.install")),
            has_session: true,
            error: None,
        });
        let text = snap!("welcome_resume", lang, &a);
        assert!(text.contains("5/10") || text.contains("5 of 10"), "{text}");
    });
}
