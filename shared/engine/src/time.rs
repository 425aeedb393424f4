//! CloudTrail timestamps (`2024-05-01T12:34:56Z`, optional fraction) to Unix time, without a
//! date library.

/// Milliseconds since the Unix epoch for an RFC 3339 UTC timestamp, or `None` when malformed.
pub fn parse_millis(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        std::str::from_utf8(&b[r]).ok()?.parse::<u32>().ok().map(i64::from)
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut millis = 0i64;
    if rest.first() == Some(&b'.') {
        let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        for (i, c) in rest[1..=digits].iter().enumerate().take(3) {
            millis += i64::from(c - b'0') * [100, 10, 1][i];
        }
        rest = &rest[1 + digits..];
    }
    if rest != b"Z" && rest != b"+00:00" {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 24 + h) * 60 + mi) * 60_000 + s * 1000 + millis)
}

/// The RFC 3339 UTC timestamp (`2024-05-01T12:34:56Z`) of a Unix time in seconds.
pub fn format_secs(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The (year, month, day) of a day number since 1970-01-01 (inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_millis;

    #[test]
    fn parses_cloudtrail_times() {
        assert_eq!(parse_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_millis("2024-05-01T12:34:56Z"), Some(1_714_566_896_000));
        assert_eq!(parse_millis("2024-05-01T12:34:56.789Z"), Some(1_714_566_896_789));
        assert_eq!(parse_millis("2000-02-29T00:00:00Z"), Some(951_782_400_000));
    }

    #[test]
    fn civil_days_round_trip() {
        for day in [-1000, 0, 59, 20_000, 20_513] {
            let (y, m, d) = super::civil_from_days(day);
            assert_eq!(super::days_from_civil(y, m, d), day);
        }
    }

    #[test]
    fn formats_and_round_trips() {
        for ts in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "2026-03-02T10:15:30Z",
            "2100-12-31T12:00:00Z",
        ] {
            assert_eq!(super::format_secs(parse_millis(ts).unwrap() / 1000), ts);
        }
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2024-05-01",
            "2024-13-01T00:00:00Z",
            "2024-05-01T12:34:56",
            "yyyy-05-01T12:34:56Z",
            "2024-05-01T12:34:56.Z",
        ] {
            assert_eq!(parse_millis(bad), None, "{bad}");
        }
    }
}
