use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::child::stream_child;
use super::*;
use crate::answers::Settings;
use crate::answers::{Answers, SecretName, Secrets};
use crate::host::target::{InitSystem, profile_for};
use crate::util::secret::Redactor;
use crate::util::secret::Secret;
use std::sync::atomic::AtomicBool;

/// Commands, statements, requests, settings and listings are traces;
/// a sentence of ours is not (it goes through `tell`, to be translated).
#[test]
fn a_trace_is_what_is_done_not_a_sentence() {
    for trace in [
        "$ apt-get install -y glance-api",
        "SQL> CREATE DATABASE IF NOT EXISTS `glance`;",
        "openstack> user list -f json",
        "GET http://controller:9292/v2/images:",
        "PATCH http://controller:5000/v3/users/5c1d {\"user\": {\"name\": \"glance\"}}",
        "[database] connection = mysql+pymysql://glance:****@controller/glance",
        "  5c1d0f  cirros  active",
    ] {
        assert!(is_trace(trace), "{trace}");
    }
    for sentence in [
        "installed glance-api",
        "the schema is at head",
        "(exit status 1)",
    ] {
        assert!(!is_trace(sentence), "{sentence}");
    }
}

/// In a debug build (every test, the end-to-end tests' binary) a
/// sentence said as a trace stops the run: it would reach a Chinese
/// screen in English.
#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "a sentence said as a trace")]
fn a_sentence_said_as_a_trace_is_caught() {
    with_ctx(None, |ctx| ctx.trace("installed glance-api"));
}

/// Settings for tests: Debian Zed, fixed passwords, no Keystone.
pub(crate) fn settings() -> (Settings, crate::host::target::Profile) {
    let answers =
        Answers::from_toml("[keystone]\nos_auth_url = \"http://controller:5000/v3\"\n").unwrap();
    let profile = profile_for("debian", "zed", InitSystem::SysV).unwrap();
    let mut secrets = Secrets::default();
    secrets.set(SecretName::GlanceDbPassword, Secret::new("db-password-1"));
    secrets.set(
        SecretName::GlanceServicePassword,
        Secret::new("svc-password"),
    );
    secrets.set(SecretName::OsPassword, Secret::new("admin-password"));
    let admin = answers.manual_admin_credentials(&secrets).unwrap();
    (answers.resolve(&profile, &secrets, admin).unwrap(), profile)
}

/// How many descriptors of process `pid` ("self" for this one) are
/// open on `file`.
fn fds_on(pid: &str, file: &Path) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .filter(|e| std::fs::read_link(e.path()).is_ok_and(|t| t == file))
        .count()
}

/// Waits until `n` children are recorded in `state_dir`; their records.
fn recorded(state_dir: &Path, n: usize) -> Vec<crate::engine::lock::ChildRecord> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let children = crate::engine::lock::orphans(state_dir);
        if children.len() >= n || Instant::now() > deadline {
            return children;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The service and endpoints probes read one catalog, the run's first:
/// set here to one Keystone could not give (a service id of its own),
/// both probes answer from it and no second fetch replaces it.
#[test]
fn the_probes_share_one_catalog() {
    let (settings, profile) = settings();
    let plan = crate::plan::build_plan(&settings, &profile);
    let reach = Reach::of(&settings);
    let endpoints = plan
        .tasks
        .iter()
        .find_map(|t| match &t.kind {
            TaskKind::IdentityEndpoints(spec) => Some(spec.clone()),
            _ => None,
        })
        .unwrap();
    let service = clients::CatalogService {
        id: "shared-catalog-id".into(),
        service_type: endpoints.service_type.clone(),
        endpoints: endpoints
            .endpoints
            .iter()
            .map(|e| clients::Endpoint {
                id: format!("e-{}", e.interface),
                interface: e.interface.as_str().into(),
                region: endpoints.region.clone(),
                url: e.url.clone(),
            })
            .collect(),
    };
    reach.probe_catalog.set(Ok(vec![service])).unwrap();
    let state = tempfile::tempdir().unwrap();
    let (redactor, cancel) = (Redactor::new(), AtomicBool::new(false));
    let mut said = Vec::new();
    for task in plan.tasks.iter().filter(|t| {
        matches!(
            t.kind,
            TaskKind::IdentityService(_) | TaskKind::IdentityEndpoints(_)
        )
    }) {
        let mut log = |_: Said<'_>| {};
        let mut ctx = TaskContext {
            reach: &reach,
            state_dir: state.path(),
            redactor: &redactor,
            cancel: &cancel,
            previous_outputs: None,
            lock: None,
            recheck: false,
            log: &mut log,
        };
        said.push(
            probe(task, &mut ctx)
                .map(|m| m.english())
                .map_err(|m| m.english()),
        );
    }
    assert_eq!(
        said,
        [
            Ok("the image service shared-catalog-id is in the catalog".to_string()),
            Ok("the public, internal and admin image endpoints are as answered".to_string()),
        ]
    );
}

/// The run lock goes to the child it is meant for, not to a child
/// another task starts while that one runs (a daemon would hold it for
/// ever); the wizard keeps no copy of its own once the child started.
#[test]
fn the_run_lock_goes_to_its_one_child_only() {
    let (settings, _) = settings();
    let reach = Reach::of(&settings);
    let state = tempfile::tempdir().unwrap();
    let lock = crate::engine::lock::RunLock::acquire(state.path(), Duration::ZERO).unwrap();
    let lock_file = state.path().join("lock");
    let (redactor, cancel) = (Redactor::new(), AtomicBool::new(false));
    let run = |script: &str, copy: LockCopy| {
        let mut log = |_: Said<'_>| {};
        let mut ctx = TaskContext {
            reach: &reach,
            state_dir: state.path(),
            redactor: &redactor,
            cancel: &cancel,
            previous_outputs: None,
            lock: Some(&lock),
            recheck: false,
            log: &mut log,
        };
        stream_child(
            &mut ctx,
            &sh(script),
            &[],
            Network::Direct,
            STOP_GRACE,
            None,
            copy,
        )
        .unwrap()
    };
    std::thread::scope(|s| {
        let holder = s.spawn(|| run("sleep 3; echo holder", LockCopy::Given));
        let first = recorded(state.path(), 1);
        let other = s.spawn(|| run("sleep 3; echo other", LockCopy::Withheld));
        let both = recorded(state.path(), 2);
        assert_eq!((first.len(), both.len()), (1, 2), "{both:?}");
        for child in &both {
            let holds = fds_on(&child.pid.to_string(), &lock_file);
            let meant = child.command.contains("holder");
            assert_eq!(
                holds,
                usize::from(meant),
                "{child:?} holds the lock {holds} times"
            );
        }
        assert_eq!(fds_on("self", &lock_file), 1, "the wizard's own copy only");
        assert!(holder.join().unwrap().success());
        assert!(other.join().unwrap().success());
    });
}

/// Runs `f` with a context whose cancel flag is set `cancel_after` in.
pub(crate) fn with_ctx<T>(
    cancel_after: Option<Duration>,
    f: impl FnOnce(&mut TaskContext<'_>) -> T,
) -> (T, Vec<String>) {
    let (settings, _) = settings();
    let reach = Reach::of(&settings);
    let redactor = Redactor::new();
    let cancel = Arc::new(AtomicBool::new(false));
    if let Some(after) = cancel_after {
        let flag = Arc::clone(&cancel);
        std::thread::spawn(move || {
            std::thread::sleep(after);
            flag.store(true, Ordering::SeqCst);
        });
    }
    let mut said = Vec::new();
    let mut log = |line: Said<'_>| said.push(line.english());
    let mut ctx = TaskContext {
        reach: &reach,
        state_dir: Path::new("/nonexistent"),
        redactor: &redactor,
        cancel: &cancel,
        previous_outputs: None,
        lock: None,
        recheck: false,
        log: &mut log,
    };
    let result = f(&mut ctx);
    (result, said)
}

fn sh(script: &str) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script.into()]
}

#[test]
fn streamed_lines_and_exit_status() {
    let (result, said) = with_ctx(None, |ctx| {
        run_streamed(
            ctx,
            &sh("echo one; echo two >&2; exit 3"),
            &[],
            Network::Direct,
        )
    });
    let result = result.unwrap();
    assert_eq!(result.code, Some(3));
    assert_eq!(result.lines().collect::<Vec<_>>(), ["one", "two"]);
    assert!(said.iter().any(|l| l == "(exit status 3)"), "{said:?}");
}

/// glance-manage and ls colour their lines when asked: the log and the
/// text the runner inspects (and builds error messages from) get the
/// words, tabs and line ends, never the terminal's escape sequences.
#[test]
fn colour_codes_never_reach_the_log_or_the_capture() {
    let script = r"printf '\033[01;32mok\033[00m\tdone\n\033]0;title\007plain\033(B\n'; \
                   printf 'err \033[31mred\033[0m\n' >&2";
    let (result, said) = with_ctx(None, |ctx| {
        run_streamed(ctx, &sh(script), &[], Network::Direct)
    });
    let result = result.unwrap();
    assert_eq!(
        result.lines().collect::<Vec<_>>(),
        ["ok\tdone", "plain", "err red"]
    );
    assert!(!said.iter().any(|l| l.contains('\x1b')), "{said:?}");
    let (captured, said) = with_ctx(None, |ctx| {
        run_captured(ctx, &sh(script), &[], Network::Direct)
    });
    assert!(captured.unwrap().0 == Some(0));
    assert!(said.iter().any(|l| l == "err red"), "{said:?}");
}

/// 200,000 lines come as a few blocks of whole lines, every line intact
/// and in order; a secret the child prints is masked however the pipe
/// cut its output.
#[test]
fn a_flood_comes_in_blocks_of_whole_lines() {
    let (settings, _) = settings();
    let reach = Reach::of(&settings);
    let redactor = Redactor::new();
    redactor.add(&crate::util::secret::Secret::new("s3cret-Value!"));
    let cancel = AtomicBool::new(false);
    let mut blocks: Vec<String> = Vec::new();
    let mut log = |block: Said<'_>| blocks.push(block.english());
    let mut ctx = TaskContext {
        reach: &reach,
        state_dir: Path::new("/nonexistent"),
        redactor: &redactor,
        cancel: &cancel,
        previous_outputs: None,
        lock: None,
        recheck: false,
        log: &mut log,
    };
    let result = run_streamed(
        &mut ctx,
        &sh("i=0; while [ $i -lt 3 ]; do echo \"pw s3cret-Value! $i\"; i=$((i+1)); done; seq 200000; printf 'no newline s3cret-Value!'"),
        &[],
        Network::Direct,
    )
    .unwrap();
    assert!(result.success());
    let lines: Vec<&str> = blocks[1..].iter().flat_map(|b| b.split('\n')).collect();
    assert_eq!(lines.len(), 3 + 200_000 + 1);
    assert_eq!(lines[0], "pw ******** 0");
    assert!(
        lines[3..200_003]
            .iter()
            .enumerate()
            .all(|(i, l)| *l == (i + 1).to_string())
    );
    assert_eq!(lines[200_003], "no newline ********");
    assert!(blocks.len() < 2000, "{} blocks", blocks.len());
    assert!(!blocks.iter().any(|b| b.contains("s3cret")));
    assert_eq!(result.tail(1), "no newline ********");
}

/// The child prints once and then stays silent: a blocking read would
/// only see the cancel at its next line (30 s later).
#[test]
fn cancel_stops_a_silent_streamed_child_promptly() {
    let started = Instant::now();
    let (result, said) = with_ctx(Some(Duration::from_millis(300)), |ctx| {
        run_streamed(
            ctx,
            &sh("echo started; exec sleep 30"),
            &[],
            Network::Direct,
        )
    });
    assert_eq!(result.err().unwrap().message.english(), STOPPED);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert!(said.iter().any(|l| l.contains("SIGTERM")), "{said:?}");
}

/// A child that ignores SIGTERM is killed once the grace time is over.
#[test]
fn cancel_kills_a_child_that_ignores_sigterm() {
    let started = Instant::now();
    let (result, said) = with_ctx(Some(Duration::from_millis(300)), |ctx| {
        stream_child(
            ctx,
            &sh("trap '' TERM; echo ready; while :; do sleep 0.1; done"),
            &[],
            Network::Direct,
            Duration::from_secs(1),
            None,
            LockCopy::Withheld,
        )
    });
    assert_eq!(result.err().unwrap().message.english(), STOPPED);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1300), "took {took:?}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    assert!(said.iter().any(|l| l.contains("killed it")), "{said:?}");
}

#[test]
fn captured_stdout_and_cancel() {
    let ((code, stdout), _) = with_ctx(None, |ctx| {
        run_captured(ctx, &sh("echo out; echo err >&2"), &[], Network::Direct).unwrap()
    });
    assert_eq!((code, stdout.as_str()), (Some(0), "out\n"));

    let started = Instant::now();
    let (result, _) = with_ctx(Some(Duration::from_millis(200)), |ctx| {
        run_captured(ctx, &sh("exec sleep 30"), &[], Network::Direct)
    });
    assert_eq!(result.err().unwrap().message.english(), STOPPED);
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// The admin token an `openstack` child gets is masked in what the
/// child prints, like a password.
#[test]
fn the_admin_token_of_a_child_is_masked() {
    let redactor = Redactor::new();
    let env = vec![
        ("OS_AUTH_TYPE".to_string(), "v3token".to_string()),
        ("OS_TOKEN".to_string(), "gAAAAABn-token-value".to_string()),
    ];
    mask_env_secrets(&redactor, &env);
    assert_eq!(
        redactor.redact("X-Auth-Token: gAAAAABn-token-value v3token"),
        "X-Auth-Token: ******** v3token"
    );
}
