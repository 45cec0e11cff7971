//! End-to-end: `glance-wizard undo` on the real lab. After a full apply on
//! a reset lab where the glance Keystone user, the image service and its
//! admin endpoint were made by hand first (so the wizard finds them), undo
//! takes back the database, its accounts, the public and internal endpoints,
//! the role assignment and the test image, puts glance-api.conf back byte
//! for byte from its backup, stops the glance-api it started (leaving its
//! boot links as the package made them), and leaves exactly what was made
//! by hand; a kill in the middle of undo is finished by the next undo, a
//! third one has nothing to do, and apply then installs again. Every check
//! reads the lab directly (Keystone's and Glance's APIs, MariaDB as root,
//! the files), never the wizard's output.

use crate::common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::probe::{self, API_CONF};
use common::*;
use glance_wizard::engine::pause;

const DB_PASSWORD: &str = " Undo'db$p@ss/%#\"x ";
const SERVICE_PASSWORD: &str = "Undo svc $HOME 'q' ñ ";
const IMAGE: &str = "e2e-undo";
/// What glance-common's postinst copies to /etc/glance (and the lab's
/// reset puts back).
const PACKAGED_CONF: &str = "/usr/share/glance-common/glance-api.conf";

fn lab_count(sql: &str) -> u64 {
    probe::root_count(sql)
}

fn glance_databases() -> u64 {
    lab_count("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'glance'")
}

fn glance_accounts() -> u64 {
    lab_count("SELECT COUNT(*) FROM mysql.user WHERE User = 'glance'")
}

fn undo(s: &Scenario) -> Command {
    let mut cmd = wizard();
    cmd.arg("undo")
        .arg("--answers")
        .arg(&s.answers)
        .arg("--state-dir")
        .arg(&s.state_dir)
        .env_remove("OS_PASSWORD")
        .stdin(Stdio::null());
    cmd
}

/// The glance user, made by hand (as the install guide has it) before the
/// wizard runs: its id.
fn hand_made_user() -> String {
    let made = openstack(&["user", "create", "--domain", "default", "glance"]);
    made["id"].as_str().unwrap().to_string()
}

/// The image service and its admin endpoint, made by hand before the
/// wizard runs: their ids. (The admin one: undo takes the endpoints back
/// in the order public, internal, admin, and the kill below comes after
/// the first of them, which must be one to delete.)
fn hand_made_admin_endpoint() -> (String, String) {
    let service = openstack(&["service", "create", "--name", "glance", "image"]);
    let endpoint = openstack(&[
        "endpoint",
        "create",
        "--region",
        "RegionOne",
        "image",
        "admin",
        "http://controller:9292",
    ]);
    let id = |v: &serde_json::Value| v["id"].as_str().unwrap().to_string();
    (id(&service), id(&endpoint))
}

/// Runs undo until it pauses after the first of the endpoints' deletions,
/// and kills it there.
fn kill_undo_mid_endpoints(s: &Scenario) -> String {
    let point = "undo-during:identity.endpoints";
    let out = s.dir.join("undo-killed.out");
    let mut child = undo(s)
        .arg("--yes")
        .env(pause::PAUSE_ENV, point)
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) if line == pause::announcement(point) => break,
            Ok(_) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(e) => panic!(
                "undo ended before {point} ({e}):\n{}",
                std::fs::read_to_string(&out).unwrap_or_default()
            ),
        }
        assert!(Instant::now() < deadline, "{point} not reached");
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    std::fs::read_to_string(&out).unwrap()
}

fn no_secret_in(s: &Scenario, output: &str) {
    for secret in [DB_PASSWORD, SERVICE_PASSWORD] {
        for form in common::leak::forms(secret) {
            assert!(!output.contains(&form), "a secret was shown:\n{output}");
        }
    }
    let logs = walk(&s.state_dir.join("logs"));
    for log in logs {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        for form in common::leak::forms(DB_PASSWORD) {
            assert!(!text.contains(&form), "a secret in {}", log.display());
        }
    }
}

/// glance-api's links in /etc/rc0.d to rc6.d: its SysV boot state.
fn rc_links() -> Vec<String> {
    let mut links = Vec::new();
    for level in 0..=6 {
        let dir = format!("/etc/rc{level}.d");
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.ends_with("glance-api") {
                links.push(format!("{dir}/{name}"));
            }
        }
    }
    links.sort();
    links
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    common::leak::walk(dir)
}

#[test]
fn e2e_undo_takes_back_what_apply_created_and_resumes_after_a_kill() {
    let Some(_lab) = lab() else { return };
    let started = Instant::now();
    reset_glance(false);
    let user_id = hand_made_user();
    let (service_id, endpoint_id) = hand_made_admin_endpoint();
    let s = scenario("undo", DB_PASSWORD, SERVICE_PASSWORD);
    // The package as installed: stopped, enabled at boot (an earlier run
    // may have left it disabled; the reset does not touch the links).
    for step in [&["defaults"][..], &["enable"][..]] {
        let out = run(Command::new("update-rc.d").arg("glance-api").args(step));
        assert!(out.status.success(), "{}", text(&out));
    }
    let boot_before = rc_links();
    assert!(
        boot_before.iter().any(|l| l.starts_with("/etc/rc2.d/S")),
        "{boot_before:?}"
    );

    let out = s.apply().stdin(Stdio::null()).output().unwrap();
    let applied = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "apply:\n{}", text(&out));
    let token = probe::admin_token();
    let image = probe::images_named(&token, IMAGE);
    assert_eq!(image.len(), 1, "{image:?}");
    let image_file = format!(
        "/var/lib/glance/images/{}",
        image[0]["id"].as_str().unwrap()
    );
    assert!(std::path::Path::new(&image_file).exists(), "{image_file}");
    let backup = format!("{API_CONF}.glance-wizard.orig");
    let original = std::fs::read(&backup).expect("apply backed up glance-api.conf");

    // Without a terminal and without --yes nothing happens.
    let refused = undo(&s).output().unwrap();
    assert_eq!(refused.status.code(), Some(130), "{}", text(&refused));
    assert!(text(&refused).contains("pass --yes"), "{}", text(&refused));
    assert_eq!(glance_databases(), 1);

    let killed = kill_undo_mid_endpoints(&s);
    let recorded = journal(&s.state_dir).unwrap();
    for undone in ["verify.image", "service.restart", "config.glance-api"] {
        assert_eq!(task_status(&recorded, undone), None, "{undone}:\n{killed}");
    }
    assert_eq!(
        task_status(&recorded, "identity.endpoints").as_deref(),
        Some("done")
    );
    assert_eq!(probe::image_endpoints(&token).len(), 2, "{killed}");
    assert_eq!(std::fs::read(API_CONF).unwrap(), original);
    assert!(!probe::glance_answers(), "glance-api was stopped");

    let out = undo(&s).arg("--yes").output().unwrap();
    let resumed = text(&out);
    assert_eq!(out.status.code(), Some(0), "{resumed}");
    assert!(resumed.contains("was gone already"), "{resumed}");
    assert!(
        resumed.contains(&format!("stays: user glance ({user_id})")),
        "{resumed}"
    );
    for kept in [&service_id, &endpoint_id] {
        assert!(
            resumed.contains(&format!("{kept}: it existed before")),
            "{resumed}"
        );
    }
    println!("undo, killed:\n{killed}\nundo, resumed:\n{resumed}");
    no_secret_in(&s, &(killed.clone() + &resumed));

    // What the wizard created is gone; the user made by hand stays.
    assert_eq!(glance_databases(), 0, "{resumed}");
    assert_eq!(glance_accounts(), 0, "{resumed}");
    // What was made by hand stays: the service and its admin endpoint.
    let services = probe::image_services(&token);
    assert_eq!(services.len(), 1, "{resumed}");
    assert_eq!(services[0]["id"], service_id.as_str());
    let endpoints = probe::image_endpoints(&token);
    assert_eq!(endpoints.len(), 1, "{resumed}");
    assert_eq!(endpoints[0]["id"], endpoint_id.as_str());
    let users = probe::users_named(&token, "glance");
    assert_eq!(users.len(), 1, "{users:?}");
    assert_eq!(users[0]["id"], user_id.as_str());
    assert!(probe::project_roles(&token, &user_id, "service").is_empty());
    assert!(!std::path::Path::new(&image_file).exists(), "{image_file}");
    assert_eq!(std::fs::read(API_CONF).unwrap(), original);
    assert!(
        !std::path::Path::new(&backup).exists(),
        "the backup is removed"
    );
    // The reset left the packaged file; undo leaves it again, and no
    // backup or temporary file of the wizard's in /etc/glance.
    assert_eq!(
        std::fs::read(API_CONF).unwrap(),
        std::fs::read(PACKAGED_CONF).unwrap(),
        "glance-api.conf is the packaged one again"
    );
    let leftovers: Vec<_> = walk(std::path::Path::new("/etc/glance"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".glance-wizard."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(!probe::glance_answers());
    assert_eq!(rc_links(), boot_before, "the boot links are as before");
    assert!(
        journal(&s.state_dir).unwrap()["tasks"]
            .as_object()
            .unwrap()
            .is_empty()
    );

    let out = undo(&s).arg("--yes").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Nothing to undo"), "{}", text(&out));
    let undone = started.elapsed();

    let out = s.apply().stdin(Stdio::null()).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "apply after undo:\n{}",
        text(&out)
    );
    assert_eq!(probe::images_named(&probe::admin_token(), IMAGE).len(), 1);
    println!(
        "apply {applied:?}, undo (killed, resumed, again) {:?}, apply again {:?}, in all {:?}",
        undone - applied,
        started.elapsed() - undone,
        started.elapsed()
    );
}
