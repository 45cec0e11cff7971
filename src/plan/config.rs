//! What glance-wizard sets in Glance's config files, per release era.

use super::ConfigFile;
use crate::answers::{DbSettings, KeystoneSettings, Settings, StoreSettings};
use crate::host::target::{Profile, ReleaseProfile, StoreLayout};
use crate::i18n::Message;
use crate::ini::{IniDocument, OsloValueError, oslo_quote};
use crate::util::secret::{MASK, Secret};

/// The backup of a config file as it was before glance-wizard first touched it.
pub const BACKUP_SUFFIX: &str = ".glance-wizard.orig";

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum ConfigValue {
    Plain(String),
    /// A value holding a secret: `shown` has the secret masked, `secret` is
    /// the whole clear value.
    Secret {
        shown: String,
        secret: Secret,
    },
}

impl ConfigValue {
    pub fn shown(&self) -> &str {
        match self {
            ConfigValue::Plain(v) => v,
            ConfigValue::Secret { shown, .. } => shown,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConfigEdit {
    pub section: String,
    pub key: String,
    pub value: ConfigValue,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConfigSpec {
    pub file: ConfigFile,
    pub path: String,
    pub edits: Vec<ConfigEdit>,
    /// The guide: "comment out or remove any other options in
    /// [keystone_authtoken]".
    pub comment_out_except: Option<(String, Vec<String>)>,
}

fn edit(section: &str, key: &str, value: impl Into<String>) -> ConfigEdit {
    ConfigEdit {
        section: section.into(),
        key: key.into(),
        value: ConfigValue::Plain(value.into()),
    }
}

fn secret_edit(section: &str, key: &str, shown: String, secret: Secret) -> ConfigEdit {
    ConfigEdit {
        section: section.into(),
        key: key.into(),
        value: ConfigValue::Secret { shown, secret },
    }
}

/// The config files of this release and what is set in each.
pub fn config_specs(settings: &Settings, profile: &Profile) -> Vec<ConfigSpec> {
    let release = &profile.release;
    let connection = connection_edit(&settings.db);
    let authtoken = authtoken_edits(&settings.keystone, release);
    let keep: Vec<String> = authtoken.iter().map(|e| e.key.clone()).collect();
    let paste = edit("paste_deploy", "flavor", "keystone");

    let mut api = vec![connection.clone()];
    // Where glance-api runs only under a WSGI server, bind_host is no
    // longer a Glance option: the server's own configuration binds.
    if let Some(bind_host) = settings
        .bind_host
        .as_ref()
        .filter(|_| release.standalone_api)
    {
        api.push(edit("DEFAULT", "bind_host", bind_host));
    }
    api.extend(authtoken.iter().cloned());
    api.push(paste.clone());
    api.extend(store_edits(&settings.store, &release.store_layout));

    let api_file = ConfigFile::GlanceApi;
    let mut specs = vec![ConfigSpec {
        file: api_file,
        path: profile.config_path(api_file.file_name()),
        edits: api,
        comment_out_except: Some(("keystone_authtoken".into(), keep.clone())),
    }];
    if release.registry {
        let mut registry = vec![connection];
        registry.extend(authtoken);
        registry.push(paste);
        let registry_file = ConfigFile::GlanceRegistry;
        specs.push(ConfigSpec {
            file: registry_file,
            path: profile.config_path(registry_file.file_name()),
            edits: registry,
            comment_out_except: Some(("keystone_authtoken".into(), keep)),
        });
    }
    specs
}

/// `[database] connection`: a URL with the glance account's password.
fn connection_edit(db: &DbSettings) -> ConfigEdit {
    let url = |password: &str| {
        crate::util::escape::database_url(&db.user, password, &db.host, db.port.get(), &db.name)
    };
    secret_edit(
        "database",
        "connection",
        // The mask, not `<not set>`, goes through the URL encoding.
        url(MASK).replace(MASK, db.password.shown()),
        Secret::new(url(db.password.expose())),
    )
}

/// `[keystone_authtoken]`: how glance checks tokens, as the glance user.
fn authtoken_edits(k: &KeystoneSettings, release: &ReleaseProfile) -> Vec<ConfigEdit> {
    let domain = &release.domain_name;
    let section = "keystone_authtoken";
    vec![
        edit(section, &release.authtoken_uri_key, &k.www_authenticate_uri),
        edit(section, "auth_url", &k.auth_url),
        edit(section, "memcached_servers", k.memcached_servers.join(",")),
        edit(section, "auth_type", "password"),
        edit(section, "project_domain_name", domain),
        edit(section, "user_domain_name", domain),
        edit(section, "project_name", &k.service_project),
        edit(section, "username", &k.service_user),
        secret_edit(
            section,
            "password",
            k.service_password.shown().into(),
            k.service_password.clone(),
        ),
    ]
}

/// Where images are stored, in the layout of this release.
fn store_edits(store: &StoreSettings, layout: &StoreLayout) -> Vec<ConfigEdit> {
    match layout {
        StoreLayout::Stores => vec![
            edit("glance_store", "stores", store.stores.join(",")),
            edit("glance_store", "default_store", store.default_store),
            edit("glance_store", "filesystem_store_datadir", &store.data_dir),
        ],
        StoreLayout::EnabledBackends => {
            // Backend ids: "fs" for the file store, as the guide names it,
            // "http" for the read-only http store.
            let backends: Vec<String> = store
                .stores
                .iter()
                .map(|s| match s.as_str() {
                    "file" => "fs:file".to_string(),
                    other => format!("{other}:{other}"),
                })
                .collect();
            let default_backend = if store.default_store == "file" {
                "fs".to_string()
            } else {
                store.default_store.to_string()
            };
            vec![
                edit("DEFAULT", "enabled_backends", backends.join(",")),
                edit("glance_store", "default_backend", default_backend),
                edit("fs", "filesystem_store_datadir", &store.data_dir),
            ]
        }
    }
}

/// Applies a spec to a parsed file. With `reveal` false, secrets are written
/// masked: that is the preview shown by `plan`. Returns the options that
/// were commented out.
pub fn apply_config_spec(
    doc: &mut IniDocument,
    spec: &ConfigSpec,
    reveal: bool,
) -> Result<Vec<String>, Message> {
    for e in &spec.edits {
        let value = match (&e.value, reveal) {
            (ConfigValue::Secret { secret, .. }, true) => secret.expose(),
            (value, _) => value.shown(),
        };
        let refused = |error: Message| {
            Message::new("config_edit.refused")
                .arg("section", &e.section)
                .arg("key", &e.key)
                .msg("error", error)
        };
        let raw = oslo_quote(value).map_err(|err| refused(oslo_error(&err)))?;
        // Sections and keys are the program's own (never the answers'):
        // a refusal is a bug of the wizard, said in the ini module's words.
        doc.set(&e.section, &e.key, &raw)
            .map_err(|err| refused(Message::verbatim(err)))?;
    }
    let mut commented = Vec::new();
    if let Some((section, keep)) = &spec.comment_out_except {
        let keep: Vec<&str> = keep.iter().map(String::as_str).collect();
        commented = doc.comment_out_except(section, &keep);
    }
    Ok(commented)
}

/// Why a value of the answers cannot be written, in words to translate.
fn oslo_error(error: &OsloValueError) -> Message {
    match error {
        OsloValueError::LineBreak { position } => {
            Message::new("config_edit.line_break").arg("position", position)
        }
        OsloValueError::ControlCharacter { ch, position } => {
            Message::new("config_edit.control_character")
                .arg("code", format!("{:04X}", u32::from(*ch)))
                .arg("position", position)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Texts};

    /// A value no oslo.config line can carry is refused, naming the option,
    /// in the language asked for; in English as the ini module says it.
    #[test]
    fn a_refused_value_is_said_in_each_language() {
        for (value, index) in [("a\nb", 0), ("a\u{7}b", 1)] {
            let spec = ConfigSpec {
                file: ConfigFile::GlanceApi,
                path: "/etc/glance/glance-api.conf".into(),
                edits: vec![edit("DEFAULT", "debug", value)],
                comment_out_except: None,
            };
            let mut doc = IniDocument::parse("[DEFAULT]\n");
            let refused = apply_config_spec(&mut doc, &spec, true).unwrap_err();
            let oslo = oslo_quote(value).unwrap_err();
            assert_eq!(refused.english(), format!("[DEFAULT] debug: {oslo}"));
            let zh = Texts::of(Lang::ZhCn).msg(&refused);
            let expected = [
                "[DEFAULT] debug：位置 1（从 0 起计）处有换行：oslo.config 的值必须写在一行内",
                "[DEFAULT] debug：位置 1（从 0 起计）处有控制字符 U+0007：oslo.config 的值中除制表符外不能有控制字符",
            ];
            assert_eq!(zh, expected[index]);
        }
    }
}
