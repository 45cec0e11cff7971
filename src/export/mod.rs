//! Exports of the plan for other engines: `glance-wizard export ansible`
//! turns the same answers and the same plan into an Ansible project for
//! one or more controllers behind a load balancer.

pub mod ansible;
pub mod inventory;
mod yaml;

pub use ansible::{Export, ExportError, ExportFile, ExportInput, export, write_export};
pub use inventory::{Connection, Controller, Inventory, InventoryError, OnceHost};

use std::path::Path;

use crate::answers::{Answers, Settings};
use crate::host::target::Profile;
use crate::i18n::{Message, Texts};

/// Why an export wrote nothing (or, for [`ExportError::Write`], not all).
#[derive(Debug)]
pub enum Failure {
    /// The inventory file is unreadable or breaks a rule (each problem
    /// with its field).
    Inventory(InventoryError),
    /// The answers cannot be exported (a local store for many
    /// controllers), or a file could not be written.
    Export(ExportError),
}

impl Failure {
    /// In a language; several lines for an inventory's problems.
    pub fn render(&self, t: &Texts) -> String {
        match self {
            Failure::Inventory(e) => e.render(t).trim_end().to_string(),
            Failure::Export(e) => t.msg(&e.msg()),
        }
    }
}

/// What `glance-wizard export ansible` and the wizard's Export screen both
/// do: reads the inventory file, builds the project from the answers'
/// settings and writes it into `output` (secrets only into `secrets.yml`,
/// mode 0600). On success, the words that say where it went and how to
/// encrypt the secrets (no secret in them).
pub fn write_project(
    answers: &Answers,
    settings: &Settings,
    profile: &Profile,
    inventory: &Path,
    output: &Path,
) -> Result<Message, Failure> {
    let inventory = Inventory::load(inventory).map_err(Failure::Inventory)?;
    let input = ExportInput {
        settings,
        profile,
        inventory: &inventory,
        memcached_on_controllers: answers.keystone.memcached_servers.is_none(),
    };
    let project = export(&input).map_err(Failure::Export)?;
    write_export(output, &project).map_err(Failure::Export)?;
    Ok(Message::new("export.written")
        .arg("count", inventory.controllers.len())
        .arg("dir", output.display())
        .arg("secrets", output.join("secrets.yml").display()))
}
