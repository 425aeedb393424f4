//! CloudTrail timestamps to Unix time and back, without a date library.

/// Milliseconds since the Unix epoch of a timestamp, or `None` when malformed.
///
/// Reads `YYYY-MM-DDTHH:MM:SS` (`T`, `t` or a space between date and time), an optional
/// fraction of any length (cut to milliseconds), then `Z`, `z`, an offset (`+02:00`, `-0500`,
/// applied) or nothing (UTC).
pub fn parse_millis(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    let (date, rest) = b.split_at_checked(19)?;
    let separators = [date[4], date[7], date[10], date[13], date[16]];
    if !matches!(separators, [b'-', b'-', b'T' | b't' | b' ', b':', b':']) {
        return None;
    }
    let two = |i: usize| pair(date[i], date[i + 1]);
    let (y, mo, d) = (two(0)? * 100 + two(2)?, two(5)?, two(8)?);
    let (h, mi, s) = (two(11)?, two(14)?, two(17)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let (mut rest, mut millis) = (rest, 0);
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for (c, unit) in fraction.iter().zip([100, 10, 1]).take(n) {
            millis += i64::from(c - b'0') * unit;
        }
        rest = &fraction[n..];
    }
    let offset_minutes = match *rest {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let (oh, om) = (pair(h1, h2)?, pair(m1, m2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            if sign == b'-' { -(oh * 60 + om) } else { oh * 60 + om }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    Some(((days * 24 + h) * 60 + mi - offset_minutes) * 60_000 + s * 1000 + millis)
}

/// The value of two ASCII digits, or `None`.
fn pair(hi: u8, lo: u8) -> Option<i64> {
    let (hi, lo) = (hi.wrapping_sub(b'0'), lo.wrapping_sub(b'0'));
    (hi < 10 && lo < 10).then_some(i64::from(hi) * 10 + i64::from(lo))
}

/// Days in month `m` (1–12) of year `y` (proleptic Gregorian).
/// Days in month `m` (1-12) of year `y` (proleptic Gregorian).
pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The RFC 3339 UTC timestamp of a Unix time in milliseconds: `2024-05-01T12:34:56Z`, or
/// `2024-05-01T12:34:56.789Z` when it has milliseconds.
pub fn format_millis(millis: i64) -> String {
    let mut out = format_secs(millis.div_euclid(1000));
    let ms = millis.rem_euclid(1000);
    if ms != 0 {
        out.pop();
        out.push_str(&format!(".{ms:03}Z"));
    }
    out
}

/// The current time in Unix seconds (0 for a clock before 1970).
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
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
    use super::{format_millis, parse_millis};

    #[test]
    fn parses_cloudtrail_times() {
        assert_eq!(parse_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_millis("2024-05-01T12:34:56Z"), Some(1_714_566_896_000));
        assert_eq!(parse_millis("2024-05-01T12:34:56.789Z"), Some(1_714_566_896_789));
        assert_eq!(parse_millis("2000-02-29T00:00:00Z"), Some(951_782_400_000));
    }

    #[test]
    fn parses_other_spellings() {
        let t = Some(1_790_812_905_000); // 2026-10-01T00:01:45Z
        for same in [
            "2026-10-01T00:01:45Z",
            "2026-10-01 00:01:45",
            "2026-10-01T00:01:45",
            "2026-10-01t00:01:45z",
            "2026-10-01 00:01:45Z",
            "2026-10-01T00:01:45+00:00",
            "2026-10-01T00:01:45-00:00",
            "2026-10-01T00:01:45+0000",
            "2026-10-01T02:01:45+02:00",
            "2026-09-30T19:01:45-0500",
            "2026-10-01T05:31:45+05:30",
            "2026-10-01T00:01:45.0Z",
        ] {
            assert_eq!(parse_millis(same), t, "{same}");
        }
        assert_eq!(parse_millis("2026-10-01T00:01:45.123456Z"), t.map(|t| t + 123));
        assert_eq!(parse_millis("2026-10-01 00:01:45.5"), t.map(|t| t + 500));
        assert_eq!(
            parse_millis("2026-10-01T00:01:45.12+01:00"),
            t.map(|t| t + 120 - 3_600_000)
        );
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
            assert_eq!(format_millis(parse_millis(ts).unwrap()), ts);
        }
        for ts in [
            "2026-10-01T00:01:45.123Z",
            "2026-10-01T00:01:45.001Z",
            "1969-12-31T23:59:59.999Z",
        ] {
            assert_eq!(format_millis(parse_millis(ts).unwrap()), ts);
        }
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            format_millis(parse_millis("2026-10-01 00:01:45.120").unwrap()),
            "2026-10-01T00:01:45.120Z"
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2024-05-01",
            "2024-13-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "yyyy-05-01T12:34:56Z",
            "2024-+5-01T12:34:56Z",
            "2024-05-01T12:34:56.Z",
            "2024-05-01T12:34:56.",
            "2024-05-01_12:34:56Z",
            "2024-05-01T12:34:56ZZ",
            "2024-05-01T12:34:56 Z",
            "2024-05-01T12:34:56+2:00",
            "2024-05-01T12:34:56+02:0",
            "2024-05-01T12:34:56+24:00",
            "2024-05-01T12:34:56+02:60",
            "2024-05-01T12:34:56+02",
            "2024-05-01T12:34:56 UTC",
            "1714566896",
        ] {
            assert_eq!(parse_millis(bad), None, "{bad}");
        }
    }

    #[test]
    fn any_byte_anywhere_does_not_panic() {
        let good = "2026-10-01T00:01:45.123+05:30";
        for at in 0..good.len() {
            for c in [
                '\0',
                '0',
                '9',
                'y',
                '+',
                '-',
                ':',
                '.',
                'T',
                ' ',
                'Z',
                '\u{e9}',
                '\u{1f600}',
            ] {
                let mut ts = good.as_bytes()[..at].to_vec();
                ts.extend_from_slice(c.to_string().as_bytes());
                ts.extend_from_slice(&good.as_bytes()[at + 1..]);
                let ts = String::from_utf8(ts).unwrap();
                parse_millis(&ts);
                parse_millis(&ts[..at]);
            }
        }
    }
}
