//! The one error type the command line renders, and the exit codes it maps to.
//!
//! Each layer has its own `thiserror` enum (store, definition, engine, forms); they
//! convert into [`Error`], which adds what the user needs: a kind (which decides the
//! exit code), the chain of causes and hints naming the command that fixes things.

use std::fmt;

/// What went wrong, as far as the exit code is concerned (DESIGN §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Anything else: I/O, a corrupt database, a bug.
    Failure,
    /// Bad usage or invalid input: a broken definition, a wrong form value.
    Usage,
    /// A step failed (workflow run, retry, resume, skip).
    StepFailed,
    /// The process is suspended, awaiting input.
    Suspended,
    /// The process is waiting after a transient failure.
    Waiting,
    /// A named thing does not exist.
    NotFound,
    /// Locked, not usable, owned by another orch, wrong state for the command.
    Conflict,
    /// Ctrl-C or SIGTERM; whatever was running stays resumable.
    Interrupted,
    /// The database is busy (another writer held it too long): exit 7 as a conflict,
    /// but HTTP 503, since the same request may well succeed in a moment.
    Busy,
    /// The database server cannot be reached or the connection broke: exit 1, HTTP 503.
    Unavailable,
    /// A program of the project that orch runs to answer (a `choices_from` command)
    /// failed: exit 1 as any failure, HTTP 502, since neither the request nor orch is
    /// at fault.
    Upstream,
    /// A bug in orch itself.
    Internal,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Failure | Kind::Internal | Kind::Upstream => 1,
            Kind::Usage => 2,
            Kind::StepFailed => 3,
            Kind::Suspended => 4,
            Kind::Waiting => 5,
            Kind::NotFound => 6,
            Kind::Conflict => 7,
            Kind::Interrupted => 130,
            Kind::Busy => 7,
            Kind::Unavailable => 1,
        }
    }

    /// The HTTP status `orch serve` answers with (DESIGN §15), beside the exit code so
    /// the two faces cannot disagree. Bad input with the fields at fault is 422.
    pub fn http_status(self, has_fields: bool) -> u16 {
        match self {
            Kind::Usage if has_fields => 422,
            Kind::Usage => 400,
            Kind::NotFound => 404,
            Kind::Conflict | Kind::StepFailed | Kind::Suspended | Kind::Waiting => 409,
            Kind::Interrupted | Kind::Busy | Kind::Unavailable => 503,
            Kind::Upstream => 502,
            Kind::Failure | Kind::Internal => 500,
        }
    }

    /// The word the API's error body names the kind with.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Failure => "failure",
            Kind::Usage => "invalid",
            Kind::StepFailed => "step_failed",
            Kind::Suspended => "suspended",
            Kind::Waiting => "waiting",
            Kind::NotFound => "not_found",
            Kind::Conflict => "conflict",
            Kind::Interrupted => "interrupted",
            Kind::Busy => "busy",
            Kind::Unavailable => "unavailable",
            Kind::Upstream => "upstream",
            Kind::Internal => "internal",
        }
    }
}

/// One field at fault in invalid input: which, of what type, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    #[serde(rename = "type")]
    pub field_type: String,
    pub reason: String,
}

/// An error ready to be shown to a user: `error:`, `caused by:` lines and `hint:` lines.
#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub causes: Vec<String>,
    pub hints: Vec<String>,
    /// Each field at fault when the input was invalid (a form): the API lists them.
    pub fields: Vec<FieldError>,
    /// Set when the error has already been reported (for example a process that
    /// failed, whose summary was printed); the caller only sets the exit code.
    pub silent: bool,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            causes: Vec::new(),
            hints: Vec::new(),
            fields: Vec::new(),
            silent: false,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Kind::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, message)
    }

    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(Kind::Failure, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Kind::Internal, message)
    }

    /// An exit status without a message: the outcome was already printed.
    pub fn silent(kind: Kind) -> Self {
        let mut e = Self::new(kind, String::new());
        e.silent = true;
        e
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn with_fields(mut self, fields: Vec<FieldError>) -> Self {
        self.fields = fields;
        self
    }

    pub fn with_cause(mut self, cause: impl fmt::Display) -> Self {
        self.causes.push(cause.to_string());
        self
    }

    /// Adds every source of a std error as a cause line.
    pub fn with_source_chain(mut self, err: &(dyn std::error::Error + 'static)) -> Self {
        let mut source = err.source();
        while let Some(s) = source {
            self.causes.push(s.to_string());
            source = s.source();
        }
        self
    }

    pub fn exit_code(&self) -> u8 {
        self.kind.exit_code()
    }

    /// The message and its hints on one line, "; " between them: for a place that
    /// holds one line of text (a step's error, a parser's message).
    pub fn in_one_line(self) -> String {
        std::iter::once(self.message)
            .chain(self.hints)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Renders the error the way it is printed on stderr.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match self.kind {
            Kind::Internal => out.push_str("error: internal error (this is a bug in orch): "),
            // A process at rest (awaiting input, a callback or its retry time) is an
            // outcome, not a fault: `-q` says so without calling it an error.
            Kind::Suspended | Kind::Waiting => {}
            _ => out.push_str("error: "),
        }
        out.push_str(&self.message);
        out.push('\n');
        for cause in &self.causes {
            for (i, line) in cause.lines().enumerate() {
                if i == 0 {
                    out.push_str("caused by: ");
                } else {
                    out.push_str("           ");
                }
                out.push_str(line);
                out.push('\n');
            }
        }
        for hint in &self.hints {
            out.push_str("hint: ");
            out.push_str(hint);
            out.push('\n');
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::failure(e.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::internal(format!("JSON: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_causes_and_hints() {
        let e = Error::not_found("no process 42")
            .with_cause("looked in orch.db")
            .with_hint("orch process list");
        assert_eq!(
            e.render(),
            "error: no process 42\ncaused by: looked in orch.db\nhint: orch process list\n"
        );
        assert_eq!(e.exit_code(), 6);
    }
}
