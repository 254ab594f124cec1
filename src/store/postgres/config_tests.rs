//! Address forms, libpq's defaults, the password's sources, the schema, redaction.

use super::*;

fn env(vars: &[(&str, &str)]) -> Env {
    Env {
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        home: None,
        os_user: Some("osuser".into()),
    }
}

fn parse(text: &str) -> ConnInfo {
    ConnInfo::parse_with(text, None, &env(&[])).unwrap()
}

fn hosts(info: &ConnInfo) -> Vec<String> {
    info.driver()
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(n) => n.clone(),
            Host::Unix(p) => p.display().to_string(),
        })
        .collect()
}

#[test]
fn url_forms() {
    let i = parse("postgresql://alice@db.example:6543/inventory");
    assert_eq!(
        (i.user(), i.dbname(), i.port()),
        ("alice", "inventory", 6543)
    );
    assert_eq!(hosts(&i), ["db.example"]);
    assert_eq!(
        i.to_string(),
        "postgresql://alice@db.example:6543/inventory"
    );

    let i = parse("postgres://bob@localhost/orch");
    assert_eq!((i.user(), i.port()), ("bob", 5432));
    assert_eq!(i.to_string(), "postgresql://bob@localhost:5432/orch");

    // A Unix socket, as a query parameter or percent-encoded as the host.
    let i = parse("postgresql://carol@/orch?host=/run/pg");
    assert_eq!(hosts(&i), ["/run/pg"]);
    assert_eq!(i.socket_dir(), Some(std::path::Path::new("/run/pg")));
    assert_eq!(i.to_string(), "postgresql://carol@/orch?host=/run/pg");
    let i = parse("postgresql://carol@%2Frun%2Fpg:5433/orch");
    assert_eq!((hosts(&i), i.port()), (vec!["/run/pg".to_string()], 5433));
    assert_eq!(
        i.to_string(),
        "postgresql://carol@/orch?host=/run/pg&port=5433"
    );

    let i = parse("postgresql://dave@[::1]:5432/orch");
    assert_eq!(i.to_string(), "postgresql://dave@[::1]:5432/orch");
}

/// As libpq reads it, a `host` in the query replaces the authority's hosts (keeping
/// their port unless the query gives one), rather than coming after them.
#[test]
fn a_host_in_the_query_replaces_the_authoritys() {
    let i = parse("postgresql://frank@localhost/orch?host=/run/pg");
    assert_eq!((hosts(&i), i.port()), (vec!["/run/pg".to_string()], 5432));
    assert_eq!(i.to_string(), "postgresql://frank@/orch?host=/run/pg");
    let i = parse("postgresql://frank:pw@db1:6000,db2:6000/orch?host=/run/pg&sslmode=disable");
    assert_eq!((hosts(&i), i.port()), (vec!["/run/pg".to_string()], 6000));
    let i = parse("postgres://frank@[::1]:6001/orch?host=/run/pg&port=6002");
    assert_eq!((hosts(&i), i.port()), (vec!["/run/pg".to_string()], 6002));
    let i = parse("postgresql://frank@localhost:6003/orch?application_name=x");
    assert_eq!((hosts(&i), i.port()), (vec!["localhost".to_string()], 6003));
}

#[test]
fn keyword_form() {
    let i = parse("host=/run/postgresql dbname=orch user=erin");
    assert_eq!(hosts(&i), ["/run/postgresql"]);
    assert_eq!((i.user(), i.dbname()), ("erin", "orch"));
    let i = parse("host=db port=7000 dbname='my db' user=erin password='s3 cret'");
    assert_eq!((i.port(), i.dbname()), (7000, "my db"));
    assert_eq!(i.password_source(), &PasswordSource::Given);
    assert_eq!(i.driver().get_password(), Some(&b"s3 cret"[..]));
}

#[test]
fn libpq_defaults_and_variables() {
    // Nothing given: the OS user, a database of the same name, the default socket.
    let i = parse("postgresql://");
    assert_eq!((i.user(), i.dbname(), i.port()), ("osuser", "osuser", 5432));
    assert!(i.socket_dir().is_some(), "{i:?}");

    let e = env(&[
        ("PGHOST", "pg.example"),
        ("PGPORT", "6000"),
        ("PGUSER", "frank"),
        ("PGDATABASE", "stock"),
        ("PGAPPNAME", "nightly"),
    ]);
    let i = ConnInfo::parse_with("postgresql://", None, &e).unwrap();
    assert_eq!(i.to_string(), "postgresql://frank@pg.example:6000/stock");
    assert_eq!(i.driver().get_application_name(), Some("nightly"));
    // What the text says wins over the variables. (A URL's host without a port means
    // 5432, as tokio-postgres reads it; PGPORT serves the other forms.)
    let i = ConnInfo::parse_with("postgresql://gina@db/orch", None, &e).unwrap();
    assert_eq!(i.to_string(), "postgresql://gina@db:5432/orch");
    let i = ConnInfo::parse_with("host=db user=gina", None, &e).unwrap();
    assert_eq!(i.to_string(), "postgresql://gina@db:6000/stock");
    assert_eq!(
        parse("postgresql://x@db/orch")
            .driver()
            .get_application_name(),
        Some("orch")
    );

    let bad = ConnInfo::parse_with("postgresql://", None, &env(&[("PGPORT", "x")]));
    assert!(bad.unwrap_err().message.contains("PGPORT"));
}

#[test]
fn connect_timeout_defaults_and_floors_like_libpq() {
    assert_eq!(
        parse("postgresql://a@h/d").connect_timeout(),
        Some(DEFAULT_CONNECT_TIMEOUT)
    );
    assert_eq!(
        parse("postgresql://a@h/d?connect_timeout=30").connect_timeout(),
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        parse("postgresql://a@h/d?connect_timeout=1").connect_timeout(),
        Some(Duration::from_secs(2))
    );
    let e = env(&[("PGCONNECT_TIMEOUT", "0")]);
    let i = ConnInfo::parse_with("postgresql://a@h/d", None, &e).unwrap();
    assert_eq!(i.connect_timeout(), None);
}

#[test]
fn the_password_comes_from_the_url_then_pgpassword_then_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pass");
    std::fs::write(&file, "db:5432:orch:alice:from-file\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let passfile = file.to_str().unwrap();
    let url = "postgresql://alice@db/orch";

    let e = env(&[("PGPASSFILE", passfile)]);
    let i = ConnInfo::parse_with(url, None, &e).unwrap();
    assert_eq!(i.driver().get_password(), Some(&b"from-file"[..]));
    assert_eq!(
        i.password_source(),
        &PasswordSource::File {
            path: file.clone(),
            line: 1
        }
    );

    let e = env(&[("PGPASSFILE", passfile), ("PGPASSWORD", "from-env")]);
    let i = ConnInfo::parse_with(url, None, &e).unwrap();
    assert_eq!(i.driver().get_password(), Some(&b"from-env"[..]));
    assert_eq!(i.password_source(), &PasswordSource::Environment);

    let i = ConnInfo::parse_with("postgresql://alice:from%40url@db/orch", None, &e).unwrap();
    assert_eq!(i.driver().get_password(), Some(&b"from@url"[..]));
    assert_eq!(i.password_source(), &PasswordSource::Given);

    // ~/.pgpass when PGPASSFILE is not set.
    std::fs::copy(&file, dir.path().join(".pgpass")).unwrap();
    let mut e = env(&[]);
    e.home = Some(dir.path().to_path_buf());
    let i = ConnInfo::parse_with(url, None, &e).unwrap();
    assert_eq!(i.driver().get_password(), Some(&b"from-file"[..]));

    // No match: no password, and nothing to say about the file.
    let i = ConnInfo::parse_with("postgresql://bob@db/orch", None, &e).unwrap();
    assert_eq!(i.password_source(), &PasswordSource::None);
    assert_eq!(i.pgpass_note(), None);
}

#[cfg(unix)]
#[test]
fn a_readable_password_file_is_skipped_with_a_note() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".pgpass");
    std::fs::write(&file, "*:*:*:*:secret\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut e = env(&[]);
    e.home = Some(dir.path().to_path_buf());
    let i = ConnInfo::parse_with("postgresql://alice@db/orch", None, &e).unwrap();
    assert_eq!(i.password_source(), &PasswordSource::None);
    assert!(i.pgpass_note().unwrap().contains("chmod 600"));
}

#[test]
fn the_default_socket_folder_is_localhost_in_the_password_file() {
    let mut i = parse("postgresql://alice@/orch?host=/var/run/postgresql");
    assert_eq!(i.pgpass_host(), "localhost");
    i = parse("postgresql://alice@/orch?host=/srv/pg");
    assert_eq!(i.pgpass_host(), "/srv/pg");
    i = parse("postgresql://alice@db.example/orch");
    assert_eq!(i.pgpass_host(), "db.example");
}

#[test]
fn the_password_is_never_shown() {
    for text in [
        "postgresql://alice:hunter2@db/orch",
        "host=db user=alice password=hunter2 dbname=orch",
    ] {
        let i = parse(text);
        assert!(!i.to_string().contains("hunter2"), "{i}");
        assert!(!format!("{i:?}").contains("hunter2"), "{i:?}");
        assert!(!format!("{:?}", i.driver()).contains("hunter2"));
        assert!(i.to_string().contains(":***@"), "{i}");
    }
    let e = env(&[("PGPASSWORD", "hunter2")]);
    let i = ConnInfo::parse_with("postgresql://alice@db/orch", None, &e).unwrap();
    assert_eq!(i.to_string(), "postgresql://alice@db:5432/orch");
    assert!(!format!("{i:?}").contains("hunter2"));

    // A text that cannot be read is not echoed either.
    for text in [
        "postgresql://alice:hunter2@db/orch?bogus=1",
        "host=db password=hunter2 port=notaport",
        "host=db password='hunter2",
    ] {
        let err = ConnInfo::parse_with(text, None, &env(&[])).unwrap_err();
        assert!(!err.render().contains("hunter2"), "{}", err.render());
        assert_eq!(err.exit_code(), 2);
    }
}

#[test]
fn the_schema_comes_from_the_options_then_the_default() {
    assert_eq!(parse("postgresql://a@h/d").schema(), "orch");
    let i = ConnInfo::parse_with("postgresql://a@h/d", Some("team"), &env(&[])).unwrap();
    assert_eq!(i.schema(), "team");
    assert_eq!(i.options(), "-csearch_path=\"team\"");

    for (options, schema) in [
        ("-csearch_path%3Dother", "other"),
        ("-c%20search_path%3DOther,public", "other"),
        ("--search-path%3D%22Mixed%5C%20Case%22", "Mixed Case"),
        ("-cstatement_timeout%3D5s%20-csearch_path%3Dx", "x"),
    ] {
        let text = format!("postgresql://a@h/d?options={options}");
        let i = ConnInfo::parse_with(&text, Some("ignored"), &env(&[])).unwrap();
        assert_eq!(i.schema(), schema, "{options}");
    }
    // Other options are kept; search_path becomes orch's schema alone.
    let i = parse("postgresql://a@h/d?options=-cstatement_timeout%3D5s%20-csearch_path%3Dx,public");
    assert_eq!(i.options(), "-cstatement_timeout=5s -csearch_path=\"x\"");
    let i = parse("postgresql://a@h/d?options=--search_path%3D%22a%5C%20b%22");
    assert_eq!(i.options(), "-csearch_path=\"a\\ b\"");
    let i = ConnInfo::parse_with(
        "postgresql://a@h/d",
        None,
        &env(&[("PGOPTIONS", "-csearch_path=envs")]),
    )
    .unwrap();
    assert_eq!(i.schema(), "envs");

    for bad in ["pg_mine", "$user", ""] {
        let err = ConnInfo::parse_with("postgresql://a@h/d", Some(bad), &env(&[])).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{bad}");
    }
    assert_eq!(
        parse("postgresql://a@h/d")
            .with_schema("two")
            .unwrap()
            .schema(),
        "two"
    );
}

#[test]
fn tls_is_refused_rather_than_skipped() {
    let err =
        ConnInfo::parse_with("postgresql://a@h/d?sslmode=require", None, &env(&[])).unwrap_err();
    assert!(err.message.contains("TLS"), "{}", err.message);
    let err = ConnInfo::parse_with(
        "postgresql://a@h/d",
        None,
        &env(&[("PGSSLMODE", "verify-full")]),
    )
    .unwrap_err();
    assert!(err.message.contains("verify-full"), "{}", err.message);
    assert!(
        ConnInfo::parse_with("postgresql://a@h/d", None, &env(&[("PGSSLMODE", "prefer")])).is_ok()
    );
}

#[test]
fn postgres_addresses_are_told_from_files() {
    for yes in [
        "postgresql://a@h/d",
        "postgres://h",
        "host=/run/postgresql dbname=orch",
        "dbname = orch",
    ] {
        assert!(is_postgres(yes), "{yes}");
    }
    for no in [
        "orch.db",
        "/var/lib/orch/orch.db",
        "./a=b.db",
        "file:orch.db",
    ] {
        assert!(!is_postgres(no), "{no}");
    }
}

#[test]
fn a_bare_at_in_the_password_is_refused_without_showing_it() {
    let err = ConnInfo::parse_with("postgresql://odd:p@ss@h:5432/d", None, &env(&[])).unwrap_err();
    assert!(err.message.contains("`%40`"), "{}", err.message);
    assert!(
        !err.render().contains("p@ss") && !err.render().contains("ss@h"),
        "{}",
        err.render()
    );
    // Encoded, it is the password, and the address names the right host.
    let i = parse("postgresql://odd:p%40ss@h:5432/d");
    assert_eq!(hosts(&i), ["h"]);
    assert_eq!(
        ConnInfo::password_in("postgresql://odd:p%40ss@h/d").as_deref(),
        Some("p@ss")
    );
    assert_eq!(ConnInfo::password_in("postgresql://odd@h/d"), None);
}
