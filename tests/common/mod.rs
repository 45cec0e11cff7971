//! Helpers for the end-to-end tests: the lab from scripts/lab-setup.sh,
//! the wizard binary, and independent probes (the openstack CLI sourced from
//! the admin-openrc by bash, the mysql crate, python's oslo.config).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

/// End-to-end tests share one machine: one at a time, whatever the runner
/// (threads of one test binary, or several test processes: the file lock).
static LAB: Mutex<()> = Mutex::new(());
const LAB_LOCK_FILE: &str = "/run/glance-wizard-lab.lock";

/// Holding this means the lab is ours until it is dropped.
pub struct LabGuard {
    _thread: MutexGuard<'static, ()>,
    _file: std::fs::File,
}

pub const OPENRC: &str = "/root/admin-openrc";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Locks the lab, or returns None (with a note) when no lab is up and none
/// was promised. With GW_LAB=1 (set by scripts/test.sh) a missing lab fails.
pub fn lab() -> Option<LabGuard> {
    let promised = std::env::var("GW_LAB").as_deref() == Ok("1");
    let present = Path::new(OPENRC).exists();
    if !present {
        assert!(
            !promised,
            "GW_LAB=1 but {OPENRC} is missing: scripts/lab-setup.sh did not run"
        );
        eprintln!("SKIPPED: no lab (run scripts/lab-setup.sh, or scripts/test.sh)");
        return None;
    }
    let thread = LAB.lock().unwrap_or_else(|e| e.into_inner());
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(LAB_LOCK_FILE)
        .expect("lab lock file");
    file.lock().expect("lab lock");
    Some(LabGuard {
        _thread: thread,
        _file: file,
    })
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("spawn")
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// scripts/lab-reset-glance.sh
pub fn reset_glance(purge_packages: bool) {
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("scripts/lab-reset-glance.sh"));
    if purge_packages {
        cmd.arg("--purge-packages");
    }
    let out = run(&mut cmd);
    assert!(out.status.success(), "lab reset failed:\n{}", text(&out));
}

/// The openstack CLI as an admin would run it: bash sources the openrc.
pub fn openstack(args: &[&str]) -> serde_json::Value {
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(format!(". {OPENRC}; exec openstack \"$@\" -f json"))
        .arg("openstack")
        .args(args);
    let out = run(&mut cmd);
    assert!(out.status.success(), "openstack {args:?}:\n{}", text(&out));
    serde_json::from_slice(&out.stdout).expect("json")
}

pub fn wizard() -> Command {
    Command::new(env!("CARGO_BIN_EXE_glance-wizard"))
}

/// A scratch directory for one scenario, emptied first so reruns start clean.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(format!("/tmp/glance-wizard-e2e/{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small valid qcow2 image with some data, so its hash is its own.
pub fn make_test_image(dir: &Path) -> PathBuf {
    let path = dir.join("test-image.qcow2");
    let out = run(Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&path)
        .arg("64M"));
    assert!(out.status.success(), "{}", text(&out));
    path
}

pub struct Scenario {
    pub dir: PathBuf,
    pub answers: PathBuf,
    pub state_dir: PathBuf,
    pub image: PathBuf,
    pub db_password: String,
    pub service_password: String,
}

/// Writes answers and a 0600 secrets file for the lab.
pub fn scenario(name: &str, db_password: &str, service_password: &str) -> Scenario {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch(name);
    let image = make_test_image(&dir);
    let answers = dir.join("answers.toml");
    std::fs::write(
        &answers,
        format!(
            r#"[controller]
bind_host = "127.0.0.1"

[keystone]
admin_openrc = "{OPENRC}"

[test_image]
source = "{}"
name = "e2e-{name}"
"#,
            image.display()
        ),
    )
    .unwrap();
    let secrets = dir.join("answers.secrets.toml");
    let mut table = toml::Table::new();
    table.insert("glance_db_password".into(), db_password.into());
    table.insert("glance_service_password".into(), service_password.into());
    std::fs::write(&secrets, toml::to_string(&table).unwrap()).unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    Scenario {
        state_dir: dir.join("state"),
        dir,
        answers,
        image,
        db_password: db_password.into(),
        service_password: service_password.into(),
    }
}

impl Scenario {
    pub fn apply(&self) -> Command {
        let mut cmd = wizard();
        cmd.arg("apply")
            .arg("--answers")
            .arg(&self.answers)
            .arg("--state-dir")
            .arg(&self.state_dir)
            .env_remove("OS_PASSWORD");
        cmd
    }
}
