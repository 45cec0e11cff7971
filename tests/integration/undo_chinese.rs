//! `undo --dry-run` under a Chinese locale prints its preview in Chinese:
//! the heading, each step's line (what is taken back, what stays and why),
//! the database warning; in English under another locale, as it was. No
//! lab needed: the journal is written here (as an apply that created the
//! database, its accounts and an endpoint, and found the glance user and
//! the admin endpoint), and a dry run asks nothing of any server.

use crate::common;

use std::path::Path;

use glance_wizard::engine::outputs::{
    EndpointOutput, MetadefsOutputs, ObjectOutput, Origin, TaskOutputs,
};
use glance_wizard::engine::{Journal, TaskRecord, TaskStatus};
use glance_wizard::i18n::english_sentences;
use glance_wizard::plan::{Interface, TaskId, build_plan};

const ANSWERS: &str = r#"
[controller]
host = "controller"

[keystone]
os_auth_url = "http://controller:5000/v3"

[target]
distro = "debian"
release = "zed"
"#;

const SECRETS: &str = r#"
glance_db_password = "db-pw-123456"
glance_service_password = "svc-pw-123456"
os_password = "admin-pw-123456"
"#;

/// The journal of an apply with these answers, as the binary plans them.
fn journal(dir: &Path, state: &Path) {
    record(dir, state, recorded())
}

/// A journal recording `recorded` as done with these answers, as the
/// binary plans them.
fn record(dir: &Path, state: &Path, recorded: Vec<(TaskId, TaskOutputs)>) {
    let loaded = glance_wizard::ops::load::load(&glance_wizard::ops::load::LoadOptions {
        answers: dir.join("answers.toml"),
        secrets: None,
        distro: None,
        release: None,
        generate_passwords: false,
        ask_secret: None,
    })
    .unwrap();
    let plan = build_plan(&loaded.settings, &loaded.profile);
    let fingerprints = plan.fingerprints(&Journal::key(state).unwrap());
    let mut journal = Journal::new(&loaded.profile.summary());
    for (id, outputs) in recorded {
        let at = plan.tasks.iter().position(|t| t.id == id).unwrap();
        let record = TaskRecord {
            status: TaskStatus::Done,
            fingerprint: fingerprints[at].clone(),
            started_at: "2026-11-30T00:00:00Z".into(),
            finished_at: Some("2026-11-30T00:00:01Z".into()),
            duration_ms: Some(1000),
            attempts: 1,
            outputs: Some(outputs),
            error: None,
            unverified: false,
        };
        journal.tasks.insert(id, record);
    }
    journal.save(state).unwrap();
}

/// An apply that created the database, its accounts and an endpoint, and
/// found the glance user and the admin endpoint.
fn recorded() -> Vec<(TaskId, TaskOutputs)> {
    let object = |id: &str, origin| ObjectOutput {
        id: id.into(),
        origin,
        name: None,
    };
    let endpoint = |interface, id: &str, origin| EndpointOutput {
        interface,
        id: id.into(),
        origin,
        previous_url: None,
        region: Some("RegionOne".into()),
    };
    vec![
        (
            TaskId::SqlDatabase,
            // As the journal file holds it (fields added since default).
            TaskOutputs::Sql(
                serde_json::from_str(
                    r#"{"database": "created", "accounts": [
                        {"host": "localhost", "origin": "created"},
                        {"host": "%", "origin": "created"}]}"#,
                )
                .unwrap(),
            ),
        ),
        (
            TaskId::IdentityUser,
            TaskOutputs::User(object("u-1", Origin::Found)),
        ),
        (
            TaskId::IdentityService,
            TaskOutputs::Service(object("s-1", Origin::Created)),
        ),
        (
            TaskId::IdentityEndpoints,
            TaskOutputs::Endpoints {
                endpoints: vec![
                    endpoint(Interface::Public, "e-1", Origin::Created),
                    endpoint(Interface::Admin, "e-3", Origin::Found),
                ],
            },
        ),
        (
            TaskId::DbMetadefs,
            TaskOutputs::Metadefs(MetadefsOutputs {
                namespaces_before: 0,
                namespaces_after: 30,
            }),
        ),
    ]
}

fn dry_run(dir: &Path, state: &Path, locale: &str) -> (Option<i32>, String) {
    let out = common::wizard_in(locale)
        .arg("--state-dir")
        .arg(state)
        .args(["undo", "--dry-run", "--answers"])
        .arg(dir.join("answers.toml"))
        .output()
        .unwrap();
    common::stdout_alone(out)
}

#[test]
fn undo_dry_run_under_a_chinese_locale_prints_chinese() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("answers.toml"), ANSWERS).unwrap();
    let secrets = dir.path().join("answers.secrets.toml");
    std::fs::write(&secrets, SECRETS).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    journal(dir.path(), &state);
    let journal_before = std::fs::read(state.join("journal.json")).ok();

    let (code, zh) = dry_run(dir.path(), &state, "zh_CN.UTF-8");
    assert_eq!(code, Some(0), "{zh}");
    for expected in [
        "撤销，按计划的逆序（收回 glance-wizard 创建的内容；它发现时已存在的保持不变）：\n",
        "db.metadefs：\n  已加载的 30 个元数据命名空间随数据库一起删除",
        "identity.endpoints：\n  收回：删除 public 端点 e-1\n  保留：admin 端点 e-3：在 glance-wizard 之前就已存在\n",
        "identity.service：\n  收回：删除镜像服务 s-1\n",
        "identity.user：\n  保留：用户 glance（u-1）：在 glance-wizard 之前就已存在\n",
        "  收回：DROP USER 'glance'@'localhost'\n",
        "  收回：DROP DATABASE `glance`（Glance 的数据库结构、元数据定义和镜像记录随之删除）\n",
        "警告：删除数据库会永久删除 Glance 的数据",
        "演练：没有做任何更改。\n",
    ] {
        assert!(zh.contains(expected), "no {expected:?} in:\n{zh}");
    }
    let english = english_sentences(&zh);
    assert!(english.is_empty(), "English: {english:?} in:\n{zh}");

    let (code, en) = dry_run(dir.path(), &state, "C.UTF-8");
    assert_eq!(code, Some(0), "{en}");
    for expected in [
        "Undo, in reverse plan order (what glance-wizard created is taken back; what it found stays):\n",
        "identity.endpoints:\n  take back: delete the public endpoint e-1\n  stays: the admin endpoint e-3: it existed before glance-wizard\n",
        "identity.user:\n  stays: user glance (u-1): it existed before glance-wizard\n",
        "  take back: DROP DATABASE `glance` (Glance's schema, metadata definitions and image records with it)\n",
        "Dry run: nothing was changed.\n",
    ] {
        assert!(en.contains(expected), "no {expected:?} in:\n{en}");
    }
    assert_eq!(
        zh.lines().count(),
        en.lines().count(),
        "one line for one:\n{zh}\n{en}"
    );
    // A dry run changes nothing.
    assert_eq!(
        std::fs::read(state.join("journal.json")).ok(),
        journal_before
    );
}

/// The answers and secrets of [`ANSWERS`] in a new directory, and its
/// empty state directory.
fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("answers.toml"), ANSWERS).unwrap();
    let secrets = dir.path().join("answers.secrets.toml");
    std::fs::write(&secrets, SECRETS).unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    (dir, state)
}

/// `undo --yes` of a journal whose one task, packages.install, wrote the
/// package manager's proxy file `file` (backed up to `backup`, if any) and
/// recorded a hash the file no longer has: no server is asked.
fn undo_proxy_file(file: &Path, backup: Option<&Path>, locale: &str) -> (Option<i32>, String) {
    let (dir, state) = setup();
    let outputs = serde_json::json!({
        "installed": [],
        "found": ["glance"],
        "proxy_config": {
            "path": file,
            "backup": backup,
            "sha256": "0".repeat(64),
        },
    });
    let outputs = TaskOutputs::Packages(serde_json::from_value(outputs).unwrap());
    record(dir.path(), &state, vec![(TaskId::PackagesInstall, outputs)]);
    let out = common::wizard_in(locale)
        .arg("--state-dir")
        .arg(&state)
        .args(["undo", "--yes", "--answers"])
        .arg(dir.path().join("answers.toml"))
        .output()
        .unwrap();
    common::stdout_alone(out)
}

/// Why undo stopped is said in the locale's language: a file edited since
/// glance-wizard wrote it (restored from a backup, or deleted), a backup
/// that cannot be read. In English under another locale, as it was.
#[test]
fn undo_failures_under_a_chinese_locale_are_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("proxy.conf");
    let backup = dir.path().join("proxy.conf.bak");
    std::fs::write(&backup, "Acquire::http::Proxy \"http://old:3128\";\n").unwrap();
    std::fs::write(&file, "Acquire::http::Proxy \"http://edited:3128\";\n").unwrap();
    let (path, saved) = (file.display(), backup.display());

    let (code, zh) = undo_proxy_file(&file, Some(&backup), "zh_CN.UTF-8");
    assert_eq!(code, Some(5), "{zh}");
    for expected in [
        format!(
            "撤销 packages.install 失败：{path} 在 glance-wizard 写入后又被修改过：\
             恢复备份会丢失这些修改（密码已掩码）：\n"
        ),
        format!("+++ {path}（从备份恢复）\n"),
        format!("请手工放回备份（cp -p {saved} {path}），或保留该文件现状"),
    ] {
        assert!(zh.contains(&expected), "no {expected:?} in:\n{zh}");
    }
    let english = english_sentences(&zh);
    assert!(english.is_empty(), "English: {english:?} in:\n{zh}");
    let (code, en) = undo_proxy_file(&file, Some(&backup), "C.UTF-8");
    assert_eq!(code, Some(5), "{en}");
    for expected in [
        format!(
            "Undo of packages.install failed: {path} was edited since glance-wizard wrote it: \
             restoring the backup would lose these changes (secrets masked):\n"
        ),
        format!("+++ {path} (restored from the backup)\n"),
        // The task that wrote it: forgetting it keeps the file.
        format!(
            "Put the backup back by hand (cp -p {saved} {path}) or keep the file as it is \
             (glance-wizard reset packages.install)"
        ),
    ] {
        assert!(en.contains(&expected), "no {expected:?} in:\n{en}");
    }
    assert_eq!(zh.lines().count(), en.lines().count(), "{zh}\n{en}");

    // Written where there was none, then edited: not deleted.
    let (code, zh) = undo_proxy_file(&file, None, "zh_CN.UTF-8");
    assert_eq!(code, Some(5), "{zh}");
    let expected = format!(
        "撤销 packages.install 失败：{path} 在 glance-wizard 写入后又被修改过：删除它会丢失这些修改。"
    );
    assert!(zh.contains(&expected), "no {expected:?} in:\n{zh}");
    let english = english_sentences(&zh);
    assert!(english.is_empty(), "English: {english:?} in:\n{zh}");
    let (_, en) = undo_proxy_file(&file, None, "C.UTF-8");
    let expected = format!(
        "Undo of packages.install failed: {path} was edited since glance-wizard wrote it: \
         deleting it would lose those changes. Delete it by hand or keep it (glance-wizard \
         reset packages.install), then run undo again\n"
    );
    assert!(en.contains(&expected), "no {expected:?} in:\n{en}");
    assert!(file.exists());

    // A backup gone: the OS's words stay as they are.
    std::fs::remove_file(&backup).unwrap();
    let (_, zh) = undo_proxy_file(&file, Some(&backup), "zh_CN.UTF-8");
    let expected = format!("撤销 packages.install 失败：无法读取备份 {saved}：");
    assert!(zh.contains(&expected), "no {expected:?} in:\n{zh}");
    let (_, en) = undo_proxy_file(&file, Some(&backup), "C.UTF-8");
    let expected = format!("Undo of packages.install failed: cannot read the backup {saved}: ");
    assert!(en.contains(&expected), "no {expected:?} in:\n{en}");
}

fn reset(state: &Path, task: &str, locale: &str) -> (Option<i32>, String) {
    let out = common::wizard_in(locale)
        .arg("--state-dir")
        .arg(state)
        .args(["reset", task])
        .output()
        .unwrap();
    common::stdout_alone(out)
}

/// `reset TASK` says what it forgot, or that there is no such checkpoint,
/// in the locale's language; in English as before.
#[test]
fn reset_under_a_chinese_locale_says_it_in_chinese() {
    let (dir, state) = setup();
    journal(dir.path(), &state);
    assert_eq!(
        reset(&state, "identity.user", "zh_CN.UTF-8"),
        (
            Some(0),
            "已忘记 identity.user；下次 apply 会重新运行它。\n".into()
        )
    );
    assert_eq!(
        reset(&state, "identity.service", "C.UTF-8"),
        (
            Some(0),
            "Forgot identity.service; the next apply runs it again.\n".into()
        )
    );
    let known = "sql.database, identity.endpoints, db.metadefs";
    assert_eq!(
        reset(&state, "db.sync", "zh_CN.UTF-8"),
        (Some(1), format!("没有 db.sync 的检查点。已有：{known}\n"))
    );
    assert_eq!(
        reset(&state, "db.sync", "C.UTF-8"),
        (
            Some(1),
            format!("No checkpoint for db.sync. Known: {known}\n")
        )
    );
}
