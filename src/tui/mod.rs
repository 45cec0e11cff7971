//! The interactive wizard: full-screen forms over the same answers model,
//! validators and engine as `apply`. The only module that uses ratatui and
//! crossterm. It runs no command itself: the engine runs on its own thread
//! and reports over a channel; the loop of the [`runtime`] waits on input,
//! engine events and a tick, and draws.
//!
//! Layout: [`runtime`] (terminal, threads, background work, loop), [`app`]
//! (the state every screen shares, the messages, the key dispatch),
//! [`screens`] (one folder per screen: its state, keys, drawing and tests),
//! [`render`] (the frame around the screen), [`widgets`] (drawing helpers
//! the screens share), [`theme`]; [`draft`] (the answers being typed) and
//! [`log_buffer`] (a task's bounded output) and [`saved_answers`] (where the
//! answers were saved) are models more than one screen reads.

pub mod app;
pub mod bench;
pub mod draft;
pub mod log_buffer;
pub mod render;
pub mod runtime;
pub mod saved_answers;
pub mod screens;
pub mod session;
pub mod theme;
pub mod widgets;
mod wrap;

pub use runtime::{Options, build_app, resume_info, run};
pub use session::session_answers_path;

#[cfg(test)]
mod tests;
