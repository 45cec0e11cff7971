//! Checks of the machine: before an install (prechecks) and of a Glance that exists (doctor).
pub mod doctor;
pub mod precheck;
mod probes;
pub mod text;
