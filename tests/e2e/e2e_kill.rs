//! End-to-end: `kill -9` at every point. For each task of the plan the
//! wizard is killed once while the task runs and once just after it
//! finishes, then run again. The kills are chained in one sequence of runs
//! on one state directory (run k is killed at point k, run k+1 resumes it),
//! starting with Glance's packages absent. After every kill the journal must
//! tell the truth (the killed task `running`, every earlier one `done`, and
//! every `done` task's effect really there) and nothing may exist twice;
//! after the last run everything must be installed exactly once.
//!
//! "During" a task means while one of its child processes runs (the
//! `openstack` call that creates something, `apt-get install`, `glance-manage
//! db_sync`, the service restart, the upload), so a killed run leaves that
//! child orphaned; for the two tasks that run no child (SQL, config file) it
//! means a pause point in the middle of their work (see
//! src/engine/pause.rs), as is "just after".

use crate::common;

use std::time::{Duration, Instant};

use common::leak::{ArgvSampler, Secrets};
use common::probe::{self, API_CONF};
use common::*;
use glance_wizard::engine::pause;

/// Two kill points per task: during it and just after it.
const KILL_POINTS: usize = 2 * TASKS.len();

/// The plan, in order (checked against the journal at the end).
const TASKS: [&str; 11] = [
    "sql.database",
    "identity.user",
    "identity.role",
    "identity.service",
    "identity.endpoints",
    "packages.install",
    "config.glance-api",
    "db.sync",
    "db.metadefs",
    "service.restart",
    "verify.image",
];

const DB_PASSWORD: &str = " K'ill\"$p@ss/%#;:\\w0rd ";
const SERVICE_PASSWORD: &str = "Kill ñandú $HOME 'q' \"dq\" \\ %(x)s ";
const IMAGE: &str = "e2e-kill";
const PRISTINE_CONF: &str = "/usr/share/glance-common/glance-api.conf";

#[derive(Clone, Copy, Debug)]
enum Trigger {
    /// A pause point in the wizard (`GLANCE_WIZARD_PAUSE_AT`).
    Pause(&'static str),
    /// The `nth` child of the wizard whose argv contains `argv`, `delay_ms`
    /// after it was first seen; it must still run when the wizard dies.
    Child {
        argv: &'static str,
        nth: usize,
        delay_ms: u64,
    },
    /// The first child whose argv contains `argv`, once `ready()` says its
    /// work is under way.
    ChildWhen {
        argv: &'static str,
        ready: fn() -> bool,
        what: &'static str,
    },
}

/// A `SELECT COUNT(*)` as the lab's MariaDB root (0 when it cannot run).
fn lab_count(sql: &str) -> u64 {
    use mysql::prelude::Queryable;
    let opts = mysql::OptsBuilder::new()
        .socket(Some("/run/mysqld/mysqld.sock"))
        .user(Some("root"))
        .prefer_socket(true);
    let Ok(mut conn) = mysql::Conn::new(opts) else {
        return 0;
    };
    conn.query_first(sql).unwrap_or(None).unwrap_or(0)
}

/// db_sync is under way: the glance database has some tables already.
fn migrating() -> bool {
    lab_count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'glance'") >= 3
}

/// db_load_metadefs is under way: some namespaces are in the database.
fn metadefs_loading() -> bool {
    lab_count("SELECT COUNT(*) FROM glance.metadef_namespaces") >= 1
}

/// The one `openstack` process creating the endpoints has made some of
/// them, not all three (Keystone's database, read directly).
fn endpoints_partly_created() -> bool {
    let made = lab_count(
        "SELECT COUNT(*) FROM keystone.endpoint e JOIN keystone.service s \
         ON e.service_id = s.id WHERE s.type = 'image'",
    );
    (1..=2).contains(&made)
}

fn during(task: &str) -> Trigger {
    let child = |argv, nth, delay_ms| Trigger::Child {
        argv,
        nth,
        delay_ms,
    };
    match task {
        "sql.database" => Trigger::Pause("during:sql.database"),
        "identity.user" => child("openstack user create", 1, 300),
        "identity.role" => child("openstack role add", 1, 300),
        "identity.service" => child("openstack service create", 1, 300),
        // One `openstack` process creates the three: killed when it has
        // made one or two.
        "identity.endpoints" => Trigger::ChildWhen {
            argv: "openstack",
            ready: endpoints_partly_created,
            what: "some endpoints created, not all",
        },
        "packages.install" => child("apt-get install", 1, 1000),
        "config.glance-api" => Trigger::Pause("during:config.glance-api"),
        "db.sync" => Trigger::ChildWhen {
            argv: "glance-manage db_sync",
            ready: migrating,
            what: "the glance schema half-migrated",
        },
        // Killed with some namespaces loaded: the load reruns and skips
        // those (the orphan finishes first: it holds the run lock).
        "db.metadefs" => Trigger::ChildWhen {
            argv: "glance-manage db_load_metadefs",
            ready: metadefs_loading,
            what: "some metadata namespaces loaded",
        },
        "service.restart" => child("glance-api restart", 1, 0),
        // The image record exists, its upload not yet (Glance's API, no
        // child process).
        "verify.image" => Trigger::Pause("during:verify.image"),
        other => panic!("no kill point for {other}"),
    }
}

/// The wizard has written `pid` to its record of running children.
fn recorded(s: &Scenario, pid: u32) -> bool {
    std::fs::read_to_string(s.state_dir.join("child"))
        .unwrap_or_default()
        .lines()
        .any(|line| line.split(' ').next() == Some(pid.to_string().as_str()))
}

/// How a kill went.
struct Kill {
    what: String,
    /// The orphaned child, if any.
    orphan: Option<u32>,
}

/// A process stopped with SIGSTOP, continued on drop (even on a panic).
struct Frozen(u32);

impl Frozen {
    fn freeze(pid: u32) -> Frozen {
        signal("-STOP", pid);
        Frozen(pid)
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        signal("-CONT", self.0);
    }
}

/// Best effort: the process may have ended by itself meanwhile (a STOP or
/// CONT to it is then moot), and the test's own assertions say whether the
/// run behaved.
fn signal(sig: &str, pid: u32) {
    let _ = std::process::Command::new("kill")
        .arg(sig)
        .arg(pid.to_string())
        .status();
}

/// Runs the wizard and SIGKILLs it at `trigger`, after calling
/// `before_kill` with the run at its kill point. `frozen` is an orphan of
/// the previous run, stopped so that it surely outlives this run's start:
/// the run must say it waits for it, and get no further until it ends; it
/// is continued once the run has said so. Returns the run's output.
fn run_and_kill(
    s: &Scenario,
    n: usize,
    trigger: Trigger,
    mut frozen: Option<Frozen>,
    before_kill: &mut dyn FnMut(&RunHandle),
) -> (Kill, String, bool) {
    let waits = frozen.is_some();
    let pause_env;
    let env: Vec<(&str, &str)> = match trigger {
        Trigger::Pause(point) => {
            pause_env = point.to_string();
            vec![(pause::PAUSE_ENV, pause_env.as_str())]
        }
        _ => vec![],
    };
    let mut run = s.spawn(n, &env);
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut seen: Vec<u32> = Vec::new();
    let journal_before = std::fs::read(s.state_dir.join("journal.json")).ok();
    let kill = loop {
        if let Some(orphan) = &frozen {
            assert_eq!(
                std::fs::read(s.state_dir.join("journal.json")).ok(),
                journal_before,
                "run {n} went on while the orphan {} of the killed run still ran:\n{}",
                orphan.0,
                run.output()
            );
            if run.output().contains(&format!(
                "(pid {}), left running by an earlier run",
                orphan.0
            )) {
                frozen = None; // continued: the run may go on once it ends
            }
        }
        if let Some(status) = run.child.try_wait().unwrap() {
            panic!(
                "run {n} ended ({status}) before its kill point {trigger:?}:\n{}",
                run.output()
            );
        }
        assert!(
            Instant::now() < deadline,
            "run {n}: kill point {trigger:?} not reached in 300 s:\n{}",
            run.output()
        );
        match trigger {
            Trigger::Pause(point) => {
                if run.stderr().contains(&pause::announcement(point)) {
                    break Kill {
                        what: format!("paused at {point}"),
                        orphan: None,
                    };
                }
            }
            Trigger::Child {
                argv,
                nth,
                delay_ms,
            } => {
                for (pid, cmdline) in children_of(run.pid()) {
                    if cmdline.contains(argv) && !seen.contains(&pid) {
                        seen.push(pid);
                    }
                }
                // Killed only once the wizard has recorded the child: a
                // kill in the microseconds between spawn and record would
                // leave an orphan no run can know about.
                if seen.len() >= nth && recorded(s, seen[nth - 1]) {
                    let pid = seen[nth - 1];
                    std::thread::sleep(Duration::from_millis(delay_ms));
                    assert!(
                        alive(pid),
                        "run {n}: the child `{argv}` (pid {pid}) ended within {delay_ms} ms: shorten the delay"
                    );
                    break Kill {
                        what: format!("child `{argv}` #{nth} (pid {pid}) running"),
                        orphan: Some(pid),
                    };
                }
            }
            Trigger::ChildWhen { argv, ready, what } => {
                let child = children_of(run.pid())
                    .into_iter()
                    .find(|(_, cmdline)| cmdline.contains(argv));
                if let Some((pid, _)) = child
                    && recorded(s, pid)
                    && ready()
                {
                    assert!(alive(pid), "run {n}: the child `{argv}` ended");
                    break Kill {
                        what: format!("child `{argv}` (pid {pid}) running, {what}"),
                        orphan: Some(pid),
                    };
                }
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    before_kill(&run);
    run.child.kill().unwrap(); // SIGKILL
    run.child.wait().unwrap();
    assert!(
        frozen.is_none(),
        "run {n} never said it waits for the orphan"
    );
    (kill, run.output(), waits)
}

/// No run collided with a process an earlier run left behind.
fn assert_no_race(output: &str, context: &str) {
    for race in ["Could not get lock", "[retry]"] {
        assert!(
            !output.contains(race),
            "{context}: the run raced a leftover process ({race}):\n{output}"
        );
    }
}

/// A second wizard started while one runs is refused with the first one's
/// pid, exit code 7, and changes nothing.
fn second_wizard_is_refused(s: &Scenario, first: u32) {
    let journal_before = std::fs::read(s.state_dir.join("journal.json")).unwrap();
    let out = s
        .apply()
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = text(&out);
    assert_eq!(out.status.code(), Some(7), "{text}");
    assert!(
        text.contains(&format!("another glance-wizard run (pid {first})")),
        "{text}"
    );
    assert_eq!(
        std::fs::read(s.state_dir.join("journal.json")).unwrap(),
        journal_before
    );
    println!(
        "a second wizard is refused: {}",
        text.lines().last().unwrap_or("")
    );
}

/// Checks that hold at any moment: nothing exists twice, the config file is
/// never half-written.
fn assert_nothing_twice(token: &str, context: &str) {
    let services = probe::image_services(token);
    assert!(
        services.len() <= 1,
        "{context}: image services {services:?}"
    );
    let endpoints = probe::image_endpoints(token);
    for interface in ["public", "internal", "admin"] {
        let n = endpoints
            .iter()
            .filter(|e| e["interface"] == interface)
            .count();
        assert!(
            n <= 1,
            "{context}: {n} {interface} endpoints: {endpoints:?}"
        );
    }
    let users = probe::users_named(token, "glance");
    assert!(users.len() <= 1, "{context}: glance users {users:?}");
    if let Ok(conf) = std::fs::read_to_string(API_CONF) {
        probe::oslo_passwords(std::path::Path::new(API_CONF))
            .unwrap_or_else(|e| panic!("{context}: oslo.config cannot parse {API_CONF}: {e}"));
        if let Ok(pristine) = std::fs::read_to_string(PRISTINE_CONF) {
            probe::comments_intact(&pristine, &conf).unwrap_or_else(|e| panic!("{context}: {e}"));
        }
    }
}

/// The effect of a task the journal says is done really is there.
fn assert_task_effect(s: &Scenario, token: &str, task: &str, context: &str) {
    let ctx = format!("{context}: journal says {task} done but");
    match task {
        "sql.database" => probe::db_login(&s.db_password)
            .unwrap_or_else(|e| panic!("{ctx} glance cannot log in to MariaDB: {e}")),
        "identity.user" => {
            assert_eq!(
                probe::users_named(token, "glance").len(),
                1,
                "{ctx} no user"
            );
            probe::login("glance", &s.service_password, None)
                .unwrap_or_else(|st| panic!("{ctx} glance cannot log in to Keystone (HTTP {st})"));
        }
        "identity.role" => {
            let users = probe::users_named(token, "glance");
            let id = users[0]["id"].as_str().unwrap();
            let roles = probe::project_roles(token, id, "service");
            assert!(roles.iter().any(|r| r == "admin"), "{ctx} roles {roles:?}");
        }
        "identity.service" => {
            assert_eq!(
                probe::image_services(token).len(),
                1,
                "{ctx} no image service"
            )
        }
        "identity.endpoints" => {
            let endpoints = probe::image_endpoints(token);
            let mut interfaces: Vec<&str> = endpoints
                .iter()
                .map(|e| e["interface"].as_str().unwrap())
                .collect();
            interfaces.sort();
            assert_eq!(interfaces, ["admin", "internal", "public"], "{ctx}");
            for e in &endpoints {
                assert_eq!(e["url"], "http://controller:9292", "{ctx}");
                assert_eq!(e["region_id"], "RegionOne", "{ctx}");
            }
        }
        "packages.install" => {
            for p in ["glance-api", "glance-common", "python3-glance"] {
                assert!(probe::package_installed(p), "{ctx} {p} is not installed");
            }
        }
        "config.glance-api" => {
            let (db, keystone) = probe::oslo_passwords(std::path::Path::new(API_CONF))
                .unwrap_or_else(|e| panic!("{ctx} oslo.config: {e}"));
            assert!(
                db == s.db_password,
                "{ctx} the DB password in the file differs"
            );
            assert!(
                keystone == s.service_password,
                "{ctx} the Keystone password in the file differs"
            );
        }
        "db.sync" => assert_eq!(
            probe::db_check(),
            Some(0),
            "{ctx} the schema is not at head"
        ),
        "db.metadefs" => {
            for table in ["metadef_namespaces", "metadef_resource_types"] {
                let rows = lab_count(&format!("SELECT COUNT(*) FROM glance.{table}"));
                assert!(rows > 0, "{ctx} glance.{table} is empty");
            }
        }
        "service.restart" => assert!(probe::glance_answers(), "{ctx} glance-api does not answer"),
        "verify.image" => {
            let images = probe::images_named(token, IMAGE);
            assert_eq!(images.len(), 1, "{ctx} images {images:?}");
            assert_eq!(images[0]["status"], "active", "{ctx}");
            assert_eq!(
                images[0]["os_hash_value"].as_str(),
                Some(probe::sha512(&s.image).as_str()),
                "{ctx}"
            );
        }
        other => panic!("no probe for {other}"),
    }
}

/// After a kill at `index` (`done` says whether the task had finished):
/// earlier tasks done, this one running or done, later ones not started;
/// each done task's effect checked.
fn assert_journal_truth(s: &Scenario, token: &str, index: usize, done: bool, context: &str) {
    let journal = journal(&s.state_dir).expect("a journal after the kill");
    for (i, task) in TASKS.iter().enumerate() {
        let status = task_status(&journal, task);
        let expected = if i < index || (i == index && done) {
            Some("done")
        } else if i == index {
            Some("running")
        } else {
            None
        };
        assert_eq!(
            status.as_deref(),
            expected,
            "{context}: journal status of {task}"
        );
        if expected == Some("done") {
            assert_task_effect(s, token, task, context);
        }
    }
}

#[test]
fn e2e_kill_at_every_point_then_resume() {
    let Some(_lab) = lab() else { return };
    let started = Instant::now();
    reset_glance(true);
    assert!(!probe::package_installed("glance-api"));
    let mut s = scenario("kill", DB_PASSWORD, SERVICE_PASSWORD);
    // One task at a time, in plan order: each kill point then has one
    // exact journal to check (parallel runs are killed in e2e_apply).
    s.apply_args = vec!["--jobs".into(), "1".into()];

    let secrets = Secrets::default();
    secrets.add("glance DB password", DB_PASSWORD);
    secrets.add("glance Keystone password", SERVICE_PASSWORD);
    secrets.add("admin password", &probe::admin().password);
    let sampler = ArgvSampler::start(secrets.clone(), Duration::from_millis(3));

    let token = probe::admin_token();
    let mut runs = 0;
    let mut kills = Vec::new();
    let mut orphans = Vec::new();
    // An orphaned child of the last killed run, still running (stopped).
    let mut orphan: Option<Frozen> = None;
    let mut waited = 0;
    for (index, task) in TASKS.iter().enumerate() {
        for done in [false, true] {
            runs += 1;
            let trigger = if done {
                Trigger::Pause(Box::leak(format!("after:{task}").into_boxed_str()))
            } else {
                during(task)
            };
            let phase = if done { "just after" } else { "during" };
            let frozen = orphan.take();
            let mut before_kill = |run: &RunHandle| {
                if runs == 1 {
                    second_wizard_is_refused(&s, run.pid());
                }
            };
            let (kill, output, waits) = run_and_kill(&s, runs, trigger, frozen, &mut before_kill);
            waited += usize::from(waits);
            // The orphan, if still running, waits stopped until the next
            // run has seen it.
            orphan = kill.orphan.filter(|pid| alive(*pid)).map(Frozen::freeze);
            let context = format!("kill {}/{KILL_POINTS} ({phase} {task})", kills.len() + 1);
            assert_no_race(&output, &context);
            assert_journal_truth(&s, &token, index, done, &context);
            assert_nothing_twice(&token, &context);
            let line = format!(
                "{context}: run {runs} killed, {}; journal: {task} {}",
                kill.what,
                if done { "done" } else { "running" }
            );
            println!("{line}");
            orphans.extend(kill.orphan);
            kills.push(line);
        }
    }
    assert_eq!(kills.len(), KILL_POINTS);

    // The last run finishes the job and everything is there exactly once.
    runs += 1;
    assert!(orphan.is_none(), "the last kill point leaves no orphan");
    let (code, output) = s.apply_logged(runs);
    assert_eq!(code, Some(0), "the final run failed:\n{output}");
    assert_no_race(&output, "the final run");
    let journal = journal(&s.state_dir).unwrap();
    let mut ids: Vec<&String> = journal["tasks"].as_object().unwrap().keys().collect();
    ids.sort();
    let mut expected: Vec<&str> = TASKS.to_vec();
    expected.sort();
    assert_eq!(
        ids, expected,
        "the plan's tasks are exactly the ones killed"
    );
    for task in TASKS {
        assert_eq!(task_status(&journal, task).as_deref(), Some("done"));
        assert_task_effect(&s, &token, task, "after the final run");
    }
    assert_nothing_twice(&token, "after the final run");
    for pid in &orphans {
        assert!(!alive(*pid), "the orphaned child {pid} still runs");
    }
    let leftovers: Vec<_> = std::fs::read_dir("/etc/glance")
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .ends_with(".glance-wizard.tmp")
        })
        .map(|e| e.path())
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // No secret anywhere.
    let stats = sampler.finish();
    let outputs: Vec<(String, String)> = (1..=runs)
        .flat_map(|n| ["out", "err"].map(|ext| format!("run-{n}.{ext}")))
        .map(|name| {
            let text = std::fs::read_to_string(s.dir.join(&name)).unwrap();
            (name, text)
        })
        .collect();
    let (scanned, hits) = secrets.scan(
        &[
            s.state_dir.as_path(),
            std::path::Path::new("/var/log/glance"),
        ],
        &outputs,
    );
    assert!(hits.is_empty(), "secrets found: {hits:#?}");
    assert!(stats.hits.is_empty(), "secrets in argv: {:#?}", stats.hits);
    let figures = format!(
        "kill points: {}/{KILL_POINTS} survived; runs: {runs}; orphaned children (of {} kills) waited for: {}; \
         files scanned for secrets: {scanned}, found: 0; argv samples: {} sweeps, {} cmdlines read, \
         {} distinct processes, found: 0; time: {:.0} s",
        kills.len(),
        orphans.len(),
        waited,
        stats.sweeps,
        stats.reads,
        stats.processes,
        started.elapsed().as_secs_f64()
    );
    println!("{figures}");
    // The figures were printed above; the file is a copy for the
    // performance notes, so a failure to write it is only reported.
    if let Err(e) = std::fs::write(
        "/tmp/glance-wizard-e2e/figures-kill.txt",
        format!("{}\n{figures}\n", kills.join("\n")),
    ) {
        eprintln!("cannot save the figures: {e}");
    }
}
