//! The Undo screen at 80x24 in both languages: the preview worked out by
//! the runtime's own function from the answers the wizard saved and a
//! journal written here, the confirmation (a wrong host name refused, Esc
//! changing nothing), and the undo's lines from a real `undo::run` against
//! the runners' test doubles (`runner::fake`), done and failed.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use crossterm::event::KeyCode;

use super::{Finished, Phase, Preview, Refusal, UndoMsg};
use crate::answers::{Answers, SecretName, Secrets};
use crate::engine::outputs::{EndpointOutput, ObjectOutput, Origin, TaskOutputs};
use crate::engine::runner::clients::Endpoint;
use crate::engine::{Journal, TaskError};
use crate::host::target::{InitSystem, Profile, profile_for};
use crate::i18n::Lang;
use crate::plan::{Interface, TaskId, build_plan};
use crate::tui::app::{App, Msg, Pending, Request, ResumeInfo, Screen, WelcomeChoice};
use crate::tui::tests::{app, both, key, screen, type_text};
use crate::undo::tests::{World, applied, run_all};
use crate::undo::{Options, Outcome};
use crate::util::secret::Secret;

const ANSWERS: &str = "[keystone]\nos_auth_url = \"http://controller:5000/v3\"\n";
const SECRETS: [(SecretName, &str); 3] = [
    (SecretName::GlanceDbPassword, "Db-pass-w0rd#1"),
    (SecretName::GlanceServicePassword, "Svc-pass-w0rd#2"),
    (SecretName::OsPassword, "Adm1n-pass-w0rd#3"),
];

fn profile() -> Profile {
    profile_for("debian", "zed", InitSystem::SysV).unwrap()
}

fn snap(name: &str, lang: Lang, app: &App) -> String {
    let text = screen(app);
    insta::assert_snapshot!(format!("{name}_{}", lang.code()), text);
    if lang == Lang::ZhCn {
        crate::tui::tests::assert_no_english(name, &text);
    }
    for (_, secret) in SECRETS {
        assert!(!text.contains(secret), "{name}: a secret on screen");
    }
    text
}

/// A state directory as the wizard leaves it after an install: its
/// answers saved, and a journal of an apply that created everything but
/// the glance user and the admin endpoint, which were made by hand before.
/// The test doubles hold what it made.
fn installed() -> (tempfile::TempDir, World) {
    let state = tempfile::tempdir().unwrap();
    let answers = Answers::from_toml(ANSWERS).unwrap();
    let mut secrets = Secrets::default();
    for (name, value) in SECRETS {
        secrets.set(name, Secret::new(value));
    }
    answers
        .save(&crate::tui::session_answers_path(state.path()), &secrets)
        .unwrap();
    let settings = crate::ops::settings::settings_from(&answers, &secrets, &profile()).unwrap();
    let plan = build_plan(&settings, &profile());
    let fingerprints = plan.fingerprints(&Journal::key(state.path()).unwrap());
    let (mut journal, world) = applied(&plan, &fingerprints);
    let mut outputs = |id: TaskId, outputs: TaskOutputs| {
        journal.tasks.get_mut(&id).unwrap().outputs = Some(outputs);
    };
    outputs(
        TaskId::IdentityUser,
        TaskOutputs::User(ObjectOutput {
            id: "u-1".into(),
            origin: Origin::Found,
            name: Some("glance".into()),
        }),
    );
    let mut endpoints = Vec::new();
    for (interface, id, origin) in [
        (Interface::Public, "e-1", Origin::Created),
        (Interface::Internal, "e-2", Origin::Created),
        (Interface::Admin, "e-3", Origin::Found),
    ] {
        endpoints.push(EndpointOutput {
            interface,
            id: id.into(),
            origin,
            previous_url: None,
            region: Some("RegionOne".into()),
        });
        let endpoint = Endpoint {
            id: id.into(),
            interface: interface.to_string(),
            region: "RegionOne".into(),
            url: "http://controller:9292".into(),
        };
        let mut keystone = world.keystone.state.borrow_mut();
        keystone.endpoints.push(("s-1".into(), endpoint));
    }
    outputs(
        TaskId::IdentityEndpoints,
        TaskOutputs::Endpoints { endpoints },
    );
    journal.save(state.path()).unwrap();
    (state, world)
}

/// The app on the Undo screen, chosen on the welcome screen, with the
/// preview the runtime works out for `state`.
fn undo_screen(lang: Lang, state: &Path) -> (App, Preview) {
    let mut a = app(lang);
    a.resume = Some(ResumeInfo {
        done: 13,
        total: Some(13),
        stopped_at: None,
        has_session: true,
        error: None,
    });
    let choices = a.welcome_choices();
    assert_eq!(choices.last(), Some(&WelcomeChoice::Undo));
    for _ in 1..choices.len() {
        key(&mut a, KeyCode::Down);
    }
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.screen, Screen::Undo);
    assert_eq!(
        a.take_requests(),
        [Request::UndoPreview(Options::default())]
    );
    let preview = super::preview(state, &profile(), &Options::default()).unwrap();
    a.handle(Msg::Undo(UndoMsg::Preview(Ok(preview.clone()))));
    (a, preview)
}

/// The preview is `undo --dry-run`'s list, line for line: taken back what
/// was created, "stays" for what was found, the database warning; p asks
/// for it again with the packages removed.
#[test]
fn undo_preview_is_the_dry_run_list() {
    let (state, _world) = installed();
    both(|lang| {
        let (mut a, preview) = undo_screen(lang, state.path());
        let text = snap("undo_preview", lang, &a);
        let said = |en: &str, zh: &str| text.contains(if lang == Lang::En { en } else { zh });
        assert!(said("verify.image:", "verify.image："), "{text}");
        assert!(preview.drops_database && !preview.nothing_to_do);
        for _ in 0..3 {
            key(&mut a, KeyCode::PageDown);
        }
        let text = snap("undo_preview_end", lang, &a);
        let said = |en: &str, zh: &str| text.contains(if lang == Lang::En { en } else { zh });
        assert!(
            said(
                "stays: user glance (u-1): it existed before",
                "保留：用户 glance（u-1）：在 glance-wizard 之前就已存在"
            ),
            "{text}"
        );
        let kept = "  stays: the admin endpoint e-3: it existed before glance-wizard";
        let english =
            |p: &Preview| -> Vec<String> { p.lines.iter().map(|l| l.english()).collect() };
        assert!(english(&preview).iter().any(|l| l == kept), "{preview:?}");
        assert!(
            said(
                "take back: DROP DATABASE `glance`",
                "收回：DROP DATABASE `glance`"
            ),
            "{text}"
        );

        key(&mut a, KeyCode::Char('p'));
        let purge = Options {
            purge_packages: true,
            ..Options::default()
        };
        assert_eq!(a.take_requests(), [Request::UndoPreview(purge.clone())]);
        let purging = super::preview(state.path(), &profile(), &purge).unwrap();
        let removes = "  take back: remove packages glance-api (absent before)";
        assert!(
            english(&purging).iter().any(|l| l == removes),
            "{purging:?}"
        );
        assert!(!english(&preview).iter().any(|l| l == removes));
    });
    let headless = dry_run(state.path());
    let preview = super::preview(state.path(), &profile(), &Options::default()).unwrap();
    // In the locale's language, as `undo` prints them.
    let t = crate::i18n::Texts::of(Lang::from_env());
    let shown: Vec<String> = preview.lines.iter().map(|l| t.msg(l)).collect();
    let heading = t.t("undo_cli.heading");
    let listed: Vec<&str> = headless
        .lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .take(preview.lines.len())
        .collect();
    assert_eq!(listed, shown, "{headless}");
    let warning = t.t("undo_cli.drops_database");
    assert!(headless.contains(&warning), "{headless}");
}

/// `glance-wizard undo --dry-run` on the same state directory.
fn dry_run(state: &Path) -> String {
    let answers = Answers::from_toml(ANSWERS).unwrap();
    let mut secrets = Secrets::default();
    for (name, value) in SECRETS {
        secrets.set(name, Secret::new(value));
    }
    let loaded = crate::ops::load::Loaded {
        settings: crate::ops::settings::settings_from(&answers, &secrets, &profile()).unwrap(),
        answers,
        profile: profile(),
        notes: vec![],
    };
    let options = crate::cli::undo::UndoOptions {
        dry_run: true,
        undo: Options::default(),
    };
    let mut out = Vec::new();
    let code = crate::cli::undo::undo(
        &loaded,
        state,
        &options,
        crate::cli::undo::Confirm::Given,
        &mut out,
    );
    assert_eq!(code, 0);
    String::from_utf8(out).unwrap()
}

/// Enter asks for the host name; a wrong one is refused with the rule
/// and Esc goes back to the list: nothing was asked of the runtime and
/// the journal is as it was. The right name starts the undo of exactly
/// the steps shown.
#[test]
fn undo_is_confirmed_by_the_host_name_only() {
    let (state, _world) = installed();
    let journal = || std::fs::read(Journal::path(state.path())).unwrap();
    let before = journal();
    both(|lang| {
        let (mut a, preview) = undo_screen(lang, state.path());
        key(&mut a, KeyCode::Enter);
        type_text(&mut a, "contr");
        snap("undo_confirm", lang, &a);
        key(&mut a, KeyCode::Enter);
        let text = snap("undo_refused", lang, &a);
        assert!(
            text.contains("'contr'") || text.contains("“contr”"),
            "{text}"
        );
        assert!(matches!(&a.undo.phase, Phase::Confirm { refused: Some(t), .. } if t == "contr"));
        type_text(&mut a, "controllerX");
        key(&mut a, KeyCode::Enter);
        key(&mut a, KeyCode::Esc);
        assert_eq!(a.undo.phase, Phase::Preview);
        assert_eq!(a.screen, Screen::Undo);
        assert!(a.take_requests().is_empty());
        assert_eq!(journal(), before);

        key(&mut a, KeyCode::Enter);
        type_text(&mut a, " controller");
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.undo.phase, Phase::Running);
        assert!(a.engine_running());
        assert_eq!(
            a.take_requests(),
            [Request::Undo {
                options: Options::default(),
                shown: preview.steps.clone(),
            }]
        );
        key(&mut a, KeyCode::Esc);
        assert_eq!(a.screen, Screen::Undo, "no way back while it runs");
    });
}

/// The undo's lines (from `undo::run` against the test doubles) stream
/// into the log pane; it ends with what was done, or with the failure,
/// where it resumes, and undo's exit code.
#[test]
fn undo_runs_and_ends_done_or_failed() {
    both(|lang| {
        let (state, world) = installed();
        let (mut a, preview) = undo_screen(lang, state.path());
        key(&mut a, KeyCode::Enter);
        type_text(&mut a, "controller");
        key(&mut a, KeyCode::Enter);
        let mut journal = Journal::load(state.path()).unwrap().unwrap();
        let (outcome, said) = run_all(&preview.steps, &mut journal, state.path(), &world);
        assert_eq!(outcome, Outcome::Done { steps: 11 }, "{said:?}");
        let log = "/var/lib/glance-wizard/logs/undo-2026-11-30T100000Z.log";
        a.handle(Msg::Undo(UndoMsg::Log(log.into())));
        let half = said.len() / 2;
        for line in &said[..half] {
            a.handle(Msg::Undo(UndoMsg::Line(line.clone())));
        }
        snap("undo_running", lang, &a);
        for line in &said[half..] {
            a.handle(Msg::Undo(UndoMsg::Line(line.clone())));
        }
        a.handle(Msg::Undo(UndoMsg::Done(Ok(Finished {
            outcome,
            still_recorded: journal.tasks.keys().copied().collect(),
        }))));
        assert!(!a.engine_running());
        let text = snap("undo_done", lang, &a);
        assert!(text.contains("packages.install"), "{text}");
        key(&mut a, KeyCode::Esc);
        assert_eq!(a.screen, Screen::Welcome);
        assert!(a.take_requests().contains(&Request::ReadJournal));
        assert_eq!(a.exit_code(), 0);
    });
    both(|lang| {
        let (state, world) = installed();
        let (mut a, preview) = undo_screen(lang, state.path());
        key(&mut a, KeyCode::Enter);
        type_text(&mut a, "controller");
        key(&mut a, KeyCode::Enter);
        world.keystone.fail(
            crate::engine::runner::fake::KeystoneOp::Delete,
            TaskError::fatal("HTTP 403 Forbidden"),
        );
        let mut journal = Journal::load(state.path()).unwrap().unwrap();
        let (outcome, said) = run_all(&preview.steps, &mut journal, state.path(), &world);
        let log = "/var/lib/glance-wizard/logs/undo-2026-11-30T100000Z.log";
        a.handle(Msg::Undo(UndoMsg::Log(log.into())));
        for line in said {
            a.handle(Msg::Undo(UndoMsg::Line(line)));
        }
        a.handle(Msg::Undo(UndoMsg::Done(Ok(Finished {
            outcome,
            still_recorded: vec![],
        }))));
        let text = snap("undo_failed", lang, &a);
        assert!(text.contains("identity.endpoints"), "{text}");
        key(&mut a, KeyCode::Char('q'));
        assert_eq!(a.exit, Some(crate::ops::exit::TASK_FAILED));
    });
}

/// Why an undo stopped (a message of undo's own) is on the screen and in
/// its log in the screen's language.
#[test]
fn an_undo_failure_is_said_in_the_screens_language() {
    both(|lang| {
        let (state, _world) = installed();
        let (mut a, _) = undo_screen(lang, state.path());
        key(&mut a, KeyCode::Enter);
        type_text(&mut a, "controller");
        key(&mut a, KeyCode::Enter);
        let path = "/etc/p";
        a.handle(Msg::Undo(UndoMsg::Done(Ok(Finished {
            outcome: Outcome::Failed {
                task: TaskId::PackagesInstall,
                error: crate::i18n::Message::new("undo_error.file_edited").arg("path", path),
            },
            still_recorded: vec![],
        }))));
        let text = screen(&a);
        let said = match lang {
            Lang::En => format!("{path} was edited since glance-wizard wrote it"),
            Lang::ZhCn => format!("{path} 在 glance-wizard 写入后又被修改过"),
        };
        assert!(text.contains(&said), "{text}");
        if lang == Lang::ZhCn {
            crate::tui::tests::assert_no_english("undo_failure", &text);
        }
    });
}

/// Without a journal the welcome screen offers no undo and says why; the
/// runtime's undo refuses steps other than those shown, changing nothing;
/// without the wizard's saved answers the screen says how to undo.
#[test]
fn undo_refuses_what_was_not_shown() {
    let a = app(Lang::En);
    assert!(!a.welcome_choices().contains(&WelcomeChoice::Undo));
    let text = screen(&a);
    assert!(text.contains("Nothing to undo"), "{text}");

    let (state, _world) = installed();
    let before = std::fs::read(Journal::path(state.path())).unwrap();
    let (tx, _rx) = std::sync::mpsc::sync_channel(16);
    let cancel = AtomicBool::new(false);
    let result = super::run(
        state.path(),
        &profile(),
        &Options::default(),
        &[],
        &cancel,
        &tx,
    );
    assert_eq!(result, Err(Refusal::Changed));
    assert_eq!(std::fs::read(Journal::path(state.path())).unwrap(), before);

    let empty = tempfile::tempdir().unwrap();
    let refused = super::preview(empty.path(), &profile(), &Options::default());
    assert_eq!(refused, Err(Refusal::NoSession));
    both(|lang| {
        let mut a = app(lang);
        a.screen = Screen::Undo;
        a.undo.preview = Pending::Ready(Err(Refusal::NoSession));
        let text = snap("undo_no_session", lang, &a);
        assert!(text.contains("--answers"), "{text}");
    });
}

/// q while the undo runs asks first, in undo's words; y stops it, and the
/// wizard quits once the undo has ended, with undo's exit code. After a
/// finished undo the welcome screen says the journal records nothing and
/// offers no undo.
#[test]
fn quitting_waits_for_the_undo_and_the_welcome_screen_follows_it() {
    let (state, _world) = installed();
    let (mut a, _) = undo_screen(Lang::En, state.path());
    key(&mut a, KeyCode::Enter);
    type_text(&mut a, "controller");
    key(&mut a, KeyCode::Enter);
    a.take_requests();
    key(&mut a, KeyCode::Char('q'));
    assert!(a.confirm_quit);
    let text = screen(&a);
    assert!(text.contains("Undo is running"), "{text}");
    key(&mut a, KeyCode::Char('y'));
    assert_eq!(a.take_requests(), [Request::Cancel]);
    assert_eq!(a.exit, None, "waits for the undo to stop");
    a.handle(Msg::Undo(UndoMsg::Done(Ok(Finished {
        outcome: Outcome::Failed {
            task: TaskId::IdentityEndpoints,
            error: crate::i18n::Message::verbatim("stopped"),
        },
        still_recorded: vec![],
    }))));
    assert_eq!(a.exit, Some(crate::ops::exit::TASK_FAILED));

    both(|lang| {
        let mut a = app(lang);
        a.resume = Some(ResumeInfo {
            done: 0,
            total: Some(11),
            stopped_at: None,
            has_session: true,
            error: None,
        });
        assert!(!a.welcome_choices().contains(&WelcomeChoice::Undo));
        let text = screen(&a);
        let said = ["The journal records nothing", "journal 中没有任何记录"];
        assert!(said.iter().any(|s| text.contains(s)), "{text}");
    });
}
