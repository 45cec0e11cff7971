//! The command line's words: what each command prints, in both languages.

use std::path::Path;
use std::time::Duration;

use super::Format;
use super::apply::{report_failure, report_outcome};
use super::bundle::bundle_written;
use super::lock::take_lock;
use super::progress::LinePrinter;
use super::status::{status, status_text};
use super::undo::{Confirm, UndoOptions, undo};
use crate::answers::Answers;
use crate::engine::lock::RunLock;
use crate::engine::outputs::{ObjectOutput, Origin, TaskOutputs};
use crate::engine::{self, Event, EventSink, Journal, RunOutcome, TaskStatus};
use crate::i18n::{Lang, Message, Texts};
use crate::ops::exit;
use crate::ops::load::Loaded;
use crate::ops::status::StatusReport;
use crate::plan::{TaskId, build_plan};

/// `apply`'s last words when Glance works: the image checked and the
/// journal, in the locale's language; in English as before (the
/// end-to-end tests read it).
#[test]
fn a_verified_run_is_reported_in_the_locale_language() {
    let image = crate::engine::outputs::ImageOutputs {
        id: "img-1".into(),
        origin: Origin::Created,
        status: "active".into(),
        sha512: "ab".into(),
        name: None,
        replaced: Vec::new(),
    };
    let outputs: std::collections::BTreeMap<_, _> =
        [(TaskId::VerifyImage, TaskOutputs::Image(image))].into();
    let said = |lang| {
        let mut out = Vec::new();
        let outcome = Ok(RunOutcome::Verified {
            outputs: outputs.clone(),
        });
        let code = report_outcome(outcome, Path::new("/s"), Texts::of(lang), &mut out);
        assert_eq!(code, exit::OK);
        String::from_utf8(out).unwrap()
    };
    assert_eq!(
        said(Lang::En),
        "Glance works: image img-1 is active and its sha512 matches the local file.\n\
         Journal: /s/journal.json\n"
    );
    assert_eq!(
        said(Lang::ZhCn),
        "Glance 工作正常：镜像 img-1 已处于 active 状态，其 sha512 与本地文件一致。\n\
         Journal：/s/journal.json\n"
    );
}

/// `apply`'s last words on a failure: the runner's error and the
/// remedies, in the locale's language; in English as before.
#[test]
fn a_failure_is_reported_in_the_locale_language() {
    use crate::engine::runner::packages::{classify::Diagnosis, error_for};
    let diagnosis = Diagnosis::Unreachable {
        evidence: "Temporary failure resolving 'deb.debian.org'".into(),
        proxy: false,
    };
    let repository = Message::verbatim("bookworm");
    let error = error_for(
        &diagnosis,
        crate::host::target::PackageManager::Apt,
        None,
        &repository,
        "",
    );
    let said = |lang| {
        let mut out = Vec::new();
        let task = TaskId::PackagesInstall;
        report_failure(&task, &error.message, error.kind, Texts::of(lang), &mut out);
        String::from_utf8(out).unwrap()
    };
    let en = said(Lang::En);
    assert!(
        en.starts_with("Task packages.install failed: apt cannot reach its mirror: Temporary failure resolving 'deb.debian.org'. If this machine"),
        "{en}"
    );
    assert!(en.contains("This is a network path problem"), "{en}");
    let zh = said(Lang::ZhCn);
    assert!(
        zh.starts_with("任务 packages.install 失败：apt 无法连接其镜像站：Temporary failure resolving 'deb.debian.org'。"),
        "{zh}"
    );
    assert_eq!(zh.lines().count(), en.lines().count(), "{zh}");
    let english: Vec<String> = crate::i18n::english_sentences(&zh)
        .into_iter()
        .filter(|s| !"Temporary failure resolving".contains(s.as_str()))
        .collect();
    assert!(english.is_empty(), "{english:?} in:\n{zh}");
}

fn record(started_at: &str, outputs: Option<TaskOutputs>) -> engine::TaskRecord {
    engine::TaskRecord {
        status: TaskStatus::Done,
        fingerprint: "f".into(),
        started_at: started_at.into(),
        finished_at: Some(started_at.into()),
        duration_ms: Some(1500),
        attempts: 1,
        outputs,
        error: None,
        unverified: false,
    }
}

/// `status --format json` parses, and is the example docs/json.md
/// documents (the state directory aside); with no journal, `null`s and
/// no task.
#[test]
fn status_json_is_the_documented_example() {
    use crate::engine::outputs::{AccountOutput, SqlOutputs};
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    status(dir.path(), Format::Json, &mut out).unwrap();
    let empty: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let none = serde_json::json!({"journal": null, "target": null, "tasks": []});
    assert_eq!(empty, none);

    let mut journal = Journal::new("Debian / Glance Zed / apt / sysv-init (service / /etc/init.d)");
    let account = |host: &str| AccountOutput {
        host: host.into(),
        origin: Origin::Created,
    };
    let sql = TaskOutputs::Sql(SqlOutputs {
        database: Origin::Created,
        accounts: vec![account("localhost"), account("%")],
        server: Some("controller:3306".into()),
        name: "glance".parse().ok(),
        user: "glance".parse().ok(),
        replaced: Vec::new(),
    });
    let user = TaskOutputs::User(ObjectOutput {
        id: "9f2c41".into(),
        origin: Origin::Found,
        name: Some("glance".into()),
    });
    let at = |t: &str| format!("2026-11-30T05:{t}Z");
    let done = |start: &str, end: &str, ms: u64, outputs| engine::TaskRecord {
        finished_at: Some(at(end)),
        duration_ms: Some(ms),
        ..record(&at(start), Some(outputs))
    };
    journal.tasks.insert(
        TaskId::DbSync,
        engine::TaskRecord {
            status: TaskStatus::Failed,
            attempts: 2,
            error: Some("glance-manage db_sync exited with status 1".into()),
            finished_at: Some(at("01:20")),
            duration_ms: Some(20_000),
            ..record(&at("01:00"), None)
        },
    );
    journal
        .tasks
        .insert(TaskId::IdentityUser, done("00:01", "00:03", 1500, user));
    journal
        .tasks
        .insert(TaskId::SqlDatabase, done("00:00", "00:01", 240, sql));
    journal.save(dir.path()).unwrap();
    let mut out = Vec::new();
    status(dir.path(), Format::Json, &mut out).unwrap();
    let text = String::from_utf8(out)
        .unwrap()
        .replace(&dir.path().display().to_string(), "/var/lib/glance-wizard");
    insta::assert_snapshot!("status_json", text);
    let docs = include_str!("../../docs/json.md");
    let example = docs
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    let documented: serde_json::Value = serde_json::from_str(example).unwrap();
    let real: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(real, documented);
}

/// `status` lists the tasks in plan order, however they ran (a rerun
/// of verify.image first, then db.sync), each with what it created or
/// found under it.
#[test]
fn status_lists_tasks_in_plan_order_with_their_objects() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::new("debian zed");
    let user = TaskOutputs::User(ObjectOutput {
        id: "u-1".into(),
        origin: Origin::Created,
        name: Some("glance".into()),
    });
    for (id, at, outputs) in [
        (TaskId::VerifyImage, "2026-11-30T05:00:00Z", None),
        (TaskId::DbSync, "2026-11-30T06:00:00Z", None),
        (TaskId::IdentityUser, "2026-11-30T07:00:00Z", Some(user)),
        (TaskId::SqlDatabase, "2026-11-30T08:00:00Z", None),
    ] {
        journal.tasks.insert(id, record(at, outputs));
    }
    journal.save(dir.path()).unwrap();
    let out = status_in(dir.path(), Lang::En);
    let lines: Vec<&str> = out.lines().skip(1).collect();
    let ids: Vec<&str> = lines
        .iter()
        .filter(|l| !l.starts_with("      "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        ids,
        ["sql.database", "identity.user", "db.sync", "verify.image"],
        "{out}"
    );
    assert_eq!(lines[2].trim(), "user u-1 (created)", "{out}");
}

/// A run lock another live run holds is refused in the locale's
/// language; in English as before.
#[test]
fn a_held_lock_is_refused_in_the_locale_language() {
    let dir = tempfile::tempdir().unwrap();
    let _first = RunLock::acquire(dir.path(), Duration::ZERO).unwrap();
    // Pretend the holder is another live process: pid 1 always exists.
    std::fs::write(dir.path().join("lock"), "1\n").unwrap();
    let lock = dir.path().join("lock");
    let said = |lang| {
        let mut out = Vec::new();
        let refused = take_lock(dir.path(), Texts::of(lang), &mut out);
        assert_eq!(refused.err(), Some(exit::LOCKED));
        String::from_utf8(out).unwrap()
    };
    assert_eq!(
        said(Lang::En),
        format!(
            "another glance-wizard run (pid 1) holds {}; wait for it to finish\n",
            lock.display()
        )
    );
    assert_eq!(
        said(Lang::ZhCn),
        format!(
            "另一个 glance-wizard 运行（pid 1）持有 {}；请等待它结束\n",
            lock.display()
        )
    );
}

/// `status` as text in `lang`.
fn status_in(state_dir: &Path, lang: Lang) -> String {
    let report = StatusReport::load(state_dir).unwrap();
    let mut out = Vec::new();
    status_text(&report, state_dir, Texts::of(lang), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// `status` as text in the locale's language: the heading, each task's
/// status (in columns by terminal cells), what it made or found; a
/// failed task's error as the journal keeps it (English). English as
/// before, to the byte.
#[test]
fn status_is_in_the_locale_language() {
    use crate::engine::outputs::{PackagesOutputs, ServicesOutputs, WrittenFile};
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        status_in(dir.path(), Lang::En),
        format!(
            "No journal in {}: nothing has run yet.\n",
            dir.path().display()
        )
    );
    assert_eq!(
        status_in(dir.path(), Lang::ZhCn),
        format!(
            "{} 中没有 journal：尚未运行过任何任务。\n",
            dir.path().display()
        )
    );
    let mut journal = Journal::new("Debian / Glance Zed");
    let packages = TaskOutputs::Packages(PackagesOutputs {
        installed: vec!["glance-api".into()],
        found: vec!["python3-openstackclient".into()],
        proxy_config: Some(WrittenFile {
            path: "/etc/apt/apt.conf.d/90proxy".into(),
            backup: None,
            sha256: None,
        }),
    });
    let services = TaskOutputs::Services(ServicesOutputs {
        restarted: vec!["glance-api".into()],
        answering_before: Some(false),
        enabled_before: None,
    });
    journal.tasks.insert(
        TaskId::PackagesInstall,
        record("2026-11-30T05:00:00Z", Some(packages)),
    );
    journal.tasks.insert(
        TaskId::ServiceRestart,
        record("2026-11-30T06:00:00Z", Some(services)),
    );
    let mut failed = record("2026-11-30T07:00:00Z", None);
    failed.status = TaskStatus::Failed;
    failed.finished_at = None;
    failed.duration_ms = None;
    failed.attempts = 3;
    failed.error = Some("HTTP 503".into());
    journal.tasks.insert(TaskId::VerifyImage, failed);
    journal.save(dir.path()).unwrap();
    let en = status_in(dir.path(), Lang::En);
    let zh = status_in(dir.path(), Lang::ZhCn);
    let journal = Journal::path(dir.path());
    assert_eq!(
        en,
        format!(
            "Journal {} (target: Debian / Glance Zed)\n\
             \x20 packages.install       done        2026-11-30T05:00:00Z in 1.5s (attempts 1)\n\
             \x20     installed glance-api\n\
             \x20     found installed python3-openstackclient\n\
             \x20     wrote /etc/apt/apt.conf.d/90proxy\n\
             \x20 service.restart        done        2026-11-30T06:00:00Z in 1.5s (attempts 1)\n\
             \x20     restarted glance-api (nothing answered before: undo stops it)\n\
             \x20 verify.image           FAILED      2026-11-30T07:00:00Z (attempts 3)\n\
             \x20     error: HTTP 503\n",
            journal.display()
        )
    );
    assert!(
        zh.contains(
            "  packages.install       完成        2026-11-30T05:00:00Z，用时 1.5s（尝试 1 次）\n"
        ),
        "{zh}"
    );
    assert!(
        zh.contains("  verify.image           失败        2026-11-30T07:00:00Z（尝试 3 次）\n"),
        "{zh}"
    );
    assert!(
        zh.contains("      已重启 glance-api（之前没有应答：undo 会停止它）\n"),
        "{zh}"
    );
    assert!(zh.contains("      错误：HTTP 503\n"), "{zh}");
    let english = crate::i18n::english_sentences(&zh);
    assert!(english.is_empty(), "English: {english:?} in:\n{zh}");
}

/// Loaded answers for Debian Zed (the runners' test settings) and a
/// state directory whose journal records the test image as found.
fn undo_world() -> (Loaded, tempfile::TempDir) {
    use crate::engine::outputs::{ImageOutputs, Origin, TaskOutputs};
    let (settings, profile) = crate::engine::runner::tests::settings();
    let answers = Answers::from_toml("").unwrap();
    let loaded = Loaded {
        answers,
        settings,
        profile,
        notes: vec![],
    };
    let state = tempfile::tempdir().unwrap();
    let plan = build_plan(&loaded.settings, &loaded.profile);
    let fingerprints = plan.fingerprints(&Journal::key(state.path()).unwrap());
    let index = plan.tasks.iter().position(|t| t.id == TaskId::VerifyImage);
    let mut journal = Journal::new("test");
    journal.tasks.insert(
        TaskId::VerifyImage,
        engine::TaskRecord {
            status: TaskStatus::Done,
            fingerprint: fingerprints[index.unwrap()].clone(),
            started_at: "2026-11-30T00:00:00Z".into(),
            finished_at: None,
            duration_ms: None,
            attempts: 1,
            outputs: Some(TaskOutputs::Image(ImageOutputs {
                id: "img-9".into(),
                origin: Origin::Found,
                status: "active".into(),
                sha512: "ab".into(),
                name: None,
                replaced: Vec::new(),
            })),
            error: None,
            unverified: false,
        },
    );
    journal.save(state.path()).unwrap();
    (loaded, state)
}

fn undo_with(loaded: &Loaded, state: &Path, dry_run: bool, confirm: Confirm<'_>) -> (i32, String) {
    let mut out = Vec::new();
    let options = UndoOptions {
        dry_run,
        undo: Default::default(),
    };
    let code = undo(loaded, state, &options, confirm, &mut out);
    (code, String::from_utf8(out).unwrap())
}

/// Nothing changes without a confirmation: a dry run previews, no
/// terminal and no --yes refuses, a wrong host name typed refuses. The
/// host name typed runs it; a second undo has nothing to do.
#[test]
fn undo_changes_nothing_until_confirmed_and_then_once() {
    let (loaded, state) = undo_world();
    let journal = || Journal::load(state.path()).unwrap().unwrap().tasks.len();
    let (code, out) = undo_with(&loaded, state.path(), true, Confirm::Given);
    assert_eq!(code, exit::OK, "{out}");
    assert!(out.contains("verify.image:\n  stays: image img-9"), "{out}");
    assert!(out.contains("Dry run: nothing was changed."), "{out}");
    let (code, out) = undo_with(&loaded, state.path(), false, Confirm::NoTerminal);
    assert_eq!(code, exit::CANCELLED);
    assert!(out.contains("pass --yes"), "{out}");
    let mut typed = |_: &str| Some("ctl\n".to_string());
    let (code, out) = undo_with(&loaded, state.path(), false, Confirm::Ask(&mut typed));
    assert_eq!(code, exit::CANCELLED);
    assert!(out.contains("Not confirmed"), "{out}");
    assert_eq!(journal(), 1);

    let mut prompts = Vec::new();
    let mut typed = |prompt: &str| {
        prompts.push(prompt.to_string());
        Some("controller\n".to_string())
    };
    let (code, out) = undo_with(&loaded, state.path(), false, Confirm::Ask(&mut typed));
    assert_eq!(code, exit::OK, "{out}");
    assert!(prompts[0].contains("(controller)"), "{prompts:?}");
    assert!(out.contains("[undone] verify.image"), "{out}");
    assert_eq!(journal(), 0);
    let (code, out) = undo_with(&loaded, state.path(), false, Confirm::Given);
    assert_eq!(code, exit::OK);
    assert!(out.contains("Nothing to undo"), "{out}");
}

/// apply's progress in Chinese: the plan's task titles and the words
/// in Chinese, ids and times as they are; the English printer says the
/// same as before.
#[test]
fn progress_lines_follow_the_language() {
    let (loaded, _state) = undo_world();
    let plan = build_plan(&loaded.settings, &loaded.profile);
    let events = || {
        [
            Event::TaskStarted {
                id: TaskId::SqlDatabase,
                title: "Create the glance database and its accounts".into(),
                index: 1,
                total: 11,
            },
            Event::Output {
                id: TaskId::SqlDatabase,
                lines: "SQL> CREATE DATABASE IF NOT EXISTS `glance`;".into(),
            },
            Event::Narration {
                id: TaskId::SqlDatabase,
                sentence: Message::new("narration.db_server")
                    .arg("version", "10.11.6-MariaDB")
                    .arg("sql_mode", "STRICT_TRANS_TABLES"),
            },
            Event::TaskFinished {
                id: TaskId::SqlDatabase,
                duration: Duration::from_millis(1200),
                outputs: TaskOutputs::DbSync(crate::engine::outputs::DbSyncOutputs {
                    synced: true,
                }),
            },
        ]
    };
    let printed = |mut printer: LinePrinter<Vec<u8>>| {
        for event in events() {
            printer.emit(event);
        }
        String::from_utf8(printer.out).unwrap()
    };
    assert_eq!(
        printed(LinePrinter::new(Vec::new())),
        "[1/11] sql.database: Create the glance database and its accounts\n    \
         sql.database | SQL> CREATE DATABASE IF NOT EXISTS `glance`;\n    \
         sql.database | server 10.11.6-MariaDB, sql_mode=STRICT_TRANS_TABLES\n\
         [done] sql.database in 1.2s\n"
    );
    let chinese = printed(LinePrinter::localized(
        Vec::new(),
        &plan,
        Texts::of(Lang::ZhCn),
    ));
    assert_eq!(
        chinese,
        format!(
            "[1/11] sql.database：{}\n    \
             sql.database | SQL> CREATE DATABASE IF NOT EXISTS `glance`;\n    \
             sql.database | 服务器 10.11.6-MariaDB，sql_mode=STRICT_TRANS_TABLES\n\
             [完成] sql.database，用时 1.2s\n",
            Texts::of(Lang::ZhCn).t("task.sql_database")
        )
    );
}

/// `glance-wizard bundle`'s list in the language asked, the paths as
/// they are; the manifest keeps the English.
#[test]
fn the_bundle_list_follows_the_language() {
    let manifest = crate::ops::bundle::Manifest {
        wizard_version: "0.1.0".into(),
        created: "2026-11-30T16:50:00Z".into(),
        missing: vec![Message::new("bundle.no_answers")],
        files: vec![crate::ops::bundle::ManifestEntry {
            path: "wizard/journal.json".into(),
            description: Message::new("bundle.journal"),
            bytes: 10,
        }],
    };
    let said = |lang| {
        let mut out = Vec::new();
        bundle_written(
            &manifest,
            Path::new("/tmp/b.tar.gz"),
            Texts::of(lang),
            &mut out,
        );
        String::from_utf8(out).unwrap()
    };
    assert_eq!(
        said(Lang::En),
        "Wrote /tmp/b.tar.gz (2 files):\n  wizard/journal.json                      the wizard's journal\n  \
         not included: answers: not given (bundle -a ANSWERS.toml adds them and the prechecks)\n"
    );
    let chinese = said(Lang::ZhCn);
    assert!(
        chinese.starts_with("已写入 /tmp/b.tar.gz（2 个文件）："),
        "{chinese}"
    );
    assert!(chinese.contains("未包含：应答文件：未给出"), "{chinese}");
    let json = serde_json::to_string(&manifest).unwrap();
    assert!(
        json.contains("\"description\":\"the wizard's journal\""),
        "{json}"
    );
}

/// Each line of a block of output is printed with its task, as a
/// single line of output is.
#[test]
fn every_line_is_printed_with_its_task() {
    let mut printer = LinePrinter::new(Vec::new());
    printer.emit(Event::Output {
        id: TaskId::DbSync,
        lines: "one".into(),
    });
    printer.emit(Event::Output {
        id: TaskId::PackagesInstall,
        lines: "two\n\nthree".into(),
    });
    assert_eq!(
        String::from_utf8(printer.out).unwrap(),
        "    db.sync | one\n    packages.install | two\n    packages.install | \n    packages.install | three\n"
    );
}

mod json;
