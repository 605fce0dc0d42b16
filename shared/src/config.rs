//! Configuration read from the environment once, at cold start. A missing variable fails fast
//! with a message that names it.

/// A configuration problem found at cold start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("missing environment variable {0}: set it in template.yaml (or the local host's environment)")]
    Missing(&'static str),
}

/// The settings the functions read from their environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// Name of the profiles table (preferences, behaviour summaries, devices).
    pub profiles_table: String,
    /// Name of the messages table.
    pub messages_table: String,
    /// Name of the statistics table (variant counters, daily analytics).
    pub stats_table: String,
    /// Name of the templates table.
    pub templates_table: String,
}

impl Config {
    /// Reads every setting; fails on the first one missing.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Config {
            profiles_table: required("PROFILES_TABLE")?,
            messages_table: required("MESSAGES_TABLE")?,
            stats_table: required("STATS_TABLE")?,
            templates_table: required("TEMPLATES_TABLE")?,
        })
    }
}

/// The value of a required, non-empty environment variable.
pub fn required(name: &'static str) -> Result<String, ConfigError> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(ConfigError::Missing(name)),
    }
}
