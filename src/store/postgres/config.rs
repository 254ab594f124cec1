//! Where a PostgreSQL store is: the `--db` text (a `postgresql://` or `postgres://`
//! URL, or libpq's `host=/run/postgresql dbname=orch` keyword form) resolved the way
//! libpq resolves it, plus orch's schema.
//!
//! tokio-postgres parses both forms but stops there: it has no `PGUSER`-style defaults,
//! no default socket folder, no `PGPASSWORD`, no `~/.pgpass`. This module adds them, in
//! libpq's order (what the text says, else the `PG…` variable, else the built-in
//! default), so an address that works for `psql` works for orch. One difference:
//! tokio-postgres reads a URL's host without a port as port 5432, so `PGPORT` applies
//! to the keyword form and to URLs without a host only. And where tokio-postgres would
//! try a URL's `?host=` after the authority's host, the query's replaces it, as in libpq.
//!
//! The password never leaves this value in text: `Display` prints the address as a URL
//! with the password masked, and `Debug` does the same, so a [`ConnInfo`] can go into
//! any message or log line.
//!
//! The schema: orch keeps its tables in one schema of its own (`orch` unless told
//! otherwise) so it can share a database with other applications. The first element
//! of a `search_path` in the options (`?options=-csearch_path%3Dother`) names it,
//! else the caller's default (orch.toml's `pg_schema`), else `orch`. Every connection
//! then runs with `search_path` set to that one schema and nothing else, through the
//! startup packet (no extra round trip), so a table of the same name in `public` can
//! never be read or written by mistake.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use tokio_postgres::config::{Host, SslMode};

use super::pgpass;
use super::schema::{check_schema, split_search_path, with_search_path};
use crate::error::Error;

/// The schema orch uses when neither the address nor orch.toml names one.
pub const DEFAULT_SCHEMA: &str = "orch";

/// How long a connection attempt may take, when `connect_timeout` does not say.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where libpq (as Debian builds it) looks for the server's socket when no host is
/// given; the first folder holding the socket wins, else the first one is named in
/// the error.
const DEFAULT_SOCKET_DIRS: [&str; 3] = ["/var/run/postgresql", "/run/postgresql", "/tmp"];

/// Where the password came from, for the hint when the server refuses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// None was found; the server may not need one (peer or trust authentication).
    None,
    /// The URL or the `password=` keyword.
    Given,
    /// `PGPASSWORD`.
    Environment,
    /// A line of a password file (`~/.pgpass` or `PGPASSFILE`).
    File { path: PathBuf, line: usize },
}

/// A resolved PostgreSQL address: the driver's settings, complete, and orch's schema.
#[derive(Clone)]
pub struct ConnInfo {
    pg: tokio_postgres::Config,
    schema: String,
    password: PasswordSource,
    /// Why the password file was not read (group-readable, not a file), for hints.
    pgpass_note: Option<String>,
    connect_timeout: Option<Duration>,
}

/// What the resolution reads from the process: the `PG…` variables, the home folder
/// and the user name. A value of its own so tests can give a fake one.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub vars: BTreeMap<String, String>,
    pub home: Option<PathBuf>,
    pub os_user: Option<String>,
}

const VARS: [&str; 10] = [
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGOPTIONS",
    "PGAPPNAME",
    "PGCONNECT_TIMEOUT",
    "PGSSLMODE",
];

impl Env {
    /// This process's environment.
    pub fn process() -> Env {
        let vars = VARS
            .iter()
            .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
            .collect();
        Env {
            vars,
            home: std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(PathBuf::from)
                .or_else(home_from_passwd),
            os_user: os_user(),
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// A URL whose user or password holds a bare `@` is read up to the wrong one (part of
/// the password taken for the host, and shown as one): refused, without repeating it.
fn refuse_bare_at(text: &str) -> Result<(), Error> {
    let t = text.trim();
    let Some(rest) = t
        .strip_prefix("postgresql://")
        .or_else(|| t.strip_prefix("postgres://"))
    else {
        return Ok(());
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.matches('@').count() > 1 {
        return Err(Error::usage(
            "the PostgreSQL address has more than one `@` before its host: a user name or password that holds `@` must write it as `%40`",
        )
        .with_hint("postgresql://USER:PA%40SS@HOST:PORT/DATABASE, or give the password in PGPASSWORD or ~/.pgpass"));
    }
    Ok(())
}

/// A URL whose query names `host` as well as its authority does: libpq takes the
/// query's (a later value of a setting replaces an earlier one), where tokio-postgres
/// adds it after the authority's and tries those first, so
/// `postgresql://u@localhost/db?host=/run/pg` would reach whatever listens on
/// localhost:5432 rather than the socket `psql` uses. Rewritten without the
/// authority's hosts; their ports go on as the query's `port`, unless it has one.
fn query_host_replaces_authority(text: &str) -> Option<String> {
    let t = text.trim();
    let scheme = ["postgresql://", "postgres://"]
        .into_iter()
        .find(|s| t.starts_with(s))?;
    let rest = &t[scheme.len()..];
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let (_, query) = tail.split_once('?')?;
    let keys: Vec<&str> = query
        .split('&')
        .map(|kv| kv.split('=').next().unwrap_or_default())
        .collect();
    if !keys.contains(&"host") {
        return None;
    }
    let (userinfo, hosts) = match authority.rfind('@') {
        Some(at) => authority.split_at(at + 1),
        None => ("", authority),
    };
    if hosts.is_empty() {
        return None;
    }
    let ports: Vec<&str> = hosts
        .split(',')
        .filter_map(|chunk| match chunk.rfind(']') {
            Some(close) => chunk[close + 1..].strip_prefix(':'),
            None => chunk.rsplit_once(':').map(|(_, port)| port),
        })
        .collect();
    let mut out = format!("{scheme}{userinfo}{tail}");
    if !ports.is_empty() && !keys.contains(&"port") {
        out.push_str(&format!("&port={}", ports.join(",")));
    }
    Some(out)
}

/// True when `--db` names a PostgreSQL database rather than a SQLite file: a
/// `postgresql://` or `postgres://` URL, or libpq's keyword form (`host=… dbname=…`).
pub fn is_postgres(text: &str) -> bool {
    let t = text.trim_start();
    if t.starts_with("postgresql://") || t.starts_with("postgres://") {
        return true;
    }
    const KEYWORDS: [&str; 8] = [
        "host", "hostaddr", "port", "dbname", "user", "password", "options", "sslmode",
    ];
    t.split_once('=').is_some_and(|(key, _)| {
        let key = key.trim_end();
        KEYWORDS.contains(&key)
    })
}

impl ConnInfo {
    /// Resolves `text` with this process's environment; `default_schema` is orch.toml's
    /// `pg_schema` (None: `orch`).
    pub fn parse(text: &str, default_schema: Option<&str>) -> Result<ConnInfo, Error> {
        Self::parse_with(text, default_schema, &Env::process())
    }

    /// The password written in the address itself (`postgresql://u:PASSWORD@…`,
    /// `password=…`), without looking anywhere else: what a step sees of it in
    /// `ORCH_DB`, to be masked in what the step prints.
    pub fn password_in(address: &str) -> Option<String> {
        let info = Self::parse_with(address, None, &Env::default()).ok()?;
        let password = info.pg.get_password()?;
        Some(String::from_utf8_lossy(password).into_owned()).filter(|p| !p.is_empty())
    }

    /// [`ConnInfo::parse`] with the given environment.
    pub fn parse_with(
        text: &str,
        default_schema: Option<&str>,
        env: &Env,
    ) -> Result<ConnInfo, Error> {
        refuse_bare_at(text)?;
        let rewritten = query_host_replaces_authority(text);
        let text = rewritten.as_deref().unwrap_or(text);
        // The driver's messages name options, never their values, so they may be shown.
        let mut pg: tokio_postgres::Config = text.trim().parse().map_err(|e| {
            Error::usage("cannot read the PostgreSQL address given to orch")
                .with_source_chain(&e)
                .with_hint(
                    "fix the address in --db (or ORCH_DB, or orch.toml's `db`): postgresql://USER@HOST:PORT/DATABASE, or the keyword form `host=/run/postgresql dbname=orch`",
                )
        })?;

        // No TLS yet: refuse a mode that demands it rather than fall back silently.
        let demanded = match pg.get_ssl_mode() {
            SslMode::Require => Some("require".to_string()),
            _ => env
                .var("PGSSLMODE")
                .filter(|m| !matches!(*m, "disable" | "allow" | "prefer"))
                .map(str::to_string),
        };
        if let Some(mode) = demanded {
            return Err(Error::usage(format!(
                "orch does not speak TLS to PostgreSQL yet (sslmode={mode})"
            ))
            .with_hint(
                "connect through a Unix socket or an SSH tunnel, with sslmode=disable or prefer",
            ));
        }
        pg.ssl_mode(SslMode::Disable);

        let user = match pg.get_user() {
            Some(u) => u.to_string(),
            None => env
                .var("PGUSER")
                .map(str::to_string)
                .or_else(|| env.os_user.clone())
                .ok_or_else(|| {
                    Error::usage(
                        "the PostgreSQL address names no user, and orch cannot tell who runs it",
                    )
                    .with_hint("put the user in the address: postgresql://USER@HOST/DATABASE")
                })?,
        };
        pg.user(&user);
        if pg.get_dbname().is_none() {
            let db = env.var("PGDATABASE").unwrap_or(&user).to_string();
            pg.dbname(db);
        }

        if pg.get_hosts().is_empty() && pg.get_hostaddrs().is_empty() {
            match env.var("PGHOST") {
                Some(hosts) => {
                    for h in hosts.split(',') {
                        pg.host(h.trim());
                    }
                }
                None => {
                    let port = port_of(&pg, env)?;
                    pg.host_path(default_socket_dir(port));
                }
            }
        }
        if pg.get_ports().is_empty() {
            let port = port_of(&pg, env)?;
            pg.port(port);
        }

        let options = pg
            .get_options()
            .map(str::to_string)
            .or_else(|| env.var("PGOPTIONS").map(str::to_string))
            .unwrap_or_default();
        let (rest, from_options) = split_search_path(&options)?;
        let schema = match from_options {
            Some(s) => s,
            None => default_schema.unwrap_or(DEFAULT_SCHEMA).to_string(),
        };
        check_schema(&schema)?;
        pg.options(with_search_path(&rest, &schema));

        if pg.get_application_name().is_none() {
            pg.application_name(env.var("PGAPPNAME").unwrap_or("orch"));
        }

        let connect_timeout = match pg.get_connect_timeout() {
            Some(t) => Some(*t),
            None => match env.var("PGCONNECT_TIMEOUT") {
                Some(v) => {
                    let secs: i64 = v.trim().parse().map_err(|_| {
                        Error::usage(format!("PGCONNECT_TIMEOUT is `{v}`, expected seconds"))
                    })?;
                    (secs > 0).then(|| Duration::from_secs(secs.unsigned_abs()))
                }
                None => Some(DEFAULT_CONNECT_TIMEOUT),
            },
        };
        // libpq waits at least two seconds, whatever the setting says.
        let connect_timeout = connect_timeout.map(|t| t.max(Duration::from_secs(2)));
        if let Some(t) = connect_timeout {
            pg.connect_timeout(t);
        }

        let mut info = ConnInfo {
            pg,
            schema,
            password: PasswordSource::None,
            pgpass_note: None,
            connect_timeout,
        };
        info.find_password(env);
        Ok(info)
    }

    fn find_password(&mut self, env: &Env) {
        if self.pg.get_password().is_some() {
            self.password = PasswordSource::Given;
            return;
        }
        if let Some(p) = env.var("PGPASSWORD") {
            self.pg.password(p);
            self.password = PasswordSource::Environment;
            return;
        }
        let path = match env.var("PGPASSFILE") {
            Some(p) => PathBuf::from(p),
            None => match &env.home {
                Some(h) => h.join(".pgpass"),
                None => return,
            },
        };
        let key = pgpass::Key {
            host: self.pgpass_host(),
            port: self.port().to_string(),
            dbname: self.dbname().to_string(),
            user: self.user().to_string(),
        };
        match pgpass::lookup(&path, &key) {
            pgpass::Lookup::Found { password, line } => {
                self.pg.password(password);
                self.password = PasswordSource::File { path, line };
            }
            pgpass::Lookup::Ignored(why) => self.pgpass_note = Some(why),
            pgpass::Lookup::NoMatch | pgpass::Lookup::Missing => {}
        }
    }

    /// The host as `.pgpass` names it: the host name, or `localhost` for the default
    /// socket folder, or the socket folder's path.
    fn pgpass_host(&self) -> String {
        match self.pg.get_hosts().first() {
            Some(Host::Tcp(h)) => h.clone(),
            Some(Host::Unix(p)) => {
                let p = p.to_string_lossy();
                if DEFAULT_SOCKET_DIRS[..2].contains(&p.as_ref()) {
                    "localhost".to_string()
                } else {
                    p.into_owned()
                }
            }
            None => match self.pg.get_hostaddrs().first() {
                Some(a) => a.to_string(),
                None => "localhost".to_string(),
            },
        }
    }

    /// orch's schema in this database.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    pub fn user(&self) -> &str {
        self.pg.get_user().unwrap_or_default()
    }

    pub fn dbname(&self) -> &str {
        self.pg.get_dbname().unwrap_or_default()
    }

    /// The (first) port.
    pub fn port(&self) -> u16 {
        self.pg.get_ports().first().copied().unwrap_or(5432)
    }

    /// The (first) host: a name, an address or a socket folder.
    pub fn host(&self) -> String {
        match (self.pg.get_hosts().first(), self.pg.get_hostaddrs().first()) {
            (Some(Host::Tcp(h)), _) => h.clone(),
            (Some(Host::Unix(p)), _) => p.display().to_string(),
            (None, Some(a)) => a.to_string(),
            (None, None) => "localhost".to_string(),
        }
    }

    /// The socket folder when the (first) host is a Unix socket.
    pub fn socket_dir(&self) -> Option<&std::path::Path> {
        match self.pg.get_hosts().first() {
            Some(Host::Unix(p)) => Some(p),
            _ => None,
        }
    }

    pub fn password_source(&self) -> &PasswordSource {
        &self.password
    }

    /// Why the password file was skipped, when it was.
    pub fn pgpass_note(&self) -> Option<&str> {
        self.pgpass_note.as_deref()
    }

    pub fn connect_timeout(&self) -> Option<Duration> {
        self.connect_timeout
    }

    /// The same address with another schema (tests, `db` commands on a second schema).
    pub fn with_schema(&self, schema: &str) -> Result<ConnInfo, Error> {
        check_schema(schema)?;
        let mut info = self.clone();
        let (rest, _) = split_search_path(self.pg.get_options().unwrap_or_default())?;
        info.pg.options(with_search_path(&rest, schema));
        info.schema = schema.to_string();
        Ok(info)
    }

    /// The driver's settings, complete (password included): for the connect code only.
    pub(super) fn driver(&self) -> &tokio_postgres::Config {
        &self.pg
    }

    /// The options string sent at startup (for tests).
    pub fn options(&self) -> &str {
        self.pg.get_options().unwrap_or_default()
    }
}

fn port_of(pg: &tokio_postgres::Config, env: &Env) -> Result<u16, Error> {
    if let Some(p) = pg.get_ports().first() {
        return Ok(*p);
    }
    match env.var("PGPORT") {
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| Error::usage(format!("PGPORT is `{v}`, expected a port number"))),
        None => Ok(5432),
    }
}

fn default_socket_dir(port: u16) -> PathBuf {
    DEFAULT_SOCKET_DIRS
        .iter()
        .map(PathBuf::from)
        .find(|d| d.join(format!(".s.PGSQL.{port}")).exists())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET_DIRS[0]))
}

impl fmt::Display for ConnInfo {
    /// The address as a URL, password masked: `postgresql://orch:***@db:5432/orch`,
    /// `postgresql://orch@/orch?host=/run/postgresql`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "postgresql://{}", self.user())?;
        if self.password == PasswordSource::Given {
            f.write_str(":***")?;
        }
        f.write_str("@")?;
        let ports = self.pg.get_ports();
        let port_at = |i: usize| ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        let mut sockets = Vec::new();
        let mut tcp = Vec::new();
        for (i, h) in self.pg.get_hosts().iter().enumerate() {
            match h {
                Host::Tcp(name) if name.contains(':') => {
                    tcp.push(format!("[{name}]:{}", port_at(i)));
                }
                Host::Tcp(name) => tcp.push(format!("{name}:{}", port_at(i))),
                Host::Unix(p) => sockets.push(p.display().to_string()),
            }
        }
        if self.pg.get_hosts().is_empty() {
            for (i, a) in self.pg.get_hostaddrs().iter().enumerate() {
                tcp.push(match a {
                    std::net::IpAddr::V6(v6) => format!("[{v6}]:{}", port_at(i)),
                    std::net::IpAddr::V4(v4) => format!("{v4}:{}", port_at(i)),
                });
            }
        }
        write!(f, "{}/{}", tcp.join(","), self.dbname())?;
        let mut sep = '?';
        for s in sockets {
            write!(f, "{sep}host={s}")?;
            sep = '&';
        }
        if tcp.is_empty() && self.port() != 5432 {
            write!(f, "{sep}port={}", self.port())?;
        }
        Ok(())
    }
}

impl fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnInfo")
            .field("address", &self.to_string())
            .field("schema", &self.schema)
            .field("password", &self.password)
            .field("options", &self.options())
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

fn os_user() -> Option<String> {
    passwd_entry()
        .map(|(name, _)| name)
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
}

fn home_from_passwd() -> Option<PathBuf> {
    passwd_entry().map(|(_, home)| home)
}

/// The name and home folder of the effective user, from the password database.
fn passwd_entry() -> Option<(String, PathBuf)> {
    use std::ffi::CStr;
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes only into `pwd` and `buf`, both owned here and sized
    // as passed; `result` is either null or points at `pwd`.
    let rc = unsafe {
        libc::getpwuid_r(
            libc::geteuid(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() || pwd.pw_dir.is_null() {
        return None;
    }
    // SAFETY: on success both fields point at NUL-terminated strings inside `buf`.
    let (name, dir) = unsafe { (CStr::from_ptr(pwd.pw_name), CStr::from_ptr(pwd.pw_dir)) };
    Some((
        name.to_string_lossy().into_owned(),
        PathBuf::from(dir.to_string_lossy().into_owned()),
    ))
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
