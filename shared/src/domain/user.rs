//! The coached user: their identity and their segment (the rules that put a user in a segment
//! are the engine's, `engine::segment`).

use std::fmt;

use serde::{Deserialize, Serialize};

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

    /// What logs name the user by: the first 16 hex digits of SHA-256 of the subject, so a
    /// log line can be matched to a user the operator already knows, not read back to one.
    pub fn log_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(self.0.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The five segments.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::AsRefStr,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Segment {
    HabitMaster,
    QualityFocused,
    ConsistencyBuilder,
    StreakEnthusiast,
    GettingStarted,
}

impl Segment {
    /// Every segment.
    pub const ALL: [Segment; 5] = [
        Segment::HabitMaster,
        Segment::QualityFocused,
        Segment::ConsistencyBuilder,
        Segment::StreakEnthusiast,
        Segment::GettingStarted,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_name_a_user_by_a_hash_of_the_subject() {
        let a = UserId::parse("auth0|ana@example.com").expect("valid");
        let h = a.log_hash();
        assert_eq!(h.len(), 16);
        assert!(h.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!h.contains("ana"));
        assert_eq!(h, a.log_hash(), "stable");
        assert_ne!(h, UserId::parse("auth0|bob").expect("valid").log_hash());
    }
}
