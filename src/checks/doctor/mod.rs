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

use crate::host::target::InitSystem;
use crate::i18n::{Lang, Message, Texts};
use crate::util::secret::Redactor;

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
    /// The key of its name in assets/i18n (`doctor_check.*`).
    fn key(self) -> &'static str {
        match self {
            CheckId::ConfigFile => "doctor_check.config_file",
            CheckId::DollarEscape => "doctor_check.dollar_escape",
            CheckId::DatabaseUrl => "doctor_check.database_url",
            CheckId::DatabaseLogin => "doctor_check.database_login",
            CheckId::Schema => "doctor_check.schema",
            CheckId::Metadefs => "doctor_check.metadefs",
            CheckId::BinaryLogging => "doctor_check.binary_logging",
            CheckId::ServiceUser => "doctor_check.service_user",
            CheckId::KeystoneUrls => "doctor_check.keystone_urls",
            CheckId::Region => "doctor_check.region",
            CheckId::ImageService => "doctor_check.image_service",
            CheckId::Endpoints => "doctor_check.endpoints",
            CheckId::Memcached => "doctor_check.memcached",
            CheckId::GlanceApi => "doctor_check.glance_api",
            CheckId::ImageDirectory => "doctor_check.image_directory",
            CheckId::Logs => "doctor_check.logs",
        }
    }

    /// The name shown in the reports, in the language of `t`.
    pub fn label(self, t: &Texts) -> String {
        t.t(self.key())
    }
}

/// A message as it is: a name, a path or a command, no words of ours.
pub(crate) fn as_is(text: impl std::fmt::Display) -> Message {
    Message::verbatim(text)
}

/// JSON keeps English (docs/json.md): a message serialised in English.
fn english<S: serde::Serializer>(m: &Message, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&m.english())
}

/// Something that breaks (or will break) Glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check: CheckId,
    /// The file and key (`/etc/glance/glance-api.conf [database] connection`)
    /// or the object (`Keystone: the image service's public endpoint`).
    /// Each text is a message, serialised in English.
    #[serde(serialize_with = "english")]
    pub object: Message,
    /// What was found.
    #[serde(serialize_with = "english")]
    pub problem: Message,
    /// Why it breaks Glance.
    #[serde(serialize_with = "english")]
    pub why: Message,
    /// What to do about it.
    #[serde(serialize_with = "english")]
    pub fix: Message,
    /// `glance-wizard apply` with answers that describe this Glance
    /// repairs it (its probes find the fault; it keeps what is right).
    pub apply_fixes: bool,
}

/// A check that passed, or could not be made (and why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub check: CheckId,
    pub passed: bool,
    #[serde(serialize_with = "english")]
    pub detail: Message,
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

    fn pass(&mut self, check: CheckId, detail: Message) {
        self.checks.push(Note {
            check,
            passed: true,
            detail,
        });
    }

    /// A check that could not be made: not a finding (an earlier one
    /// explains it), but said.
    fn not_checked(&mut self, check: CheckId, detail: Message) {
        self.checks.push(Note {
            check,
            passed: false,
            detail,
        });
    }

    /// Every text masked: secrets by value (those the config files and the
    /// admin credentials hold, in every escaped form) and URL passwords.
    fn redact(&mut self, redactor: &Redactor) {
        // The translations hold no secret: only the parameters can.
        let scrub = |m: &mut Message| m.map_texts(&|text| scrub_text(redactor, text));
        for f in &mut self.findings {
            for m in [&mut f.object, &mut f.problem, &mut f.why, &mut f.fix] {
                scrub(m);
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
        .map(|word| crate::util::mask::mask_url_password(word).into_owned())
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
        let profile = crate::host::target::detect("auto", "auto").ok();
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
pub fn adopt(options: &Options) -> Result<adopt::Adopted, Message> {
    let mut report = Report::default();
    let redactor = Redactor::new();
    let Some(conf) = config::load(options, &mut report, &redactor) else {
        let why = report.findings.first().map(|f| f.problem.clone());
        return Err(Message::new("doctor.unreadable_config")
            .arg("path", options.config_dir.join("glance-api.conf").display())
            .msg("why", why.unwrap_or_else(|| Message::verbatim(""))));
    };
    Ok(adopt::answers_of(&conf, options.admin_openrc.as_deref()))
}

/// `doctor --write-answers PATH`: the answers of this Glance
/// ([`adopt::answers_of`]) saved with their secrets file (0600) beside
/// them; what to tell the user, a message a line.
pub fn write_answers(options: &Options, path: &Path) -> Result<Vec<Message>, Message> {
    let redactor = Redactor::new();
    // New files only: an admin's own answers (or any file named by a
    // typo) and its secrets are never replaced by these.
    let secrets_beside = path.with_file_name(crate::answers::secrets_file_name(path));
    for file in [path, secrets_beside.as_path()] {
        if std::fs::symlink_metadata(file).is_ok() {
            return Err(Message::new("doctor_write.exists").arg("path", file.display()));
        }
    }
    let adopted =
        adopt(options).map_err(|why| Message::new("doctor_write.none").msg("why", why))?;
    let secrets_path = adopted.answers.save(path, &adopted.secrets).map_err(|e| {
        Message::new("failure.unwritable")
            .arg("path", path.display())
            .arg("error", e)
    })?;
    let shown = path.display().to_string();
    let mut lines = vec![
        Message::new("doctor_write.wrote")
            .arg("path", &shown)
            .arg("secrets", secrets_path.display()),
        Message::new("doctor_write.next").arg("path", shown),
    ];
    lines.extend(
        adopted
            .defaults
            .into_iter()
            .map(|d| Message::new("doctor_write.default").msg("default", d)),
    );
    // What Keystone said may quote the config: masked as the report is.
    for line in &mut lines {
        line.map_texts(&|text| scrub_text(&redactor, text));
    }
    Ok(lines)
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
                Message::new("doctor_msg.openrc_not_used")
                    .arg("path", path.display())
                    .arg("error", e),
            );
            None
        }
    }
}

/// A finding's explanation in the language of `t`, as (label, text)
/// pairs: what was found, why it breaks Glance, the fix, and `apply` as
/// the other fix when it repairs it. The text report and the wizard's
/// doctor screen lay these out each their own way.
pub fn finding_parts(f: &Finding, t: &Texts) -> Vec<(String, String)> {
    let mut parts = vec![
        (t.t("doctor.problem"), t.msg(&f.problem)),
        (t.t("doctor.why"), t.msg(&f.why)),
        (t.t("doctor.fix"), t.msg(&f.fix)),
    ];
    if f.apply_fixes {
        parts.push((t.t("doctor.or"), t.t("doctor.apply_hint")));
    }
    parts
}

/// The report as text in the language of `t` (`doctor` prints it in the
/// locale's): the findings first, each with its fix.
pub fn render_text(report: &Report, t: &Texts) -> String {
    let mut out = String::new();
    let files = report.files.join(", ");
    out.push_str(&t.f("doctor_text.heading", &[("files", &files)]));
    out.push('\n');
    for note in &report.checks {
        let mark = if note.passed {
            "doctor_text.ok"
        } else {
            "doctor_text.skip"
        };
        let label = pad(&note.check.label(t), 16);
        out.push_str(&format!(
            "  {} {label} {}\n",
            t.t(mark),
            t.msg(&note.detail)
        ));
    }
    if report.findings.is_empty() {
        out.push_str(&t.t("doctor.healthy"));
        out.push('\n');
        return out;
    }
    let n = report.findings.len();
    out.push_str(&t.f("doctor_text.findings", &[("n", &n)]));
    out.push('\n');
    for f in &report.findings {
        let head = format!("{}: {}", f.check.label(t), t.msg(&f.object));
        out.push_str(&format!("  {} {head}\n", t.t("doctor_text.fail")));
        for (label, text) in finding_parts(f, t) {
            out.push_str(&format!("      {} {text}\n", pad(&label, 6)));
        }
    }
    out
}

/// `text` padded with spaces to `columns` terminal columns (a Chinese
/// character takes two).
fn pad(text: &str, columns: usize) -> String {
    let width = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(columns.saturating_sub(width)))
}

/// The report as text in English.
pub fn render_english(report: &Report) -> String {
    render_text(report, Texts::of(Lang::En))
}

/// The report as JSON, for scripts.
pub fn render_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report serialises") + "\n"
}

#[cfg(test)]
pub(crate) mod tests;
