//! The integration tests: one test binary, so the crate is linked once for all of them; one
//! module per subject (each was a test binary of its own). They run in parallel and change
//! nothing on this machine; ansible_lint (Ansible's venv) runs only with GW_LAB=1, and
//! precheck_repository takes the lab lock and skips itself without a lab.
//! The end-to-end tests, which install Glance here, are the other binary: tests/e2e/.

#[path = "../common/mod.rs"]
mod common;

mod ansible_export;
mod ansible_lint;
mod answers_fixtures;
mod answers_schema;
mod bad_input;
mod check_chinese;
mod cli_docs;
mod doctor_chinese;
mod json_output;
mod layering;
mod package_errors;
mod plan_before_secrets;
mod plan_chinese;
mod plan_fingerprints;
mod plan_secrets;
mod plan_spec_properties;
mod precheck_repository;
mod releases;
mod undo_chinese;
