//! `doctor` under a Chinese locale prints its report in Chinese: the
//! heading, the finding's check, what was found, why it breaks Glance and
//! the fix; `--format json` stays English (docs/json.md). No lab needed:
//! the config directory is an empty one, so the doctor finds the missing
//! glance-api.conf and can check nothing else (about 0.1 s).

use std::process::Command;

use glance_wizard::ui::i18n::english_sentences;

fn doctor(config_dir: &std::path::Path, locale: &str, json: bool) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_glance-wizard"));
    command
        .arg("doctor")
        .arg("--config-dir")
        .arg(config_dir)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", locale);
    if json {
        command.args(["--format", "json"]);
    }
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn doctor_under_a_chinese_locale_prints_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("glance-api.conf");
    let (code, zh) = doctor(dir.path(), "zh_CN.UTF-8", false);
    assert_eq!(code, Some(8), "{zh}");
    let expected = [
        format!("Glance 诊断：{}\n", conf.display()),
        "发现的问题（1）：\n".to_string(),
        format!("  [失败] 配置文件: {}\n", conf.display()),
        "      发现： 无法读取：".to_string(),
        "      原因： glance-api 的全部设置都从这个文件读取\n".to_string(),
        "      修复： 安装 Glance 的软件包（其中包含此文件），或运行 glance-wizard apply\n"
            .to_string(),
        "      或者： glance-wizard apply -a ANSWERS.toml（".to_string(),
    ];
    for line in &expected {
        assert!(zh.contains(line.as_str()), "no {line:?} in:\n{zh}");
    }
    // The file system's words, quoted as they came.
    let english: Vec<String> = english_sentences(&zh)
        .into_iter()
        .filter(|found| !"No such file or directory".contains(found.as_str()))
        .collect();
    assert!(english.is_empty(), "English: {english:?} in:\n{zh}");

    // The same report in English under another locale, as it always was.
    let (code, en) = doctor(dir.path(), "C.UTF-8", false);
    assert_eq!(code, Some(8), "{en}");
    let expected = format!(
        "Glance doctor: {0}\nFindings (1):\n  [fail] config file: {0}\n      \
         found: cannot read it: No such file or directory (os error 2)\n      \
         why:   glance-api reads all of its settings from this file\n      \
         fix:   install Glance's packages (they ship it), or run glance-wizard apply\n      \
         or:    glance-wizard apply -a ANSWERS.toml (the answers it was installed with; for a \
         Glance made by hand, glance-wizard doctor --write-answers adopt.toml writes them): \
         keeps what is right, repairs this\n",
        conf.display()
    );
    assert_eq!(en, expected);

    // JSON keeps English whatever the locale.
    let (code, json) = doctor(dir.path(), "zh_CN.UTF-8", true);
    assert_eq!(code, Some(8), "{json}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let finding = &report["findings"][0];
    assert_eq!(finding["check"], "config-file");
    assert_eq!(
        finding["why"],
        "glance-api reads all of its settings from this file"
    );
}
