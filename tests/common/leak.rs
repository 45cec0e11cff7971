//! Looking for secrets where they must never be: every form a secret takes
//! once escaped (SQL, URL, oslo.config, JSON, shell), searched in files,
//! captured output and, while the wizard runs, the argv of every process on
//! the machine (/proc/*/cmdline sampled by a background thread).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every form `secret` may take on its way to a file, a URL or a statement.
/// Computed independently of the wizard's escaping, plus the wizard's own
/// (a form it produces must not leak either).
pub fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string(), secret.trim().to_string()];
    // SQL string bodies: quotes doubled or backslashed, backslashes doubled.
    out.push(secret.replace('\'', "''"));
    out.push(secret.replace('\\', "\\\\").replace('\'', "''"));
    out.push(secret.replace('\\', "\\\\").replace('\'', "\\'"));
    // Percent-encoding: everything but unreserved, and the wizard's set.
    let full: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    out.push(full.clone());
    out.push(full.to_lowercase());
    let wizard_url = glance_wizard::util::escape::percent_encode_userinfo(secret);
    // oslo.config: `$` doubled (alone or inside the URL), the wizard's quoting.
    out.push(secret.replace('$', "$$"));
    out.push(wizard_url.replace('$', "$$"));
    out.extend(glance_wizard::ini::oslo_quote(secret).ok());
    out.push(wizard_url);
    // JSON string (the journal is JSON) and shell quoting.
    let json = serde_json::to_string(secret).unwrap();
    out.push(json[1..json.len() - 1].to_string());
    out.push(secret.replace('\'', "'\\''"));
    let mut seen = HashSet::new();
    out.retain(|f| f.chars().count() >= 6 && seen.insert(f.clone()));
    out
}

/// A secret's label and its forms.
type Labelled = (String, Vec<String>);

/// The secrets searched for, each with a label for messages.
#[derive(Clone, Default)]
pub struct Secrets {
    inner: Arc<Mutex<Vec<Labelled>>>,
}

impl Secrets {
    pub fn add(&self, label: &str, secret: &str) {
        let mut inner = self.inner.lock().unwrap();
        if !inner.iter().any(|(_, f)| f[0] == secret) {
            inner.push((label.to_string(), forms(secret)));
        }
    }

    pub fn len(&self) -> usize {
        self.inner.lock().unwrap().len()
    }

    /// Labels of the secrets found in `text`, with the form found.
    pub fn found_in(&self, text: &str) -> Vec<String> {
        let inner = self.inner.lock().unwrap();
        let mut hits = Vec::new();
        for (label, forms) in inner.iter() {
            for (i, form) in forms.iter().enumerate() {
                if text.contains(form.as_str()) {
                    hits.push(format!("{label} (form #{i})"));
                    break;
                }
            }
        }
        hits
    }

    /// `text` with every form of every secret masked.
    pub fn mask(&self, text: &str) -> String {
        let inner = self.inner.lock().unwrap();
        let mut forms: Vec<&String> = inner.iter().flat_map(|(_, f)| f).collect();
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        let mut out = text.to_string();
        for f in forms {
            out = out.replace(f.as_str(), "********");
        }
        out
    }

    /// Every file under `dir`, and each extra text: where a secret appears.
    pub fn scan(&self, dirs: &[&Path], texts: &[(String, String)]) -> (usize, Vec<String>) {
        let mut scanned = 0;
        let mut hits = Vec::new();
        for dir in dirs {
            for path in walk(dir) {
                if let Ok(bytes) = std::fs::read(&path) {
                    scanned += 1;
                    for hit in self.found_in(&String::from_utf8_lossy(&bytes)) {
                        hits.push(format!("{hit} in {}", path.display()));
                    }
                }
            }
        }
        for (name, text) in texts {
            scanned += 1;
            for hit in self.found_in(text) {
                hits.push(format!("{hit} in {name}"));
            }
        }
        (scanned, hits)
    }
}

pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return out;
    }
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

/// What the argv sampler saw.
#[derive(Debug, Default, Clone)]
pub struct ArgvStats {
    /// Sweeps over /proc.
    pub sweeps: u64,
    /// cmdline files read.
    pub reads: u64,
    /// Distinct (pid, argv) pairs seen.
    pub processes: usize,
    /// Secrets found, with the process (secret masked).
    pub hits: Vec<String>,
    pub duration: Duration,
}

/// Samples /proc/*/cmdline of every process every `interval` until stopped.
pub struct ArgvSampler {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<ArgvStats>>,
}

impl ArgvSampler {
    pub fn start(secrets: Secrets, interval: Duration) -> ArgvSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let started = Instant::now();
            let mut stats = ArgvStats::default();
            // Each (pid, argv) seen, with how many secrets it was checked
            // against: an argv is matched once per secret, not every sweep
            // (the matching took half a core at one sweep per 3 ms, beside
            // the runs the test measures).
            let mut seen: HashMap<(u32, u64), usize> = HashMap::new();
            let me = std::process::id();
            while !flag.load(Ordering::Relaxed) {
                stats.sweeps += 1;
                let known = secrets.len();
                for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
                    let Some(pid) = entry
                        .file_name()
                        .to_str()
                        .and_then(|n| n.parse::<u32>().ok())
                    else {
                        continue;
                    };
                    if pid == me {
                        continue;
                    }
                    let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
                        continue;
                    };
                    stats.reads += 1;
                    if raw.is_empty() {
                        continue;
                    }
                    let argv = String::from_utf8_lossy(&raw).replace('\0', " ");
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    argv.hash(&mut h);
                    if seen.insert((pid, h.finish()), known) == Some(known) {
                        continue;
                    }
                    for hit in secrets.found_in(&argv) {
                        let shown: String = secrets.mask(&argv).chars().take(100).collect();
                        stats
                            .hits
                            .push(format!("{hit} in the argv of pid {pid} ({shown}...)"));
                    }
                }
                std::thread::sleep(interval);
            }
            stats.processes = seen.len();
            stats.duration = started.elapsed();
            stats
        });
        ArgvSampler {
            stop,
            handle: Some(handle),
        }
    }

    pub fn finish(mut self) -> ArgvStats {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.take().unwrap().join().unwrap()
    }
}

impl Drop for ArgvSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Captures a screen (tmux capture-pane) every `interval` until stopped,
/// keeping each distinct screen, to be searched for secrets at the end
/// (when generated passwords are known too).
pub struct ScreenSampler {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<(u64, Vec<String>)>>,
}

impl ScreenSampler {
    pub fn start(
        capture: impl Fn() -> String + Send + 'static,
        interval: Duration,
    ) -> ScreenSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut captures = 0;
            let mut screens: Vec<String> = Vec::new();
            let mut seen = HashSet::new();
            while !flag.load(Ordering::Relaxed) {
                let screen = capture();
                captures += 1;
                if seen.insert(screen.clone()) {
                    screens.push(screen);
                }
                std::thread::sleep(interval);
            }
            (captures, screens)
        });
        ScreenSampler {
            stop,
            handle: Some(handle),
        }
    }

    /// Stops; returns (captures, distinct screens, hits).
    pub fn finish(mut self, secrets: &Secrets) -> (u64, usize, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        let (captures, screens) = self.handle.take().unwrap().join().unwrap();
        let hits = screens
            .iter()
            .flat_map(|screen| {
                secrets
                    .found_in(screen)
                    .into_iter()
                    .map(|hit| format!("{hit} on screen:\n{}", secrets.mask(screen)))
            })
            .collect();
        (captures, screens.len(), hits)
    }
}

impl Drop for ScreenSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Every value of every `*.secrets.toml` under `dir`.
pub fn secrets_files_values(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for path in walk(dir) {
        if !path.to_string_lossy().ends_with(".secrets.toml") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(table) = text.parse::<toml::Table>() else {
            continue;
        };
        for (key, value) in table {
            if let Some(v) = value.as_str() {
                out.push((key, v.to_string()));
            }
        }
    }
    out
}
