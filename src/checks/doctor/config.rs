//! Glance's config files as oslo.config reads them, and the `$` rule.

use std::path::{Path, PathBuf};

use super::{CheckId, Finding, Options, Report, as_is};
use crate::i18n::Message;
use crate::ini::IniDocument;
use crate::util::secret::{Redactor, Secret};

/// One config file, parsed.
pub struct ConfFile {
    pub path: PathBuf,
    pub doc: IniDocument,
}

impl ConfFile {
    /// `/etc/glance/glance-api.conf [section] key`, for messages.
    pub fn at(&self, section: &str, key: &str) -> String {
        format!("{} [{section}] {key}", self.path.display())
    }
}

/// glance-api.conf, and glance-registry.conf where there is one.
pub struct GlanceConf {
    pub api: ConfFile,
    pub registry: Option<ConfFile>,
}

/// A value as oslo.config reads it, before substitution.
pub enum Value {
    Missing,
    /// `$` that oslo.config takes for a reference to another option.
    Placeholder,
    Set(String),
}

impl GlanceConf {
    /// The value glance-api reads for `[section] key`.
    pub fn value(&self, section: &str, key: &str) -> Value {
        match self.api.doc.get(section, key) {
            None => Value::Missing,
            Some(raw) => match crate::ini::oslo_unescape(&raw) {
                None => Value::Placeholder,
                Some(v) if v.is_empty() => Value::Missing,
                Some(v) => Value::Set(v),
            },
        }
    }

    /// The value, or `None` when it is missing or refers to another option.
    pub fn get(&self, section: &str, key: &str) -> Option<String> {
        match self.value(section, key) {
            Value::Set(v) => Some(v),
            _ => None,
        }
    }

    /// A secret value.
    pub fn secret(&self, section: &str, key: &str) -> Option<Secret> {
        self.get(section, key).map(Secret::new)
    }

    pub fn files(&self) -> impl Iterator<Item = &ConfFile> {
        std::iter::once(&self.api).chain(self.registry.as_ref())
    }
}

/// Reads the config files (without following a link), registers every
/// secret they hold for masking, and reports a file oslo.config refuses.
/// `None` when glance-api.conf cannot be read: nothing else can be checked.
pub fn load(options: &Options, report: &mut Report, redactor: &Redactor) -> Option<GlanceConf> {
    let api_path = options.config_dir.join("glance-api.conf");
    report.files.push(api_path.display().to_string());
    let api = match read(&api_path, redactor, report) {
        Ok(file) => file,
        Err(e) => {
            let denied = e.kind() == std::io::ErrorKind::PermissionDenied;
            report.find(Finding {
                check: CheckId::ConfigFile,
                object: as_is(api_path.display()),
                problem: Message::new("doctor_msg.conf_unreadable").arg("error", e),
                why: Message::new("doctor_msg.conf_unreadable_why"),
                fix: Message::new(if denied {
                    "doctor_msg.conf_denied_fix"
                } else {
                    "doctor_msg.conf_missing_fix"
                }),
                apply_fixes: !denied,
            });
            return None;
        }
    };
    let registry_path = options.config_dir.join("glance-registry.conf");
    let registry = registry_path.exists().then(|| {
        report.files.push(registry_path.display().to_string());
        read(&registry_path, redactor, report).ok()
    });
    Some(GlanceConf {
        api,
        registry: registry.flatten(),
    })
}

pub(crate) fn read(
    path: &Path,
    redactor: &Redactor,
    report: &mut Report,
) -> std::io::Result<ConfFile> {
    let text = crate::util::fs::read_regular(path)?;
    for secret in crate::util::mask::ini_secret_values(&text) {
        redactor.add(&secret);
    }
    let doc = IniDocument::parse(&text);
    if let Some(problem) = doc.oslo_problems().first() {
        report.find(Finding {
            check: CheckId::ConfigFile,
            object: as_is(format!("{} {problem}", path.display())),
            problem: Message::new("doctor_msg.oslo_refuses"),
            why: Message::new("doctor_msg.oslo_refuses_why"),
            fix: Message::new("doctor_msg.oslo_refuses_fix")
                .arg("line", problem.line)
                .arg("path", path.display()),
            apply_fixes: false,
        });
    }
    Ok(ConfFile {
        path: path.to_path_buf(),
        doc,
    })
}

/// Keys glance-wizard writes, whose values `apply` rewrites escaped.
const MANAGED: [(&str, &str); 2] = [
    ("database", "connection"),
    ("keystone_authtoken", "password"),
];

/// A `$` in a secret value not written `$$`: oslo.config reads `$name` as
/// a reference to the option `name` (glance-api fails to start with
/// NoSuchOptError, or reads another value).
pub fn dollar_escapes(conf: &GlanceConf, report: &mut Report) {
    let mut found = false;
    for file in conf.files() {
        for section in file.doc.sections() {
            for key in file.doc.keys(&section) {
                if !crate::util::mask::is_secret_key(&key) {
                    continue;
                }
                let Some(raw) = file.doc.get(&section, &key) else {
                    continue;
                };
                if crate::ini::oslo_unescape(&raw).is_some() {
                    continue;
                }
                found = true;
                let managed = MANAGED
                    .iter()
                    .any(|(s, k)| s.eq_ignore_ascii_case(&section) && *k == key);
                report.find(Finding {
                    check: CheckId::DollarEscape,
                    object: as_is(file.at(&section, &key)),
                    problem: Message::new("doctor_msg.dollar"),
                    why: Message::new("doctor_msg.dollar_why"),
                    fix: Message::new("doctor_msg.dollar_fix"),
                    apply_fixes: managed,
                });
            }
        }
    }
    if !found {
        report.pass(CheckId::DollarEscape, Message::new("doctor_msg.dollar_ok"));
    }
}
