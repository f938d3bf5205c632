use std::fmt;

use serde::Deserialize;

/// A password a person chose, within the length rules. Deliberately neither `Serialize`
/// nor readable through `Debug`, so it cannot end up in a response or a log line.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

pub const MIN_CHARS: usize = 8;
/// Bounds the work a single request can ask Argon2 to do on its input.
pub const MAX_CHARS: usize = 128;

impl Password {
    pub fn parse(input: String) -> Result<Password, String> {
        let chars = input.chars().count();
        if chars < MIN_CHARS {
            Err(format!("a password needs at least {MIN_CHARS} characters"))
        } else if chars > MAX_CHARS {
            Err(format!("a password has at most {MAX_CHARS} characters"))
        } else {
            Ok(Password(input))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Password {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Password::parse(value)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules() {
        assert!(Password::parse("1234567".into()).is_err());
        assert!(Password::parse("12345678".into()).is_ok());
        // characters, not bytes
        assert!(Password::parse("ééééééé".into()).is_err());
        assert!(Password::parse("x".repeat(129)).is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let p = Password::parse("hunter2hunter2".into()).unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
