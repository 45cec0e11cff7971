//! The end-to-end tests, one test binary (one module per subject): they install and configure
//! Glance on this machine (the lab of scripts/lab-setup.sh), so nextest runs this binary's tests
//! one at a time (test group `e2e` in .config/nextest.toml), and each takes the lab lock
//! (common::lab). Without a lab they skip themselves, unless GW_LAB=1 promised one.

#[path = "../common/mod.rs"]
mod common;

mod e2e_ansible;
mod e2e_apply;
mod e2e_doctor;
mod e2e_hostile;
mod e2e_kill;
mod e2e_moves;
mod e2e_packages;
mod e2e_prechecks;
mod e2e_secrets;
mod e2e_tempest;
mod e2e_tui;
mod e2e_undo;
