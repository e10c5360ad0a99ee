//! `time` and `weekday` conditions (rules.md §3.9). Both compare against
//! the session clock's local time, never the log's own timestamp.

/// A `time` range in minutes of the day, inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeRange {
    pub start: u16,
    pub end: u16,
    /// True for "not between" (a leading `!`, or start > end, R3.9.1).
    pub outside: bool,
}

fn parse_clock(s: &str) -> Option<u16> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let (body, ampm) = if let Some(b) = lower.strip_suffix("am") {
        (b.trim_end().to_string(), Some(false))
    } else if let Some(b) = lower.strip_suffix("pm") {
        (b.trim_end().to_string(), Some(true))
    } else {
        (lower.clone(), None)
    };
    let (h, m) = match body.split_once(':') {
        Some((h, m)) => (h, m),
        None => (body.as_str(), "0"),
    };
    if h.is_empty() || h.len() > 2 || !h.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if m.is_empty() || m.len() > 2 || !m.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m > 59 {
        return None;
    }
    match ampm {
        Some(pm) => {
            if h == 0 || h > 12 {
                return None;
            }
            // 12am -> 00, 12pm -> 12 (R3.9.1)
            h %= 12;
            if pm {
                h += 12;
            }
        }
        None if h > 23 => return None,
        None => {}
    }
    Some(h * 60 + m)
}

/// Parses `[!] T1 - T2`.
pub fn parse_time(text: &str) -> Option<TimeRange> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (a, b) = t.split_once('-')?;
    let start = parse_clock(a)?;
    let end = parse_clock(b)?;
    if start > end {
        // Stored as "not between end and start"; a `!` is then ignored.
        return Some(TimeRange {
            start: end,
            end: start,
            outside: true,
        });
    }
    Some(TimeRange {
        start,
        end,
        outside: neg,
    })
}

impl TimeRange {
    pub fn matches(&self, minute_of_day: u16) -> bool {
        let inside = minute_of_day >= self.start && minute_of_day <= self.end;
        if self.outside {
            // R3.9.1: a wrapped range is true strictly outside both ends.
            minute_of_day < self.start || minute_of_day > self.end
        } else {
            inside
        }
    }
}

/// A `weekday` set: bit d for day d (0 = Sunday).
pub fn parse_weekday(text: &str) -> Option<u8> {
    const NAMES: [(&str, u8); 16] = [
        ("sunday", 0b1),
        ("sun", 0b1),
        ("monday", 0b10),
        ("mon", 0b10),
        ("tuesday", 0b100),
        ("tue", 0b100),
        ("wednesday", 0b1000),
        ("wed", 0b1000),
        ("thursday", 0b1_0000),
        ("thu", 0b1_0000),
        ("friday", 0b10_0000),
        ("fri", 0b10_0000),
        ("saturday", 0b100_0000),
        ("sat", 0b100_0000),
        ("weekdays", 0b011_1110),
        ("weekends", 0b100_0001),
    ];
    let lower = text.to_ascii_lowercase();
    let mut rest = lower.as_str();
    let mut set = 0u8;
    loop {
        rest = rest.trim_start_matches([' ', ',']);
        if rest.is_empty() {
            break;
        }
        let (name, bits) = NAMES.iter().find(|(n, _)| {
            rest.starts_with(n)
                && rest[n.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == ' ' || c == ',')
        })?;
        set |= bits;
        rest = &rest[name.len()..];
    }
    if set == 0 {
        None
    } else {
        Some(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ranges() {
        let r = parse_time("6 pm - 8:30 pm").unwrap();
        assert!(r.matches(18 * 60) && r.matches(20 * 60 + 30) && !r.matches(20 * 60 + 31));
        let w = parse_time("22:00-06:00").unwrap();
        assert!(w.matches(23 * 60) && w.matches(60));
        assert!(!w.matches(22 * 60) && !w.matches(6 * 60) && !w.matches(12 * 60));
        assert_eq!(parse_time("12am-12pm").unwrap().start, 0);
        assert!(parse_time("25:00-26:00").is_none());
        assert!(parse_time("noon").is_none());
    }

    #[test]
    fn weekdays() {
        assert_eq!(parse_weekday("monday,tue"), Some(0b110));
        assert_eq!(parse_weekday("weekends"), Some(0b100_0001));
        assert_eq!(parse_weekday("!monday"), None);
        assert_eq!(parse_weekday("mondayx"), None);
    }
}
