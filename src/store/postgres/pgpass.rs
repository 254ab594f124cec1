//! libpq's password file (`~/.pgpass`, or `PGPASSFILE`), read by libpq's rules, since
//! tokio-postgres does not read it.
//!
//! One entry a line, `host:port:database:user:password`; the first line whose four
//! fields match wins. A field of exactly `*` matches anything; `\:` and `\\` stand for
//! a colon and a backslash in any field; lines starting with `#` are comments. A file
//! that group or others may read, or that is not a plain file, is ignored (libpq warns
//! and goes on without it); the reason is kept so a refused login can say why no
//! password was sent.

use std::path::Path;

/// What a connection is looked up by.
#[derive(Debug, Clone)]
pub struct Key {
    /// The host name, `localhost` for the default socket folder, or a socket folder.
    pub host: String,
    pub port: String,
    pub dbname: String,
    pub user: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The password of the first matching line (1-based).
    Found { password: String, line: usize },
    /// The file was read and no line matched.
    NoMatch,
    /// The file exists but libpq's rules say not to read it.
    Ignored(String),
    /// No file (or it cannot be read).
    Missing,
}

pub fn lookup(path: &Path, key: &Key) -> Lookup {
    let Ok(meta) = std::fs::metadata(path) else {
        return Lookup::Missing;
    };
    if !meta.is_file() {
        return Lookup::Ignored(format!(
            "the password file {} is not a plain file",
            path.display()
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return Lookup::Ignored(format!(
                "the password file {} was ignored: group or others may read it (chmod 600 {})",
                path.display(),
                path.display()
            ));
        }
    }
    match std::fs::read(path) {
        Ok(bytes) => find(&String::from_utf8_lossy(&bytes), key),
        Err(_) => Lookup::Missing,
    }
}

/// The first line of `text` matching `key`.
pub fn find(text: &str, key: &Key) -> Lookup {
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut rest = line;
        let mut matched = true;
        for wanted in [&key.host, &key.port, &key.dbname, &key.user] {
            match field_matches(rest, wanted) {
                Some(after) => rest = after,
                None => {
                    matched = false;
                    break;
                }
            }
        }
        if matched {
            return Lookup::Found {
                password: unescape_password(rest),
                line: i + 1,
            };
        }
    }
    Lookup::NoMatch
}

/// When the field at the start of `line` matches `wanted`, the text after its colon.
fn field_matches<'a>(line: &'a str, wanted: &str) -> Option<&'a str> {
    if let Some(after) = line.strip_prefix("*:") {
        return Some(after);
    }
    let mut want = wanted.chars();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        let (c, escaped) = if c == '\\' {
            match chars.next() {
                Some((_, next)) => (next, true),
                None => return None,
            }
        } else {
            (c, false)
        };
        if c == ':' && !escaped {
            return want.next().is_none().then(|| &line[i + 1..]);
        }
        if want.next() != Some(c) {
            return None;
        }
    }
    // The line ended inside this field: there is no password field after it.
    None
}

/// The password field: up to an unescaped colon or the end, escapes removed.
fn unescape_password(field: &str) -> String {
    let mut out = String::new();
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        match c {
            ':' => break,
            '\\' => match chars.next() {
                Some(next) => out.push(next),
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(host: &str, port: &str, db: &str, user: &str) -> Key {
        Key {
            host: host.into(),
            port: port.into(),
            dbname: db.into(),
            user: user.into(),
        }
    }

    fn found(text: &str, k: &Key) -> Option<(String, usize)> {
        match find(text, k) {
            Lookup::Found { password, line } => Some((password, line)),
            _ => None,
        }
    }

    #[test]
    fn the_first_matching_line_wins_and_stars_match_anything() {
        let text = "# comment\n\
                    db.example:5432:orch:alice:first\n\
                    *:*:orch:alice:second\n\
                    *:*:*:*:fallback\n";
        let k = key("db.example", "5432", "orch", "alice");
        assert_eq!(found(text, &k), Some(("first".into(), 2)));
        let k = key("other", "6543", "orch", "alice");
        assert_eq!(found(text, &k), Some(("second".into(), 3)));
        let k = key("other", "6543", "x", "bob");
        assert_eq!(found(text, &k), Some(("fallback".into(), 4)));
        assert_eq!(find("db:1:a:b:c\n", &k), Lookup::NoMatch);
    }

    #[test]
    fn a_star_matches_only_as_a_whole_field() {
        let text = "db*:5432:orch:alice:nope\ndb*:5432:orch:alice:yes";
        assert_eq!(
            found(text, &key("db*", "5432", "orch", "alice")),
            Some(("nope".into(), 1))
        );
        assert_eq!(
            find(text, &key("dbx", "5432", "orch", "alice")),
            Lookup::NoMatch
        );
    }

    #[test]
    fn escapes_stand_for_colons_and_backslashes() {
        let text = r"/run/my\:sockets:5432:orch:al\\ice:pa\:ss\\word:ignored";
        let k = key("/run/my:sockets", "5432", "orch", r"al\ice");
        assert_eq!(found(text, &k), Some((r"pa:ss\word".into(), 1)));
        // A field that only matches once its escape is ignored does not match.
        assert_eq!(
            find(text, &key("/run/my", "5432", "orch", r"al\ice")),
            Lookup::NoMatch
        );
    }

    #[test]
    fn short_lines_and_crlf_are_handled() {
        assert_eq!(
            find("db:5432:orch:alice", &key("db", "5432", "orch", "alice")),
            Lookup::NoMatch
        );
        assert_eq!(
            found(
                "db:5432:orch:alice:pw\r\n",
                &key("db", "5432", "orch", "alice")
            ),
            Some(("pw".into(), 1))
        );
        assert_eq!(
            found("db:5432:orch:alice:", &key("db", "5432", "orch", "alice")),
            Some((String::new(), 1))
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_may_read_is_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:secret\n").unwrap();
        let k = key("h", "5432", "d", "u");
        for (mode, expect_found) in [(0o600, true), (0o400, true), (0o640, false), (0o604, false)] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let got = lookup(&path, &k);
            assert_eq!(
                matches!(got, Lookup::Found { .. }),
                expect_found,
                "mode {mode:o}: {got:?}"
            );
            if !expect_found {
                let Lookup::Ignored(why) = got else { panic!() };
                assert!(why.contains("chmod 600"), "{why}");
                assert!(!why.contains("secret"), "{why}");
            }
        }
        assert_eq!(lookup(&dir.path().join("none"), &k), Lookup::Missing);
        assert!(matches!(lookup(dir.path(), &k), Lookup::Ignored(_)));
    }
}
