//! API tokens (DESIGN §15) as the store hands them out: a name, a role and the hash of
//! the token, never the token itself.
//!
//! A name is the table's key, and may be given to a new token once the token that had
//! it is revoked. The revoked one keeps its row (who had access, and until when): its
//! key becomes the name, [`RETIRED`] and its hash, which no name a user gives can be
//! (names have no control characters), and it is listed under its name again.

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

/// What separates a revoked token's name from its hash in the key of its row, once its
/// name went to a new token.
pub const RETIRED: char = '\u{1f}';

/// The name a stored key stands for: a revoked token's, whose name went to a new
/// token, without what follows [`RETIRED`].
pub fn name_of(key: String) -> String {
    match key.split_once(RETIRED) {
        Some((name, _)) => name.to_string(),
        None => key,
    }
}

/// Tokens by name, those that had a name oldest first (a revoked token's key sorts
/// after its name's live one).
pub fn in_order(tokens: &mut [TokenRow]) {
    tokens.sort_by(|a, b| (&a.name, &a.created_at).cmp(&(&b.name, &b.created_at)));
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
