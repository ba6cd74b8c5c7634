//! Durations of incremental windows (`step`, `lookback`): ISO-8601 as Airbyte writes them
//! (`P30D`, `PT6H`, `P1DT12H`, `P2W`) or a short form (`30d`, `6h`, `15m`, `45s`, `2w`).
//! Months and years are refused: their length varies, and a window must be a fixed span.

use super::Cx;
use crate::parse::{Kind, Node};

/// The accepted syntax, for messages and help.
pub(crate) const DURATION_HELP: &str =
    "write an ISO-8601 duration such as `P30D`, `PT6H`, `P1DT12H` or `P2W`, or a short one such as `30d`, `6h`, `15m`, `45s`, `2w`";

/// Seconds of a duration, or why it cannot be read.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let secs = match t.strip_prefix('P').or_else(|| t.strip_prefix('p')) {
        Some(rest) => iso(rest)?,
        None => short(t)?,
    };
    if secs == 0 {
        return Err("a window must last at least one second".into());
    }
    Ok(secs)
}

fn unit_secs(unit: char, in_time: bool) -> Result<u64, String> {
    Ok(match (unit.to_ascii_uppercase(), in_time) {
        ('W', false) => 7 * 86_400,
        ('D', false) => 86_400,
        ('H', true) => 3_600,
        ('M', true) => 60,
        ('S', true) => 1,
        ('M' | 'Y', false) => {
            return Err("months and years vary in length; give days or weeks".into())
        }
        (u, _) => return Err(format!("`{u}` is not a unit here")),
    })
}

fn iso(rest: &str) -> Result<u64, String> {
    let mut total = 0u64;
    let mut digits = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c {
            'T' | 't' if digits.is_empty() && !in_time => in_time = true,
            '0'..='9' => digits.push(c),
            u if !digits.is_empty() => {
                let n: u64 = digits.parse().map_err(|_| "number too large".to_string())?;
                total = n
                    .checked_mul(unit_secs(u, in_time)?)
                    .and_then(|s| total.checked_add(s))
                    .ok_or("duration too large")?;
                digits.clear();
                any = true;
            }
            u => return Err(format!("expected a number before `{u}`")),
        }
    }
    if !digits.is_empty() || !any {
        return Err("every number needs a unit".into());
    }
    Ok(total)
}

fn short(t: &str) -> Result<u64, String> {
    let split = t
        .find(|c: char| !c.is_ascii_digit())
        .ok_or("a number needs a unit")?;
    let (n, unit) = t.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| "expected a number first".to_string())?;
    let secs = match unit {
        "w" => 7 * 86_400,
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => return Err(format!("`{unit}` is not a unit (w, d, h, m, s)")),
    };
    n.checked_mul(secs)
        .ok_or_else(|| "duration too large".into())
}

impl Cx<'_> {
    /// A duration as written, checked ([`parse_duration`]).
    pub fn duration(&mut self, node: &Node, path: &str) -> Option<String> {
        let Kind::Str(s) = &node.kind else {
            self.error(
                node.span,
                path,
                format!("expected a duration, found {}", node.kind.describe()),
                Some(DURATION_HELP.into()),
            );
            return None;
        };
        match parse_duration(s) {
            Ok(_) => Some(s.clone()),
            Err(why) => {
                self.error(
                    node.span,
                    path,
                    format!("`{s}` is not a duration: {why}"),
                    Some(DURATION_HELP.into()),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn iso_and_short_forms() {
        assert_eq!(parse_duration("P30D"), Ok(30 * 86_400));
        assert_eq!(parse_duration("PT6H"), Ok(6 * 3_600));
        assert_eq!(
            parse_duration("P1DT12H30M"),
            Ok(86_400 + 12 * 3_600 + 1_800)
        );
        assert_eq!(parse_duration("P2W"), Ok(14 * 86_400));
        assert_eq!(parse_duration("1d"), Ok(86_400));
        assert_eq!(parse_duration("90s"), Ok(90));
        assert!(parse_duration("P1M").unwrap_err().contains("months"));
        assert!(parse_duration("P").is_err());
        assert!(parse_duration("6").is_err());
        assert!(parse_duration("0d").is_err());
        assert!(parse_duration("6x").is_err());
    }
}
