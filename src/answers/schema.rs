//! The answers file's JSON Schema (`glance-wizard answers --schema`), derived
//! by schemars from the very types serde reads the file into, so it cannot
//! drift from them. It says what a schema can: the keys, their types, the
//! enumerations and the port range. Rules between fields (the default store
//! among the stores, a proxy to persist, secrets) stay with the validator.

use schemars::generate::SchemaSettings;

use super::Answers;

/// The schema as pretty JSON, in JSON Schema draft 7: the draft that taplo
/// (Even Better TOML) and Debian's python3-jsonschema both know.
pub fn schema_json() -> String {
    let schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<Answers>();
    serde_json::to_string_pretty(&schema).expect("a schema always serializes")
}
