//! Helpers for the end-to-end tests: the lab from scripts/lab-setup.sh,
//! the wizard binary, and independent probes (the openstack CLI sourced from
//! the admin-openrc by bash, the mysql crate, python's oslo.config).
#![allow(dead_code)]

pub mod ansible;
pub mod fixtures;
pub mod lab_lock;
pub mod leak;
pub mod probe;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

/// End-to-end tests share one machine: one at a time, whatever the runner
/// (threads of one test binary, or several test processes: the file lock).
static LAB: Mutex<()> = Mutex::new(());

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
    Some(LabGuard {
        _thread: thread,
        _file: lab_lock::take(),
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

/// The wizard in English whatever this machine's locale (the tests read
/// its English lines); a test of another language sets LANG after.
pub fn wizard() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glance-wizard"));
    cmd.env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    cmd
}

/// The wizard under `locale` (LANG; LC_ALL and LC_MESSAGES unset), with no
/// OS_PASSWORD from the environment: the tests of what each language says.
pub fn wizard_in(locale: &str) -> Command {
    let mut cmd = wizard();
    cmd.env("LANG", locale).env_remove("OS_PASSWORD");
    cmd
}

/// A run's exit code and standard output; it must have said nothing on
/// standard error.
pub fn stdout_alone(out: Output) -> (Option<i32>, String) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

/// A scratch directory for one scenario, emptied first so reruns start clean.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(format!("/tmp/glance-wizard-e2e/{name}"));
    if let Err(e) = std::fs::remove_dir_all(&dir)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        panic!("cannot empty {}: {e}", dir.display());
    }
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
    /// Extra arguments to every `apply` (e.g. `--jobs 1`).
    pub apply_args: Vec<String>,
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
        apply_args: Vec::new(),
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
            .args(&self.apply_args)
            .env_remove("OS_PASSWORD");
        cmd
    }
}

impl Scenario {
    /// `glance-wizard check` with these answers.
    pub fn check_command(&self) -> Command {
        let mut cmd = wizard();
        cmd.arg("check")
            .arg("--answers")
            .arg(&self.answers)
            .env_remove("OS_PASSWORD");
        cmd
    }

    /// New passwords in the same secrets file (same answers, same state).
    pub fn set_passwords(&mut self, db_password: &str, service_password: &str) {
        use std::os::unix::fs::PermissionsExt;
        let secrets = self.dir.join("answers.secrets.toml");
        let mut table = toml::Table::new();
        table.insert("glance_db_password".into(), db_password.into());
        table.insert("glance_service_password".into(), service_password.into());
        std::fs::write(&secrets, toml::to_string(&table).unwrap()).unwrap();
        std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
        self.db_password = db_password.into();
        self.service_password = service_password.into();
    }

    /// Replaces the test image with another valid qcow2 (another virtual
    /// size, so another sha512): the next verification must upload it.
    pub fn new_image_content(&self, megabytes: u32) {
        let out = run(Command::new("qemu-img")
            .args(["create", "-q", "-f", "qcow2"])
            .arg(&self.image)
            .arg(format!("{megabytes}M")));
        assert!(out.status.success(), "{}", text(&out));
    }

    /// Starts `apply` with stdout and stderr going to files
    /// (`run-N.out`, `run-N.err` in the scenario directory).
    pub fn spawn(&self, n: usize, env: &[(&str, &str)]) -> RunHandle {
        let out = self.dir.join(format!("run-{n}.out"));
        let err = self.dir.join(format!("run-{n}.err"));
        let mut cmd = self.apply();
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        RunHandle {
            child: cmd.spawn().expect("spawn glance-wizard"),
            out,
            err,
        }
    }

    /// Runs `apply` to the end: (exit code, stdout + stderr).
    pub fn apply_logged(&self, n: usize) -> (Option<i32>, String) {
        let mut handle = self.spawn(n, &[]);
        let status = handle.child.wait().unwrap();
        (status.code(), handle.output())
    }
}

/// A running `glance-wizard apply`.
pub struct RunHandle {
    pub child: std::process::Child,
    pub out: PathBuf,
    pub err: PathBuf,
}

impl RunHandle {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// stdout then stderr, as written so far.
    pub fn output(&self) -> String {
        format!(
            "{}{}",
            std::fs::read_to_string(&self.out).unwrap_or_default(),
            std::fs::read_to_string(&self.err).unwrap_or_default()
        )
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }
}

/// The journal as JSON, if there is one.
pub fn journal(state_dir: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(state_dir.join("journal.json")).ok()?;
    Some(serde_json::from_str(&text).expect("the journal is valid JSON"))
}

/// The status of a task in the journal ("running", "done", "failed"), if any.
pub fn task_status(journal: &serde_json::Value, task: &str) -> Option<String> {
    journal["tasks"][task]["status"]
        .as_str()
        .map(str::to_string)
}

/// Direct children of `pid`: (pid, argv joined by spaces).
pub fn children_of(pid: u32) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces and parentheses.
        let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r) else {
            continue;
        };
        let ppid: u32 = rest
            .split(' ')
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        if ppid == pid {
            let argv = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            out.push((child, String::from_utf8_lossy(&argv).replace('\0', " ")));
        }
    }
    out
}

pub fn alive(pid: u32) -> bool {
    // A zombie has exited: count it as gone.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, r)| !r.starts_with('Z')))
        .unwrap_or(false)
}
