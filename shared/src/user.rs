//! The identity of a coached user.

use std::fmt;

/// A user id: the JWT `sub` claim, 1–128 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

impl UserId {
    /// Longest accepted subject.
    pub const MAX_CHARS: usize = 128;

    /// Checks and wraps a subject.
    pub fn parse(sub: &str) -> Result<Self, String> {
        if sub.is_empty() {
            return Err("The token's subject is empty.".into());
        }
        if sub.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "The token's subject is over {} characters.",
                Self::MAX_CHARS
            ));
        }
        if sub.chars().any(char::is_control) {
            return Err("The token's subject has control characters.".into());
        }
        Ok(UserId(sub.to_owned()))
    }

    /// The subject as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
