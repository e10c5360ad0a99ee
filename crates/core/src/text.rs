//! Bytes to text. Wazuh works on C strings of any bytes; rulelab's fields
//! are Rust strings, so invalid UTF-8 is replaced (U+FFFD). Most text is
//! valid UTF-8: both conversions take the validating fast path first and
//! copy (or not) only then.

use std::borrow::Cow;

/// The part of `bytes` a C string sees: up to the first NUL.
#[inline]
pub(crate) fn c_str(bytes: &[u8]) -> &[u8] {
    match memchr::memchr(0, bytes) {
        Some(n) => bytes.get(..n).unwrap_or(bytes),
        None => bytes,
    }
}

/// `bytes` as text: borrowed when they are UTF-8.
pub(crate) fn lossy_cow(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// `bytes` as an owned text.
pub(crate) fn lossy(bytes: &[u8]) -> String {
    lossy_cow(bytes).into_owned()
}

/// Owned bytes as text, without a copy when they are UTF-8.
pub(crate) fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_text_is_kept_and_invalid_bytes_replaced() {
        assert!(matches!(lossy_cow(b"caf\xc3\xa9"), Cow::Borrowed("café")));
        assert_eq!(lossy(b"a\xffb"), "a\u{fffd}b");
        assert_eq!(into_text(b"a\xffb".to_vec()), "a\u{fffd}b");
        assert_eq!(into_text(b"ok".to_vec()), "ok");
        assert_eq!(c_str(b"ab\0cd"), b"ab");
        assert_eq!(c_str(b"ab"), b"ab");
    }
}
