//! The statuses of processes and of their steps (DESIGN §6), as types.
//!
//! They are stored and printed as snake_case words; everywhere else they are these
//! enums, so a status is compared in one place and a new one (a branch waiting, a
//! callback) shows up as a compile error wherever it must be handled.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// `ProcessStatus` as a user reads it: `process status`.
fn words_of(type_name: &str) -> String {
    let mut out = String::new();
    for c in type_name.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Declares a status enum with its stored words, `as_str`, `Display` and `FromStr`.
macro_rules! status_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($word => Ok($name::$variant),)+
                    other => Err(format!(
                        "`{other}` is not a {} (one of: {})",
                        words_of(stringify!($name)),
                        [$($word),+].join(", ")
                    )),
                }
            }
        }
    };
}

status_enum! {
    /// Where a process stands.
    ProcessStatus {
        Created => "created",
        Running => "running",
        Suspended => "suspended",
        AwaitingCallback => "awaiting_callback",
        Waiting => "waiting",
        Failed => "failed",
        Aborted => "aborted",
        Completed => "completed",
    }
}

impl ProcessStatus {
    /// The statuses a retry (or a skip) takes a process from.
    pub const RETRYABLE: &'static [ProcessStatus] =
        &[ProcessStatus::Failed, ProcessStatus::Waiting];

    /// Completed and aborted processes are over: they hold nothing and never run again.
    pub fn is_finished(self) -> bool {
        matches!(self, ProcessStatus::Completed | ProcessStatus::Aborted)
    }

    /// The status in a sentence (`process X is awaiting a callback`, `… is queued for
    /// a worker (created)`): the word, but for those a sentence needs more of.
    pub fn in_words(self) -> &'static str {
        match self {
            ProcessStatus::AwaitingCallback => "awaiting a callback",
            ProcessStatus::Created => "queued for a worker (created)",
            other => other.as_str(),
        }
    }

    /// Statuses a process rests in until someone (a retry, an answer, a worker) acts.
    pub fn is_at_rest(self) -> bool {
        !matches!(self, ProcessStatus::Running | ProcessStatus::Created)
    }
}

status_enum! {
    /// How one step attempt ended.
    StepStatus {
        Success => "success",
        Skipped => "skipped",
        Suspend => "suspend",
        AwaitingCallback => "awaiting_callback",
        Waiting => "waiting",
        Failed => "failed",
        Abort => "abort",
        Complete => "complete",
    }
}

impl StepStatus {
    /// Whether this attempt finished its step for good (a later run skips the step).
    pub fn is_done(self) -> bool {
        matches!(
            self,
            StepStatus::Success | StepStatus::Skipped | StepStatus::Complete
        )
    }

    /// The status of the process after an attempt that ends this way and stands.
    pub fn process_status(self) -> ProcessStatus {
        match self {
            StepStatus::Failed => ProcessStatus::Failed,
            StepStatus::Waiting => ProcessStatus::Waiting,
            StepStatus::Suspend => ProcessStatus::Suspended,
            StepStatus::AwaitingCallback => ProcessStatus::AwaitingCallback,
            StepStatus::Complete => ProcessStatus::Completed,
            StepStatus::Abort => ProcessStatus::Aborted,
            StepStatus::Success | StepStatus::Skipped => ProcessStatus::Running,
        }
    }

    /// A failure a retry may re-run.
    pub fn is_retryable(self) -> bool {
        matches!(self, StepStatus::Failed | StepStatus::Waiting)
    }
}

/// How long a process that waits after a transient failure (its step exited 75) rests
/// before it is tried again: a minute after the first wait, doubling with each further
/// wait, at most an hour.
pub fn retry_delay(waits: usize) -> std::time::Duration {
    let doublings = waits.saturating_sub(1).min(6) as u32;
    std::time::Duration::from_secs(60 * 2u64.pow(doublings))
        .min(std::time::Duration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for s in ProcessStatus::ALL {
            assert_eq!(s.as_str().parse::<ProcessStatus>(), Ok(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for s in StepStatus::ALL {
            assert_eq!(s.as_str().parse::<StepStatus>(), Ok(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        let err = "runing".parse::<ProcessStatus>().unwrap_err();
        assert!(err.contains("running"), "{err}");
    }

    #[test]
    fn the_retry_delay_doubles_up_to_an_hour() {
        use std::time::Duration;
        assert_eq!(retry_delay(1), Duration::from_secs(60));
        assert_eq!(retry_delay(2), Duration::from_secs(120));
        assert_eq!(retry_delay(4), Duration::from_secs(480));
        assert_eq!(retry_delay(50), Duration::from_secs(3600));
    }
}
