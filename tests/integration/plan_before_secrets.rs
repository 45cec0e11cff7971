//! `plan` shows the plan before the passwords exist: each missing one is
//! `<not set>` where it goes, and nothing is written. `check` (like
//! `apply`) still refuses the same answers, naming the missing secrets.

use std::process::{Command, Output, Stdio};

const ANSWERS: &str = r#"
[keystone]
os_auth_url = "http://controller:5000/v3"

[target]
distro = "debian"
release = "zed"
"#;

fn wizard(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glance-wizard"))
        .args(args)
        .arg("--answers")
        .arg(dir.join("answers.toml"))
        // No terminal: nothing is asked for.
        .stdin(Stdio::null())
        .env_remove("OS_PASSWORD")
        .output()
        .unwrap()
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn plan_shows_missing_passwords_as_not_set_and_check_still_refuses_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("answers.toml"), ANSWERS).unwrap();

    let plan = wizard(&["plan"], dir.path());
    let stdout = String::from_utf8_lossy(&plan.stdout);
    let stderr = String::from_utf8_lossy(&plan.stderr);
    assert_eq!(plan.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with(
            "Passwords not set yet, shown as <not set>: secrets.glance_db_password, \
             secrets.glance_service_password, secrets.os_password. \
             `check` and `apply` need them.\n"
        ),
        "{stdout}"
    );
    for shown in [
        "SQL> CREATE USER IF NOT EXISTS 'glance'@'localhost' IDENTIFIED BY '<not set>';",
        "set the password of glance (<not set>) with PATCH",
        "[database] connection = mysql+pymysql://glance:<not set>@controller/glance (secret)",
        "[keystone_authtoken] password = <not set> (secret)",
    ] {
        assert!(stdout.contains(shown), "no {shown:?} in:\n{stdout}");
    }
    // The stand-in's own value (a NUL character) is never shown.
    assert!(!stdout.contains('\0'), "{stdout}");
    // Nothing written: no secrets file, no state.
    assert_eq!(files_in(dir.path()), ["answers.toml"]);

    // `check` as before `plan` could show a plan without passwords: the
    // same exit code and the same words.
    let check = wizard(&["check"], dir.path());
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr, CHECK_REFUSES);
    assert!(check.stdout.is_empty());
    assert_eq!(files_in(dir.path()), ["answers.toml"]);
}

const CHECK_REFUSES: &str = "\
glance-wizard: the answers have 3 problem(s):
  - secrets.glance_db_password: missing: put it in the secrets file (mode 0600), run in a terminal to be asked, or use --generate-passwords
  - secrets.glance_service_password: missing: put it in the secrets file (mode 0600), run in a terminal to be asked, or use --generate-passwords
  - secrets.os_password: OS_PASSWORD must not be empty
";
