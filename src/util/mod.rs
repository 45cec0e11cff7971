//! Helpers every layer above may use: files, hex, escaping, masking, secrets, child descriptors.
pub mod escape;
pub(crate) mod fs;
pub mod hex;
pub(crate) mod inherit;
pub(crate) mod mask;
pub mod secret;
