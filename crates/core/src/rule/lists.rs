//! CDB lists (rules.md §7): the text format and the lookups of `<list>`.

use std::collections::HashMap;

/// One loaded list: key -> value, first occurrence wins (R7.2.3).
#[derive(Debug, Clone, Default)]
pub struct CdbList {
    pub entries: HashMap<String, String>,
}

impl CdbList {
    /// Parses the text format of R7.2.
    pub fn parse(text: &str) -> CdbList {
        let mut entries = HashMap::new();
        for raw in text.split('\n') {
            let line = raw.split('\r').next().unwrap_or("");
            if let Some((k, v)) = parse_line(line) {
                entries.entry(k).or_insert(v);
            }
        }
        CdbList { entries }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }

    /// `address_match_key`: exact, then prefixes ending in `.`, longest first
    /// (R7.3.3). Returns the value of the first key found.
    pub fn find_address(&self, value: &str) -> Option<&str> {
        if let Some(v) = self.get(value) {
            return Some(v);
        }
        if value.contains(':') {
            return None;
        }
        let bytes = value.as_bytes();
        let mut end = bytes.len();
        while end > 0 {
            end -= 1;
            if bytes[end] == b'.' {
                if let Some(v) = self.get(&value[..=end]) {
                    return Some(v);
                }
            }
        }
        None
    }
}

fn parse_line(line: &str) -> Option<(String, String)> {
    let colon = line.find(':')?;
    let quote = line.find('"');
    let (key, rest) = match quote {
        Some(q) if q < colon => {
            let after = &line[q + 1..];
            let close = after.find('"')?;
            let key = &after[..close];
            let tail = &after[close + 1..];
            let c = tail.find(':')?;
            (key, &tail[c + 1..])
        }
        _ => (&line[..colon], &line[colon + 1..]),
    };
    let value = match rest.find('"') {
        Some(q) => {
            let after = &rest[q + 1..];
            let close = after.find('"')?;
            &after[..close]
        }
        None => rest,
    };
    Some((key.to_string(), value.to_string()))
}

/// The `lookup` attribute of `<list>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    MatchKey,
    NotMatchKey,
    MatchKeyValue,
    AddressMatchKey,
    NotAddressMatchKey,
    AddressMatchKeyValue,
}

impl Lookup {
    pub fn parse(s: &str) -> Option<Lookup> {
        Some(match s.to_ascii_lowercase().as_str() {
            "match_key" => Lookup::MatchKey,
            "not_match_key" => Lookup::NotMatchKey,
            "match_key_value" => Lookup::MatchKeyValue,
            "address_match_key" => Lookup::AddressMatchKey,
            "not_address_match_key" => Lookup::NotAddressMatchKey,
            "address_match_key_value" => Lookup::AddressMatchKeyValue,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format() {
        let l = CdbList::parse("a:1\nb:x:y\n\"c:d\":2\ne:\"q:v\" z\nnocolon\nf:\r\na:dup\n");
        assert_eq!(l.get("a"), Some("1"));
        assert_eq!(l.get("b"), Some("x:y"));
        assert_eq!(l.get("c:d"), Some("2"));
        assert_eq!(l.get("e"), Some("q:v"));
        assert_eq!(l.get("f"), Some(""));
        assert_eq!(l.get("nocolon"), None);
    }

    #[test]
    fn address_prefixes() {
        let l = CdbList::parse("10.1.:net\n10.1.2.3:host\n");
        assert_eq!(l.find_address("10.1.2.3"), Some("host"));
        assert_eq!(l.find_address("10.1.9.9"), Some("net"));
        assert_eq!(l.find_address("10.2.0.1"), None);
    }
}
