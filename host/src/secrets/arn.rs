use rand::Rng;
use rand::distributions::Alphanumeric;
use rand::rngs::OsRng;

/// Length of the random suffix AWS appends to secret ARNs.
pub const ARN_SUFFIX_LEN: usize = 6;

/// Region and account that appear in the secret ARNs this service issues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    pub region: String,
    pub account: String,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            region: "us-east-1".into(),
            account: "000000000000".into(),
        }
    }
}

impl ServiceConfig {
    /// Returns the ARN prefix up to and including `secret:`.
    pub fn arn_prefix(&self) -> String {
        format!(
            "arn:aws:secretsmanager:{}:{}:secret:",
            self.region, self.account
        )
    }

    /// Builds a fresh ARN: `<prefix><name>-<6 random alphanumerics>`. A name
    /// recreated after deletion gets a new suffix, so old ARNs never match it.
    pub fn new_arn(&self, name: &str) -> String {
        let suffix: String = OsRng
            .sample_iter(&Alphanumeric)
            .take(ARN_SUFFIX_LEN)
            .map(char::from)
            .collect();
        format!("{}{name}-{suffix}", self.arn_prefix())
    }
}

/// Lookup strategy for a `SecretId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretLookup {
    /// A plain name.
    Name(String),
    /// An ARN that ends in `-` plus six alphanumerics; it matches only a
    /// secret with exactly that ARN.
    FullArn(String),
    /// An ARN of this service without the random suffix: match by the
    /// contained name, or by exact ARN first.
    PartialArn { arn: String, name: String },
    /// An ARN of another region, account or service; it matches only an
    /// exact ARN.
    ForeignArn(String),
}

/// Classifies a `SecretId`. An ARN whose name ends in `-` plus six
/// alphanumerics is read as a full ARN, as AWS does, so a partial ARN of a name
/// such as `app-config` does not resolve (the plain name always does).
pub fn classify(config: &ServiceConfig, secret_id: &str) -> SecretLookup {
    if !secret_id.starts_with("arn:") {
        return SecretLookup::Name(secret_id.to_owned());
    }
    if has_random_suffix(secret_id) {
        return SecretLookup::FullArn(secret_id.to_owned());
    }
    match secret_id.strip_prefix(&config.arn_prefix()) {
        Some(name) if !name.is_empty() => SecretLookup::PartialArn {
            arn: secret_id.to_owned(),
            name: name.to_owned(),
        },
        _ => SecretLookup::ForeignArn(secret_id.to_owned()),
    }
}

fn has_random_suffix(arn: &str) -> bool {
    let bytes = arn.as_bytes();
    if bytes.len() < ARN_SUFFIX_LEN + 1 {
        return false;
    }
    let (head, suffix) = bytes.split_at(bytes.len() - ARN_SUFFIX_LEN);
    head.last() == Some(&b'-') && suffix.iter().all(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_arn_has_aws_shape() {
        let config = ServiceConfig::default();
        let arn = config.new_arn("app/db");
        let prefix = "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-";
        assert!(arn.starts_with(prefix), "{arn}");
        let suffix = &arn[prefix.len()..];
        assert_eq!(suffix.len(), 6);
        assert!(suffix.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn suffixes_differ_between_calls() {
        let config = ServiceConfig::default();
        let arns: std::collections::HashSet<_> = (0..20).map(|_| config.new_arn("x")).collect();
        assert!(arns.len() > 1);
    }

    #[test]
    fn classify_forms() {
        let config = ServiceConfig::default();
        let prefix = config.arn_prefix();
        assert_eq!(
            classify(&config, "app/db"),
            SecretLookup::Name("app/db".into())
        );
        assert_eq!(
            classify(&config, &format!("{prefix}app/db-AbC123")),
            SecretLookup::FullArn(format!("{prefix}app/db-AbC123"))
        );
        assert_eq!(
            classify(&config, &format!("{prefix}app/db")),
            SecretLookup::PartialArn {
                arn: format!("{prefix}app/db"),
                name: "app/db".into()
            }
        );
        assert_eq!(
            classify(&config, &format!("{prefix}app-config")),
            SecretLookup::FullArn(format!("{prefix}app-config"))
        );
        let foreign = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:app/db";
        assert_eq!(
            classify(&config, foreign),
            SecretLookup::ForeignArn(foreign.into())
        );
    }
}
