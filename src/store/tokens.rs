//! API tokens (DESIGN §15) as the store hands them out: a name, a role and the hash of
//! the token, never the token itself.
//!
//! A name may be given to a new token once the token that had it is revoked; the
//! revoked one keeps its row (who had access, and until when), and is listed under
//! the same name, the older first.

use serde::Serialize;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Only reads (GET).
    Read,
    /// Reads, and starts and acts on processes.
    Operate,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Operate => "operate",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "read" => Ok(Role::Read),
            "operate" => Ok(Role::Operate),
            other => Err(format!("`{other}` is not a role (one of: read, operate)")),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored token.
#[derive(Debug, Clone, Serialize)]
pub struct TokenRow {
    pub name: String,
    pub role: Role,
    /// SHA-256 of the token, hex.
    #[serde(skip)]
    pub hash: String,
    pub created_at: String,
    pub created_by: String,
    pub revoked_at: Option<String>,
}

/// A token to store.
pub struct NewToken<'a> {
    pub name: &'a str,
    pub role: Role,
    pub hash: &'a str,
    pub created_by: &'a str,
}
