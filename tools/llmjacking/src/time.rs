//! Time: CloudTrail's time format, the start of the generated traffic, hours, days and weekends.

/// `YYYY-MM-DDTHH:MM:SSZ`, as CloudTrail writes `eventTime`.
pub fn format_time(t: i64) -> String {
    aidr_engine::time::format_secs(t)
}

/// Appends `format_time(t)` to `out`.
pub(crate) fn push_time(out: &mut String, t: i64) {
    out.push_str(&format_time(t));
}

/// Seconds since the epoch of a CloudTrail time (`2026-03-01T10:00:00Z`, fraction allowed).
pub fn parse_time(s: &str) -> Option<i64> {
    aidr_engine::time::parse_millis(s).map(|ms| ms.div_euclid(1000))
}

/// 2026-03-01T00:00:00Z, the first second of the generated traffic.
pub fn start_time() -> i64 {
    aidr_engine::time::days_from_civil(2026, 3, 1) * 86_400
}

pub(crate) const HOUR: i64 = 3600;
pub(crate) const DAY: i64 = 86_400;

pub(crate) fn weekend(t: i64) -> bool {
    // 1970-01-01 was a Thursday (4 in a week counted from Sunday = 0).
    matches!((t.div_euclid(DAY) + 4).rem_euclid(7), 0 | 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> i64 {
        parse_time(s).unwrap()
    }

    #[test]
    fn time_round_trips_and_parses_variants() {
        assert_eq!(format_time(start_time()), "2026-03-01T00:00:00Z");
        for s in ["1970-01-01T00:00:00Z", "2024-02-29T23:59:59Z", "2026-12-31T12:34:56Z"] {
            assert_eq!(format_time(t(s)), s);
        }
        assert_eq!(t("2026-03-01T10:00:00.123Z"), t("2026-03-01T10:00:00Z"));
        assert_eq!(
            t("2026-03-01 10:00:00"),
            t("2026-03-01T10:00:00Z"),
            "exports' spelling, no zone: UTC"
        );
        for bad in [
            "",
            "2026-03-01",
            "2026-13-01T00:00:00Z",
            "2026-03-01T10:00:00Zx",
            "x026-03-01T10:00:00Z",
        ] {
            assert_eq!(parse_time(bad), None, "{bad:?}");
        }
        assert!(weekend(t("2026-03-01T12:00:00Z")), "2026-03-01 is a Sunday");
        assert!(!weekend(t("2026-03-02T12:00:00Z")));
        assert!(weekend(t("2026-03-07T12:00:00Z")));
    }
}
