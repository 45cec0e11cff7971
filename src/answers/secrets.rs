//! The secrets file: passwords kept apart from the answers, in a file that
//! must be readable by its owner only.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::util::secret::Secret;

use super::{AnswersError, Rule};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecretName {
    /// Password of the `glance` database account.
    GlanceDbPassword,
    /// Password of the `glance` Keystone user.
    GlanceServicePassword,
    /// Password of the database administrator (TCP access only).
    DbAdminPassword,
    /// Keystone admin password, when the os_* fields replace an openrc.
    OsPassword,
    /// Password of the user named in the proxy URL.
    ProxyPassword,
}

impl SecretName {
    pub const ALL: [SecretName; 5] = [
        SecretName::GlanceDbPassword,
        SecretName::GlanceServicePassword,
        SecretName::DbAdminPassword,
        SecretName::OsPassword,
        SecretName::ProxyPassword,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SecretName::GlanceDbPassword => "glance_db_password",
            SecretName::GlanceServicePassword => "glance_service_password",
            SecretName::DbAdminPassword => "db_admin_password",
            SecretName::OsPassword => "os_password",
            SecretName::ProxyPassword => "proxy_password",
        }
    }

    pub fn from_key(key: &str) -> Option<SecretName> {
        Self::ALL.into_iter().find(|n| n.key() == key)
    }

    /// Passwords of accounts glance-wizard creates, which it may generate.
    pub fn is_generatable(self) -> bool {
        matches!(
            self,
            SecretName::GlanceDbPassword | SecretName::GlanceServicePassword
        )
    }

    /// What the command line asks for this secret when it is missing, as a message.
    pub fn prompt(self) -> crate::i18n::Message {
        crate::i18n::Message::new(match self {
            SecretName::GlanceDbPassword => "prompt.glance_db_password",
            SecretName::GlanceServicePassword => "prompt.glance_service_password",
            SecretName::DbAdminPassword => "prompt.db_admin_password",
            SecretName::OsPassword => "prompt.os_password",
            SecretName::ProxyPassword => "prompt.proxy_password",
        })
    }
}

/// Secrets by name. Empty values count as missing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Secrets {
    values: BTreeMap<SecretName, Secret>,
}

impl Secrets {
    pub fn get(&self, name: SecretName) -> Option<&Secret> {
        self.values.get(&name).filter(|s| !s.is_empty())
    }

    pub fn set(&mut self, name: SecretName, value: Secret) {
        self.values.insert(name, value);
    }

    /// Reads a secrets file. A missing file is an empty set; a file that
    /// group or others can read is refused, since the passwords in it would
    /// already be exposed.
    pub fn load(path: &Path) -> Result<Secrets, AnswersError> {
        let field = "secrets.file";
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Secrets::default()),
            Err(e) => {
                return Err(AnswersError::single(field, Rule::unreadable(path, e)));
            }
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let rule = Rule::SecretsMode {
                path: path.display().to_string(),
                mode: format!("{mode:04o}"),
            };
            return Err(AnswersError::single(field, rule));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| AnswersError::single(field, Rule::unreadable(path, e)))?;
        let table: BTreeMap<String, toml::Value> = toml::from_str(&text).map_err(|e| {
            // The parser's message may quote the offending line, which can
            // hold a password: give only the position.
            let rule = Rule::NotToml {
                path: path.display().to_string(),
                byte: e.span().map(|s| s.start),
            };
            AnswersError::single(field, rule)
        })?;
        let mut secrets = Secrets::default();
        for (key, value) in table {
            let Some(name) = SecretName::from_key(&key) else {
                let expected = SecretName::ALL.map(SecretName::key).join(", ");
                let rule = Rule::UnknownSecret { expected };
                return Err(AnswersError::single(format!("secrets.{key}"), rule));
            };
            let toml::Value::String(value) = value else {
                let rule = Rule::NotAString;
                return Err(AnswersError::single(format!("secrets.{key}"), rule));
            };
            secrets.set(name, Secret::new(value));
        }
        Ok(secrets)
    }

    /// Writes the secrets file with mode 0600, atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut table = toml::map::Map::new();
        for (name, value) in &self.values {
            if !value.is_empty() {
                table.insert(
                    name.key().to_string(),
                    toml::Value::String(value.expose().to_string()),
                );
            }
        }
        let text = format!(
            "# glance-wizard secrets: keep this file mode 0600.\n{}",
            toml::to_string(&toml::Value::Table(table)).expect("strings serialize")
        );
        crate::util::fs::write_atomically(path, text.as_bytes(), 0o600, None)
    }

    /// Fills blank generatable secrets with random values; returns the
    /// names filled.
    pub fn generate_missing(&mut self, needed: &[SecretName]) -> Vec<SecretName> {
        let mut filled = Vec::new();
        for &name in needed {
            if name.is_generatable() && self.get(name).is_none() {
                self.set(name, generate_password());
                filled.push(name);
            }
        }
        filled
    }
}

/// 24 random characters from letters and digits: about 143 bits, and safe
/// unescaped in every place a password lands (SQL, URL, oslo.config, shell).
pub fn generate_password() -> Secret {
    use rand::Rng;
    use rand::distr::Alphanumeric;
    let value: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    Secret::new(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_group_readable_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, "glance_db_password = \"x\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = Secrets::load(&path).unwrap_err();
        let err = refused.to_string();
        let mode = "has mode 0644; a secrets file must be readable by its owner only: chmod 600";
        assert!(err.contains(mode), "{err}");
        // In the locale's language too, the command as it is.
        use crate::i18n::{Lang, Texts};
        let chinese = refused.render(Texts::of(Lang::ZhCn));
        assert!(
            chinese.contains("s.toml 的权限是 0644；密码文件只能由其属主读取：chmod 600"),
            "{chinese}"
        );
    }

    #[test]
    fn save_then_load_round_trips_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        let mut secrets = Secrets::default();
        secrets.set(SecretName::GlanceDbPassword, Secret::new("a'b\"c$d\\e 中"));
        secrets.generate_missing(&[SecretName::GlanceServicePassword]);
        secrets.save(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(Secrets::load(&path).unwrap(), secrets);
        assert_eq!(
            secrets
                .get(SecretName::GlanceServicePassword)
                .unwrap()
                .expose()
                .len(),
            24
        );
    }
}
