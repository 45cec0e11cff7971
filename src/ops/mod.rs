//! What each command does, whichever face (command line or wizard) calls it.
pub mod bundle;
pub mod headless;
pub mod wizard;
