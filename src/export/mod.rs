//! Exports of the plan for other engines: `glance-wizard export ansible`
//! turns the same answers and the same plan into an Ansible project for
//! one or more controllers behind a load balancer.

pub mod ansible;
pub mod inventory;
mod yaml;

pub use ansible::{Export, ExportError, ExportFile, ExportInput, export, write_export};
pub use inventory::{Connection, Controller, Inventory, InventoryError, OnceHost};
