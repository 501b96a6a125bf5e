//! UTC timestamps as image configs and podman write them (RFC 3339 with nanoseconds).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time, seconds and nanoseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    pub fn now() -> Timestamp {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp {
                secs: d.as_secs() as i64,
                nanos: d.subsec_nanos(),
            },
            Err(_) => Timestamp::default(),
        }
    }

    pub fn from_secs(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; also accepts a space for `T`.
    pub fn parse(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        if b.len() < 20 {
            return None;
        }
        let num = |from: usize, len: usize| -> Option<i64> {
            let part = s.get(from..from + len)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
        if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        let (hour, min, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 {
            return None;
        }
        let mut i = 19;
        let mut nanos: u32 = 0;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            let digits = (i - start).min(9);
            if digits == 0 {
                return None;
            }
            nanos *= 10u32.pow(9 - digits as u32);
        }
        let offset = match &s[i..] {
            "Z" | "z" => 0,
            rest if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
                let oh = num(i + 1, 2)?;
                let om = num(i + 4, 2)?;
                if b[i + 3] != b':' {
                    return None;
                }
                let off = oh * 3600 + om * 60;
                if rest.starts_with('-') {
                    -off
                } else {
                    off
                }
            }
            _ => return None,
        };
        let days = days_from_civil(year, month as u32, day as u32);
        let secs = days * 86400 + hour * 3600 + min * 60 + sec.min(59) - offset;
        Some(Timestamp { secs, nanos })
    }

    /// `2006-01-02T15:04:05.999999999Z` (trailing zeros of the fraction dropped, as Go does).
    pub fn rfc3339_nanos(&self) -> String {
        let mut s = self.date_time('T');
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        s.push('Z');
        s
    }

    /// `2006-01-02T15:04:05Z`.
    pub fn rfc3339(&self) -> String {
        format!("{}Z", self.date_time('T'))
    }

    /// Go's `time.Time.String()` of a UTC time cut to seconds: `2006-01-02 15:04:05 +0000 UTC`.
    pub fn go_string(&self) -> String {
        format!("{} +0000 UTC", self.date_time(' '))
    }

    /// Go's `time.UnixDate` in UTC: `Mon Jan  2 15:04:05 UTC 2006`.
    pub fn unix_date(&self) -> String {
        const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let days = self.secs.div_euclid(86400);
        let rem = self.secs.rem_euclid(86400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{} {} {d:>2} {:02}:{:02}:{:02} UTC {y}",
            DAYS[days.rem_euclid(7) as usize],
            MONTHS[(m as usize).saturating_sub(1) % 12],
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }

    fn date_time(&self, sep: char) -> String {
        let days = self.secs.div_euclid(86400);
        let rem = self.secs.rem_euclid(86400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}{sep}{:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339_nanos())
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A duration as Go's `time.ParseDuration` reads it (`30s`, `1m30s`,
/// `1.5h`, `250ms`, `0`), as HEALTHCHECK flags are written. Negative
/// durations are refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let nanos = go_duration_nanos(text)?;
    u64::try_from(nanos)
        .map(Duration::from_nanos)
        .map_err(|_| format!("negative duration {text:?}"))
}

fn go_duration_nanos(text: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {text:?}");
    let (negative, mut s) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let number_end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let number = &s[..number_end];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(invalid());
        }
        let value: f64 = number.parse().map_err(|_| invalid())?;
        s = &s[number_end..];
        let unit_end = s
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(s.len());
        let scale = match &s[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("time: missing unit in duration {text:?}")),
            unit => return Err(format!("time: unknown unit {unit:?} in duration {text:?}")),
        };
        s = &s[unit_end..];
        total += value * scale;
    }
    if total > i64::MAX as f64 {
        return Err(invalid());
    }
    let nanos = total.round() as i128;
    Ok(if negative { -nanos } else { nanos })
}

/// Go's `time.Duration` string (`4.286160924s`, `1m2.5s`, `0s`, `10ms`).
pub fn format_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        return "0s".into();
    }
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if ns < 1_000 {
        return format!("{ns}ns");
    }
    if ns < 1_000_000 {
        return trim(format!("{}.{:03}", ns / 1_000, ns % 1_000)) + "µs";
    }
    if ns < 1_000_000_000 {
        return trim(format!("{}.{:06}", ns / 1_000_000, ns % 1_000_000)) + "ms";
    }
    let secs = ns / 1_000_000_000;
    let frac = ns % 1_000_000_000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let sec = trim(format!("{s}.{frac:09}")) + "s";
    match (h, m) {
        (0, 0) => sec,
        (0, m) => format!("{m}m{sec}"),
        (h, m) => format!("{h}h{m}m{sec}"),
    }
}

/// A point in time as `--since`/`--until` and `until=` filters take it: RFC 3339,
/// Unix seconds (with an optional fraction), or a Go duration before `now`.
pub fn parse_time(s: &str, now: Timestamp) -> Result<Timestamp, String> {
    if let Some(t) = Timestamp::parse(s) {
        return Ok(t);
    }
    if let Some(date) = s.strip_suffix('Z').filter(|d| d.len() == 10) {
        if let Some(t) = Timestamp::parse(&format!("{date}T00:00:00Z")) {
            return Ok(t);
        }
    }
    if let Ok(secs) = s.parse::<f64>() {
        return Ok(Timestamp {
            secs: secs.trunc() as i64,
            nanos: (secs.fract() * 1e9) as u32,
        });
    }
    match parse_duration(s).ok() {
        Some(d) => {
            let total = now.secs as i128 * 1_000_000_000 + now.nanos as i128 - d.as_nanos() as i128;
            Ok(Timestamp {
                secs: total.div_euclid(1_000_000_000) as i64,
                nanos: total.rem_euclid(1_000_000_000) as u32,
            })
        }
        None => Err(format!(
            "invalid time {s:?}: use RFC 3339 (2024-01-02T15:04:05Z), Unix seconds, or a duration such as 10m"
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn unix_dates() {
        // 2026-11-26 17:36:06 UTC, a Thursday.
        assert_eq!(
            super::Timestamp::from_secs(1_795_714_566).unix_date(),
            "Thu Nov 26 17:36:06 UTC 2026"
        );
        assert_eq!(
            super::Timestamp::from_secs(86400 * 3).unix_date(),
            "Sun Jan  4 00:00:00 UTC 1970"
        );
    }

    use super::*;

    #[test]
    fn parses_podman_created() {
        let t = Timestamp::parse("2026-11-26T12:46:45.269279876Z").unwrap();
        assert_eq!(t.secs, 1795697205);
        assert_eq!(t.nanos, 269279876);
        assert_eq!(t.rfc3339_nanos(), "2026-11-26T12:46:45.269279876Z");
        assert_eq!(t.rfc3339(), "2026-11-26T12:46:45Z");
        assert_eq!(t.go_string(), "2026-11-26 12:46:45 +0000 UTC");
    }

    #[test]
    fn offsets_and_short_fractions() {
        let a = Timestamp::parse("2024-02-29T01:00:00.5+01:00").unwrap();
        let b = Timestamp::parse("2024-02-29T00:00:00.500Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(b.rfc3339_nanos(), "2024-02-29T00:00:00.5Z");
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00Z").unwrap().secs, 0);
        assert_eq!(
            Timestamp::parse("1969-12-31T23:59:59Z").unwrap().rfc3339(),
            "1969-12-31T23:59:59Z"
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2024-13-01T00:00:00Z",
            "2024-01-01 00:00:00",
            "2024-01-01T00:00:00.Z",
            "yesterday at noon!!",
        ] {
            assert!(Timestamp::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn civil_roundtrip() {
        for days in [-800_000, -1, 0, 1, 59, 365, 11_000, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn go_durations() {
        let ok_cases = [
            ("0", 0),
            ("30s", 30_000_000_000),
            ("1m30s", 90_000_000_000),
            ("1.5h", 5_400_000_000_000),
            ("250ms", 250_000_000),
            ("10us", 10_000),
            ("10µs", 10_000),
            ("1h2m3s4ms5us6ns", 3_723_004_005_006),
            ("+5s", 5_000_000_000),
            (".5s", 500_000_000),
        ];
        for (text, nanos) in ok_cases {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_nanos(nanos)),
                "{text}"
            );
        }
        for bad in ["", "5", "s", "1x", "1.2.3s", "-1s", "..s", "1s5"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_as_go_prints_them() {
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_millis(10)), "10ms");
        assert_eq!(
            format_duration(Duration::from_nanos(4_286_160_924)),
            "4.286160924s"
        );
        assert_eq!(
            format_duration(Duration::from_secs(62) + Duration::from_millis(500)),
            "1m2.5s"
        );
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(format_duration(Duration::from_nanos(500)), "500ns");
        assert_eq!(format_duration(Duration::from_nanos(1_500)), "1.5µs");
        assert_eq!(format_duration(Duration::from_nanos(3_960_000)), "3.96ms");
        assert_eq!(format_duration(Duration::from_secs(3723)), "1h2m3s");
    }

    #[test]
    fn times_in_every_form() {
        let now = Timestamp::from_secs(1_700_000_000);
        assert_eq!(parse_time("10m", now).unwrap().secs, 1_700_000_000 - 600);
        assert_eq!(parse_time("1h30m", now).unwrap().secs, 1_700_000_000 - 5400);
        assert_eq!(
            parse_time("2023-11-14T22:13:20Z", now).unwrap(),
            Timestamp::from_secs(1_700_000_000)
        );
        let t = parse_time("1700000000.5", now).unwrap();
        assert_eq!((t.secs, t.nanos), (1_700_000_000, 500_000_000));
        assert!(parse_time("yesterday", now).is_err());
    }
}
