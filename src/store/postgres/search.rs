//! Full-text search of subscriptions without an extension: the PostgreSQL side of
//! SQLite's FTS5 table `subscription_search`.
//!
//! SQLite's `subscription list --search` runs `subscription_search MATCH '"w1"* "w2"*'`:
//! every word the user typed is a phrase (its own tokens, in order), the last token
//! prefix-matched, all words required, each within one column (`description` or
//! `fields`). To find the same rows, PostgreSQL must cut text into the same tokens as
//! FTS5's `unicode61` tokenizer, which neither `to_tsvector` (its parser keeps
//! `10.0.0.1` or `core-router` whole) nor ILIKE (which matches inside words) does. So
//! orch tokenizes in Rust and hands PostgreSQL literals:
//!
//! - writing: `words = $1::text::tsvector` with [`document`]: the description's tokens
//!   at positions 1…n, the fields' tokens after a gap, so a phrase never spans the two;
//! - searching: `words @@ $1::text::tsquery` with [`query`]:
//!   `'10' <-> '0':* & 'core':*` (`<->` = the next position, `:*` = prefix);
//!
//! served by the GIN index on `words` (migrations/postgres/V1__initial.sql).
//!
//! The tokens, as unicode61 makes them (checked against SQLite in the tests): runs of
//! letters, digits and private-use characters; lower-cased; a Latin letter with one
//! diacritic loses it (`É` → `e`), one with several keeps them (`ǻ`), other scripts
//! keep theirs; combining accents (U+0300–U+036F) join the token and vanish.
//! Known differences, in characters no one types into a network inventory: FTS5 folds
//! case with its own Unicode 6.1 tables (`ϐ` → `β`), this code with Rust's lowercase;
//! characters assigned after Unicode 6.1 may be classed differently. PostgreSQL keeps
//! positions up to 16383: past that a phrase search may miss, a one-token word not.

use unicode_normalization::char::decompose_canonical;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// PostgreSQL refuses lexemes longer than this (bytes).
const MAX_LEXEME: usize = 2046;

fn is_combining_accent(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

fn is_token_char(c: char) -> bool {
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number
    ) || c.general_category() == GeneralCategory::PrivateUse
        || is_combining_accent(c)
}

/// Appends `c` folded: lower case, Latin diacritic removed, combining accents dropped.
fn push_folded(c: char, out: &mut String) {
    for lower in c.to_lowercase() {
        if is_combining_accent(lower) {
            continue;
        }
        let mut parts = [None; 3];
        let mut n = 0;
        decompose_canonical(lower, |d| {
            if n < parts.len() {
                parts[n] = Some(d);
            }
            n += 1;
        });
        match parts {
            [Some(base), Some(mark), None]
                if n == 2 && base.is_ascii_alphabetic() && is_combining_accent(mark) =>
            {
                out.push(base)
            }
            _ => out.push(lower),
        }
    }
}

/// The tokens of `text`, in order, as FTS5's unicode61 tokenizer makes them.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut token = String::new();
    for c in text.chars() {
        if is_token_char(c) {
            push_folded(c, &mut token);
        } else if !token.is_empty() {
            out.push(std::mem::take(&mut token));
        }
    }
    if !token.is_empty() {
        out.push(token);
    }
    out.retain(|t| !t.is_empty());
    for t in &mut out {
        if t.len() > MAX_LEXEME {
            let mut end = MAX_LEXEME;
            while !t.is_char_boundary(end) {
                end -= 1;
            }
            t.truncate(end);
        }
    }
    out
}

/// A token as a quoted tsvector/tsquery lexeme.
fn lexeme(token: &str) -> String {
    format!("'{}'", token.replace('\\', "\\\\").replace('\'', "''"))
}

/// The `words` tsvector literal for a subscription's description and field text.
pub fn document(description: &str, fields: &str) -> String {
    let mut parts = Vec::new();
    let desc = tokens(description);
    let mut position = 0usize;
    for t in &desc {
        position += 1;
        parts.push(format!("{}:{}", lexeme(t), position.min(16383)));
    }
    // One position left empty: `<->` never joins the description's last token to the
    // fields' first, as FTS5 never matches a phrase across columns.
    position += 1;
    for t in tokens(fields) {
        position += 1;
        parts.push(format!("{}:{}", lexeme(&t), position.min(16383)));
    }
    parts.join(" ")
}

/// The tsquery literal for what a user typed into `--search`, None when it holds no
/// token at all (SQLite then matches nothing). A word without tokens (`--`) is left
/// out, as FTS5 leaves out an empty phrase among others.
pub fn query(text: &str) -> Option<String> {
    let phrases: Vec<String> = text
        .split_whitespace()
        .filter_map(|word| {
            let toks = tokens(word);
            let last = toks.len().checked_sub(1)?;
            let parts: Vec<String> = toks
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    if i == last {
                        format!("{}:*", lexeme(t))
                    } else {
                        lexeme(t)
                    }
                })
                .collect();
            Some(format!("({})", parts.join(" <-> ")))
        })
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_follow_unicode61() {
        assert_eq!(
            tokens("Core-Router_01 10.0.0.1 École e\u{301}cole"),
            [
                "core", "router", "01", "10", "0", "0", "1", "ecole", "ecole"
            ]
        );
        assert_eq!(
            tokens("ǻ ø ł Ǆ ẞ İ ΆΈ Ḁ ỹ"),
            ["ǻ", "ø", "ł", "ǆ", "ß", "i", "άέ", "a", "y"]
        );
        assert_eq!(tokens("a²b aⅰb a\u{e000}b"), ["a²b", "aⅰb", "a\u{e000}b"]);
        assert_eq!(tokens("a\u{94d}b a\u{200d}b"), ["a", "b", "a", "b"]);
        assert!(tokens(" -- ").is_empty());
    }

    #[test]
    fn literals_quote_and_place_tokens() {
        assert_eq!(document("Core it's", "x"), "'core':1 'it':2 's':3 'x':5");
        assert_eq!(document("", "a b"), "'a':2 'b':3");
        assert_eq!(
            query("10.0 core -- o'k"),
            Some("('10' <-> '0':*) & ('core':*) & ('o' <-> 'k':*)".into())
        );
        assert_eq!(query(" -- "), None);
        assert_eq!(lexeme(r"a\b"), r"'a\\b'");
    }

    /// What SQLite's `subscription list --search` sends to FTS5 (store::subscriptions).
    fn fts5_query(text: &str) -> Option<String> {
        let words: Vec<String> = text
            .split_whitespace()
            .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
            .collect();
        (!words.is_empty()).then(|| words.join(" "))
    }

    /// The same documents and searches through SQLite's FTS5 and through PostgreSQL
    /// with these literals find the same rows.
    #[tokio::test]
    async fn postgres_finds_what_fts5_finds() {
        let Some(db) = super::super::testing::database() else {
            return;
        };
        const POOL: [&str; 24] = [
            "core",
            "Router",
            "rtr-01",
            "10.0.0.1",
            "École",
            "ecole",
            "AMS",
            "ams-01",
            "e\u{301}cole",
            "ǻx",
            "İstanbul",
            "port_3",
            "x",
            "10.0",
            "ß",
            "Ω-Ring",
            "o'brien",
            "\"quoted\"",
            "--",
            "a.b.c",
            "ÀÉÎÕÜ",
            "ﬁber",
            "ae",
            "Ḁ1",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut docs = Vec::new();
        for _ in 0..150 {
            let mut words = |max: usize| {
                (0..next(max + 1))
                    .map(|_| POOL[next(POOL.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            docs.push((words(3), words(5)));
        }
        // A phrase never spans the two columns.
        docs.push(("edge".into(), "router".into()));
        let mut searches = vec![
            "edge-router".to_string(),
            "edge-rou".to_string(),
            "edge".to_string(),
        ];
        for _ in 0..120 {
            let mut words = Vec::new();
            for _ in 0..1 + next(2) {
                let w = POOL[next(POOL.len())];
                let cut: Vec<usize> = w.char_indices().map(|(i, _)| i).skip(1).collect();
                words.push(match next(3) {
                    0 if !cut.is_empty() => w[..cut[next(cut.len())]].to_string(),
                    _ => w.to_string(),
                });
            }
            searches.push(words.join(" "));
        }

        let lite = rusqlite::Connection::open_in_memory().unwrap();
        lite.execute_batch("CREATE VIRTUAL TABLE t USING fts5 (id UNINDEXED, description, fields)")
            .unwrap();
        let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
            .batch_execute("CREATE TEMP TABLE docs (id int, words tsvector)")
            .await
            .unwrap();
        for (i, (description, fields)) in docs.iter().enumerate() {
            lite.execute(
                "INSERT INTO t (id, description, fields) VALUES (?1, ?2, ?3)",
                rusqlite::params![i as i64, description, fields],
            )
            .unwrap();
            client
                .execute(
                    "INSERT INTO docs VALUES ($1, $2::text::tsvector)",
                    &[&(i as i32), &document(description, fields)],
                )
                .await
                .unwrap();
        }
        let mut nonempty = 0;
        for search in &searches {
            let mut want: Vec<i64> = match fts5_query(search) {
                None => Vec::new(),
                Some(q) => lite
                    .prepare("SELECT id FROM t WHERE t MATCH ?1")
                    .unwrap()
                    .query_map([q], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap(),
            };
            want.sort();
            let got: Vec<i64> = match query(search) {
                None => Vec::new(),
                Some(q) => client
                    .query(
                        "SELECT id FROM docs WHERE words @@ $1::text::tsquery ORDER BY id",
                        &[&q],
                    )
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| i64::from(r.get::<_, i32>(0)))
                    .collect(),
            };
            assert_eq!(got, want, "search {search:?}");
            nonempty += usize::from(!want.is_empty());
        }
        assert!(nonempty > 40, "too few searches found anything: {nonempty}");
    }
}
