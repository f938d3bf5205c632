use serde::{Deserialize, Serialize};

/// A person's display name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserName(String);

pub const MAX_CHARS: usize = 100;

impl UserName {
    pub fn parse(input: &str) -> Result<UserName, String> {
        let name = input.trim();
        if name.is_empty() {
            Err("a name must not be empty".into())
        } else if name.chars().count() > MAX_CHARS {
            Err(format!("a name has at most {MAX_CHARS} characters"))
        } else if name.chars().any(char::is_control) {
            Err("a name must not contain control characters".into())
        } else {
            Ok(UserName(name.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UserName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        UserName::parse(&value)
    }
}

impl From<UserName> for String {
    fn from(name: UserName) -> String {
        name.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(UserName::parse("  Ann Lee ").unwrap().as_str(), "Ann Lee");
        assert!(UserName::parse("   ").is_err());
        assert!(UserName::parse("a\u{0}b").is_err());
        assert!(UserName::parse(&"é".repeat(100)).is_ok());
        assert!(UserName::parse(&"é".repeat(101)).is_err());
    }
}
