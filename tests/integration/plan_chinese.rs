//! `plan` under a Chinese locale prints the whole plan in Chinese: the
//! sources, every task's title and steps, the config changes' notes. Only
//! commands, SQL statements, URLs, paths, option names and the lines of a
//! config file's diff (the file's own text) stay as they are; `--format
//! json` stays English under every locale (docs/json.md). No lab needed:
//! `plan` only reads (the config files if any, the journal of a state
//! directory of its own here). The answers reach every kind of line: a
//! database admin over TCP, a bind_host the WSGI releases do not write, a
//! test image to download, a proxy written for the package manager, and no
//! secrets yet (`<not set>`).

use crate::common;

use std::path::Path;

use glance_wizard::i18n::english_sentences;

const ANSWERS: &str = r#"
[controller]
host = "controller"
bind_host = "10.0.0.11"

[database]
admin_access = "tcp"
admin_user = "root"

[keystone]
admin_openrc = ""
os_auth_url = "http://controller:5000/v3"

[test_image]
source = "http://download.example.org/cirros.img"

[proxy]
http_proxy = "http://proxyuser@proxy.example.org:3128"
https_proxy = "http://proxyuser@proxy.example.org:3128"
no_proxy = "controller,localhost"
persist = true
"#;

/// Other people's words, quoted: a glance ChangeLog entry's title (the
/// Queens note of assets/profiles.toml).
const FOREIGN: &[&str] = &["Use Default as sample install domain name"];

/// Targets whose facts (API server, repository, unverified notes) differ.
const TARGETS: &[(&str, &str)] = &[
    ("debian", "zed"),
    ("debian", "2025.1"),
    ("debian", "2026.2"),
    ("ubuntu", "2026.2"),
    ("rdo", "queens"),
    ("rdo", "2026.2"),
];

fn plan(dir: &Path, target: (&str, &str), locale: &str, json: bool) -> String {
    let mut cmd = common::wizard_in(locale);
    cmd.arg("plan")
        .arg("--answers")
        .arg(dir.join("answers.toml"))
        .arg("--state-dir")
        .arg(dir.join("state"))
        .args(["--distro", target.0, "--release", target.1]);
    if json {
        cmd.args(["--format", "json"]);
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// A line of a config file's unified diff, under its task (seven spaces,
/// then the diff's own mark): the file's text, comments included.
fn diff_line(line: &str) -> bool {
    line.strip_prefix("       ")
        .is_some_and(|rest| rest.starts_with(['+', '-', '@', ' ']) || rest.is_empty())
}

/// A line without its commands: a `$ …` runs to the end of the line, a
/// command in the words is quoted with backticks.
fn without_commands(line: &str) -> String {
    let line = line.split("$ ").next().unwrap();
    line.split('`').step_by(2).collect::<Vec<_>>().join("")
}

/// The Chinese and the English plan of the same machine: `plan` reads this
/// machine's config files, which the end-to-end tests running beside this
/// one change; a pair is taken when the English plan before and after the
/// Chinese one are the same.
fn same_machine_plans(dir: &Path, target: (&str, &str), json: bool) -> (String, String) {
    for _ in 0..20 {
        let before = plan(dir, target, "C.UTF-8", json);
        let zh = plan(dir, target, "zh_CN.UTF-8", json);
        if plan(dir, target, "C.UTF-8", json) == before {
            return (zh, before);
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    panic!("{target:?}: the machine's config files kept changing under the plans");
}

#[test]
fn plan_under_a_chinese_locale_prints_chinese() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("answers.toml"), ANSWERS).unwrap();
    for &target in TARGETS {
        let (zh, en) = same_machine_plans(dir.path(), target, false);
        for expected in [
            "目标：",
            "安装指南：",
            "镜像 API 由此提供：",
            "软件包来源：",
        ] {
            assert!(
                zh.contains(expected),
                "{target:?}: no {expected:?} in:\n{zh}"
            );
        }
        assert!(en.contains("\nImage API served by: "), "{target:?}:\n{en}");
        // The same plan: as many lines, the same commands and statements.
        assert_eq!(zh.lines().count(), en.lines().count(), "{target:?}");
        let command = |l: &&str| {
            ["$ ", "SQL> "]
                .iter()
                .any(|c| l.trim_start().starts_with(c))
        };
        for line in en.lines().filter(command) {
            // Without a note after it (`   (exit 0: ...)`).
            let line = line.split("   (").next().unwrap();
            assert!(zh.contains(line), "{target:?}: {line:?} missing in:\n{zh}");
        }
        let words: String = zh
            .lines()
            .filter(|l| !diff_line(l))
            .map(without_commands)
            .collect::<Vec<_>>()
            .join("\n");
        let english: Vec<String> = english_sentences(&words)
            .into_iter()
            .filter(|found| !FOREIGN.iter().any(|f| f.contains(found.as_str())))
            .collect();
        assert!(
            english.is_empty(),
            "{target:?}: English {english:?} in:\n{zh}"
        );
    }
    // JSON is language-neutral: English under either locale.
    let (json, english) = same_machine_plans(dir.path(), TARGETS[0], true);
    assert_eq!(json, english);
    assert!(
        json.contains("\"title\": \"Create the glance database"),
        "{json}"
    );
}
