//! glance-wizard: installs and configures the OpenStack Image service
//! (Glance) on a controller node.
//!
//! Layers: `answers` and `target` are the domain (what the admin wants, what
//! the machine is); `plan` turns them into tasks; `engine` runs tasks with
//! checkpoints; `headless` and (later) `ui` only present. Nothing below the
//! presentation layer prints to the terminal.
#![forbid(unsafe_code)]

pub mod answers;
pub mod bundle;
pub mod cli;
pub mod doctor;
pub mod engine;
pub mod escape;
pub mod fsutil;
pub mod headless;
pub mod http;
pub mod inherit;
pub mod ini;
pub mod mask;
pub mod plan;
pub mod precheck;
pub mod secret;
pub mod target;
pub mod ui;
pub mod wizard;
