//! The wizard's screens, one folder each: the screen's keys (an `impl App`
//! block in its `mod.rs`, with its own state when it has any) and its
//! drawing (`draw.rs`, pure functions of the [`App`](super::app::App) and the
//! shared [`widgets`](super::widgets)). A screen's drawing reaches into no
//! other screen.

pub mod doctor;
pub mod done;
pub mod export;
pub mod form;
pub mod prechecks;
pub mod review;
pub mod run;
pub mod undo;
pub mod welcome;
