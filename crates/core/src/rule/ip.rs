//! `srcip`/`dstip` address lists, Wazuh's "osip" (rules.md §3.4).

use std::net::{Ipv4Addr, Ipv6Addr};

/// One list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpEntry {
    V4 {
        net: u32,
        mask: u32,
    },
    V6 {
        net: u128,
        prefix: u8,
    },
    /// `any`: every valid IP (rules.md R3.4.4).
    Any,
}

/// Parses an entry: `[!]IPv4[/cidr|/mask]`, `[!]IPv6[/prefix]`,
/// `::ffff:a.b.c.d`, or `any`. The `!` is accepted and ignored (R3.4.2).
pub fn parse_entry(text: &str) -> Option<IpEntry> {
    let t = text.strip_prefix('!').unwrap_or(text);
    if t == "any" {
        return Some(IpEntry::Any);
    }
    let (addr, mask) = match t.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (t, None),
    };
    if let Ok(v4) = addr.parse::<Ipv4Addr>() {
        let m = match mask {
            None => u32::MAX,
            Some(m) if m.contains('.') => u32::from(m.parse::<Ipv4Addr>().ok()?),
            Some(m) => {
                let bits: u32 = m.parse().ok()?;
                if bits > 32 {
                    return None;
                }
                if bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - bits)
                }
            }
        };
        return Some(IpEntry::V4 {
            net: u32::from(v4) & m,
            mask: m,
        });
    }
    let v6: Ipv6Addr = addr.parse().ok()?;
    // R3.4.2: an IPv4-mapped entry is stored as the IPv4 address.
    if let Some(v4) = v6.to_ipv4_mapped() {
        if mask.is_none() {
            return Some(IpEntry::V4 {
                net: u32::from(v4),
                mask: u32::MAX,
            });
        }
    }
    let prefix: u8 = match mask {
        None => 128,
        Some(m) => {
            let p: u8 = m.parse().ok()?;
            if p > 128 {
                return None;
            }
            p
        }
    };
    let m = prefix_mask(prefix);
    Some(IpEntry::V6 {
        net: u128::from(v6) & m,
        prefix,
    })
}

fn prefix_mask(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    }
}

/// Whether `value` (an event field) is in the list (plain OR, R3.4.2).
pub fn list_contains(entries: &[IpEntry], value: &str) -> bool {
    let v4 = value.parse::<Ipv4Addr>().ok();
    let v6 = if v4.is_none() {
        value.parse::<Ipv6Addr>().ok()
    } else {
        None
    };
    if v4.is_none() && v6.is_none() {
        return false;
    }
    entries.iter().any(|e| match (e, v4, v6) {
        (IpEntry::Any, _, _) => true,
        (IpEntry::V4 { net, mask }, Some(a), _) => u32::from(a) & mask == *net,
        // R3.4.4: an IPv6 value never matches an IPv4 entry.
        (IpEntry::V4 { .. }, None, _) => false,
        (IpEntry::V6 { net, prefix }, _, Some(a)) => u128::from(a) & prefix_mask(*prefix) == *net,
        // R3.4.4: an IPv4 value against an IPv6 entry reads the entry's first
        // four bytes as an IPv4 address and the next four as its mask.
        (IpEntry::V6 { net, .. }, Some(a), None) => {
            let bytes = net.to_be_bytes();
            let addr = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            let mask = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
            u32::from(a) & mask == addr
        }
        (IpEntry::V6 { .. }, None, None) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(entries: &[&str]) -> Vec<IpEntry> {
        entries.iter().map(|e| parse_entry(e).unwrap()).collect()
    }

    #[test]
    fn cidr_and_ignored_bang() {
        assert!(list_contains(&l(&["10.0.0.0/8"]), "10.1.1.1"));
        assert!(list_contains(&l(&["!10.0.0.0/8"]), "10.1.1.1"));
        assert!(!list_contains(&l(&["!10.0.0.0/8"]), "192.168.1.1"));
        let both = l(&["192.168.0.0/16", "!10.0.0.0/8"]);
        assert!(list_contains(&both, "10.1.1.1"));
        assert!(list_contains(&both, "192.168.1.1"));
        assert!(!list_contains(&both, "172.16.1.1"));
        assert!(list_contains(&l(&["10.0.0.0/255.0.0.0"]), "10.2.3.4"));
    }

    #[test]
    fn mixed_families_quirks() {
        assert!(list_contains(&l(&["::ffff:10.1.1.1"]), "10.1.1.1"));
        assert!(!list_contains(&l(&["::ffff:10.1.1.1"]), "::ffff:10.1.1.1"));
        assert!(list_contains(&l(&["::1"]), "8.8.8.8"));
        assert!(list_contains(&l(&["a01:101:ffff:ffff::"]), "10.1.1.1"));
        assert!(!list_contains(&l(&["a01:101:ffff:ffff::"]), "10.1.1.2"));
        assert!(!list_contains(&l(&["2001:db8::1"]), "10.1.1.1"));
        assert!(!list_contains(&l(&["10.0.0.0/8"]), "::1"));
        assert!(list_contains(&l(&["any"]), "::1"));
        assert!(!list_contains(&l(&["any"]), "nonip"));
        assert!(parse_entry("10.0.0.300").is_none());
    }
}
