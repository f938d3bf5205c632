use std::fmt;

use serde::{Deserialize, Serialize};

/// An email address, trimmed and lower-cased (addresses are compared case-insensitively,
/// and the database's unique index is on the lower-cased form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// The longest address SMTP can carry (RFC 5321: a 256-octet path minus the brackets).
const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;

impl Email {
    pub fn parse(input: &str) -> Result<Email, String> {
        let email = input.trim().to_lowercase();
        let invalid = || format!("`{}` is not a valid email address", input.trim());
        if email.len() > MAX_LEN {
            return Err(format!("an email address has at most {MAX_LEN} characters"));
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        if valid_local_part(local) && valid_domain(domain) {
            Ok(Email(email))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The unquoted "dot-atom" form of RFC 5322, which is what people actually use; quoted
/// local parts are legal but invite confusion and are not accepted.
fn valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-";
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        })
}

/// A DNS name with at least two labels and an alphabetic top-level label.
fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= MAX_LABEL_LEN
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_are_normalised() {
        assert_eq!(
            Email::parse("  Ann.Lee+shop@Example.COM ")
                .unwrap()
                .as_str(),
            "ann.lee+shop@example.com"
        );
        assert!(Email::parse("a@b.co").is_ok());
        assert!(Email::parse("x_y@sub.do-main.org").is_ok());
    }

    #[test]
    fn invalid_addresses_are_rejected() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@b..com",
            ".a@b.com",
            "a.@b.com",
            "a..b@c.com",
            "a@-b.com",
            "a@b-.com",
            "a@b.c",
            "a@b.c0m",
            "\"q\"@b.com",
            "a\n@b.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Email::parse(&format!("{}@b.com", "a".repeat(65))).is_err());
        assert!(Email::parse(&format!("a@{}.com", "b".repeat(250))).is_err());
    }

    #[test]
    fn deserializing_validates() {
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
        assert_eq!(
            serde_json::from_str::<Email>("\"A@B.io\"")
                .unwrap()
                .as_str(),
            "a@b.io"
        );
    }
}
