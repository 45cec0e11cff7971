//! The answers: what the admin tells glance-wizard. The same model is filled
//! from an answers file (TOML) or from the TUI's forms, parsed field by field
//! into the types of [`types`] (passwords checked by [`validate`]), and
//! resolved into [`Settings`] that the plan uses.
//!
//! [`Answers`] keeps each field as the admin wrote it, so that one pass can
//! report every broken rule with its field's path; the settings hold only
//! parsed values.

mod fields;
mod file;
pub mod openrc;
mod resolve;
mod rules;
mod save;
mod schema;
pub mod secrets;
mod settings;
pub mod types;
pub mod validate;

#[cfg(test)]
mod tests;

pub use crate::host::proxy::ProxySettings;
pub use file::{
    AdminAccess, Answers, ControllerAnswers, DatabaseAnswers, EndpointAnswers, ImageStoreAnswers,
    KeystoneAnswers, PackageAnswers, ProxyAnswers, SecretsAnswers, TEMPLATE, TargetAnswers,
    TestImageAnswers,
};
pub use resolve::{CheckedAnswers, controller_no_proxy, endpoint_on};
pub use rules::{AnswersError, FieldError, Rule};
pub use save::secrets_file_name;
pub use schema::schema_json;
pub use secrets::{SecretName, Secrets, generate_password};
pub use settings::{
    AdminCredentials, DbAdmin, DbSettings, EndpointSettings, ImageSource, KeystoneSettings,
    PackageSettings, Settings, StoreSettings, TestImageSettings,
};
pub use types::{CONTAINER_FORMATS, DISK_FORMATS, PORTS, STORES};
