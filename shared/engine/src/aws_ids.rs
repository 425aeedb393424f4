//! The shapes of AWS identifiers that settings, flags and documents carry.

/// A 12-digit account id (`111122223333`).
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// A region name: lower-case words joined by `-`, ending in a number (`us-east-1`,
/// `us-gov-west-1`).
pub fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        assert!(is_account_id("111122223333"));
        assert!(!is_account_id("11112222333") && !is_account_id("11112222333a"));
        assert!(is_region_name("us-east-1") && is_region_name("us-gov-west-1"));
        assert!(!is_region_name("US East") && !is_region_name("us-east") && !is_region_name("us--1"));
    }
}
