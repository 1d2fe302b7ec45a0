//! Parsing of `SHOW GRANTS` rows and of the `REQUIRE` clause of
//! `SHOW CREATE USER`, so an account's privileges and TLS requirements can be
//! re-issued for another account.
//!
//! The statements come from the server, which quotes every identifier and
//! string, so the parser only needs to find the keywords that sit outside
//! quotes.

use crate::RotationError;

/// One row of `SHOW GRANTS`, with the grantee taken out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantRow {
    /// `GRANT <privileges> ON <object> TO <grantee>`; `head` is the text
    /// before ` TO `.
    Privileges { head: String, grant_option: bool },
    /// `GRANT <roles> TO <grantee>`.
    Roles { roles: String, admin_option: bool },
    /// `REVOKE <privileges> ON <object> FROM <grantee>`, which MySQL shows
    /// for partial revokes; `head` is the text before ` FROM `.
    Revoke { head: String },
    /// `SET DEFAULT ROLE <roles> FOR <grantee>`, which MariaDB shows.
    DefaultRole { roles: String },
}

impl GrantRow {
    /// Builds the statement that gives `grantee` (a quoted account) the same
    /// grant. Passwords (`IDENTIFIED BY PASSWORD`), TLS requirements and
    /// resource limits that MariaDB prints on the `USAGE` row are left out.
    pub fn statement_for(&self, grantee: &str) -> String {
        match self {
            Self::Privileges { head, grant_option } => {
                let option = if *grant_option {
                    " WITH GRANT OPTION"
                } else {
                    ""
                };
                format!("{head} TO {grantee}{option}")
            }
            Self::Roles {
                roles,
                admin_option,
            } => {
                let option = if *admin_option {
                    " WITH ADMIN OPTION"
                } else {
                    ""
                };
                format!("GRANT {roles} TO {grantee}{option}")
            }
            Self::Revoke { head } => format!("{head} FROM {grantee}"),
            Self::DefaultRole { roles } => format!("SET DEFAULT ROLE {roles} FOR {grantee}"),
        }
    }
}

/// A word outside quotes, with its byte range in the statement.
struct Token<'a> {
    text: &'a str,
    start: usize,
}

impl Token<'_> {
    fn is(&self, keyword: &str) -> bool {
        self.text.eq_ignore_ascii_case(keyword)
    }
}

/// Splits `text` at whitespace outside backtick, single and double quotes.
fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (index, character) in text.char_indices() {
        if let Some(open) = quote {
            if escaped {
                escaped = false;
            } else if character == '\\' && open != '`' {
                escaped = true;
            } else if character == open {
                quote = None;
            }
            continue;
        }
        if character.is_whitespace() {
            if let Some(begin) = start.take() {
                tokens.push(Token {
                    text: &text[begin..index],
                    start: begin,
                });
            }
            continue;
        }
        if start.is_none() {
            start = Some(index);
        }
        if matches!(character, '`' | '\'' | '"') {
            quote = Some(character);
        }
    }
    if let Some(begin) = start {
        tokens.push(Token {
            text: &text[begin..],
            start: begin,
        });
    }
    tokens
}

fn has_pair(tokens: &[Token<'_>], first: &str, second: &str) -> bool {
    tokens
        .windows(2)
        .any(|pair| pair[0].is(first) && pair[1].is(second))
}

/// Parses one row of `SHOW GRANTS`.
///
/// # Errors
///
/// Returns `RotationError::Other` for a row of an unknown form, quoting only
/// its first word, because the `USAGE` row can carry a password hash.
pub fn parse_grant_row(row: &str) -> Result<GrantRow, RotationError> {
    let row = row.trim();
    let words = tokens(row);
    let unknown = || {
        let first = words.first().map(|token| token.text).unwrap_or("");
        RotationError::Other(format!(
            "cannot copy a SHOW GRANTS row that starts with {first:?}"
        ))
    };
    let first = words.first().ok_or_else(unknown)?;

    let split_at = |keyword: &str| {
        words
            .iter()
            .position(|token| token.is(keyword))
            .filter(|index| *index > 0 && index + 1 < words.len())
    };
    if first.is("GRANT") {
        let to = split_at("TO").ok_or_else(unknown)?;
        let head = row[..words[to].start].trim_end().to_string();
        let tail = &words[to + 2..];
        let is_privilege = words[1..to].iter().any(|token| token.is("ON"));
        if is_privilege {
            return Ok(GrantRow::Privileges {
                head,
                grant_option: has_pair(tail, "GRANT", "OPTION"),
            });
        }
        let roles = row[words[1].start..words[to].start].trim_end().to_string();
        return Ok(GrantRow::Roles {
            roles,
            admin_option: has_pair(tail, "ADMIN", "OPTION"),
        });
    }
    if first.is("REVOKE") {
        let from = split_at("FROM").ok_or_else(unknown)?;
        let head = row[..words[from].start].trim_end().to_string();
        return Ok(GrantRow::Revoke { head });
    }
    let is_default_role =
        words.len() > 3 && first.is("SET") && words[1].is("DEFAULT") && words[2].is("ROLE");
    if is_default_role {
        let for_index = split_at("FOR").ok_or_else(unknown)?;
        let roles = row[words[3].start..words[for_index].start]
            .trim_end()
            .to_string();
        return Ok(GrantRow::DefaultRole { roles });
    }
    Err(unknown())
}

/// Returns the TLS requirement of a `SHOW CREATE USER` statement as the text
/// after `REQUIRE` (`SSL`, `X509`, or `CIPHER '...' AND ISSUER '...' AND
/// SUBJECT '...'`), or `NONE` when the statement has no `REQUIRE` clause.
pub fn require_clause(create_user: &str) -> String {
    let words = tokens(create_user);
    let Some(position) = words.iter().position(|token| token.is("REQUIRE")) else {
        return "NONE".to_string();
    };
    let mut clause: Vec<&str> = Vec::new();
    let mut index = position + 1;
    while let Some(token) = words.get(index) {
        let is_flag = ["NONE", "SSL", "X509", "AND"]
            .iter()
            .any(|flag| token.is(flag));
        let is_field = ["CIPHER", "ISSUER", "SUBJECT"]
            .iter()
            .any(|field| token.is(field));
        if is_flag {
            clause.push(token.text);
            index += 1;
        } else if is_field
            && words
                .get(index + 1)
                .is_some_and(|value| value.text.starts_with('\''))
        {
            clause.push(token.text);
            clause.push(words[index + 1].text);
            index += 2;
        } else {
            break;
        }
    }
    if clause.is_empty() {
        "NONE".to_string()
    } else {
        clause.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRANTEE: &str = "'app_clone'@'%'";

    #[test]
    fn privilege_row_with_grant_option() {
        let row = "GRANT SELECT, INSERT ON `shop`.* TO `app`@`%` WITH GRANT OPTION";
        let parsed = parse_grant_row(row).unwrap();
        assert_eq!(
            parsed.statement_for(GRANTEE),
            "GRANT SELECT, INSERT ON `shop`.* TO 'app_clone'@'%' WITH GRANT OPTION"
        );
    }

    #[test]
    fn usage_row_drops_the_password_hash() {
        let row = "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*2B60229' REQUIRE SSL";
        let statement = parse_grant_row(row).unwrap().statement_for(GRANTEE);
        assert_eq!(statement, "GRANT USAGE ON *.* TO 'app_clone'@'%'");
    }

    #[test]
    fn quoted_names_containing_keywords_are_kept() {
        let row = "GRANT SELECT ON `a TO b`.`t FROM x` TO 'app'@'10.%'";
        let statement = parse_grant_row(row).unwrap().statement_for(GRANTEE);
        assert_eq!(
            statement,
            "GRANT SELECT ON `a TO b`.`t FROM x` TO 'app_clone'@'%'"
        );
    }

    #[test]
    fn column_grants_are_kept() {
        let row = "GRANT SELECT (`id`, `name`) ON `shop`.`users` TO `app`@`%`";
        let statement = parse_grant_row(row).unwrap().statement_for(GRANTEE);
        assert_eq!(
            statement,
            "GRANT SELECT (`id`, `name`) ON `shop`.`users` TO 'app_clone'@'%'"
        );
    }

    #[test]
    fn role_rows() {
        let parsed =
            parse_grant_row("GRANT `reader`,`writer` TO `app`@`%` WITH ADMIN OPTION").unwrap();
        assert_eq!(
            parsed,
            GrantRow::Roles {
                roles: "`reader`,`writer`".to_string(),
                admin_option: true
            }
        );
    }

    #[test]
    fn revoke_and_default_role_rows() {
        let revoke = parse_grant_row("REVOKE INSERT ON `mysql`.* FROM `app`@`%`").unwrap();
        assert_eq!(
            revoke.statement_for(GRANTEE),
            "REVOKE INSERT ON `mysql`.* FROM 'app_clone'@'%'"
        );
        let default_role = parse_grant_row("SET DEFAULT ROLE `reader` FOR `app`@`%`").unwrap();
        assert_eq!(
            default_role.statement_for(GRANTEE),
            "SET DEFAULT ROLE `reader` FOR 'app_clone'@'%'"
        );
    }

    #[test]
    fn unknown_row_is_rejected_without_its_text() {
        let error = parse_grant_row("ALTER SOMETHING '*SECRETHASH'").unwrap_err();
        let RotationError::Other(message) = error else {
            panic!("expected RotationError::Other");
        };
        assert!(!message.contains("SECRETHASH"), "{message}");
    }

    #[test]
    fn require_clause_cases() {
        let mariadb = "CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*2B60' REQUIRE SSL";
        assert_eq!(require_clause(mariadb), "SSL");
        let mysql = "CREATE USER `app`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 'x' \
                     REQUIRE X509 PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK";
        assert_eq!(require_clause(mysql), "X509");
        let fields = "CREATE USER `app`@`%` REQUIRE CIPHER 'AES256-SHA' AND SUBJECT '/CN=app x' \
                      PASSWORD EXPIRE DEFAULT";
        assert_eq!(
            require_clause(fields),
            "CIPHER 'AES256-SHA' AND SUBJECT '/CN=app x'"
        );
        assert_eq!(require_clause("CREATE USER `app`@`%` REQUIRE NONE"), "NONE");
        assert_eq!(
            require_clause("CREATE USER `app`@`%` IDENTIFIED BY PASSWORD 'REQUIRE'"),
            "NONE"
        );
    }
}
