//! Lower-case hex, as sha256sum and sha512sum print a digest.

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
