//! Glance's image formats: the disk and container formats a test image may
//! have.

use crate::i18n::Message;

/// The Glance disk formats a test image may have: the one list, offered by
/// the form and checked by [`DiskFormat`].
pub const DISK_FORMATS: &[&str] = &[
    "qcow2", "raw", "vmdk", "vdi", "iso", "vhd", "vhdx", "ami", "ari", "aki", "ploop",
];
/// The Glance container formats a test image may have (see
/// [`DISK_FORMATS`]).
pub const CONTAINER_FORMATS: &[&str] = &[
    "bare",
    "ovf",
    "ova",
    "docker",
    "ami",
    "ari",
    "aki",
    "compressed",
];

/// Why a text is not a [`DiskFormat`] or a [`ContainerFormat`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("{}", self.msg().english())]
    Disk(String),
    #[error("{}", self.msg().english())]
    Container(String),
}

impl FormatError {
    /// The rule in any language (its words: `rule.format.*` of assets/i18n).
    pub fn msg(&self) -> Message {
        match self {
            Self::Disk(value) => Message::new("rule.format.disk").arg("value", value),
            Self::Container(value) => Message::new("rule.format.container").arg("value", value),
        }
    }
}

fn check_disk_format(value: &str) -> Result<(), FormatError> {
    if DISK_FORMATS.contains(&value) {
        Ok(())
    } else {
        Err(FormatError::Disk(value.into()))
    }
}

fn check_container_format(value: &str) -> Result<(), FormatError> {
    if CONTAINER_FORMATS.contains(&value) {
        Ok(())
    } else {
        Err(FormatError::Container(value.into()))
    }
}

text_type!(
    /// One of [`DISK_FORMATS`].
    DiskFormat,
    FormatError,
    check_disk_format
);

text_type!(
    /// One of [`CONTAINER_FORMATS`].
    ContainerFormat,
    FormatError,
    check_container_format
);
