//! `check` under a Chinese locale prints its results in Chinese: the
//! headings, each check's status, name and what it found. Only the words of
//! other programs (the resolver's, the database driver's, the file
//! system's) stay as they came. No lab needed: every server named is in
//! `.invalid`, so each check fails at once (about 0.1 s).

use std::process::Command;

use glance_wizard::ui::i18n::english_sentences;

const ANSWERS: &str = r#"
[controller]
host = "nohost.invalid"

[database]
socket = "/nonexistent/mysqld.sock"

[keystone]
os_auth_url = "http://nohost.invalid:5000/v3"
memcached_servers = ["nohost.invalid:11211"]

[test_image]
source = "/nonexistent/cirros.img"

[target]
distro = "debian"
release = "zed"
"#;

const SECRETS: &str = r#"
glance_db_password = "db-pw-123456"
glance_service_password = "svc-pw-123456"
os_password = "admin-pw-123456"
"#;

/// What other programs and libraries say, quoted in a check's line.
const FOREIGN: &[&str] = &[
    "failed to lookup address information",
    "Name or service not known",
    "No such file or directory",
    "Could not connect to address",
    "Temporary failure in name resolution",
];

fn check(dir: &std::path::Path, locale: &str) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_glance-wizard"))
        .arg("check")
        .arg("--answers")
        .arg(dir.join("answers.toml"))
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", locale)
        .env_remove("OS_PASSWORD")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

/// The lines of the checks: after the heading.
fn check_lines(stdout: &str, heading: &str) -> Vec<String> {
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines.iter().position(|l| *l == heading);
    let at = at.unwrap_or_else(|| panic!("no {heading:?} in:\n{stdout}"));
    lines[at + 1..].iter().map(|l| l.to_string()).collect()
}

#[test]
fn check_under_a_chinese_locale_prints_chinese() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("answers.toml"), ANSWERS).unwrap();
    let secrets = dir.path().join("answers.secrets.toml");
    std::fs::write(&secrets, SECRETS).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();

    let (code, zh) = check(dir.path(), "zh_CN.UTF-8");
    assert_eq!(code, Some(4), "{zh}");
    assert!(zh.starts_with("应答：有效。\n目标："), "{zh}");
    let lines = check_lines(&zh, "预检查：");
    for line in &lines {
        let status = ["  [通过] ", "  [警告] ", "  [失败] "];
        assert!(status.iter().any(|s| line.starts_with(s)), "{line}");
    }
    for expected in [
        "[失败] 控制节点名称     nohost.invalid 无法解析",
        "[失败] 数据库登录       无法以数据库管理员身份登录：",
        "[失败] memcached        nohost.invalid:11211 无法解析：",
        "[失败] 测试镜像         无法读取 /nonexistent/cirros.img：",
        "[警告] 端口 9292        控制节点名称无法解析",
    ] {
        assert!(zh.contains(expected), "no {expected:?} in:\n{zh}");
    }
    let english: Vec<String> = english_sentences(&zh)
        .into_iter()
        .filter(|found| !FOREIGN.iter().any(|f| f.contains(found.as_str())))
        .collect();
    assert!(english.is_empty(), "English: {english:?} in:\n{zh}");

    // The same checks in English under another locale.
    let (code, en) = check(dir.path(), "C.UTF-8");
    assert_eq!(code, Some(4), "{en}");
    assert_eq!(check_lines(&en, "Prechecks:").len(), lines.len(), "{en}");
    assert!(en.contains("[FAIL] controller name"), "{en}");
}
