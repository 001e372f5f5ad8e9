//! Numbers as the report and the admin pages write them (GOV.UK style: thousands separated
//! by commas, shares as whole percentages), so a count reads the same wherever it appears.

/// A share in [0, 1] as a whole percentage: `0.456` is "46%".
pub fn percent(p: f64) -> String {
    format!("{:.0}%", (p * 100.0).round())
}

/// A count with thousands separated by commas: `1234567` is "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn percentages_are_whole() {
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.456), "46%");
        assert_eq!(percent(1.0), "100%");
    }
}
