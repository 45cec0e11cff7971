//! glance-wizard: installs and configures the OpenStack Image service
//! (Glance) on a controller node.
//!
//! Layers: `answers` and `target` are the domain (what the admin wants, what
//! the machine is); `plan` turns them into tasks; `engine` runs tasks with
//! checkpoints; `undo` takes back what the engine recorded it created;
//! `wizard` is the core layer both front ends call; `export` writes the
//! plan for another engine (Ansible); `headless` (the command line) and `ui`
//! (the interactive wizard) only present.
//! Nothing below the presentation layer prints to the terminal. Modules that
//! only the crate uses (file, HTTP and child helpers) are private.
#![forbid(unsafe_code)]

pub mod answers;
pub mod bundle;
pub mod cli;
pub mod doctor;
pub mod engine;
pub mod escape;
pub mod export;
mod fsutil;
pub mod headless;
mod http;
mod inherit;
pub mod ini;
mod mask;
pub mod plan;
pub mod precheck;
pub mod secret;
pub mod target;
pub mod ui;
pub mod undo;
pub mod wizard;
