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
pub mod checks;
pub mod cli;
pub mod engine;
pub mod export;
pub mod host;
pub mod i18n;
pub mod ini;
pub mod ops;
pub mod plan;
pub mod tui;
pub mod undo;
pub mod util;
