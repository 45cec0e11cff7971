//! The doctor: inspects a Glance that exists now (installed by the wizard
//! or by hand from the guide) from its real config files, and probes each
//! link of the chain with the field's own protocols: the database URL logs
//! in and the schema is at head, the service user gets a token, the catalog
//! agrees with the config, memcached answers, glance-api runs and answers,
//! the image directory is usable, the logs hold no known failure.
//!
//! Every finding names the file and key (or the object), says why it breaks
//! Glance and gives the fix; every text is masked by key and by value
//! before it leaves ([`Report::redact`]).

pub mod adopt;
mod config;
pub mod database;
mod host;
mod identity;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::secret::Redactor;
use crate::target::InitSystem;

/// Which link of the chain a line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    ConfigFile,
    DollarEscape,
    DatabaseUrl,
    DatabaseLogin,
    Schema,
    Metadefs,
    BinaryLogging,
    ServiceUser,
    KeystoneUrls,
    Region,
    ImageService,
    Endpoints,
    Memcached,
    GlanceApi,
    ImageDirectory,
    Logs,
}

impl CheckId {
    /// The name shown in the text report.
    pub fn label(self) -> &'static str {
        match self {
            CheckId::ConfigFile => "config file",
            CheckId::DollarEscape => "$ in values",
            CheckId::DatabaseUrl => "database URL",
            CheckId::DatabaseLogin => "database login",
            CheckId::Schema => "schema",
            CheckId::Metadefs => "metadefs",
            CheckId::BinaryLogging => "binary logging",
            CheckId::ServiceUser => "service user",
            CheckId::KeystoneUrls => "keystone URLs",
            CheckId::Region => "region",
            CheckId::ImageService => "image service",
            CheckId::Endpoints => "endpoints",
            CheckId::Memcached => "memcached",
            CheckId::GlanceApi => "glance-api",
            CheckId::ImageDirectory => "image directory",
            CheckId::Logs => "logs",
        }
    }
}

/// Something that breaks (or will break) Glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check: CheckId,
    /// The file and key (`/etc/glance/glance-api.conf [database] connection`)
    /// or the object (`Keystone: the image service's public endpoint`).
    pub object: String,
    /// What was found.
    pub problem: String,
    /// Why it breaks Glance.
    pub why: String,
    /// What to do about it.
    pub fix: String,
    /// `glance-wizard apply` with answers that describe this Glance
    /// repairs it (its probes find the fault; it keeps what is right).
    pub apply_fixes: bool,
}

/// A check that passed, or could not be made (and why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub check: CheckId,
    pub passed: bool,
    pub detail: String,
}

/// What the doctor found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub healthy: bool,
    /// The config files read.
    pub files: Vec<String>,
    pub findings: Vec<Finding>,
    pub checks: Vec<Note>,
}

impl Report {
    fn find(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    fn pass(&mut self, check: CheckId, detail: impl Into<String>) {
        self.checks.push(Note {
            check,
            passed: true,
            detail: detail.into(),
        });
    }

    /// A check that could not be made: not a finding (an earlier one
    /// explains it), but said.
    fn not_checked(&mut self, check: CheckId, detail: impl Into<String>) {
        self.checks.push(Note {
            check,
            passed: false,
            detail: detail.into(),
        });
    }

    /// Every text masked: secrets by value (those the config files and the
    /// admin credentials hold, in every escaped form) and URL passwords.
    fn redact(&mut self, redactor: &Redactor) {
        let scrub = |text: &mut String| *text = scrub_text(redactor, text);
        for f in &mut self.findings {
            for text in [&mut f.object, &mut f.problem, &mut f.why, &mut f.fix] {
                scrub(text);
            }
        }
        for n in &mut self.checks {
            scrub(&mut n.detail);
        }
    }
}

/// `text` with every secret the redactor knows masked, and the password
/// of every URL in it.
pub fn scrub_text(redactor: &Redactor, text: &str) -> String {
    let text = redactor.redact(text);
    text.split_inclusive(char::is_whitespace)
        .map(|word| crate::mask::mask_url_password(word).into_owned())
        .collect()
}

/// Where the doctor looks.
#[derive(Debug, Clone)]
pub struct Options {
    /// `/etc/glance`.
    pub config_dir: PathBuf,
    /// Glance's log directory (`/var/log/glance`).
    pub log_dir: PathBuf,
    /// Admin credentials to list Keystone's services and endpoints
    /// (the service user's token is used when absent).
    pub admin_openrc: Option<PathBuf>,
    /// The service that runs glance-api, and how it is started.
    pub api_service: String,
    pub init: InitSystem,
}

impl Options {
    /// The paths of a package install on this machine: the detected
    /// target's (Debian's when detection fails), `/root/admin-openrc`
    /// when it exists.
    pub fn detected() -> Options {
        let profile = crate::target::detect("auto", "auto").ok();
        let (config_dir, api_service) = profile.as_ref().map_or_else(
            || ("/etc/glance".to_string(), "glance-api".to_string()),
            |p| (p.distro.config_dir.clone(), p.distro.api_service.clone()),
        );
        let openrc = PathBuf::from("/root/admin-openrc");
        Options {
            config_dir: PathBuf::from(config_dir),
            log_dir: PathBuf::from("/var/log/glance"),
            admin_openrc: openrc.exists().then_some(openrc),
            api_service,
            init: InitSystem::detect(),
        }
    }
}

/// The commands that repair what `apply_fixes` findings name.
pub const APPLY_HINT: &str = "glance-wizard apply -a ANSWERS.toml (the answers it was installed with; for a Glance made by hand, glance-wizard doctor --write-answers adopt.toml writes them)";

/// The answers of the Glance this machine's config files describe
/// ([`adopt::answers_of`]), or why there are none. `doctor
/// --write-answers` saves them; the Doctor screen fills the forms with them.
pub fn adopt(options: &Options) -> Result<adopt::Adopted, String> {
    let mut report = Report::default();
    let redactor = Redactor::new();
    let Some(conf) = config::load(options, &mut report, &redactor) else {
        let why = report.findings.first().map(|f| f.problem.clone());
        return Err(format!(
            "{}/glance-api.conf: {}",
            options.config_dir.display(),
            why.unwrap_or_default()
        ));
    };
    Ok(adopt::answers_of(&conf, options.admin_openrc.as_deref()))
}

/// `doctor --write-answers PATH`: the answers of this Glance
/// ([`adopt::answers_of`]) saved with their secrets file (0600) beside
/// them; what to tell the user.
pub fn write_answers(options: &Options, path: &Path) -> Result<Vec<String>, String> {
    let redactor = Redactor::new();
    // New files only: an admin's own answers (or any file named by a
    // typo) and its secrets are never replaced by these.
    let secrets_beside = path.with_file_name(crate::answers::secrets_file_name(path));
    for file in [path, secrets_beside.as_path()] {
        if std::fs::symlink_metadata(file).is_ok() {
            return Err(format!(
                "no answers written: {} exists; name a new file",
                file.display()
            ));
        }
    }
    let adopted = adopt(options).map_err(|why| format!("no answers written: {why}"))?;
    let secrets_path = adopted
        .answers
        .save(path, &adopted.secrets)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let shown = path.display();
    let mut lines = vec![
        format!(
            "Wrote {shown}, the answers of this Glance, and its passwords to {} (mode 0600).",
            secrets_path.display()
        ),
        format!(
            "`glance-wizard plan --answers {shown}` shows what apply would change; `glance-wizard apply --answers {shown}` adopts this Glance: what is right stays, what the doctor found is repaired."
        ),
    ];
    lines.extend(
        adopted
            .defaults
            .iter()
            .map(|d| format!("Not in the config, so the wizard's default: {d}")),
    );
    // What Keystone said may quote the config: masked as the report is.
    Ok(lines.iter().map(|l| scrub_text(&redactor, l)).collect())
}

/// Inspects the Glance on this machine.
pub fn run(options: &Options) -> Report {
    let mut report = Report::default();
    let redactor = Redactor::new();
    let Some(conf) = config::load(options, &mut report, &redactor) else {
        return finish(report, &redactor);
    };
    config::dollar_escapes(&conf, &mut report);
    database::check(&conf, &mut report);
    let admin = options
        .admin_openrc
        .as_deref()
        .and_then(|p| admin_credentials(p, &redactor, &mut report));
    let endpoints = identity::check(&conf, admin.as_ref(), &mut report);
    host::memcached(&conf, &mut report);
    host::glance_api(&conf, options, &endpoints, &mut report);
    host::image_directory(&conf, &mut report);
    host::logs(&options.log_dir, &redactor, &mut report);
    finish(report, &redactor)
}

fn finish(mut report: Report, redactor: &Redactor) -> Report {
    report.redact(redactor);
    report.healthy = report.findings.is_empty();
    report
}

/// The admin credentials, their password registered for masking; a file
/// that cannot be trusted or read is said and not used.
fn admin_credentials(
    path: &Path,
    redactor: &Redactor,
    report: &mut Report,
) -> Option<crate::answers::AdminCredentials> {
    match crate::answers::openrc::load(path) {
        Ok(admin) => {
            redactor.add(&admin.password);
            Some(admin)
        }
        Err(e) => {
            report.not_checked(
                CheckId::ImageService,
                format!(
                    "{} not used ({e}): Keystone is read with the service user's token",
                    path.display()
                ),
            );
            None
        }
    }
}

/// The report as text: the findings first, each with its fix.
pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!("Glance doctor: {}\n", report.files.join(", ")));
    for note in &report.checks {
        let mark = if note.passed { "[ok]  " } else { "[skip]" };
        out.push_str(&format!(
            "  {mark} {:<16} {}\n",
            note.check.label(),
            note.detail
        ));
    }
    if report.findings.is_empty() {
        out.push_str("No problem found.\n");
        return out;
    }
    out.push_str(&format!("Findings ({}):\n", report.findings.len()));
    for f in &report.findings {
        out.push_str(&format!("  [fail] {}: {}\n", f.check.label(), f.object));
        out.push_str(&format!("      found: {}\n", f.problem));
        out.push_str(&format!("      why:   {}\n", f.why));
        out.push_str(&format!("      fix:   {}\n", f.fix));
        if f.apply_fixes {
            out.push_str(&format!(
                "      or:    {APPLY_HINT}: keeps what is right, repairs this\n"
            ));
        }
    }
    out
}

/// The report as JSON, for scripts.
pub fn render_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report serialises") + "\n"
}

#[cfg(test)]
mod tests;
