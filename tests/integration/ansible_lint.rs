//! `ansible-lint` (production profile) is clean on the export, for each
//! package module and init system the profiles use, with a database
//! administrator over TCP and a proxy that has a password (the branches that
//! add secrets). Ansible and ansible-lint come from scripts/ansible-venv.sh.
//! Runs where the test environment is promised (GW_LAB=1, scripts/test.sh);
//! elsewhere it says it skipped.

use crate::common;

use std::path::Path;
use std::process::Child;

use glance_wizard::answers::{Answers, SecretName, Secrets};
use glance_wizard::export::{ExportInput, Inventory, export, write_export};
use glance_wizard::host::target::{InitSystem, profile_for};
use glance_wizard::util::secret::Secret;

const ANSWERS: &str = r#"
[database]
host = "db.example.net"
admin_access = "tcp"
admin_user = "root"

[endpoints]
vip = "glance.example.net"

[keystone]
os_auth_url = "http://controller:5000/v3"

[proxy]
http_proxy = "http://gw@proxy.example.net:3128"
"#;

const INVENTORY: &str = r#"
shared_store = true
[[controller]]
name = "ctl1"
address = "192.0.2.11"
[[controller]]
name = "ctl2"
address = "192.0.2.12"
connection = "chroot"
host = "/srv/ctl2"
"#;

fn write_case(dir: &Path, distro: &str, release: &str, init: InitSystem) {
    let profile = profile_for(distro, release, init).unwrap();
    let answers = Answers::from_toml(ANSWERS).unwrap();
    let mut secrets = Secrets::default();
    secrets.set(SecretName::GlanceDbPassword, Secret::new("db-pass-1"));
    secrets.set(
        SecretName::GlanceServicePassword,
        Secret::new("svc {{ x }}"),
    );
    secrets.set(SecretName::OsPassword, Secret::new("admin-pass"));
    secrets.set(SecretName::DbAdminPassword, Secret::new("root-pass"));
    secrets.set(SecretName::ProxyPassword, Secret::new("proxy-pass"));
    let admin = answers.manual_admin_credentials(&secrets).unwrap();
    let settings = answers.resolve(&profile, &secrets, admin).unwrap();
    let inventory = Inventory::from_toml(INVENTORY).unwrap();
    let project = export(&ExportInput {
        settings: &settings,
        profile: &profile,
        inventory: &inventory,
        memcached_on_controllers: true,
    })
    .unwrap();
    write_export(dir, &project).unwrap();
}

#[test]
fn ansible_lint_passes_on_the_export() {
    if std::env::var("GW_LAB").as_deref() != Ok("1") {
        eprintln!("SKIPPED: GW_LAB=1 not set (scripts/test.sh sets it and provides the venv)");
        return;
    }
    let bin = common::ansible::venv_bin();
    let root = common::scratch("ansible-lint");
    let cases = [
        ("debian", "zed", InitSystem::SysV),
        ("rdo", "2025.1", InitSystem::Systemd),
        ("rdo", "pike", InitSystem::Systemd),
        ("ubuntu", "2026.2", InitSystem::Systemd),
    ];
    // All at once: each lint takes some seconds of Python start-up.
    let running: Vec<(String, Child)> = cases
        .iter()
        .map(|(distro, release, init)| {
            let dir = root.join(format!("{distro}-{release}"));
            write_case(&dir, distro, release, *init);
            let child = common::ansible::tool(&bin, "ansible-lint", &dir)
                .args([
                    "--offline",
                    "--nocolor",
                    "-f",
                    "pep8",
                    "--profile",
                    "production",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("ansible-lint starts");
            (format!("{distro}-{release}"), child)
        })
        .collect();
    let mut failures = Vec::new();
    for (case, child) in running {
        let out = child.wait_with_output().unwrap();
        if !out.status.success() {
            failures.push(format!("{case}:\n{}", common::text(&out)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
