//! The form screens: drawn in both languages, scrolled to the focus,
//! refusing to move on with an invalid field.

use crate::answers::{Answers, Secrets};
use crate::i18n::Lang;
use crate::i18n::Message;
use crate::tui::app::{Msg, Pending, Request, Screen};
use crate::tui::draft::{Draft, FormField};
use crate::tui::tests::*;
use crossterm::event::KeyCode;

#[test]
fn database_form() {
    both(|lang| {
        let mut a = app(lang);
        fill_database(&mut a);
        // An invalid controller name: the rule shows under the field.
        while a.focused() != Some(FormField::ControllerHost) {
            key(&mut a, KeyCode::BackTab);
        }
        key(&mut a, KeyCode::End);
        type_text(&mut a, "_1");
        snap!("database", lang, &a);
    });
}

#[test]
fn identity_form() {
    both(|lang| {
        let mut a = app(lang);
        fill_database(&mut a);
        fill_identity(&mut a);
        snap!("identity", lang, &a);
    });
}

/// The VIP field: the controller until set; the endpoints follow it; a
/// bad value shows the answers' rule for a host under the field.
#[test]
fn identity_form_vip() {
    both(|lang| {
        let mut a = app(lang);
        fill_database(&mut a);
        fill_identity(&mut a);
        while a.focused() != Some(FormField::Vip) {
            key(&mut a, KeyCode::BackTab);
        }
        let before = screen(&a);
        assert!(before.contains("http://controller:9292"), "{before}");
        ctrl(&mut a, 'u');
        type_text(&mut a, "lb.example.org");
        let set = screen(&a);
        assert_eq!(
            set.matches("http://lb.example.org:9292").count(),
            3,
            "{set}"
        );
        type_text(&mut a, " x");
        // The answers' own rule for a host, in the screen's language.
        let error = "lb.example.org x".parse::<crate::answers::types::Host>();
        let rule = a
            .texts
            .msg(&crate::answers::Rule::from(error.unwrap_err()).msg());
        let text = snap!("identity_vip", lang, &a);
        let start: String = rule.chars().take(12).collect();
        assert!(text.contains(&start), "{rule} not in\n{text}");
        key(&mut a, KeyCode::PageDown);
        assert_eq!(a.screen, Screen::Identity, "a bad VIP keeps the form");
    });
}

#[test]
fn image_form() {
    both(|lang| {
        let mut a = app(lang);
        a.go(Screen::Image);
        while a.focused() != Some(FormField::TestSource) {
            key(&mut a, KeyCode::Tab);
        }
        ctrl(&mut a, 'u');
        type_text(&mut a, "/root/cirros-0.6.2-x86_64-disk.img");
        snap!("image", lang, &a);
    });
}

#[test]
fn proxy_form_with_a_test_result() {
    both(|lang| {
        let mut a = app(lang);
        a.go(Screen::Proxy);
        type_text(&mut a, "http://proxy.example.org:3128");
        ctrl(&mut a, 't');
        assert_eq!(a.form.proxy_test, Pending::Busy);
        assert!(
            a.take_requests()
                .contains(&Request::ProxyTest("http://deb.debian.org/debian/".into()))
        );
        let route = crate::host::http::Route::through("http://proxy.example.org:3128");
        a.handle(Msg::ProxyTest(Ok(Message::new("precheck.fetched")
            .arg("url", "http://deb.debian.org/debian/")
            .msg("route", route.msg())
            .arg("status", 200)
            .arg("seconds", "0.3"))));
        snap!("proxy", lang, &a);
    });
}

/// With the OS_* values typed (the longest Identity form), the form
/// scrolls: the focused field and its rule, down to the last endpoint,
/// stay on the 80x24 screen.
#[test]
fn the_long_identity_form_scrolls_to_the_focused_field() {
    both(|lang| {
        let mut a = app(lang);
        a.go(Screen::Identity);
        a.draft.set(FormField::AdminMode, "manual".into());
        for f in [FormField::Vip, FormField::EndpointAdmin] {
            while a.focused() != Some(f) {
                key(&mut a, KeyCode::Tab);
            }
            let label = a.texts.t(&format!("field.{}.label", f.name()));
            let rule = a.texts.t(&format!("field.{}.rule", f.name()));
            let rule_start: String = rule.chars().take(12).collect();
            let text = screen(&a);
            assert!(text.contains(&label), "{label} not in\n{text}");
            assert!(text.contains(&rule_start), "{rule} not in\n{text}");
        }
    });
}

/// The VIP typed in the form is in the saved answers file, and comes
/// back from it.
#[test]
fn the_vip_typed_is_saved_in_the_answers_file() {
    let mut a = app(Lang::En);
    fill_database(&mut a);
    fill_identity(&mut a);
    while a.focused() != Some(FormField::Vip) {
        key(&mut a, KeyCode::BackTab);
    }
    ctrl(&mut a, 'u');
    type_text(&mut a, "10.231.0.10");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answers.toml");
    a.draft.answers().save(&path, &a.draft.secrets()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let endpoints = text.split("[endpoints]").nth(1).expect("[endpoints]");
    assert!(endpoints.contains("vip = \"10.231.0.10\""), "{text}");
    let again = Draft::from_answers(&Answers::load(&path).unwrap(), &Secrets::default());
    assert_eq!(again.value(FormField::Vip, None), "10.231.0.10");
    assert_eq!(
        again.value(FormField::EndpointAdmin, None),
        "http://10.231.0.10:9292"
    );
}

#[test]
fn forms_refuse_to_move_on_with_an_invalid_field() {
    let mut a = app(Lang::En);
    a.go(Screen::Database);
    key(&mut a, KeyCode::PageDown);
    assert_eq!(a.screen, Screen::Database, "passwords missing");
    assert_eq!(a.focused(), Some(FormField::DbPassword));
    key(&mut a, KeyCode::F(5));
    key(&mut a, KeyCode::PageDown);
    assert_eq!(a.screen, Screen::Identity);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.screen, Screen::Database);
}
