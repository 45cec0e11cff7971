//! `check` under a Chinese locale prints its results in Chinese: the
//! headings, each check's status, name and what it found. Only the words of
//! other programs (the resolver's, the database driver's, the file
//! system's) stay as they came. No lab needed: every server named is in
//! `.invalid`, so each check fails at once (about 0.1 s).

use crate::common;

use glance_wizard::i18n::english_sentences;

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
    let out = common::wizard_in(locale)
        .arg("check")
        .arg("--answers")
        .arg(dir.join("answers.toml"))
        .output()
        .unwrap();
    common::stdout_alone(out)
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

/// `apply --generate-passwords` with a state directory that cannot be
/// made (under a file): its lines before any task, each in the locale's
/// language, then exit 1 with nothing run.
fn apply_without_state_dir(locale: &str) -> (Option<i32>, String, tempfile::TempDir) {
    use std::os::unix::fs::PermissionsExt;
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    std::fs::write(dir.join("answers.toml"), ANSWERS).unwrap();
    let secrets = dir.join("answers.secrets.toml");
    std::fs::write(&secrets, "os_password = \"admin-pw-123456\"\n").unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = common::wizard_in(locale)
        .arg("--state-dir")
        .arg(secrets.join("state"))
        .args(["apply", "--generate-passwords", "--answers"])
        .arg(dir.join("answers.toml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    (out.status.code(), stdout, temp)
}

#[test]
fn apply_says_what_comes_before_the_tasks_in_the_locale_language() {
    let (code, zh, dir) = apply_without_state_dir("zh_CN.UTF-8");
    let secrets = dir.path().join("answers.secrets.toml");
    assert_eq!(code, Some(1), "{zh}");
    let expected = format!(
        "已生成 glance_db_password, glance_service_password，并保存到 {}（权限 0600）\n\
         目标：Debian / Glance Zed / apt / sysv-init (service / /etc/init.d)\n\
         无法创建状态目录 {}/state：",
        secrets.display(),
        secrets.display()
    );
    assert!(zh.starts_with(&expected), "{zh}");
    let english: Vec<String> = english_sentences(&zh)
        .into_iter()
        .filter(|found| !"Not a directory".contains(found.as_str()))
        .collect();
    assert!(english.is_empty(), "English: {english:?} in:\n{zh}");

    let (code, en, dir) = apply_without_state_dir("C.UTF-8");
    let secrets = dir.path().join("answers.secrets.toml");
    assert_eq!(code, Some(1), "{en}");
    let expected = format!(
        "generated glance_db_password, glance_service_password and saved them to {} (mode 0600)\n\
         Target: Debian / Glance Zed / apt / sysv-init (service / /etc/init.d)\n\
         cannot create the state directory {}/state: ",
        secrets.display(),
        secrets.display()
    );
    assert!(en.starts_with(&expected), "{en}");
}

/// A target that cannot be worked out is said in the locale's language
/// (exit 4), the release names as they are.
#[test]
fn an_unknown_release_is_said_in_the_locale_language() {
    let dir = tempfile::tempdir().unwrap();
    let answers = ANSWERS.replace("release = \"zed\"", "release = \"nonsense\"");
    std::fs::write(dir.path().join("answers.toml"), answers).unwrap();
    std::fs::write(dir.path().join("answers.secrets.toml"), SECRETS).unwrap();
    let run = |locale: &str| {
        let out = common::wizard_in(locale)
            .arg("check")
            .arg("--answers")
            .arg(dir.path().join("answers.toml"))
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), said)
    };
    let (code, zh) = run("zh_CN.UTF-8");
    assert_eq!(code, Some(4), "{zh}");
    assert!(
        zh.contains("未知的 Glance 版本 `nonsense`：请使用以下之一：pike"),
        "{zh}"
    );
    let english = english_sentences(&zh);
    assert!(english.is_empty(), "English: {english:?} in:\n{zh}");
    let (code, en) = run("C.UTF-8");
    assert_eq!(code, Some(4), "{en}");
    assert!(
        en.contains("target: unknown Glance release `nonsense`: use one of pike"),
        "{en}"
    );
}
