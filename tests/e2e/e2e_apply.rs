//! End-to-end: `glance-wizard apply` against the real lab (MariaDB,
//! memcached, Keystone and Debian's Glance packages), checked independently
//! of the wizard's own output.

use crate::common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Passwords with characters that each need escaping somewhere: quotes for
/// SQL, `@ / % #` for the URL, `$` for oslo.config, spaces at both ends,
/// non-ASCII (Keystone only: the DB driver takes ASCII only).
const DB_PASSWORD: &str = " Db'p@ss/w$rd%#;\"x\\ ";
const SERVICE_PASSWORD: &str = "Svc $HOME p@ss\"w'rd\\ 中文 ";

const API_CONF: &str = "/etc/glance/glance-api.conf";

fn images_named(name: &str) -> Vec<serde_json::Value> {
    openstack(&["image", "list", "--name", name])
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The checks the issue lists, none of which trusts the wizard's output.
fn assert_installed(s: &Scenario, image_name: &str) {
    // Exactly one image service and its three endpoints.
    let services = openstack(&["service", "list", "--long"]);
    let image_services: Vec<_> = services
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Type"] == "image")
        .collect();
    assert_eq!(image_services.len(), 1, "image services: {services}");
    let endpoints = openstack(&["endpoint", "list", "--service", "image"]);
    let mut interfaces: Vec<&str> = endpoints
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Interface"].as_str().unwrap())
        .collect();
    interfaces.sort();
    assert_eq!(interfaces, ["admin", "internal", "public"], "{endpoints}");
    for e in endpoints.as_array().unwrap() {
        assert_eq!(e["URL"], "http://controller:9292");
        assert_eq!(e["Region"], "RegionOne");
    }
    // Exactly one glance user.
    let users = openstack(&["user", "list"]);
    let glance_users = users
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["Name"] == "glance")
        .count();
    assert_eq!(glance_users, 1, "{users}");

    // The test image is active, once, with the local file's hash.
    let images = images_named(image_name);
    assert_eq!(images.len(), 1, "{images:?}");
    assert_eq!(images[0]["Status"], "active");
    let id = images[0]["ID"].as_str().unwrap();
    let shown = openstack(&["image", "show", id]);
    let local = Command::new("sha512sum").arg(&s.image).output().unwrap();
    let local = String::from_utf8_lossy(&local.stdout);
    let remote = shown["os_hash_value"]
        .as_str()
        .or(shown["properties"]["os_hash_value"].as_str());
    assert_eq!(remote, local.split_whitespace().next());

    // The glance DB account logs in over TCP with its password.
    let opts = mysql::OptsBuilder::new()
        .ip_or_hostname(Some("127.0.0.1"))
        .user(Some("glance"))
        .pass(Some(s.db_password.clone()))
        .db_name(Some("glance"));
    let mut conn = mysql::Conn::new(opts).expect("glance logs in to MariaDB");
    use mysql::prelude::Queryable;
    let tables: Vec<String> = conn.query("SHOW TABLES").unwrap();
    assert!(tables.contains(&"images".to_string()), "{tables:?}");

    // oslo.config reads back exactly the values: the real parser Glance uses.
    let script = r#"
import sys
from oslo_config import cfg
conf = cfg.ConfigOpts()
conf.register_opt(cfg.StrOpt('connection'), group='database')
conf.register_opt(cfg.StrOpt('password'), group='keystone_authtoken')
conf.register_opt(cfg.StrOpt('region_name'), group='keystone_authtoken')
conf(args=[], default_config_files=[sys.argv[1]])
from urllib.parse import unquote
url = conf.database.connection
sys.stdout.write(unquote(url.split('://', 1)[1].split(':', 1)[1].rsplit('@', 1)[0]) + '\0')
sys.stdout.write(conf.keystone_authtoken.password + '\0')
sys.stdout.write(str(conf.keystone_authtoken.region_name))
"#;
    let out = Command::new("/usr/bin/python3")
        .args(["-c", script, API_CONF])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let values: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .split('\0')
        .map(str::to_string)
        .collect();
    assert_eq!(
        values[0], s.db_password,
        "DB password as SQLAlchemy decodes it"
    );
    assert_eq!(
        values[1], s.service_password,
        "Keystone password as oslo reads it"
    );
    assert_eq!(
        values[2], "None",
        "other [keystone_authtoken] options are commented out"
    );

    assert_config_changed_only_in_managed_keys();
}

/// The edited file differs from the original only in managed keys and in
/// options commented out; every comment of the original is still there.
fn assert_config_changed_only_in_managed_keys() {
    let original = std::fs::read_to_string(format!("{API_CONF}.glance-wizard.orig"))
        .expect("the original was backed up");
    let edited = std::fs::read_to_string(API_CONF).unwrap();
    let managed = [
        "connection",
        "www_authenticate_uri",
        "auth_url",
        "memcached_servers",
        "auth_type",
        "project_domain_name",
        "user_domain_name",
        "project_name",
        "username",
        "password",
        "flavor",
        "stores",
        "default_store",
        "filesystem_store_datadir",
        "bind_host",
    ];
    let key_of = |line: &str| line.split('=').next().unwrap_or("").trim().to_string();
    let diff = similar::TextDiff::from_lines(&original, &edited);
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Delete => removed.push(change.value().to_string()),
            similar::ChangeTag::Insert => added.push(change.value().to_string()),
            similar::ChangeTag::Equal => {}
        }
    }
    for line in &removed {
        let commented = format!("#{line}");
        assert!(
            managed.contains(&key_of(line).as_str()) || added.contains(&commented),
            "a line changed that the wizard does not manage: {line:?}"
        );
        assert!(!line.starts_with('#'), "a comment was removed: {line:?}");
    }
    for line in &added {
        let uncommented = line.strip_prefix('#').unwrap_or("");
        assert!(
            managed.contains(&key_of(line).as_str()) || removed.iter().any(|r| r == uncommented),
            "an unexpected line was added: {line:?}"
        );
    }
    // Owner and mode kept (Debian: root:glance 0640).
    use std::os::unix::fs::MetadataExt;
    let (a, b) = (
        std::fs::metadata(format!("{API_CONF}.glance-wizard.orig")).unwrap(),
        std::fs::metadata(API_CONF).unwrap(),
    );
    assert_eq!((a.uid(), a.gid(), a.mode()), (b.uid(), b.gid(), b.mode()));
}

/// Neither the output nor any file in the state directory (journal, logs)
/// holds a secret, in clear or in any escaped form.
fn assert_no_secret_in_state(s: &Scenario, output: &str) {
    let mut texts = vec![("output".to_string(), output.to_string())];
    for entry in walk(&s.state_dir) {
        if let Ok(text) = std::fs::read_to_string(&entry) {
            texts.push((entry.display().to_string(), text));
        }
    }
    assert!(texts.len() >= 3, "journal and a log file exist: {texts:?}");
    for secret in [&s.db_password, &s.service_password] {
        let forms = [
            secret.to_string(),
            secret.trim().to_string(),
            glance_wizard::util::escape::percent_encode_userinfo(secret),
        ];
        for (name, text) in &texts {
            for form in &forms {
                assert!(!text.contains(form.as_str()), "a secret reached {name}");
            }
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn installed(package: &str) -> bool {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout) == "install ok installed"
}

#[test]
fn e2e_fresh_install_with_packages_absent_then_idempotent_rerun() {
    let Some(_lab) = lab() else { return };
    reset_glance(true);
    assert!(!installed("glance-api"), "the reset purged glance-api");
    let s = scenario("fresh", DB_PASSWORD, SERVICE_PASSWORD);

    let started = Instant::now();
    let out = s.apply().stdin(Stdio::null()).output().unwrap();
    let first = started.elapsed();
    let log = text(&out);
    println!("{log}");
    assert_eq!(out.status.code(), Some(0), "first apply failed:\n{log}");
    assert!(
        installed("glance-api"),
        "the package task installed glance-api"
    );
    assert_installed(&s, "e2e-fresh");
    assert_no_secret_in_state(&s, &log);
    // The independent chains ran at once: the Keystone and package tasks
    // started before the database task ended.
    let at = |needle: &str| {
        log.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not in:\n{log}"))
    };
    let sql_done = at("[done] sql.database");
    for start in [
        "] identity.user: ",
        "] identity.service: ",
        "] packages.install: ",
    ] {
        assert!(at(start) < sql_done, "`{start}` started late:\n{log}");
    }

    // A second apply changes nothing: every task skipped, no command run,
    // the config file untouched.
    let mtime = std::fs::metadata(API_CONF).unwrap().modified().unwrap();
    let started = Instant::now();
    let out = s.apply().stdin(Stdio::null()).output().unwrap();
    let second = started.elapsed();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "second apply failed:\n{log}");
    assert_eq!(log.matches("[skip]").count(), 11, "{log}");
    assert!(
        !log.contains("$ "),
        "the second apply ran a command:\n{log}"
    );
    assert_eq!(
        std::fs::metadata(API_CONF).unwrap().modified().unwrap(),
        mtime
    );
    assert_installed(&s, "e2e-fresh");
    println!("first apply {first:?}, second apply {second:?}");

    // An edit by hand between runs is noticed and the user told what
    // happens to it: a managed key is set back (and Glance restarted), the
    // admin's own lines are kept.
    let configured = std::fs::read_to_string(API_CONF).unwrap();
    let edited = configured.replacen(
        "\nflavor = keystone\n",
        "\nflavor = keystone+cachemanagement\n",
        1,
    ) + "# added by hand between runs\n";
    assert_ne!(edited, configured);
    std::fs::write(API_CONF, &edited).unwrap();
    let out = s.apply().stdin(Stdio::null()).output().unwrap();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains("was edited since glance-wizard configured it"),
        "{log}"
    );
    for task in ["config.glance-api", "service.restart", "verify.image"] {
        assert!(
            log.contains(&format!("[done] {task}")),
            "{task} did not rerun:\n{log}"
        );
    }
    assert!(log.contains("[skip] sql.database"), "{log}");
    let now = std::fs::read_to_string(API_CONF).unwrap();
    assert!(
        now.contains("\nflavor = keystone\n"),
        "the managed key was set back"
    );
    assert!(
        now.ends_with("# added by hand between runs\n"),
        "the admin's line was kept"
    );

    // An edit that leaves every managed key alone: noticed, kept, and no
    // restart is due.
    std::fs::write(API_CONF, now.clone() + "# another note\n").unwrap();
    let out = s.apply().stdin(Stdio::null()).output().unwrap();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains("was edited since glance-wizard configured it"),
        "{log}"
    );
    assert!(log.contains("already has these values"), "{log}");
    assert!(log.contains("[skip] service.restart"), "{log}");
    assert_eq!(
        std::fs::read_to_string(API_CONF).unwrap(),
        now + "# another note\n"
    );
}

/// Waits until the journal says `task` is running, then SIGKILLs the wizard.
fn kill_during(s: &Scenario, task: &str) {
    let mut child = s
        .apply()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = s.state_dir.join("journal.json");
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Ok(text) = std::fs::read_to_string(&journal)
            && let Ok(j) = serde_json::from_str::<serde_json::Value>(&text)
            && j["tasks"][task]["status"] == "running"
        {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the wizard ended ({status}) before {task} started");
        }
        assert!(Instant::now() < deadline, "{task} never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&journal).unwrap()).unwrap();
    assert_eq!(
        j["tasks"][task]["status"], "running",
        "the journal tells the truth after the kill"
    );
}

#[test]
fn e2e_killed_runs_resume_without_duplicates() {
    let Some(_lab) = lab() else { return };
    reset_glance(false);
    let s = scenario("killed", "plain-db-password-1", "plain-service-password-1");
    for task in ["identity.endpoints", "verify.image"] {
        kill_during(&s, task);
    }
    let out = s.apply().stdin(Stdio::null()).output().unwrap();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "resumed apply failed:\n{log}");
    assert!(log.contains("[skip] sql.database"), "{log}");
    assert_installed(&s, "e2e-killed");

    // A changed password reruns exactly the tasks that use it, and the new
    // one works.
    let changed = scenario_with_same_state(&s, "plain-db-password-2");
    let out = changed.apply().stdin(Stdio::null()).output().unwrap();
    let log = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "apply with a new password failed:\n{log}"
    );
    // Tasks run concurrently: compare as sets.
    let mut ran: Vec<&str> = log
        .lines()
        .filter_map(|l| l.strip_prefix("[done] "))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    ran.sort_unstable();
    assert_eq!(
        ran,
        [
            "config.glance-api",
            "db.metadefs",
            "db.sync",
            "service.restart",
            "sql.database",
            "verify.image"
        ]
    );
    assert_installed(&changed, "e2e-killed");
}

/// Same answers and state directory, another DB password.
fn scenario_with_same_state(s: &Scenario, db_password: &str) -> Scenario {
    use std::os::unix::fs::PermissionsExt;
    let secrets = s.dir.join("answers.secrets.toml");
    let mut table: HashMap<String, String> =
        toml::from_str(&std::fs::read_to_string(&secrets).unwrap()).unwrap();
    table.insert("glance_db_password".into(), db_password.into());
    std::fs::write(&secrets, toml::to_string(&table).unwrap()).unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    Scenario {
        dir: s.dir.clone(),
        answers: s.answers.clone(),
        state_dir: s.state_dir.clone(),
        image: s.image.clone(),
        db_password: db_password.into(),
        service_password: s.service_password.clone(),
        apply_args: s.apply_args.clone(),
    }
}

/// What finished tasks set up is removed outside the wizard (as
/// `scripts/lab-reset-glance.sh` does: the glance database and accounts
/// dropped, Keystone's glance user, service and endpoints deleted, the
/// config files back to the packaged ones). A plain apply probes its
/// finished tasks and puts everything back; `apply --verify` has every
/// finished task recheck its work in full.
#[test]
fn e2e_verify_repairs_what_was_removed_outside_the_wizard() {
    let Some(_lab) = lab() else { return };
    reset_glance(false);
    let s = scenario("verify", DB_PASSWORD, SERVICE_PASSWORD);
    let out = s.apply().stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "first apply:\n{}", text(&out));

    reset_glance(false);
    let out = s.apply().stdin(Stdio::null()).output().unwrap();
    let log = text(&out);
    println!("{log}");
    assert_eq!(out.status.code(), Some(0), "a plain apply:\n{log}");
    // The reset keeps the packages: every other task's work was gone.
    assert!(log.contains("[skip] packages.install"), "{log}");
    assert_eq!(log.matches("[skip]").count(), 1, "{log}");
    assert_installed(&s, "e2e-verify");

    let out = s
        .apply()
        .arg("--verify")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let log = text(&out);
    println!("{log}");
    assert_eq!(out.status.code(), Some(0), "apply --verify:\n{log}");
    for task in ["sql.database", "identity.user", "identity.service"] {
        assert!(
            log.contains(&format!("{task} | checking it again: --verify")),
            "{task} was not rechecked:\n{log}"
        );
    }
    assert_installed(&s, "e2e-verify");
    assert_no_secret_in_state(&s, &log);
}

/// Runs the root `mysql` client over the socket (as an admin would).
fn mysql_root(sql: &str) {
    let out = Command::new("mysql")
        .args(["-u", "root", "-e", sql])
        .output()
        .unwrap();
    assert!(out.status.success(), "mysql: {sql}\n{}", text(&out));
}

/// The openstack CLI for a command with no output (bash sources the openrc).
fn openstack_plain(args: &[&str]) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(". {OPENRC}; exec openstack \"$@\""))
        .arg("openstack")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "openstack {args:?}:\n{}", text(&out));
}

/// Runs `n` plain applies with nothing to do: every one exits 0 and skips
/// all eleven tasks, each on a probe made in that run. The durations,
/// sorted, are printed for the record only: the under-1-s target is
/// measured by `scripts/bench-noop.sh` (release build, hyperfine), never
/// asserted by a timed test.
fn no_op_runs(s: &Scenario, n: usize) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let started = Instant::now();
            let out = s.apply().stdin(Stdio::null()).output().unwrap();
            let took = started.elapsed();
            let log = text(&out);
            assert_eq!(out.status.code(), Some(0), "a no-op apply:\n{log}");
            assert_eq!(log.matches("[skip]").count(), 11, "{log}");
            assert!(log.contains("checked now: image "), "{log}");
            took
        })
        .collect();
    times.sort();
    times
}

/// The journal says done, but the glance DB account got another password
/// and the internal endpoint was deleted behind the wizard's back: glance
/// answers 500. A plain `apply` (no `--verify`) must not print that Glance
/// works on the journal's word: its probes find both, it repairs them and
/// ends with a check made in this run. With nothing changed, a run skips
/// every task on its probes (their cost: scripts/bench-noop.sh).
#[test]
fn e2e_plain_apply_repairs_what_changed_behind_its_back() {
    let Some(_lab) = lab() else { return };
    reset_glance(false);
    let s = scenario("stale", "plain-db-password-1", "plain-service-password-1");
    let out = s.apply().stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "first apply:\n{}", text(&out));
    let times = no_op_runs(&s, 5);
    println!("no-op apply, 5 runs (sorted, debug build): {times:?}");

    mysql_root(
        "ALTER USER 'glance'@'localhost' IDENTIFIED BY 'changed-behind-its-back'; \
         ALTER USER 'glance'@'%' IDENTIFIED BY 'changed-behind-its-back'; FLUSH PRIVILEGES",
    );
    let internal = openstack(&[
        "endpoint",
        "list",
        "--service",
        "image",
        "--interface",
        "internal",
    ]);
    let id = internal[0]["ID"].as_str().expect("an internal endpoint");
    openstack_plain(&["endpoint", "delete", id]);
    assert!(
        probe::db_login(&s.db_password).is_err(),
        "the password changed"
    );

    let started = Instant::now();
    let out = s.apply().stdin(Stdio::null()).output().unwrap();
    let log = text(&out);
    println!("{log}");
    println!("repairing apply: {:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(0), "a plain apply:\n{log}");
    for task in ["sql.database", "identity.endpoints", "verify.image"] {
        assert!(log.contains(&format!("[done] {task}")), "{task}:\n{log}");
    }
    assert!(log.contains("internal image endpoint is missing"), "{log}");
    assert!(log.contains("glance cannot log in to"), "{log}");
    assert_installed(&s, "e2e-stale");

    let times = no_op_runs(&s, 5);
    println!("no-op apply after the repair, 5 runs (sorted, debug build): {times:?}");
}
