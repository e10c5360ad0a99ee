//! The session clock: the system clock in UTC, or a fixed instant given with
//! `--now` so that `<time>`, `<weekday>` and timeframes are reproducible.

use rulelab_core::Now;
use std::time::{SystemTime, UNIX_EPOCH};

/// The clock at `secs` since the Unix epoch, in UTC.
pub fn at(secs: i64) -> Now {
    Now {
        epoch_secs: secs,
        minute_of_day: ((secs.rem_euclid(86_400)) / 60) as u16,
        // 1970-01-01 was a Thursday (0 = Sunday).
        weekday: ((secs.div_euclid(86_400) + 4).rem_euclid(7)) as u8,
    }
}

/// The system clock.
pub fn system() -> Now {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    at(secs)
}

/// Days from 1970-01-01 to the given proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DDTHH:MM[:SS][Z]` (UTC; a space may replace the `T`).
pub fn parse(text: &str) -> Result<Now, String> {
    let bad = || format!("--now '{text}': expected a UTC time like 2026-11-28T09:30:00Z");
    let t = text.trim().trim_end_matches(['Z', 'z']);
    let (date, time) = t.split_once(['T', 't', ' ']).ok_or_else(bad)?;
    let num = |s: &str| s.parse::<i64>().map_err(|_| bad());
    let d: Vec<&str> = date.split('-').collect();
    let c: Vec<&str> = time.split(':').collect();
    if d.len() != 3 || !(2..=3).contains(&c.len()) {
        return Err(bad());
    }
    let (y, mo, day) = (num(d[0])?, num(d[1])?, num(d[2])?);
    let (h, mi) = (num(c[0])?, num(c[1])?);
    let s = if c.len() == 3 { num(c[2])? } else { 0 };
    let month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let max_day = if mo == 2 && leap {
        29
    } else {
        *month_days
            .get((mo - 1).clamp(0, 11) as usize)
            .unwrap_or(&31)
    };
    if !(1..=12).contains(&mo)
        || !(1..=max_day).contains(&day)
        || h > 23
        || mi > 59
        || s > 59
        || h < 0
        || mi < 0
        || s < 0
    {
        return Err(bad());
    }
    Ok(at(days_from_civil(y, mo, day) * 86_400
        + h * 3600
        + mi * 60
        + s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_times() {
        let n = parse("2026-11-28T09:30:15Z").unwrap();
        assert_eq!(n.epoch_secs, 1_795_858_215);
        assert_eq!(n.minute_of_day, 9 * 60 + 30);
        assert_eq!(n.weekday, 6, "a Saturday");
        assert_eq!(parse("1970-01-01 00:00").unwrap(), at(0));
        assert_eq!(parse("2024-02-29T23:59:59").unwrap().weekday, 4);
        for bad in [
            "",
            "2026-11-28",
            "2026-13-01T00:00",
            "2025-02-29T00:00",
            "2026-11-28T24:00",
            "x-y-zT1:2",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn weekday_and_minute_of_day() {
        assert_eq!(at(0).weekday, 4);
        assert_eq!(at(-1).weekday, 3);
        assert_eq!(at(-1).minute_of_day, 1439);
    }
}
