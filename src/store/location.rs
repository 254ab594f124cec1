//! Where the database is: what `--db`, `ORCH_DB` or orch.toml's `db` names, told apart
//! once (a PostgreSQL address, else a SQLite file), named in messages without a
//! password, and handed to steps so the orch they call reaches the same store.

use std::path::{Path, PathBuf};

use super::postgres;
use crate::error::Error;

/// Where the database is, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database: the address as given (a URL or libpq's keyword form, its
    /// password included; never shown) and the schema orch.toml names, if any (the
    /// address's own `search_path` wins).
    Postgres {
        address: String,
        schema: Option<String>,
    },
}

impl Location {
    /// What `--db`, `ORCH_DB` or orch.toml's `db` names: a PostgreSQL address
    /// (`postgresql://…`, `postgres://…`, `host=… dbname=…`), else a file path, taken
    /// relative to `base`. `pg_schema` is orch.toml's.
    pub fn parse(text: &std::ffi::OsStr, base: &Path, pg_schema: Option<&str>) -> Location {
        match text.to_str() {
            Some(t) if postgres::is_postgres(t) => Location::Postgres {
                address: t.to_string(),
                schema: pg_schema.map(str::to_string),
            },
            Some(t) => {
                // SQLite's own URI forms name the same file: `sqlite:///srv/orch.db`,
                // `file:orch.db`.
                let file = ["sqlite://", "file://", "sqlite:", "file:"]
                    .iter()
                    .find_map(|scheme| t.strip_prefix(scheme))
                    .filter(|rest| !rest.is_empty())
                    .unwrap_or(t);
                Location::Sqlite(base.join(file))
            }
            None => Location::Sqlite(base.join(text)),
        }
    }

    /// Refuses an address of another kind of database (`mysql://…`), which would
    /// otherwise be taken for a file name.
    pub fn check_kind(&self) -> Result<(), crate::error::Error> {
        let Location::Sqlite(path) = self else {
            return Ok(());
        };
        let text = path.to_string_lossy();
        let Some(at) = text.find("://") else {
            return Ok(());
        };
        let scheme = text[..at].rsplit('/').next().unwrap_or_default();
        Err(crate::error::Error::usage(format!(
            "`{scheme}://` is not a database orch can use"
        ))
        .with_hint(
            "--db (or ORCH_DB, or orch.toml's `db`) takes a SQLite file or a PostgreSQL address (postgresql://user@host:5432/db)",
        ))
    }

    /// How messages name it (never with a password).
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres { .. } => match self.conn_info() {
                Ok(info) => info.to_string(),
                Err(_) => "a PostgreSQL address orch cannot read".to_string(),
            },
        }
    }

    /// The PostgreSQL schema orch's tables are in (None for a SQLite file).
    pub fn pg_schema(&self) -> Option<String> {
        self.conn_info().ok().map(|i| i.schema().to_string())
    }

    /// What steps get in `ORCH_DB`, so the orch they call talks to the same store
    /// (a PostgreSQL address with its password: it stays in the step's environment).
    pub fn for_steps(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres { address, .. } => address.clone(),
        }
    }

    /// The SQLite file, when it is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(p) => Some(p),
            Location::Postgres { .. } => None,
        }
    }

    /// The resolved PostgreSQL address.
    pub(super) fn conn_info(&self) -> Result<postgres::ConnInfo, Error> {
        match self {
            Location::Postgres { address, schema } => {
                postgres::ConnInfo::parse(address, schema.as_deref())
            }
            Location::Sqlite(p) => Err(Error::internal(format!(
                "{} is a SQLite file, not a PostgreSQL address",
                p.display()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(text: &str) -> PathBuf {
        match Location::parse(text.as_ref(), Path::new("/p"), None) {
            Location::Sqlite(path) => path,
            other => panic!("not a file: {}", other.describe()),
        }
    }

    /// SQLite's URI forms name the file they name; a bare path is taken from the project.
    #[test]
    fn sqlite_uris_name_their_file() {
        assert_eq!(file_of("sqlite:///srv/orch.db"), Path::new("/srv/orch.db"));
        assert_eq!(file_of("file:/srv/orch.db"), Path::new("/srv/orch.db"));
        assert_eq!(file_of("file:data/orch.db"), Path::new("/p/data/orch.db"));
        assert_eq!(file_of("orch.db"), Path::new("/p/orch.db"));
        assert_eq!(file_of("file:"), Path::new("/p/file:"));
    }
}
