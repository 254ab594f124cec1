//! What collecting a form can end in, other than answers.
//!
//! Invalid input is gathered, never reported one problem at a time: a script that
//! forgot three `--input`s should learn about all three from one run (the CLI maps
//! [`CollectError::Invalid`] to exit 2, [`CollectError::Interrupted`] to 130).

use std::fmt;

use super::schema::FieldSpec;

/// One missing or invalid answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    /// The field's type (`choice`, `ipv4`…), or `unknown` for a key that names no field.
    pub field_type: String,
    pub reason: String,
}

impl Problem {
    pub fn new(field: &FieldSpec, reason: impl Into<String>) -> Self {
        Problem {
            field: field.name.clone(),
            field_type: field.field_type.as_str().to_string(),
            reason: reason.into(),
        }
    }
}

impl Problem {
    /// The problem as the API lists it in an error's `fields`.
    pub fn to_field_error(&self) -> crate::error::FieldError {
        crate::error::FieldError {
            field: self.field.clone(),
            field_type: self.field_type.clone(),
            reason: self.reason.clone(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.field, self.field_type, self.reason)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// Every missing and invalid answer, in form order (unknown keys first).
    #[error("{}", list(.0))]
    Invalid(Vec<Problem>),
    /// Ctrl-C at a prompt: nothing was collected.
    #[error("interrupted at a prompt")]
    Interrupted,
    /// The terminal failed under a prompt.
    #[error("cannot ask for input: {0}")]
    Io(String),
    /// The `ChoiceSource` could not list a field's choices (`choices_from` failed, …).
    #[error("cannot list the choices of `{field}`: {reason}")]
    Choices { field: String, reason: String },
    /// An expression or template of the form failed at run time (a definition bug).
    #[error("{0}")]
    Definition(String),
}

fn list(problems: &[Problem]) -> String {
    let mut out = String::from("the form's input is missing or invalid:");
    for p in problems {
        out.push_str(&format!("\n  - {p}"));
    }
    out
}

impl From<std::io::Error> for CollectError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::Interrupted {
            CollectError::Interrupted
        } else {
            CollectError::Io(e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_problem_one_per_line() {
        let e = CollectError::Invalid(vec![
            Problem {
                field: "node_name".into(),
                field_type: "choice".into(),
                reason: "missing, required".into(),
            },
            Problem {
                field: "role".into(),
                field_type: "choice".into(),
                reason: "`x` is not one of core, edge".into(),
            },
        ]);
        assert_eq!(
            e.to_string(),
            "the form's input is missing or invalid:\n  - node_name (choice): missing, required\n  - role (choice): `x` is not one of core, edge"
        );
        let int: CollectError =
            std::io::Error::new(std::io::ErrorKind::Interrupted, "read interrupted").into();
        assert!(matches!(int, CollectError::Interrupted));
    }
}
