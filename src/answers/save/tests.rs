use super::*;
use crate::answers::SecretName;
use crate::util::secret::Secret;
use std::os::unix::fs::PermissionsExt;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn saved_answers_load_back_with_their_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    let mut answers = Answers::default();
    answers.controller.host = "ctl".into();
    answers.keystone.admin_openrc = "/root/admin-openrc".into();
    let mut secrets = Secrets::default();
    secrets.set(SecretName::GlanceDbPassword, Secret::new("db'pass word"));
    let secrets_path = answers.save(&path, &secrets).unwrap();
    assert_eq!(secrets_path, dir.path().join("mine.secrets.toml"));
    assert_eq!(mode(&secrets_path), 0o600);
    assert_eq!(mode(&path), 0o600);
    let loaded = Answers::load(&path).unwrap();
    assert_eq!(loaded.controller, answers.controller);
    assert_eq!(loaded.secrets_path(&path), secrets_path);
    assert_eq!(Secrets::load(&secrets_path).unwrap(), secrets);
    assert!(!std::fs::read_to_string(&path).unwrap().contains("db'pass"));
}

/// An admin's answers file: comments, a blank line, keys in their own
/// order, a literal string, a default written out, a section left out.
const COMMENTED: &str = r#"# Our controller (ticket OPS-1234).
[controller]
host = 'ctl-01'   # the VIP, not the node
[keystone]
# The admin credentials of the lab.
memcached_servers = ["ctl-01:11211"]
admin_openrc = "/root/admin-openrc"

[database]
port = 3306 # the default, written out
host = "db-01"
[secrets]
file = "answers.secrets.toml"
"#;

fn save(text: &str, answers: &Answers) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answers.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    answers.save(&path, &Secrets::default()).unwrap();
    (dir, path)
}

/// One value changed in the wizard: the file is the same but for that
/// value (comments, order, quoting and the default written out kept), it
/// loads back equal, and keeps its mode. The old code wrote a fresh
/// serialisation and failed here.
#[test]
fn saving_a_commented_file_changes_only_the_changed_value() {
    let mut answers = Answers::from_toml(COMMENTED).unwrap();
    answers.database.host = Some("db-02".into());
    let (_dir, path) = save(COMMENTED, &answers);
    let saved = std::fs::read_to_string(&path).unwrap();
    assert_eq!(saved, COMMENTED.replace("\"db-01\"", "\"db-02\""));
    assert_eq!(Answers::load(&path).unwrap(), answers);
    assert_eq!(mode(&path), 0o640);
}

/// A key the wizard set is added to its section, a section the file left
/// out is added with the changed key only, and a key that became unset is
/// removed; the rest stays.
#[test]
fn saving_adds_new_keys_and_sections_and_removes_unset_ones() {
    let text = format!("{COMMENTED}[endpoints]\npublic = \"http://ctl-01:9292\" # ours\n");
    let mut answers = Answers::from_toml(&text).unwrap();
    answers.endpoints.public = None;
    answers.keystone.region = "RegionTwo".into();
    answers.proxy.http_proxy = "http://gw:3128".into();
    let (_dir, path) = save(&text, &answers);
    let saved = std::fs::read_to_string(&path).unwrap();
    assert_eq!(Answers::load(&path).unwrap(), answers);
    let expected = format!(
        "{}[endpoints]\n\n[proxy]\nhttp_proxy = \"http://gw:3128\"\n",
        COMMENTED.replace(
            "admin_openrc = \"/root/admin-openrc\"\n",
            "admin_openrc = \"/root/admin-openrc\"\nregion = \"RegionTwo\"\n"
        )
    );
    assert_eq!(saved, expected);
}

/// The template, every comment in it, saved with one value changed.
#[test]
fn saving_the_template_keeps_every_comment() {
    let mut answers = Answers::from_toml(crate::answers::TEMPLATE).unwrap();
    answers.controller.host = "ctl".into();
    let (_dir, path) = save(crate::answers::TEMPLATE, &answers);
    let saved = std::fs::read_to_string(&path).unwrap();
    let expected = crate::answers::TEMPLATE.replacen("host = \"controller\"", "host = \"ctl\"", 1);
    assert_eq!(saved, expected);
}

/// A file that is not an answers file is written afresh, as before.
#[test]
fn a_file_that_is_not_answers_is_replaced() {
    let answers = Answers::default();
    let (_dir, path) = save("not = [toml", &answers);
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(
        saved.starts_with("# glance-wizard answers: replay with"),
        "{saved}"
    );
    assert_eq!(Answers::load(&path).unwrap(), answers);
}

/// An answers path that is a link is refused before anything is written:
/// no secrets file beside it, the link's target untouched.
#[test]
fn a_link_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere.toml");
    std::fs::write(&target, COMMENTED).unwrap();
    let path = dir.path().join("answers.toml");
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let mut secrets = Secrets::default();
    secrets.set(SecretName::GlanceDbPassword, Secret::new("pw-1234567"));
    assert!(Answers::default().save(&path, &secrets).is_err());
    assert!(!dir.path().join("answers.secrets.toml").exists());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), COMMENTED);
}
