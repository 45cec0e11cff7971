//! Parse, don't validate: one type per kind of value in the answers, each
//! made only by its own rule ([`FromStr`](std::str::FromStr), and serde through the same
//! parse), so that settings built from them cannot hold a value that broke
//! a rule. The answers file and the TUI's forms parse with these same types.
//!
//! A value keeps the text the admin wrote (what `Display` and `as_str`
//! give): a config file gets exactly what was asked for, never a normalised
//! spelling of it. Each error says the rule in words a sysadmin can act on;
//! the field's name is added by the caller ([`super::FieldError`]).

/// A text value whose rule is `$check`: the struct, its parse, and the ways
/// to read it back as the text it was made from.
macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $error:ty, $check:path) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            serde::Serialize,
            serde::Deserialize,
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = $error;
            fn from_str(value: &str) -> Result<Self, $error> {
                $check(value)?;
                Ok(Self(value.to_string()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(value: String) -> Result<Self, $error> {
                $check(&value)?;
                Ok(Self(value))
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        /// For the config writer's `impl Into<String>` values.
        impl From<&$name> for String {
            fn from(value: &$name) -> String {
                value.0.clone()
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// Equality, order and hash are the text's (derived on it), so a
        /// list of these joins like a list of strings.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }
    };
}

mod addresses;
mod formats;
mod machine;
mod names;
mod urls;

#[cfg(test)]
mod tests;

pub use addresses::{
    Host, HostError, IpAddress, IpAddressError, MemcachedError, MemcachedServer, Port, PortError,
};
pub use formats::{CONTAINER_FORMATS, ContainerFormat, DISK_FORMATS, DiskFormat, FormatError};
pub use machine::{AbsolutePath, CommandOption, CommandOptionError, PathError};
pub use names::{KeystoneName, NameError, RegionError, RegionName, SqlIdentifier};
pub use urls::{HttpUrl, NoProxyEntry, NoProxyError, ProxyUrl, ProxyUrlError, UrlError};

pub use crate::host::target::store::{STORES, Store, StoreError};

/// The TCP ports a port field accepts (also the answers schema's bounds).
pub const PORTS: std::ops::RangeInclusive<i64> = 1..=65535;
