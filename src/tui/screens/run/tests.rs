//! The run screen: fed with scripted engine events (tasks at once,
//! retries, failures and their choices), its log searched and scrolled.

use crate::engine::Event;
use crate::i18n::Lang;
use crate::i18n::Message;
use crate::tui::app::{Msg, Outcome, Request, Screen};
use crate::tui::tests::*;
use crossterm::event::KeyCode;
use std::time::Duration;

#[test]
fn run_screen_follows_the_running_task() {
    both(|lang| {
        let mut a = app(lang);
        let start = t0();
        run_events(&mut a, start);
        a.now += Duration::from_secs(3);
        snap!("run", lang, &a);
    });
}

#[test]
fn run_screen_with_tasks_running_at_once() {
    both(|lang| {
        let mut a = app(lang);
        let start = t0();
        concurrent_events(&mut a, start);
        let run = &a.run.view;
        let id = |i: usize| run.tasks[i].id.as_str();
        // Followed: the task that started last; each log only its own lines.
        assert_eq!(id(run.selected), "packages.install");
        assert_eq!(run.running_count(), 2);
        let log = |task: &str| {
            let i = run.tasks.iter().position(|t| t.id == tid(task)).unwrap();
            let log = &run.logs[i];
            (log.dropped..log.end())
                .map(|n| log.get(n).unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(log("identity.user").len(), 2);
        assert_eq!(log("packages.install").len(), 5);
        assert_eq!(
            log("sql.database"),
            ["SQL> CREATE DATABASE IF NOT EXISTS glance;"]
        );
        let text = snap!("run_concurrent", lang, &a);
        assert!(text.contains("packages.install · "), "{text}");
        assert_eq!(text.matches('▶').count(), 2, "{text}");
    });
}

#[test]
fn run_screen_with_a_retry_countdown() {
    both(|lang| {
        let mut a = app(lang);
        let start = t0();
        run_events(&mut a, start);
        a.handle(Msg::Engine(out("packages.install", "E: Failed to fetch http://deb.debian.org/debian/pool/main/g/glance/glance-api_25.1.0.deb  Temporary failure resolving 'deb.debian.org'")));
        a.handle(Msg::Engine(Event::TaskRetrying {
            id: tid("packages.install"),
            attempt: 1,
            wait: Duration::from_secs(5),
            reason: apt_error(crate::engine::runner::packages::classify::Diagnosis::Mirror {
                evidence: "E: Failed to fetch http://deb.debian.org/debian/pool/main/g/glance/glance-api_25.1.0.deb  Hash Sum mismatch".into(),
            }),
        }));
        a.now += Duration::from_millis(1800);
        let text = snap!("run_retry", lang, &a);
        assert!(text.contains("↻ packages.install"), "{text}");
    });
}

#[test]
fn run_screen_after_a_failure_offers_the_choices() {
    both(|lang| {
        let mut a = app(lang);
        let start = t0();
        run_events(&mut a, start);
        a.handle(Msg::Engine(Event::TaskFailed {
            id: tid("packages.install"),
            duration: Duration::from_secs(42),
            error: unreachable_mirror(),
        }));
        a.handle(Msg::Engine(Event::RunFinished {
            ok: false,
            duration: Duration::from_secs(51),
        }));
        a.handle(Msg::EngineDone(Ok(crate::engine::RunOutcome::Failed {
            task: tid("packages.install"),
            error: unreachable_mirror(),
            kind: crate::engine::ErrorKind::Unreachable,
        })));
        snap!("run_failed", lang, &a);
        // Skipping is refused: later tasks depend on the packages.
        key(&mut a, KeyCode::Char('s'));
        assert!(a.take_requests().is_empty());
        // Edit goes to the proxy screen (a package download failed).
        key(&mut a, KeyCode::Char('e'));
        assert_eq!(a.screen, Screen::Proxy);
        // Retry from the run screen starts the engine again.
        a.screen = Screen::Run;
        key(&mut a, KeyCode::Char('r'));
        assert!(
            a.take_requests()
                .iter()
                .any(|r| matches!(r, Request::StartRun { skip, verify: false } if skip.is_empty()))
        );
        // `v`: again, every finished task checking its work.
        a.screen = Screen::Run;
        a.handle(Msg::EngineDone(Ok(crate::engine::RunOutcome::Failed {
            task: tid("packages.install"),
            error: unreachable_mirror(),
            kind: crate::engine::ErrorKind::Mirror,
        })));
        key(&mut a, KeyCode::Char('v'));
        assert!(
            a.take_requests()
                .iter()
                .any(|r| matches!(r, Request::StartRun { verify: true, .. }))
        );
    });
}

/// The database refuses the administrator's login: the database task's
/// error as its runner makes it, with the server's own words.
#[test]
fn run_screen_after_a_database_refusal() {
    use crate::engine::runner::clients::{DbError, DbFault};
    both(|lang| {
        let refused = DbError {
            fault: DbFault::AccessDenied,
            message:
                "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: NO)"
                    .into(),
        };
        let error = refused.error_after(Message::new("failure.db_admin_login"));
        let mut a = run_failed(lang, "sql.database", &error);
        let text = snap!("run_failed_db", lang, &a);
        assert!(text.contains("ERROR 1045 (28000)"), "{text}");
        // Edit goes to the database screen.
        key(&mut a, KeyCode::Char('e'));
        assert_eq!(a.screen, Screen::Database);
    });
}

/// `openstack` exits 0 but the endpoints are still missing: the
/// endpoints task's error as its runner makes it.
#[test]
fn run_screen_after_endpoints_left_missing() {
    let error = crate::engine::runner::identity::runner_tests::endpoints_left_missing();
    both(|lang| {
        let a = run_failed(lang, "identity.endpoints", &error);
        let text = snap!("run_failed_endpoints", lang, &a);
        assert!(text.contains("`openstack`"), "{text}");
        if lang == Lang::ZhCn {
            assert_no_english("run_failed_endpoints", &text);
        }
    });
}

/// Glance hashes the test image with md5: the verify task's error as
/// its runner makes it.
#[test]
fn run_screen_after_an_image_hashed_otherwise() {
    let error = crate::engine::runner::verify::runner_tests::image_hashed_with("md5");
    both(|lang| {
        let a = run_failed(lang, "verify.image", &error);
        let text = snap!("run_failed_image_hash", lang, &a);
        assert!(text.contains("`md5`"), "{text}");
        if lang == Lang::ZhCn {
            assert_no_english("run_failed_image_hash", &text);
        }
    });
}

/// A task done in an earlier run: its pane says why it was skipped, in
/// the screen's language (the engine's reason, the probe's finding).
#[test]
fn run_screen_shows_why_a_task_was_skipped() {
    both(|lang| {
        let mut a = app(lang);
        run_events(&mut a, t0());
        for _ in 0..10 {
            key(&mut a, KeyCode::Up);
        }
        let text = snap!("run_skipped", lang, &a);
        assert!(text.contains("2026-05-01T10:12:03Z"), "{text}");
        // The pane cuts the line: the whole reason, as the pane has it.
        let reason = a.texts.msg(&database_skipped());
        let shown: String = reason.chars().take(12).collect();
        assert!(text.contains(&shown), "{shown}\n{text}");
        if lang == Lang::ZhCn {
            assert_no_english("run_skipped", &text);
            assert_no_english("the skip reason", &reason);
        }
    });
}

#[test]
fn run_log_search_and_scroll() {
    both(|lang| {
        let mut a = app(lang);
        let start = t0();
        run_events(&mut a, start);
        screen(&a); // sets the pane height
        key(&mut a, KeyCode::Char('/'));
        type_text(&mut a, "apt-get");
        key(&mut a, KeyCode::Enter);
        let text = snap!("run_search", lang, &a);
        assert!(text.contains("$ apt-get install"), "{text}");
    });
}

#[test]
fn failure_of_a_task_nothing_depends_on_can_be_skipped() {
    let mut a = app(Lang::En);
    run_events(&mut a, t0());
    a.handle(Msg::Engine(Event::TaskFailed {
        id: tid("verify.image"),
        duration: Duration::from_secs(3),
        error: Message::verbatim("image upload failed"),
    }));
    a.handle(Msg::EngineDone(Ok(crate::engine::RunOutcome::Failed {
        task: tid("verify.image"),
        error: Message::verbatim("image upload failed"),
        kind: crate::engine::ErrorKind::Other,
    })));
    key(&mut a, KeyCode::Char('s'));
    assert!(
        a.take_requests()
            .iter()
            .any(|r| matches!(r, Request::StartRun { skip, .. } if skip == &[tid("verify.image")]))
    );
}

#[test]
fn outcome_error_goes_back_to_review() {
    let mut a = app(Lang::En);
    a.screen = Screen::Run;
    a.run.engine_running = true;
    a.handle(Msg::RunRefused(
        "another glance-wizard run (pid 42) holds /var/lib/glance-wizard/lock".into(),
    ));
    assert!(matches!(a.run.outcome, Some(Outcome::Error(_))));
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.screen, Screen::Review);
}
