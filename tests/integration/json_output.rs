//! `check --format json` and `plan --format json` from the binary: stdout
//! is one JSON document with no planted secret in any form, the exit codes
//! are text's, and bad answers leave stdout empty with the reason on stderr.
//! The prechecks run for real against addresses where nothing listens
//! (127.0.0.1 port 1): each fails at once. Cost: about a second.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const ANSWERS: &str = r#"
[controller]
host = "localhost"
[database]
host = "127.0.0.1"
port = 1
admin_access = "tcp"
[keystone]
admin_openrc = ""
os_auth_url = "http://127.0.0.1:1/v3"
memcached_servers = ["127.0.0.1:1"]
[test_image]
source = "/nonexistent/cirros.img"
[proxy]
http_proxy = "http://gw@127.0.0.1:1"
no_proxy = "localhost,127.0.0.1"
[target]
distro = "debian"
release = "zed"
"#;

const PLANTED: [(&str, &str); 5] = [
    ("glance_db_password", "Db-Json'pa$$w0rd"),
    ("glance_service_password", "Svc-Json\"pass中"),
    ("db_admin_password", "DbAdmin-Json-61"),
    ("os_password", "Admin-Json-Planted-77"),
    ("proxy_password", "Proxy-Json-p@ss"),
];

fn write_files(dir: &Path, answers: &str) {
    std::fs::write(dir.join("answers.toml"), answers).unwrap();
    let secrets: String = PLANTED
        .iter()
        .map(|(key, value)| format!("{key} = {}\n", toml_string(value)))
        .collect();
    let path = dir.join("answers.secrets.toml");
    std::fs::write(&path, secrets).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn toml_string(value: &str) -> String {
    serde_json::to_string(value).unwrap()
}

/// The command in `dir`, with its own (empty) state directory: never this
/// machine's journal.
fn wizard(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glance-wizard"))
        .arg("--state-dir")
        .arg(dir.join("state"))
        .args(args)
        .args(["--format", "json", "--answers"])
        .arg(dir.join("answers.toml"))
        .stdin(Stdio::null())
        .env_remove("OS_PASSWORD")
        .output()
        .unwrap()
}

fn planted() -> common::leak::Secrets {
    let secrets = common::leak::Secrets::default();
    for (label, value) in PLANTED {
        secrets.add(label, value);
    }
    secrets
}

#[test]
fn check_and_plan_print_one_json_document_with_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), ANSWERS);
    let mut documents = Vec::new();
    for (command, code) in [("check", 4), ("plan", 0)] {
        let out = wizard(&[command], dir.path());
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(
            out.status.code(),
            Some(code),
            "{command}: {stdout}\n{stderr}"
        );
        let json: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{command}: not JSON ({e}):\n{stdout}"));
        assert!(json["target"].as_str().unwrap().contains("Zed"), "{json:#}");
        let hits = planted().found_in(&format!("{stdout}{stderr}"));
        assert!(
            hits.is_empty(),
            "{command}: secrets {hits:?} in:\n{stdout}\n{stderr}"
        );
        documents.push(json);
    }
    let check = &documents[0];
    assert_eq!(check["outcome"], "failed");
    let status = |id: &str| {
        let checks = check["checks"].as_array().unwrap();
        checks
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["status"].clone())
    };
    assert_eq!(status("database_login"), Some("fail".into()), "{check:#}");
    assert_eq!(status("proxy"), Some("fail".into()), "{check:#}");
}

/// Before the secrets file exists, `plan --format json` names the
/// passwords not set yet.
#[test]
fn plan_json_names_the_passwords_not_set() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("answers.toml"), ANSWERS).unwrap();
    let out = wizard(&["plan"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        plan["passwords_not_set"].as_array().map(Vec::len),
        Some(5),
        "{plan:#}"
    );
    assert!(plan.to_string().contains("<not set>"));
}

/// A bad answers file: nothing on stdout (no half document), the field and
/// its rule on stderr, exit code 3 as with text.
#[test]
fn bad_answers_leave_stdout_empty_and_say_why_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &ANSWERS.replace("port = 1\n", "port = 0\n"));
    for command in ["check", "plan"] {
        let out = wizard(&[command], dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{command}: {stderr}");
        assert!(out.stdout.is_empty(), "{command}: {:?}", out.stdout);
        assert!(stderr.contains("database.port"), "{command}: {stderr}");
    }
}

/// A target that cannot be worked out: `check --format json` prints a
/// report with the failed `target` check (exit 4 always comes with one),
/// `plan` nothing on stdout and the reason on stderr.
#[test]
fn check_json_reports_an_unknown_target_as_a_failed_check() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &ANSWERS.replace("distro = \"debian\"", "distro = \"slackware\""),
    );
    let out = wizard(&["check"], dir.path());
    assert_eq!(out.status.code(), Some(4));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["outcome"], "failed");
    assert_eq!(report["checks"][0]["id"], "target");
    assert_eq!(report["checks"][0]["status"], "fail");
    assert_eq!(report["checks"][0]["field"], "target.distro");
    let detail = report["checks"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("slackware"), "{detail}");
    let out = wizard(&["plan"], dir.path());
    assert_eq!(out.status.code(), Some(4));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("slackware"));
}
