//! What the machine is: its distribution, release and init system, and how it reaches a URL.
pub(crate) mod http;
pub mod proxy;
pub mod target;
