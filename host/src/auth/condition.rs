//! The `Condition` block of a policy statement and its evaluation.
//!
//! Semantics follow IAM:
//! - Without a set qualifier, a positive operator (`StringEquals`) holds when
//!   any request value matches any policy value, and fails when the key is
//!   absent. A negated operator (`StringNotEquals`) holds when no request value
//!   matches any policy value, so it also holds when the key is absent.
//! - `ForAnyValue:` holds when at least one request value satisfies the
//!   operator; it fails for an absent key.
//! - `ForAllValues:` holds when every request value satisfies the operator; it
//!   holds for an absent key.
//! - The `IfExists` suffix makes any operator hold when the key is absent.
//! - `Null` with `true` holds when the key is absent, with `false` when present.

use std::net::IpAddr;

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::policy::{PolicyError, wildcard_match};

/// Supplies the request values of condition keys. Key names compare
/// case-insensitively.
pub trait ConditionKeys {
    /// Returns every value of `key` in the request; empty when absent.
    fn values(&self, key: &str) -> Vec<String>;
}

/// How a condition compares one request value with one policy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    IpAddress,
    ArnLike,
    Null,
}

/// A condition operator: the comparison and whether it is negated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub comparison: Comparison,
    pub negated: bool,
}

impl Operator {
    /// Parses an operator name without qualifier or `IfExists` suffix.
    fn parse(name: &str) -> Option<Self> {
        use Comparison::*;
        let (comparison, negated) = match name {
            "StringEquals" => (StringEquals, false),
            "StringNotEquals" => (StringEquals, true),
            "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
            "StringLike" => (StringLike, false),
            "StringNotLike" => (StringLike, true),
            "NumericEquals" => (NumericEquals, false),
            "NumericNotEquals" => (NumericEquals, true),
            "NumericLessThan" => (NumericLessThan, false),
            "NumericLessThanEquals" => (NumericLessThanEquals, false),
            "NumericGreaterThan" => (NumericGreaterThan, false),
            "NumericGreaterThanEquals" => (NumericGreaterThanEquals, false),
            "DateEquals" => (DateEquals, false),
            "DateNotEquals" => (DateEquals, true),
            "DateLessThan" => (DateLessThan, false),
            "DateLessThanEquals" => (DateLessThanEquals, false),
            "DateGreaterThan" => (DateGreaterThan, false),
            "DateGreaterThanEquals" => (DateGreaterThanEquals, false),
            "Bool" => (Bool, false),
            "IpAddress" => (IpAddress, false),
            "NotIpAddress" => (IpAddress, true),
            "ArnEquals" | "ArnLike" => (ArnLike, false),
            "ArnNotEquals" | "ArnNotLike" => (ArnLike, true),
            "Null" => (Null, false),
            _ => return None,
        };
        Some(Operator {
            comparison,
            negated,
        })
    }
}

/// `ForAnyValue:` or `ForAllValues:` in front of an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

/// One key test inside a `Condition` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: Operator,
    pub qualifier: Option<SetQualifier>,
    pub if_exists: bool,
    pub key: String,
    pub values: Vec<String>,
}

impl Condition {
    /// Parses `{"<Operator>": {"<key>": <value or list>}, ...}`.
    pub fn parse_block(block: &Value) -> Result<Vec<Condition>, PolicyError> {
        let Value::Object(operators) = block else {
            return Err(PolicyError::new("Condition must be a JSON object."));
        };
        let mut conditions = Vec::new();
        for (name, tests) in operators {
            let (qualifier, if_exists, operator) = parse_operator_name(name)?;
            let Value::Object(tests) = tests else {
                return Err(PolicyError::new(format!(
                    "Condition operator {name} must map condition keys to values."
                )));
            };
            for (key, values) in tests {
                let values = condition_values(values).ok_or_else(|| {
                    PolicyError::new(format!(
                        "Condition {name} on {key} must have a string, number or boolean value, \
                         or a non-empty list of them."
                    ))
                })?;
                check_values(operator, name, key, &values)?;
                conditions.push(Condition {
                    operator,
                    qualifier,
                    if_exists,
                    key: key.clone(),
                    values,
                });
            }
        }
        Ok(conditions)
    }

    /// Evaluates the condition against the request's keys.
    pub fn holds(&self, keys: &dyn ConditionKeys) -> bool {
        let request_values = keys.values(&self.key);

        if self.operator.comparison == Comparison::Null {
            let expect_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return request_values.is_empty() == expect_absent;
        }
        if request_values.is_empty() {
            if self.if_exists {
                return true;
            }
            return match self.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => self.operator.negated,
            };
        }

        // Policy values whose variables cannot be resolved match nothing.
        let policy_values: Vec<String> = self
            .values
            .iter()
            .filter_map(|value| substitute_variables(value, keys))
            .collect();
        // Whether one request value satisfies the operator, negation included.
        let satisfies = |request_value: &String| {
            let matched = policy_values
                .iter()
                .any(|policy_value| compare(self.operator.comparison, policy_value, request_value));
            matched != self.operator.negated
        };
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => request_values.iter().all(satisfies),
            Some(SetQualifier::ForAnyValue) => request_values.iter().any(satisfies),
            None if self.operator.negated => request_values.iter().all(satisfies),
            None => request_values.iter().any(satisfies),
        }
    }

    /// Checks whether the condition limits which principals or networks a
    /// statement covers, by a positive test of a key such as
    /// `aws:PrincipalAccount` or `aws:SourceIp`.
    pub fn restricts_callers(&self) -> bool {
        const RESTRICTING_KEYS: [&str; 10] = [
            "aws:principalaccount",
            "aws:principalarn",
            "aws:principalorgid",
            "aws:principalorgpaths",
            "aws:sourceaccount",
            "aws:sourcearn",
            "aws:sourceip",
            "aws:sourcevpc",
            "aws:sourcevpce",
            "aws:userid",
        ];
        let key = self.key.to_ascii_lowercase();
        RESTRICTING_KEYS.contains(&key.as_str())
            && !self.operator.negated
            && !self.if_exists
            && self.operator.comparison != Comparison::Null
            && self.values.iter().all(|value| value != "*")
    }
}

/// Replaces policy variables such as `${aws:PrincipalTag/team}` with the
/// request's value of that key. `${*}`, `${?}` and `${$}` stand for the literal
/// characters. Returns `None` when a variable names a key that is absent or has
/// several values, or when `${` is not closed.
pub fn substitute_variables(text: &str, keys: &dyn ConditionKeys) -> Option<String> {
    if !text.contains("${") {
        return Some(text.to_owned());
    }
    let mut result = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        result.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        let variable = after[..end].trim();
        match variable {
            "*" | "?" | "$" => result.push_str(variable),
            key => {
                let values = keys.values(key);
                let [value] = values.as_slice() else {
                    return None;
                };
                result.push_str(value);
            }
        }
        rest = &after[end + 1..];
    }
    result.push_str(rest);
    Some(result)
}

fn parse_operator_name(name: &str) -> Result<(Option<SetQualifier>, bool, Operator), PolicyError> {
    let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
        (Some(SetQualifier::ForAnyValue), rest)
    } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
        (Some(SetQualifier::ForAllValues), rest)
    } else {
        (None, name)
    };
    let (if_exists, base) = match rest.strip_suffix("IfExists") {
        Some(base) => (true, base),
        None => (false, rest),
    };
    let operator = Operator::parse(base).ok_or_else(|| {
        PolicyError::new(format!(
            "Condition operator {name} is not supported; use an IAM operator such as \
             StringEquals, StringLike, Bool, Null, NumericLessThan, DateGreaterThan or IpAddress."
        ))
    })?;
    if operator.comparison == Comparison::Null && (if_exists || qualifier.is_some()) {
        return Err(PolicyError::new(format!(
            "Condition operator {name} is not valid; Null takes no qualifier or IfExists."
        )));
    }
    Ok((qualifier, if_exists, operator))
}

fn condition_values(value: &Value) -> Option<Vec<String>> {
    let scalar = |value: &Value| match value {
        Value::String(text) => Some(text.clone()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) if !items.is_empty() => items.iter().map(scalar).collect(),
        Value::Array(_) => None,
        other => scalar(other).map(|value| vec![value]),
    }
}

/// Rejects policy values that the operator can never compare, such as a
/// non-numeric value for `NumericEquals`.
fn check_values(
    operator: Operator,
    name: &str,
    key: &str,
    values: &[String],
) -> Result<(), PolicyError> {
    use Comparison::*;
    let invalid = values.iter().find(|value| match operator.comparison {
        NumericEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => value.parse::<f64>().is_err(),
        DateEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => parse_date(value).is_none(),
        Bool | Null => !value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false"),
        IpAddress => parse_cidr(value).is_none(),
        _ => false,
    });
    match invalid {
        Some(value) => Err(PolicyError::new(format!(
            "Condition {name} on {key} has the value '{value}', which the operator cannot compare."
        ))),
        None => Ok(()),
    }
}

/// Compares one policy value with one request value.
fn compare(comparison: Comparison, policy: &str, request: &str) -> bool {
    use Comparison::*;
    match comparison {
        StringEquals => policy == request,
        StringEqualsIgnoreCase => policy.to_lowercase() == request.to_lowercase(),
        StringLike => wildcard_match(policy, request, false),
        ArnLike => wildcard_match(policy, request, false),
        Bool => policy.eq_ignore_ascii_case(request),
        NumericEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => match (request.parse::<f64>(), policy.parse::<f64>()) {
            (Ok(request), Ok(policy)) => ordered(comparison, request.partial_cmp(&policy)),
            _ => false,
        },
        DateEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => match (parse_date(request), parse_date(policy)) {
            (Some(request), Some(policy)) => ordered(comparison, Some(request.cmp(&policy))),
            _ => false,
        },
        IpAddress => match (request.parse::<IpAddr>(), parse_cidr(policy)) {
            (Ok(address), Some((network, prefix))) => in_network(address, network, prefix),
            _ => false,
        },
        Null => false,
    }
}

/// Applies a numeric or date comparison to `request.cmp(policy)`.
fn ordered(comparison: Comparison, ordering: Option<std::cmp::Ordering>) -> bool {
    use Comparison::*;
    use std::cmp::Ordering::*;
    match (comparison, ordering) {
        (_, None) => false,
        (NumericEquals | DateEquals, Some(order)) => order == Equal,
        (NumericLessThan | DateLessThan, Some(order)) => order == Less,
        (NumericLessThanEquals | DateLessThanEquals, Some(order)) => order != Greater,
        (NumericGreaterThan | DateGreaterThan, Some(order)) => order == Greater,
        (NumericGreaterThanEquals | DateGreaterThanEquals, Some(order)) => order != Less,
        _ => false,
    }
}

/// Parses an RFC 3339 time, a `YYYY-MM-DD` date (midnight UTC) or epoch
/// seconds.
fn parse_date(text: &str) -> Option<OffsetDateTime> {
    if let Ok(time) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(time);
    }
    if let Ok(seconds) = text.parse::<i64>() {
        return OffsetDateTime::from_unix_timestamp(seconds).ok();
    }
    let mut parts = text.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let date = Date::from_calendar_date(year, month.try_into().ok()?, day).ok()?;
    Some(date.midnight().assume_utc())
}

/// Parses `address/prefix` or a bare address (a full-length prefix).
fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
        None => (text, None),
    };
    let address: IpAddr = address.parse().ok()?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    (prefix <= max).then_some((address, prefix))
}

fn in_network(address: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (address, network) {
        (IpAddr::V4(address), IpAddr::V4(network)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(address) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(address), IpAddr::V6(network)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(address) & mask == u128::from(network) & mask
        }
        (IpAddr::V6(address), IpAddr::V4(_)) => match address.to_ipv4_mapped() {
            Some(mapped) => in_network(IpAddr::V4(mapped), network, prefix),
            None => false,
        },
        (IpAddr::V4(_), IpAddr::V6(_)) => false,
    }
}

#[cfg(test)]
#[path = "condition_tests.rs"]
mod tests;
