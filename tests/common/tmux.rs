//! The interactive wizard in a real terminal: a tmux session driven with
//! send-keys and read with capture-pane, and what was on screen and in
//! argv meanwhile, to be searched for secrets.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::leak::{ArgvSampler, ScreenSampler, Secrets, secrets_files_values};
use super::text;

/// A tmux session on its own server socket, 80x24, killed on drop.
pub struct Tmux {
    name: String,
    dir: PathBuf,
}

pub const SOCKET: &str = "glance-wizard-e2e";

pub fn tmux(args: &[&str]) -> std::process::Output {
    Command::new("tmux")
        .arg("-L")
        .arg(SOCKET)
        .args(args)
        .output()
        .expect("tmux runs")
}

impl Tmux {
    /// Starts `glance-wizard ARGS` in `dir`; its pid goes to `dir/pid` and
    /// its exit status is printed when it ends.
    pub fn start(name: &str, dir: &Path, args: &[&str]) -> Tmux {
        // A session left by an earlier run, if any: none is the usual case.
        let _ = tmux(&["kill-session", "-t", name]);
        let wizard = env!("CARGO_BIN_EXE_glance-wizard");
        std::fs::write(
            dir.join("run.sh"),
            format!("echo $$ > pid\nexec {wizard} \"$@\"\n"),
        )
        .unwrap();
        let command = format!(
            "sh run.sh {}",
            args.iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        // The shell execs the wizard (pid file = the wizard's pid); the
        // pane stays after it exits so its last words can be read.
        let out = tmux(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "80",
            "-y",
            "24",
            "-c",
            dir.to_str().unwrap(),
            "-e",
            "LANG=C.UTF-8",
            "-e",
            "LC_ALL=",
            &command,
        ]);
        assert!(out.status.success(), "tmux: {}", text(&out));
        tmux(&["set-option", "-t", name, "remain-on-exit", "on"]);
        Tmux {
            name: name.to_string(),
            dir: dir.to_path_buf(),
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            tmux(&["send-keys", "-t", &self.name, k]);
            // Escape sequences sent back to back could merge into one.
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    pub fn type_text(&self, text: &str) {
        tmux(&["send-keys", "-t", &self.name, "-l", text]);
        std::thread::sleep(Duration::from_millis(60));
    }

    /// Samples this pane's screen and every process's argv in the
    /// background, to be checked for secrets by [`Watch::finish`].
    pub fn watch(&self) -> Watch {
        let name = self.name.clone();
        let capture = move || {
            String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &name]).stdout).into_owned()
        };
        let secrets = Secrets::default();
        secrets.add("admin password", &super::probe::admin().password);
        Watch {
            screens: ScreenSampler::start(capture, Duration::from_millis(100)),
            argv: ArgvSampler::start(secrets.clone(), Duration::from_millis(5)),
            secrets,
        }
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &self.name]).stdout)
            .into_owned()
    }

    pub fn exited(&self) -> bool {
        let out = tmux(&["display-message", "-p", "-t", &self.name, "#{pane_dead}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// The exit status, or the signal that ended it (`signal N`). tmux
    /// marks the pane dead when its terminal closes, and knows the status
    /// only once it has reaped the process: wait for that.
    pub fn exit_status(&self) -> String {
        let started = Instant::now();
        let mut nudged = false;
        loop {
            let out = tmux(&[
                "display-message",
                "-p",
                "-t",
                &self.name,
                "#{pane_dead_status}|#{pane_dead_signal}",
            ]);
            let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let (status, signal) = said.split_once('|').unwrap_or((&said, ""));
            if !status.is_empty() {
                return status.to_string();
            }
            if !signal.is_empty() {
                return format!("signal {signal}");
            }
            // Debian's tmux is built with libutempter, whose own SIGCHLD
            // handler can swallow the signal for a pane's process
            // (tmux/tmux#311, #4559): the wizard is then an unreaped
            // zombie and tmux never learns its status. Nudge the server once.
            if !nudged && started.elapsed() > Duration::from_millis(300) {
                let server = tmux(&["display-message", "-p", "#{pid}"]);
                let server = String::from_utf8_lossy(&server.stdout).trim().to_string();
                // A nudge only: the wait below reports if it did not help.
                let _ = Command::new("kill").args(["-CHLD", &server]).output();
                nudged = true;
            }
            if started.elapsed() > Duration::from_secs(10) {
                let pid = std::fs::read_to_string(self.dir.join("pid")).unwrap_or_default();
                let status = std::fs::read_to_string(format!("/proc/{}/status", pid.trim()))
                    .unwrap_or_else(|e| format!("(gone: {e})"));
                let state: Vec<&str> = status
                    .lines()
                    .filter(|l| l.starts_with("State") || l.starts_with("PPid"))
                    .collect();
                eprintln!("no exit status from tmux; the wizard: {state:?}");
                return String::new();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen shows `needle`; returns the screen.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            if started.elapsed() > timeout || self.exited() {
                panic!(
                    "`{needle}` not on screen after {:?} (wizard exited: {}):\n{screen}",
                    started.elapsed(),
                    self.exited()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_exit(&self, timeout: Duration) -> String {
        let started = Instant::now();
        while !self.exited() {
            assert!(
                started.elapsed() < timeout,
                "the wizard did not exit:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        self.exit_status()
    }
}

/// Screens and argv sampled while a wizard runs in tmux.
pub struct Watch {
    screens: ScreenSampler,
    argv: ArgvSampler,
    secrets: Secrets,
}

impl Watch {
    /// Adds `known` and every password in the secrets files under `dir`
    /// (typed or generated), then asserts none was ever on screen, in
    /// clear or escaped, nor in any process's argv.
    pub fn finish(self, dir: &Path, known: &[&str]) {
        for k in known {
            self.secrets.add("typed password", k);
        }
        for (key, value) in secrets_files_values(dir) {
            self.secrets.add(&key, &value);
        }
        assert!(self.secrets.len() >= 3, "the passwords are known");
        let argv = self.argv.finish();
        let (captures, distinct, hits) = self.screens.finish(&self.secrets);
        assert!(hits.is_empty(), "a secret on screen: {hits:#?}");
        assert!(argv.hits.is_empty(), "a secret in argv: {:#?}", argv.hits);
        eprintln!(
            "no secret on screen ({captures} captures, {distinct} distinct screens) nor in argv ({} sweeps, {} distinct processes); {} secrets searched",
            argv.sweeps,
            argv.processes,
            self.secrets.len()
        );
    }
}

impl Drop for Tmux {
    /// Best effort: the session may have ended with the wizard.
    fn drop(&mut self) {
        let _ = tmux(&["kill-session", "-t", &self.name]);
    }
}
