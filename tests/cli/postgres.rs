//! The PostgreSQL test server as the CLI tests see it: one call, a fresh database.
//! (The suite runs against PostgreSQL through this same call once the store has a
//! PostgreSQL side.)

#[path = "../../src/store/postgres/testing.rs"]
pub mod server;

/// The database's name, as the server sees it.
fn current_database(url: &str) -> String {
    let url = url.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client
                .query_one("SELECT current_database()::text", &[])
                .await
                .unwrap()
                .get::<_, String>(0)
        })
    })
    .join()
    .unwrap()
}

#[test]
fn each_test_gets_a_database_of_its_own() {
    let Some(a) = server::database() else { return };
    let Some(b) = server::database() else { return };
    assert_ne!(a.url, b.url);
    assert_eq!(current_database(&a.url), a.name);
    assert_eq!(current_database(&b.url), b.name);
}
