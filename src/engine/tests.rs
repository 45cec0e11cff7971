use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::*;
use crate::answers::Settings;
use crate::i18n::Message;
use crate::plan::{Plan, TaskId};

/// A sentence holding a multi-line error is logged as a block is.
#[test]
fn a_sentence_of_several_lines_is_logged_with_its_task_on_each() {
    let event = Event::Narration {
        id: TaskId::PackagesInstall,
        sentence: Message::new("recheck.broken")
            .msg("why", Message::verbatim("dpkg-query failed:\nE: lock")),
    };
    let mut out = Vec::new();
    write_log(&mut out, "T", &event);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "T [packages.install] checking it again: dpkg-query failed:\n\
         T [packages.install] E: lock\n"
    );
    assert_eq!(
        log_line(&event),
        "[packages.install] checking it again: dpkg-query failed:\n[packages.install] E: lock"
    );
}

/// A block of output is one log line per line, each with the time and
/// the task, as `log_line` says.
#[test]
fn every_line_of_a_block_is_logged_with_its_task() {
    let event = Event::Output {
        id: TaskId::PackagesInstall,
        lines: "Reading package lists...\n\nDone".into(),
    };
    let mut out = Vec::new();
    write_log(&mut out, "2026-05-01T10:15:00Z", &event);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "2026-05-01T10:15:00Z [packages.install] Reading package lists...\n\
         2026-05-01T10:15:00Z [packages.install] \n\
         2026-05-01T10:15:00Z [packages.install] Done\n"
    );
    let expected: Vec<String> = log_line(&event)
        .lines()
        .map(|l| format!("2026-05-01T10:15:00Z {l}"))
        .collect();
    assert_eq!(text.lines().collect::<Vec<_>>(), expected);
    let mut out = Vec::new();
    write_log(
        &mut out,
        "T",
        &Event::RunFinished {
            ok: true,
            duration: Duration::from_secs(2),
        },
    );
    assert_eq!(out, b"T run succeeded in 2.0s\n");
}

use crate::plan::{Task, TaskKind, letter, stand_in};
use runner::tests::settings;
use std::sync::Mutex;

/// What a stand-in task does: sleep, then succeed (changing something
/// or not) or fail.
#[derive(Clone, Copy)]
struct Behaviour {
    millis: u64,
    fails: bool,
    changes: bool,
}

/// What a stand-in task's probe finds, and what its run fails with
/// while its cause's owner has not run in this run.
#[derive(Clone, Copy, Default)]
struct Probed {
    broken: bool,
    fails_until_owner_ran: Option<Cause>,
    /// The failure stays after its owner's repair.
    cause_persists: bool,
}

/// When each task started and ended, and whether it ran as a recheck.
#[derive(Default)]
struct Timeline {
    entries: Mutex<Vec<(String, &'static str, Instant, bool)>>,
}

impl Timeline {
    fn at(&self, id: &str, what: &str) -> Instant {
        let entries = self.entries.lock().unwrap();
        entries
            .iter()
            .find(|(i, w, _, _)| i == id && *w == what)
            .unwrap_or_else(|| panic!("{id} never {what}"))
            .2
    }

    fn ran(&self) -> Vec<(String, bool)> {
        let entries = self.entries.lock().unwrap();
        entries
            .iter()
            .filter(|(_, w, _, _)| *w == "started")
            .map(|(id, _, _, recheck)| (id.clone(), *recheck))
            .collect()
    }
}

/// The kind of the real plan's task `id` (the test settings'), for a
/// stand-in task.
fn kind_of(id: TaskId) -> TaskKind {
    let (settings, profile) = settings();
    let plan = crate::plan::build_plan(&settings, &profile);
    plan.task(id).expect("a task of the plan").kind.clone()
}

/// A plan of stand-in tasks: (id, after).
fn plan_of(profile: &crate::host::target::Profile, tasks: &[(&str, &[&str])]) -> Plan {
    let kind = kind_of(TaskId::IdentityRole);
    Plan {
        profile: profile.clone(),
        tasks: tasks
            .iter()
            .map(|(id, after)| Task {
                id: stand_in(id),
                title: crate::i18n::Message::new("task.run_command").arg("command", id),
                kind: kind.clone(),
                after: after.iter().map(|a| stand_in(a)).collect(),
            })
            .collect(),
    }
}

/// Runs `plan` with stand-in tasks behaving as `behaviour` says, their
/// probes finding everything in place.
fn run_plan(
    plan: &Plan,
    settings: &Settings,
    state_dir: &Path,
    jobs: usize,
    verify: bool,
    behaviour: &(dyn Fn(&str) -> Behaviour + Sync),
) -> (RunOutcome, Timeline) {
    let (outcome, timeline, _) = run_probed(
        plan,
        state_dir,
        (settings, jobs, verify),
        behaviour,
        &|_| Probed::default(),
    );
    (outcome, timeline)
}

/// [`run_plan`] with probes that find what `probed` says; also returns
/// the events.
fn run_probed(
    plan: &Plan,
    state_dir: &Path,
    (settings, jobs, verify): (&Settings, usize, bool),
    behaviour: &(dyn Fn(&str) -> Behaviour + Sync),
    probed: &(dyn Fn(&str) -> Probed + Sync),
) -> (RunOutcome, Timeline, Vec<Event>) {
    let timeline = Timeline::default();
    let mut events = Vec::new();
    let outcome = {
        let runner: &TaskRunner<'_> = &|task, ctx| {
            let id = letter(task.id);
            let b = behaviour(id);
            let recheck = ctx.recheck;
            let note = |what| {
                timeline.entries.lock().unwrap().push((
                    id.to_string(),
                    what,
                    Instant::now(),
                    recheck,
                ))
            };
            note("started");
            std::thread::sleep(Duration::from_millis(b.millis));
            note("ended");
            if b.fails {
                return Err(TaskError::fatal(format!("{id} failed")));
            }
            if let Some(cause) = probed(id).fails_until_owner_ran {
                let owner_ran = timeline.entries.lock().unwrap().iter().any(|(e, w, ..)| {
                    *w == "ended"
                        && plan
                            .task(stand_in(e))
                            .is_some_and(|t| cause.owned_by(&t.kind))
                });
                if !owner_ran || probed(id).cause_persists {
                    return Err(TaskError::transient(format!("{id} refused")).with_cause(cause));
                }
            }
            // A config task's outputs say whether it changed its file.
            Ok(runner::TaskOutputs::Config(outputs::ConfigOutputs {
                sha256: String::new(),
                changed: b.changes,
                backup: None,
            }))
        };
        let probe: &TaskProbe<'_> = &|task, _ctx| {
            let id = letter(task.id);
            if probed(id).broken {
                Err(Message::verbatim(format!("{id} is gone")))
            } else {
                Ok(Message::verbatim(format!("{id} is there")))
            }
        };
        let mut engine = Engine::new(plan, settings, state_dir);
        engine.task_runner = runner;
        engine.task_probe = probe;
        engine.jobs = jobs;
        engine.verify = verify;
        engine.run(&mut |event: Event| events.push(event)).unwrap()
    };
    (outcome, timeline, events)
}

fn quick(millis: u64) -> Behaviour {
    Behaviour {
        millis,
        fails: false,
        changes: true,
    }
}

/// Independent tasks run at the same time; a task starts only once
/// every task it follows has ended.
#[test]
fn independent_tasks_overlap_and_followers_wait() {
    let (settings, profile) = settings();
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_of(
        &profile,
        &[("a", &[]), ("b", &[]), ("c", &["a"]), ("d", &["b", "c"])],
    );
    // Margins of several hundred ms: threads on a loaded 2-core machine start late.
    let millis = |id: &str| quick(if id == "b" { 1500 } else { 400 });
    let (outcome, t) = run_plan(&plan, &settings, dir.path(), 4, false, &millis);
    assert!(
        matches!(outcome, RunOutcome::Verified { .. }),
        "{outcome:?}"
    );
    assert!(t.at("b", "started") < t.at("a", "ended"), "a and b overlap");
    assert!(t.at("c", "started") >= t.at("a", "ended"));
    assert!(t.at("c", "started") < t.at("b", "ended"), "c runs beside b");
    assert!(t.at("d", "started") >= t.at("b", "ended"));
    assert!(t.at("d", "started") >= t.at("c", "ended"));
}

/// `--jobs 1`: one task at a time, in plan order.
#[test]
fn one_job_runs_the_plan_in_order_one_task_at_a_time() {
    let (settings, profile) = settings();
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_of(
        &profile,
        &[("a", &[]), ("b", &[]), ("c", &["a"]), ("d", &["b", "c"])],
    );
    let (outcome, t) = run_plan(&plan, &settings, dir.path(), 1, false, &|_| quick(20));
    assert!(
        matches!(outcome, RunOutcome::Verified { .. }),
        "{outcome:?}"
    );
    let order: Vec<String> = t.ran().into_iter().map(|(id, _)| id).collect();
    assert_eq!(order, ["a", "b", "c", "d"]);
    for pair in order.windows(2) {
        assert!(
            t.at(&pair[1], "started") >= t.at(&pair[0], "ended"),
            "{pair:?}"
        );
    }
}

/// After a failure no task starts; the ones running finish and are
/// recorded; the run reports the failed task.
#[test]
fn after_a_failure_no_task_starts_and_running_ones_finish() {
    let (settings, profile) = settings();
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_of(
        &profile,
        &[("a", &[]), ("b", &[]), ("c", &["b"]), ("d", &[])],
    );
    let behaviour = |id: &str| match id {
        "a" => Behaviour {
            millis: 20,
            fails: true,
            changes: false,
        },
        "b" => quick(300),
        _ => quick(10),
    };
    let (outcome, t) = run_plan(&plan, &settings, dir.path(), 2, false, &behaviour);
    match outcome {
        RunOutcome::Failed { task, error, .. } => {
            assert_eq!(task, stand_in("a"));
            assert_eq!(error.english(), "a failed");
        }
        other => panic!("{other:?}"),
    }
    // d would have taken a's slot, c would have followed b. (a and b
    // start together: their threads may note their start in any order.)
    let mut ran: Vec<String> = t.ran().into_iter().map(|(id, _)| id).collect();
    ran.sort();
    assert_eq!(ran, ["a", "b"]);
    let journal = journal::Journal::load(dir.path()).unwrap().unwrap();
    assert_eq!(journal.tasks[&stand_in("a")].status, TaskStatus::Failed);
    assert_eq!(journal.tasks[&stand_in("b")].status, TaskStatus::Done);
    assert!(!journal.tasks.contains_key(&stand_in("c")));
    assert!(!journal.tasks.contains_key(&stand_in("d")));
}

/// A second run runs nothing; `--verify` rechecks every task, and a
/// task following one that changed something runs again for real.
#[test]
fn a_rerun_skips_done_tasks_and_verify_rechecks_them() {
    let (settings, profile) = settings();
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_of(&profile, &[("a", &[]), ("b", &[]), ("c", &["a"])]);
    let unchanged = |_: &str| Behaviour {
        millis: 5,
        fails: false,
        changes: false,
    };
    let (first, _) = run_plan(&plan, &settings, dir.path(), 4, false, &unchanged);
    assert!(matches!(first, RunOutcome::Verified { .. }), "{first:?}");
    let (again, t) = run_plan(&plan, &settings, dir.path(), 4, false, &unchanged);
    assert!(matches!(again, RunOutcome::Verified { .. }), "{again:?}");
    assert!(t.ran().is_empty(), "{:?}", t.ran());
    // --verify: a finds something to repair (changed), b does not.
    let repairs_a = |id: &str| Behaviour {
        millis: 5,
        fails: false,
        changes: id == "a",
    };
    let (verified, t) = run_plan(&plan, &settings, dir.path(), 4, true, &repairs_a);
    assert!(
        matches!(verified, RunOutcome::Verified { .. }),
        "{verified:?}"
    );
    let mut ran = t.ran();
    ran.sort();
    assert_eq!(
        ran,
        [
            ("a".to_string(), true),
            ("b".to_string(), true),
            ("c".to_string(), false)
        ]
    );
}

fn unchanged(_: &str) -> Behaviour {
    Behaviour {
        millis: 5,
        fails: false,
        changes: false,
    }
}

/// Every run probes its finished tasks: one whose work is gone runs
/// again (as a recheck: it redoes only what is missing), the others
/// are skipped with what their probe found in this run, never on the
/// journal's word alone.
#[test]
fn a_finished_task_whose_probe_fails_runs_again() {
    let (settings, profile) = settings();
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_of(&profile, &[("a", &[]), ("b", &[]), ("c", &["a"])]);
    let all_there = |_: &str| Probed::default();
    let opts = (&settings, 4, false);
    let (first, ..) = run_probed(&plan, dir.path(), opts, &unchanged, &all_there);
    assert!(matches!(first, RunOutcome::Verified { .. }), "{first:?}");

    let a_gone = |id: &str| Probed {
        broken: id == "a",
        ..Probed::default()
    };
    let (again, t, events) = run_probed(&plan, dir.path(), opts, &unchanged, &a_gone);
    assert!(matches!(again, RunOutcome::Verified { .. }), "{again:?}");
    assert_eq!(t.ran(), [("a".to_string(), true)]);
    assert!(
        events.contains(&Event::Narration {
            id: stand_in("a"),
            sentence: Message::new("recheck.broken").msg("why", Message::verbatim("a is gone"))
        }),
        "{events:?}"
    );
    let skipped: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::TaskSkipped { id, reason, .. } => {
                let id = letter(*id);
                let reason = reason.english();
                assert!(
                    reason.ends_with(&format!("checked now: {id} is there")),
                    "{reason}"
                );
                Some(id)
            }
            _ => None,
        })
        .collect();
    assert_eq!(skipped, ["b", "c"]);
}

/// A journal of an older format is carried over unverified: its tasks
/// are rechecked, but one whose upstream task changed something in
/// this run (a config rewritten) runs in full, not as a recheck (a
/// recheck of the restart would leave glance-api on the old config).
#[test]
fn an_unverified_task_whose_upstream_changed_runs_in_full() {
    let (settings, profile) = settings();
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_of(&profile, &[("a", &[]), ("c", &["a"])]);
    let (first, _) = run_plan(&plan, &settings, dir.path(), 1, false, &unchanged);
    assert!(matches!(first, RunOutcome::Verified { .. }), "{first:?}");
    let path = journal::Journal::path(dir.path());
    let older = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"format\": 3", "\"format\": 2");
    std::fs::write(&path, older).unwrap();
    let a_changes = |id: &str| Behaviour {
        changes: id == "a",
        ..quick(10)
    };
    let (again, t) = run_plan(&plan, &settings, dir.path(), 1, false, &a_changes);
    assert!(matches!(again, RunOutcome::Verified { .. }), "{again:?}");
    assert_eq!(
        t.ran(),
        [("a".to_string(), true), ("c".to_string(), false)],
        "a is rechecked; c follows a's change in full"
    );
}

/// A task failing on what a finished task set up (here: Keystone
/// refuses the service user) has that task checked again and repaired,
/// then is retried, once; when the failure stays, it is reported.
#[test]
fn a_failure_naming_a_finished_tasks_cause_reruns_that_task_then_retries() {
    let (settings, profile) = settings();
    let dir = tempfile::tempdir().unwrap();
    let mut plan = plan_of(&profile, &[("user", &[]), ("b", &[]), ("v", &["b"])]);
    plan.tasks[0].kind = kind_of(TaskId::IdentityUser);
    let opts = (&settings, 4, false);
    let all_there = |_: &str| Probed::default();
    let (first, ..) = run_probed(&plan, dir.path(), opts, &unchanged, &all_there);
    assert!(matches!(first, RunOutcome::Verified { .. }), "{first:?}");

    // v's probe fails; its run fails on the user's work until the user
    // task has run again.
    let v_refused = |id: &str| Probed {
        broken: id == "v",
        fails_until_owner_ran: (id == "v").then_some(Cause::ServiceUserRefused),
        cause_persists: false,
    };
    let started = Instant::now();
    let (again, t, events) = run_probed(&plan, dir.path(), opts, &unchanged, &v_refused);
    assert!(matches!(again, RunOutcome::Verified { .. }), "{again:?}");
    let ran = t.ran();
    assert_eq!(
        ran,
        [
            ("v".to_string(), true),
            // A repair runs in full.
            ("user".to_string(), false),
            // Failed in this run: a plain run now.
            ("v".to_string(), false)
        ]
    );
    assert!(t.at("user", "started") >= t.at("v", "ended"));
    // No back-off wait: waiting does not repair it.
    assert!(started.elapsed() < Duration::from_secs(5));
    let said = |needle: &str| {
        events
            .iter()
            .any(|e| matches!(e, Event::Narration { sentence, .. } if sentence.english().contains(needle)))
    };
    assert!(
        said("Keystone refused the glance user's password is identity.user's work"),
        "{events:?}"
    );
    assert!(said(
        "checking it again: verify.image failed because Keystone refused"
    ));

    let stays = |id: &str| Probed {
        cause_persists: id == "v",
        ..v_refused(id)
    };
    let (third, t, _) = run_probed(&plan, dir.path(), opts, &unchanged, &stays);
    match third {
        RunOutcome::Failed { task, .. } => assert_eq!(task, stand_in("v")),
        other => panic!("{other:?}"),
    }
    let ran: Vec<String> = t.ran().into_iter().map(|(id, _)| id).collect();
    assert_eq!(ran, ["v", "user", "v"], "the user task is repaired once");
}

#[test]
fn back_off_doubles_up_to_the_cap() {
    let policy = RetryPolicy::default();
    let waits: Vec<u64> = (1..=5).map(|a| policy.wait_after(a).as_secs()).collect();
    assert_eq!(waits, [10, 20, 40, 60, 60]);
    assert!(ErrorKind::ProxyAuth.needs_proxy_settings());
    assert!(!ErrorKind::Mirror.needs_proxy_settings());
}

/// The retry loop by class: a retryable failure uses every attempt,
/// a needs-user one gets one quick recheck, a fatal one none.
#[test]
fn needs_user_failures_are_rechecked_once_not_retried() {
    let (settings, profile) = settings();
    let plan = plan_of(&profile, &[("a", &[])]);
    for (class, runs) in [
        (ErrorClass::Retryable, 3),
        (ErrorClass::NeedsUser, 2),
        (ErrorClass::Fatal, 1),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let runner: &TaskRunner<'_> = &|_, _| {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(TaskError::new(
                class,
                Message::verbatim("the proxy refuses"),
            ))
        };
        let mut engine = Engine::new(&plan, &settings, dir.path());
        engine.task_runner = runner;
        engine.retry = RetryPolicy {
            attempts: 3,
            first_wait: Duration::from_millis(10),
            max_wait: Duration::from_millis(10),
            recheck_wait: Duration::from_millis(10),
            ..RetryPolicy::default()
        };
        let outcome = engine.run(&mut |_event: Event| {}).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), runs, "{}", class.name());
        let RunOutcome::Failed { error, .. } = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(
            error.english().contains("gave up after"),
            class == ErrorClass::Retryable,
            "{error}"
        );
    }
}
