//! Identity tasks through the `openstack` CLI, each probing first so that a
//! rerun never creates a duplicate. The one secret-bearing call (the glance
//! user's password) goes to Keystone's API directly: the CLI would need the
//! password in argv (`--password`) or a terminal (`--password-prompt`).

mod client;
mod endpoints;
mod glance_view;
mod keystone;
mod origin;
mod probes;
mod role;
mod service;
mod token;
mod user;

pub use client::{KeystoneApi, direct_agent};
pub use endpoints::endpoints;
pub use glance_view::glance_user_view;
pub use keystone::RealKeystone;
pub use probes::{probe_endpoints_task, probe_role, probe_service, probe_user};
pub use role::role;
pub use service::service;
pub use token::{
    LoginError, admin_cli_env, admin_token, catalog_url, fresh_admin_token,
    issue_token_with_catalog,
};
pub use user::user;

#[cfg(test)]
mod tests;

#[cfg(test)]
pub(crate) mod runner_tests;
