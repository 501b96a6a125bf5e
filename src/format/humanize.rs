//! Sizes and ages the way podman prints them (Docker's go-units).

use crate::base::timestamp::Timestamp;

const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

const BINARY_UNITS: [&str; 9] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/// `11.3 kB`, `4.51 MB`, `0 B`: decimal units, three significant digits.
pub fn size(bytes: u64) -> String {
    let (v, unit) = scaled(bytes, 1000.0, &UNITS);
    format!("{} {unit}", go_g3(v))
}

/// `4.1kB`: go-units' `HumanSizeWithPrecision(n, 3)`, as `stats` prints sizes.
pub fn size_compact(bytes: u64) -> String {
    let (v, unit) = scaled(bytes, 1000.0, &UNITS);
    format!("{}{unit}", go_g3(v))
}

/// `64MiB`, `1.5KiB`: go-units' `BytesSize`, as `stats` prints memory.
pub fn binary_size_compact(bytes: u64) -> String {
    let (v, unit) = scaled(bytes, 1024.0, &BINARY_UNITS);
    // 1000..1024 of a unit would print in exponent form; go-units caps it likewise.
    format!("{}{unit}", go_g3(v.min(999.0)))
}

fn scaled(bytes: u64, base: f64, units: &'static [&'static str; 9]) -> (f64, &'static str) {
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= base && i < units.len() - 1 {
        v /= base;
        i += 1;
    }
    (v, units[i])
}

/// Go's `%.3g`: three significant digits, trailing zeros dropped, exponent
/// form once the number needs more than three integer digits.
fn go_g3(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let sci = format!("{v:.2e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..3).contains(&exp) {
        let m = trim_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", exp.abs());
    }
    let decimals = (2 - exp).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// `3 seconds ago`, `About an hour ago`, `2 weeks ago`.
pub fn ago(then: Timestamp, now: Timestamp) -> String {
    format!("{} ago", duration(now.secs - then.secs))
}

/// go-units `HumanDuration` of a span in seconds.
pub fn duration(secs: i64) -> String {
    if secs < 1 {
        return "Less than a second".into();
    }
    if secs == 1 {
        return "1 second".into();
    }
    if secs < 60 {
        return format!("{secs} seconds");
    }
    let minutes = secs / 60;
    if minutes == 1 {
        return "About a minute".into();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    let hours = (secs as f64 / 3600.0 + 0.5) as i64;
    if hours == 1 {
        return "About an hour".into();
    }
    if hours < 48 {
        return format!("{hours} hours");
    }
    if hours < 24 * 7 * 2 {
        return format!("{} days", hours / 24);
    }
    if hours < 24 * 30 * 2 {
        return format!("{} weeks", hours / 24 / 7);
    }
    if hours < 24 * 365 * 2 {
        return format!("{} months", hours / 24 / 30);
    }
    format!("{} years", secs / 3600 / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_podman() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(999), "999 B");
        assert_eq!(size(10240), "10.2 kB");
        assert_eq!(size(11331), "11.3 kB");
        assert_eq!(size(1_000_000), "1 MB");
        assert_eq!(size(4_514_870), "4.51 MB");
        assert_eq!(size(210_000_000), "210 MB");
        assert_eq!(size(999_999), "1e+03 kB");
        assert_eq!(size(1_500_000_000), "1.5 GB");
    }

    #[test]
    fn durations_match_go_units() {
        assert_eq!(duration(0), "Less than a second");
        assert_eq!(duration(-5), "Less than a second");
        assert_eq!(duration(1), "1 second");
        assert_eq!(duration(15), "15 seconds");
        assert_eq!(duration(90), "About a minute");
        assert_eq!(duration(600), "10 minutes");
        assert_eq!(duration(3600), "About an hour");
        assert_eq!(duration(5 * 3600), "5 hours");
        assert_eq!(duration(3 * 86400), "3 days");
        assert_eq!(duration(20 * 86400), "2 weeks");
        assert_eq!(duration(90 * 86400), "3 months");
        assert_eq!(duration(800 * 86400), "2 years");
        let t = Timestamp::from_secs(1000);
        assert_eq!(ago(t, Timestamp::from_secs(1003)), "3 seconds ago");
    }

    #[test]
    fn compact_sizes_as_stats_prints_them() {
        assert_eq!(size_compact(0), "0B");
        assert_eq!(size_compact(999), "999B");
        assert_eq!(size_compact(1000), "1kB");
        assert_eq!(size_compact(4096), "4.1kB");
        assert_eq!(size_compact(1_048_576), "1.05MB");
        assert_eq!(size_compact(16_370_000_000), "16.4GB");
        assert_eq!(size_compact(123_456_789), "123MB");
        assert_eq!(binary_size_compact(64 << 20), "64MiB");
        assert_eq!(binary_size_compact(1536), "1.5KiB");
    }
}
