//! The Export screen at 80x24 in both languages: opened with x from the
//! Done screen, the inputs it proposes, an inventory refused (each reason
//! naming its field), and a valid one written for real into a temporary
//! directory by the runtime's own function, the same one
//! `glance-wizard export ansible` calls.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use unicode_width::UnicodeWidthStr;

use crate::answers::{Answers, SecretName, Secrets};
use crate::i18n::{Lang, Texts};
use crate::tui::app::{App, Msg, Request, Screen};
use crate::tui::draft::Draft;
use crate::tui::tests::{app, both, key, screen, type_text};
use crate::util::secret::Secret;

const ANSWERS: &str = "[keystone]\nos_auth_url = \"http://controller:5000/v3\"\n";
const SECRETS: [(SecretName, &str); 3] = [
    (SecretName::GlanceDbPassword, "Db-pass-w0rd#1"),
    (SecretName::GlanceServicePassword, "Svc-pass-w0rd#2"),
    (SecretName::OsPassword, "Adm1n-pass-w0rd#3"),
];

const ONE_LOCAL: &str =
    "[[controller]]\nname = \"controller\"\naddress = \"192.0.2.11\"\nconnection = \"local\"\n";
const TWO_LOCAL_STORES: &str = "[[controller]]\nname = \"ctl1\"\naddress = \"192.0.2.11\"\n\
                                [[controller]]\nname = \"ctl2\"\naddress = \"192.0.2.12\"\n";
const NAMED_TWICE: &str = "[[controller]]\nname = \"ctl1\"\naddress = \"192.0.2.11\"\n\
                           [[controller]]\nname = \"ctl1\"\naddress = \"192.0.2.12\"\n";

/// A short temporary directory of a fixed length (its random part
/// replaced in snapshots: the rows wrap the same wherever it is).
fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("gwx")
        .tempdir_in("/tmp")
        .unwrap()
}

fn snap(name: &str, lang: Lang, app: &App, dir: Option<&Path>) -> String {
    let mut text = screen(app);
    if let Some(dir) = dir {
        text = text.replace(&dir.display().to_string(), "/tmp/gwxXXXXXX");
    }
    insta::assert_snapshot!(format!("{name}_{}", lang.code()), text);
    if lang == Lang::ZhCn {
        crate::tui::tests::assert_no_english(name, &text);
    }
    for (_, secret) in SECRETS {
        assert!(!text.contains(secret), "{name}: a secret on screen");
    }
    text
}

/// The app on the Done screen after an install with these answers (the
/// Keystone admin typed, so nothing outside is read), its answers file
/// proposed in `dir`; then x.
fn export_screen(lang: Lang, dir: &Path) -> App {
    let mut a = app(lang);
    let answers = Answers::from_toml(ANSWERS).unwrap();
    let mut secrets = Secrets::default();
    for (name, value) in SECRETS {
        secrets.set(name, Secret::new(value));
    }
    a.draft = Draft::from_answers(&answers, &secrets);
    a.saved.default_path = dir.join("glance-wizard-answers.toml");
    a.go(Screen::Done);
    key(&mut a, KeyCode::Char('x'));
    assert_eq!(a.screen, Screen::Export);
    a
}

/// Enter, and the runtime's work for the request it makes.
fn write(a: &mut App) {
    key(a, KeyCode::Enter);
    let requests = a.take_requests();
    let [Request::Export { inventory, output }] = requests.as_slice() else {
        panic!("{requests:?}");
    };
    super::perform(a, inventory, output);
}

fn inventory(dir: &Path, text: &str) {
    std::fs::write(dir.join("controllers.toml"), text).unwrap();
}

fn ctrl(a: &mut App, c: char) {
    let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    a.handle(Msg::Input(crossterm::event::Event::Key(key)));
}

/// The screen as it opens: the inventory and the output directory beside
/// the answers file, nothing written; the Done screen says how to get
/// here; Esc goes back and what was typed stays.
#[test]
fn export_screen_opens_from_done() {
    both(|lang| {
        let mut a = app(lang);
        a.go(Screen::Done);
        let done = screen(&a);
        assert!(done.contains("x "), "{done}");
        key(&mut a, KeyCode::Char('x'));
        assert_eq!(a.screen, Screen::Export);
        let text = snap("export_empty", lang, &a, None);
        assert!(text.contains("/root/controllers.toml"), "{text}");
        assert!(text.contains("/root/glance-ansible"), "{text}");
        assert!(a.take_requests().is_empty());
        key(&mut a, KeyCode::F(1));
        let help = screen(&a);
        assert!(help.contains("secrets.yml"), "{help}");
        key(&mut a, KeyCode::F(1));
        // q is typed (a path may hold one); Esc goes back.
        key(&mut a, KeyCode::Tab);
        ctrl(&mut a, 'u');
        type_text(&mut a, "/srv/q");
        key(&mut a, KeyCode::Esc);
        assert_eq!(a.screen, Screen::Done);
        assert_eq!(a.exit, None);
        key(&mut a, KeyCode::Char('x'));
        assert_eq!(a.export.as_ref().unwrap().output, "/srv/q");
        let t = Texts::of(lang);
        assert!(t.t("export_screen.hints").width() <= 79);
        assert!(t.t("hints.done").width() <= 79);
    });
}

/// A local file store for two controllers is refused with the reason
/// (`image_store: ...`), and nothing is written.
#[test]
fn export_refuses_a_local_store_for_two_controllers() {
    let dir = tmp();
    inventory(dir.path(), TWO_LOCAL_STORES);
    both(|lang| {
        let mut a = export_screen(lang, dir.path());
        write(&mut a);
        let text = snap("export_local_store", lang, &a, Some(dir.path()));
        assert!(text.contains("image_store"), "{text}");
        assert!(!dir.path().join("glance-ansible").exists());
    });
}

/// An inventory's problems each name their field; a missing file names
/// the inventory and says why it cannot be read.
#[test]
fn export_names_the_inventory_field() {
    let dir = tmp();
    both(|lang| {
        let mut a = export_screen(lang, dir.path());
        write(&mut a);
        let text = screen(&a);
        let path = dir.path().join("controllers.toml");
        assert!(text.contains("- inventory: "), "{text}");
        assert!(text.contains("(os error 2)"), "{text}");
        // In the screen's language (it was English on the Chinese screen).
        let t = Texts::of(lang);
        let unreadable = t.t("inventory_file.unreadable");
        let words = unreadable.split('{').next().unwrap().trim_end();
        assert!(text.contains(&format!("- inventory: {words}")), "{text}");
        if lang == Lang::ZhCn {
            crate::tui::tests::assert_no_english("missing inventory", &text);
        }

        inventory(dir.path(), NAMED_TWICE);
        write(&mut a);
        let text = snap("export_named_twice", lang, &a, Some(dir.path()));
        assert!(text.contains("controller[1].name"), "{text}");
        std::fs::remove_file(&path).unwrap();
        assert!(!dir.path().join("glance-ansible").exists());
    });
}

/// A valid inventory (one controller, a local connection): the project is
/// written, the screen says where and how to encrypt its secrets, which
/// are in secrets.yml (0600) and not on the screen.
#[test]
fn export_writes_the_project() {
    both(|lang| {
        let dir = tmp();
        inventory(dir.path(), ONE_LOCAL);
        let mut a = export_screen(lang, dir.path());
        // First into a directory that cannot be made (under a file): the
        // write error, with its path.
        let blocked = dir.path().join("controllers.toml").join("out");
        a.export.as_mut().unwrap().output = blocked.display().to_string();
        write(&mut a);
        let text = screen(&a);
        let t = Texts::of(lang);
        let cannot = t.t("export.write");
        let words = cannot.split('{').next().unwrap().trim_end();
        assert!(text.contains(words), "{text}");
        assert!(!blocked.exists());
        a.export.as_mut().unwrap().output = dir.path().join("glance-ansible").display().to_string();
        write(&mut a);
        let text = snap("export_written", lang, &a, Some(dir.path()));
        assert!(text.contains("ansible-vault"), "{text}");
        let project = dir.path().join("glance-ansible");
        for file in ["site.yml", "inventory.yml", "group_vars/controllers.yml"] {
            assert!(project.join(file).is_file(), "{file}");
        }
        let secrets = project.join("secrets.yml");
        let mode = std::fs::metadata(&secrets).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = std::fs::metadata(&project).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let held = std::fs::read_to_string(&secrets).unwrap();
        for (_, secret) in SECRETS {
            assert!(held.contains(secret), "{secret} not in secrets.yml");
        }
        // The result goes as soon as the inputs change.
        key(&mut a, KeyCode::Backspace);
        assert!(a.export.as_ref().unwrap().result.is_none());
    });
}
