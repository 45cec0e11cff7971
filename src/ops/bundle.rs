//! The support bundle: everything someone helping needs, with nothing they
//! must not see. A `.tar.gz` with a manifest; every file in it is masked by
//! key (config keys that hold secrets, URL passwords) and by value (every
//! secret of the answers, the admin credentials and the config files, in
//! every escaped form) before it is written.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::i18n::Message;
use crate::util::secret::Redactor;

/// How many lines of each of Glance's logs go in.
pub const LOG_LINES: usize = 1000;

/// What goes in.
#[derive(Debug, Clone)]
pub struct Options {
    pub output: PathBuf,
    /// The wizard's state directory (journal, logs).
    pub state_dir: PathBuf,
    /// The answers, when given: they go in (without the secrets file),
    /// and the prechecks run with them.
    pub answers: Option<crate::ops::load::LoadOptions>,
    pub doctor: crate::checks::doctor::Options,
}

/// One file of the bundle, as the manifest lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ManifestEntry {
    pub path: String,
    /// What it is: a message (English in manifest.json, the locale's
    /// language on the terminal).
    pub description: Message,
    pub bytes: usize,
}

/// The manifest (`manifest.json` in the bundle).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Manifest {
    pub wizard_version: String,
    pub created: String,
    /// What was left out, and why (a file that could not be read).
    pub missing: Vec<Message>,
    pub files: Vec<ManifestEntry>,
}

/// The bundle's files before they are packed: every text is scrubbed as
/// it is added.
struct Contents {
    redactor: Redactor,
    files: Vec<(ManifestEntry, Vec<u8>)>,
    missing: Vec<Message>,
}

impl Contents {
    fn add(&mut self, path: &str, description: Message, text: &str) {
        let scrubbed = crate::checks::doctor::scrub_text(&self.redactor, text);
        self.files.push((
            ManifestEntry {
                path: path.into(),
                description,
                bytes: scrubbed.len(),
            },
            scrubbed.into_bytes(),
        ));
    }

    /// An INI or TOML file: masked by key first (commented lines too).
    fn add_keyed(&mut self, path: &str, description: Message, text: &str) {
        self.add(path, description, &crate::util::mask::mask_ini_text(text));
    }

    fn missing(&mut self, what: Message) {
        self.missing.push(what);
    }
}

/// A file that could not be read, left out.
fn unreadable(path: &Path, error: std::io::Error) -> Message {
    Message::new("bundle.unreadable")
        .arg("path", path.display())
        .arg("error", error)
}

/// Builds the bundle and writes it (mode 0600); its manifest.
pub fn build(options: &Options) -> Result<Manifest, String> {
    let mut contents = Contents {
        redactor: Redactor::new(),
        files: Vec::new(),
        missing: Vec::new(),
    };
    let loaded = load_answers(options, &mut contents);
    let configs = config_files(&options.doctor.config_dir);
    // Every secret a config file holds is known before anything is added.
    for (_, text) in &configs {
        for secret in crate::util::mask::ini_secret_values(text) {
            contents.redactor.add(&secret);
        }
    }
    if let Some(openrc) = &options.doctor.admin_openrc
        && let Ok(admin) = crate::answers::openrc::load(openrc)
    {
        contents.redactor.add(&admin.password);
    }
    for (path, text) in &configs {
        let name = format!("glance-config/{}", file_name(path));
        let description = Message::new("bundle.config").arg("path", path.display());
        contents.add_keyed(&name, description, text);
    }
    add_answers(options, loaded.as_ref(), &mut contents);
    add_state(&options.state_dir, &mut contents);
    add_glance_logs(&options.doctor.log_dir, &mut contents);
    add_system(options, loaded.as_ref(), &mut contents);
    let manifest = Manifest {
        wizard_version: env!("CARGO_PKG_VERSION").into(),
        created: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        missing: contents.missing.clone(),
        files: contents.files.iter().map(|(e, _)| e.clone()).collect(),
    };
    let archive = pack(&manifest, &contents.files).map_err(|e| format!("packing: {e}"))?;
    crate::util::fs::write_atomically(&options.output, &archive, 0o600, None)
        .map_err(|e| format!("cannot write {}: {e}", options.output.display()))?;
    Ok(manifest)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The answers with their secrets (for masking and the prechecks); a
/// failure is noted, and the bundle goes on without them.
fn load_answers(options: &Options, contents: &mut Contents) -> Option<crate::ops::load::Loaded> {
    let load = options.answers.as_ref()?;
    // The secrets file is read for masking even when the answers are not
    // valid: its values must not leak through the answers or the logs.
    if let Ok(text) = std::fs::read_to_string(secrets_path(load)) {
        for secret in crate::util::mask::ini_secret_values(&text) {
            contents.redactor.add(&secret);
        }
        if let Ok(table) = text.parse::<toml::Table>() {
            for value in table.values().filter_map(toml::Value::as_str) {
                contents
                    .redactor
                    .add(&crate::util::secret::Secret::new(value));
            }
        }
    }
    match crate::ops::load::load(load) {
        Ok(loaded) => {
            for secret in loaded.settings.secrets() {
                contents.redactor.add(&secret);
            }
            Some(loaded)
        }
        Err(e) => {
            contents.missing(Message::new("bundle.answers_invalid").arg("error", e));
            None
        }
    }
}

fn secrets_path(load: &crate::ops::load::LoadOptions) -> PathBuf {
    load.secrets.clone().unwrap_or_else(|| {
        crate::answers::Answers::load(&load.answers)
            .map(|a| a.secrets_path(&load.answers))
            .unwrap_or_else(|_| load.answers.with_extension("secrets.toml"))
    })
}

/// Glance's config files (`*.conf`, `*.ini`), sorted.
fn config_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf" || x == "ini"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| crate::util::fs::read_regular(&p).ok().map(|t| (p, t)))
        .collect()
}

fn add_answers(options: &Options, loaded: Option<&crate::ops::load::Loaded>, c: &mut Contents) {
    let Some(load) = &options.answers else {
        c.missing(Message::new("bundle.no_answers"));
        return;
    };
    match std::fs::read_to_string(&load.answers) {
        Ok(text) => c.add_keyed(
            "answers/answers.toml",
            Message::new("bundle.answers"),
            &text,
        ),
        Err(e) => c.missing(unreadable(&load.answers, e)),
    }
    if let Some(loaded) = loaded {
        let checks = crate::checks::precheck::run_all(&loaded.settings, &loaded.profile);
        let t = crate::i18n::Texts::of(crate::i18n::Lang::from_env());
        let lines = crate::checks::text::check_lines(&checks, t);
        let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
        c.add("prechecks.txt", Message::new("bundle.prechecks"), &text);
    }
}

/// The journal and the wizard's own logs.
fn add_state(state_dir: &Path, c: &mut Contents) {
    match crate::util::fs::read_regular(&state_dir.join("journal.json")) {
        Ok(text) => c.add("wizard/journal.json", Message::new("bundle.journal"), &text),
        Err(e) => c.missing(unreadable(&state_dir.join("journal.json"), e)),
    }
    let mut logs: Vec<PathBuf> = std::fs::read_dir(state_dir.join("logs"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    logs.sort();
    for log in logs {
        if let Ok(text) = crate::util::fs::read_regular(&log) {
            let name = format!("wizard/logs/{}", file_name(&log));
            c.add(&name, Message::new("bundle.run_log"), &text);
        }
    }
}

/// The last [`LOG_LINES`] lines of each of Glance's logs.
fn add_glance_logs(dir: &Path, c: &mut Contents) {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    logs.sort();
    for log in logs {
        let Ok(bytes) = std::fs::read(&log) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(LOG_LINES)..].join("\n");
        let name = format!("glance-logs/{}", file_name(&log));
        let description = Message::new("bundle.glance_log")
            .arg("lines", LOG_LINES)
            .arg("path", log.display());
        c.add(&name, description, &(tail + "\n"));
    }
}

/// Target detection, package versions, service status, the doctor.
fn add_system(options: &Options, loaded: Option<&crate::ops::load::Loaded>, c: &mut Contents) {
    let profile = loaded
        .map(|l| Ok(l.profile.clone()))
        .unwrap_or_else(|| crate::host::target::detect("auto", "auto"));
    match &profile {
        Ok(p) => c.add(
            "target.txt",
            Message::new("bundle.target"),
            &format!("{}\n{}\n", p.summary(), p.detection.join("\n")),
        ),
        Err(e) => c.add(
            "target.txt",
            Message::new("bundle.target"),
            &format!("not detected: {e}\n"),
        ),
    }
    c.add("packages.txt", Message::new("bundle.packages"), &packages());
    let service = &options.doctor.api_service;
    let status = match options.doctor.init {
        crate::host::target::InitSystem::Systemd => {
            command(&["systemctl", "status", "--no-pager", service])
        }
        crate::host::target::InitSystem::SysV => command(&["service", service, "status"]),
    };
    c.add(
        "service-status.txt",
        Message::new("bundle.service"),
        &status,
    );
    let report = crate::checks::doctor::run(&options.doctor);
    c.add(
        "doctor.txt",
        Message::new("bundle.doctor"),
        &crate::checks::doctor::render_english(&report),
    );
    c.add(
        "doctor.json",
        Message::new("bundle.doctor_json"),
        &crate::checks::doctor::render_json(&report),
    );
}

/// Versions of the packages that make up Glance and its dependencies.
fn packages() -> String {
    let names = [
        "glance",
        "glance-api",
        "glance-common",
        "python3-glance",
        "python3-glance-store",
        "openstack-glance",
        "python3-keystonemiddleware",
        "python3-oslo.config",
        "keystone",
        "mariadb-server",
        "mysql-server",
        "memcached",
        "python3-openstackclient",
    ];
    if Path::new("/usr/bin/dpkg-query").exists() {
        let mut args = vec![
            "dpkg-query",
            "-W",
            "-f",
            "${Package} ${Version} ${db:Status-Status}\\n",
        ];
        args.extend(names);
        command(&args)
    } else {
        let mut args = vec!["rpm", "-q"];
        args.extend(names);
        command(&args)
    }
}

/// A command's output and status, as text (no secret is on its line).
fn command(argv: &[&str]) -> String {
    match std::process::Command::new(argv[0])
        .args(&argv[1..])
        .stdin(std::process::Stdio::null())
        .env("LC_ALL", "C")
        .output()
    {
        Ok(out) => format!(
            "$ {}\n{}{}(exit {})\n",
            argv.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            out.status.code().map_or("signal".into(), |c| c.to_string())
        ),
        Err(e) => format!("$ {}\ncannot run: {e}\n", argv.join(" ")),
    }
}

/// The `.tar.gz`: the manifest first, then the files, all mode 0600 under
/// one top directory.
fn pack(manifest: &Manifest, files: &[(ManifestEntry, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let json = serde_json::to_vec_pretty(manifest).expect("a manifest serialises");
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let manifest_entry = ManifestEntry {
        path: "manifest.json".into(),
        description: Message::verbatim(""),
        bytes: json.len(),
    };
    for (entry, bytes) in
        std::iter::once((&manifest_entry, &json)).chain(files.iter().map(|(e, b)| (e, b)))
    {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(
            &mut header,
            format!("glance-wizard-bundle/{}", entry.path),
            bytes.as_slice(),
        )?;
    }
    tar.into_inner()?.finish()
}
