//! The doctor screen: its report drawn, scrolled, and the Glance adopted.

use crate::answers::Secrets;
use crate::i18n::Message;
use crate::tui::app::{Msg, Request, Screen};
use crate::tui::draft::FormField;
use crate::tui::tests::*;
use crossterm::event::KeyCode;

/// The welcome screen's last choice opens the doctor, which asks the
/// runtime for a report and shows each finding with its fix (scrolled
/// with ↓), then the checks that passed.
#[test]
fn doctor_from_the_welcome_screen() {
    both(|lang| {
        let mut a = app(lang);
        let last = a.welcome_choices().len() - 1;
        for _ in 0..last {
            key(&mut a, KeyCode::Down);
        }
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.screen, Screen::Doctor);
        assert!(a.take_requests().contains(&Request::Doctor));
        a.handle(Msg::Doctor(crate::checks::doctor::tests::sample_report()));
        let text = snap!("doctor", lang, &a);
        assert!(text.contains("[keystone_authtoken] password"), "{text}");
        assert!(
            text.contains("glance-wizard apply -a ANSWERS.toml"),
            "{text}"
        );
        // The service user's finding, further down.
        for _ in 0..2 {
            key(&mut a, KeyCode::PageDown);
        }
        let text = snap!("doctor_token", lang, &a);
        let said = ["✗ service user: ", "✗ 服务用户："];
        assert!(said.iter().any(|s| text.contains(s)), "{text}");
        assert!(text.contains("Keystone answered HTTP 401"), "{text}");
        // The rest: the last finding, then the checks made.
        key(&mut a, KeyCode::PageDown);
        let text = snap!("doctor_end", lang, &a);
        assert!(text.contains("/nonexistent/glance-log"), "{text}");
        key(&mut a, KeyCode::Esc);
        assert_eq!(a.screen, Screen::Welcome);
    });
}

/// `a` on the Doctor screen adopts the Glance it examined: the runtime
/// reads its answers, the forms are filled with them (the password masked,
/// never shown) and the wizard goes on from the first form, saying so; a
/// Glance that cannot be adopted says why and stays.
#[test]
fn the_doctor_screen_adopts_the_glance_it_examined() {
    both(|lang| {
        let mut a = app(lang);
        a.go(Screen::Doctor);
        a.take_requests();
        key(&mut a, KeyCode::Char('a'));
        assert_eq!(a.take_requests(), [Request::Adopt]);
        a.handle(Msg::Adopted(Err(Message::verbatim(
            "/etc/glance/glance-api.conf: no such file",
        ))));
        assert_eq!(a.screen, Screen::Doctor);
        let refused = screen(&a);
        assert!(refused.contains("no such file"), "{refused}");

        let answers = crate::answers::Answers::from_toml(
            "[controller]\nhost = \"ctl-by-hand\"\n[database]\nname = \"glance_by_hand\"\n",
        )
        .unwrap();
        let mut secrets = Secrets::default();
        secrets.set(
            crate::answers::SecretName::GlanceDbPassword,
            crate::util::secret::Secret::new(SECRET_DB),
        );
        a.handle(Msg::Adopted(Ok(Box::new(
            crate::checks::doctor::adopt::Adopted {
                answers,
                secrets,
                defaults: vec![Message::new("doctor_write.test_image")],
            },
        ))));
        assert_eq!(a.screen, Screen::Database);
        assert_eq!(a.draft.value(FormField::DbName, None), "glance_by_hand");
        let text = snap!("doctor_adopted", lang, &a);
        assert!(text.contains("ctl-by-hand"), "{text}");
        let said = a.notice.clone().unwrap_or_default();
        assert!(said.contains('1'), "the defaults are counted: {said}");
        assert!(!text.contains(SECRET_DB), "{text}");
    });
}
