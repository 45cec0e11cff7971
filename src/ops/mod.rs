//! What each command does, whichever face (the command line or the wizard) calls it: loading
//! the answers, settings, the plan's preview, apply, status, reset, the support bundle, and the
//! exit code of each outcome. Nothing here prints; the faces say what happened.
pub mod apply;
pub mod bundle;
pub mod exit;
pub mod load;
pub mod preview;
pub mod reset;
pub mod settings;
pub mod status;
