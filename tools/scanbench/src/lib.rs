//! Scan benchmark tools: [`traffic`] generates realistic CloudTrail traffic, [`layouts`]
//! writes it in the layouts `aidr scan` reads, [`baseline`] reads it the plain way to compare,
//! [`user_rules`] writes user rules to scan it with next to the catalog.

pub mod baseline;
pub mod everyday;
pub mod layouts;
pub mod mangle;
pub mod template;
pub mod traffic;
pub mod user_rules;

/// Parses a size: bytes, or a number with `K`, `M`, `G` or `T` (powers of 1024), e.g. `5G`.
///
/// # Errors
/// When the text is not such a size.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    let number = upper.trim_end_matches(['B', 'I']);
    let (digits, shift) = match number.chars().last() {
        Some('K') => (&number[..number.len() - 1], 10),
        Some('M') => (&number[..number.len() - 1], 20),
        Some('G') => (&number[..number.len() - 1], 30),
        Some('T') => (&number[..number.len() - 1], 40),
        _ => (number, 0),
    };
    let value: f64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("not a size: {text:?} (e.g. 512M, 5G)"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("not a size: {text:?}"));
    }
    Ok((value * (1u64 << shift) as f64) as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes() {
        assert_eq!(super::parse_size("5G"), Ok(5 << 30));
        assert_eq!(super::parse_size("1.5m"), Ok(3 << 19));
        assert_eq!(super::parse_size("100KB"), Ok(102_400));
        assert_eq!(super::parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(super::parse_size("123"), Ok(123));
        assert!(super::parse_size("lots").is_err());
    }
}
