//! `doctor` under a Chinese locale prints its report in Chinese: the
//! heading, the finding's check, what was found, why it breaks Glance and
//! the fix; `--format json` stays English (docs/json.md). No lab needed:
//! the config directory is an empty one, so the doctor finds the missing
//! glance-api.conf and can check nothing else (about 0.1 s).

use crate::common;

use glance_wizard::i18n::english_sentences;

fn doctor(config_dir: &std::path::Path, locale: &str, json: bool) -> (Option<i32>, String) {
    let mut command = common::wizard_in(locale);
    command.arg("doctor").arg("--config-dir").arg(config_dir);
    if json {
        command.args(["--format", "json"]);
    }
    let out = command.output().unwrap();
    common::stdout_alone(out)
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

/// `doctor --write-answers` runs `glance-wizard doctor` on a config that
/// names a database and no Keystone (nothing answers at 127.0.0.1:1, so
/// no server is asked): what it says on standard error.
fn write_answers(dir: &std::path::Path, answers: &str, locale: &str) -> (Option<i32>, String) {
    let out = common::wizard_in(locale)
        .arg("doctor")
        .arg("--config-dir")
        .arg(dir)
        .arg("--admin-openrc")
        .arg(dir.join("admin-openrc"))
        .arg("--write-answers")
        .arg(dir.join(answers))
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn doctor_write_answers_under_a_chinese_locale_says_it_in_chinese() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("glance-api.conf"),
        "[database]\nconnection = mysql+pymysql://glance:db-pw-1@127.0.0.1:1/glance\n",
    )
    .unwrap();
    let openrc = dir.path().join("admin-openrc");
    std::fs::write(
        &openrc,
        "export OS_USERNAME=admin\nexport OS_PASSWORD=admin-pw-1\n\
         export OS_AUTH_URL=http://127.0.0.1:1/v3\nexport OS_PROJECT_NAME=admin\n",
    )
    .unwrap();
    std::fs::set_permissions(&openrc, std::fs::Permissions::from_mode(0o600)).unwrap();
    let shown = |name: &str| dir.path().join(name).display().to_string();

    let (code, zh) = write_answers(dir.path(), "zh.toml", "zh_CN.UTF-8");
    assert_eq!(code, Some(8), "{zh}");
    for expected in [
        format!(
            "已写入 {}（这个 Glance 的应答），其密码写入 {}（权限 0600）。\n",
            shown("zh.toml"),
            shown("zh.secrets.toml")
        ),
        format!(
            "`glance-wizard apply --answers {}` 接管这个 Glance",
            shown("zh.toml")
        ),
        "配置中没有，因此使用向导的默认值：[controller] host：[keystone_authtoken] \
         www_authenticate_uri 中没有 URL；使用 `controller`\n"
            .to_string(),
        "配置中没有，因此使用向导的默认值：[keystone] region：无法读取 Keystone 的区域（"
            .to_string(),
        "配置中没有，因此使用向导的默认值：[test_image] source：下载该版本的 CirrOS；".to_string(),
    ] {
        assert!(zh.contains(&expected), "no {expected:?} in:\n{zh}");
    }
    let english = english_sentences(&zh);
    assert!(english.is_empty(), "English: {english:?} in:\n{zh}");
    assert!(!zh.contains("db-pw-1"), "{zh}");
    // The answers file itself is the same in every language (see
    // answers::save): it is meant to be kept and passed on.
    let zh_file = std::fs::read_to_string(dir.path().join("zh.toml")).unwrap();

    let (code, en) = write_answers(dir.path(), "en.toml", "C.UTF-8");
    assert_eq!(code, Some(8), "{en}");
    for expected in [
        format!(
            "Wrote {}, the answers of this Glance, and its passwords to {} (mode 0600).\n",
            shown("en.toml"),
            shown("en.secrets.toml")
        ),
        format!(
            "`glance-wizard plan --answers {0}` shows what apply would change; \
             `glance-wizard apply --answers {0}` adopts this Glance: what is right stays, \
             what the doctor found is repaired.\n",
            shown("en.toml")
        ),
        "Not in the config, so the wizard's default: [controller] host: no URL in \
         [keystone_authtoken] www_authenticate_uri; `controller`\n"
            .to_string(),
        "Not in the config, so the wizard's default: [keystone] region: Keystone's regions \
         cannot be read ("
            .to_string(),
        "Not in the config, so the wizard's default: [test_image] source: the release's \
         CirrOS, downloaded; where there is no internet, set a local file\n"
            .to_string(),
    ] {
        assert!(en.contains(&expected), "no {expected:?} in:\n{en}");
    }
    let en_file = std::fs::read_to_string(dir.path().join("en.toml")).unwrap();
    assert_eq!(zh_file.replace("zh.", "en."), en_file);

    // A file there already is refused, in the locale's language.
    let (code, zh) = write_answers(dir.path(), "zh.toml", "zh_CN.UTF-8");
    assert_eq!(code, Some(1), "{zh}");
    assert_eq!(
        zh,
        format!(
            "没有写入应答：{} 已存在；请指定一个新文件\n",
            shown("zh.toml")
        )
    );
    let (_, en) = write_answers(dir.path(), "en.toml", "C.UTF-8");
    assert_eq!(
        en,
        format!(
            "no answers written: {} exists; name a new file\n",
            shown("en.toml")
        )
    );
}
