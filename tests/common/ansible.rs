//! Ansible for the export's tests: the venv scripts/ansible-venv.sh makes
//! (PyPI, cached under /var/cache/glance-wizard-lab/), and the export
//! written by the wizard's own command.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{repo, run, text, wizard};

/// The venv's bin directory, made by scripts/ansible-venv.sh when it is
/// not cached yet (a few minutes, downloads from PyPI).
pub fn venv_bin() -> PathBuf {
    let out = run(Command::new("bash").arg(repo().join("scripts/ansible-venv.sh")));
    assert!(
        out.status.success(),
        "scripts/ansible-venv.sh failed:\n{}",
        text(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    PathBuf::from(
        stdout
            .lines()
            .last()
            .expect("the venv's bin directory")
            .trim(),
    )
}

/// `glance-wizard export ansible` into `out`.
pub fn export(answers: &Path, inventory: &Path, out: &Path, release: (&str, &str)) {
    let result = run(wizard()
        .args(["export", "ansible", "--answers"])
        .arg(answers)
        .arg("--inventory")
        .arg(inventory)
        .arg("-o")
        .arg(out)
        .args(["--distro", release.0, "--release", release.1])
        .env_remove("OS_PASSWORD"));
    assert!(result.status.success(), "export failed:\n{}", text(&result));
}

/// A command of the venv (ansible-playbook, ansible-lint) run in `dir`,
/// with no proxy for the lab's names.
pub fn tool(bin: &Path, name: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(bin.join(name));
    let path = format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", bin.display());
    cmd.current_dir(dir)
        .env("PATH", path)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_FORCE_COLOR", "0")
        .env("no_proxy", "controller,localhost,127.0.0.1")
        .env("NO_PROXY", "controller,localhost,127.0.0.1");
    cmd
}

/// `changed=N` of each host in a playbook's recap.
pub fn recap_changed(output: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    let mut in_recap = false;
    for line in output.lines() {
        if line.starts_with("PLAY RECAP") {
            in_recap = true;
            continue;
        }
        if !in_recap {
            continue;
        }
        let Some((host, counts)) = line.split_once(" : ") else {
            continue;
        };
        let changed = counts
            .split_whitespace()
            .find_map(|c| c.strip_prefix("changed="))
            .and_then(|n| n.parse().ok())
            .expect("changed= in the recap");
        out.push((host.trim().to_string(), changed));
    }
    out
}
