//! A small builder for list queries whose filters are all optional.
//!
//! Each list command (processes, subscriptions) has a handful of optional filters; this
//! keeps the placeholders numbered and the arguments in step with them, so no list
//! ever splices a user's value into SQL text.

use rusqlite::{Connection, Row, ToSql};

use crate::store::StoreError;
use crate::store::filters::{Arg, Conditions};

pub struct Query {
    sql: String,
    args: Vec<Box<dyn ToSql>>,
}

impl Query {
    /// Starts from a `SELECT … FROM … WHERE 1 = 1`-style text that filters extend.
    pub fn new(select: impl Into<String>) -> Query {
        Query {
            sql: select.into(),
            args: Vec::new(),
        }
    }

    /// Takes a value and returns its placeholder (`?3`), for a condition that uses
    /// several values, some of them more than once.
    pub fn placeholder(&mut self, value: impl ToSql + 'static) -> String {
        self.args.push(Box::new(value));
        format!("?{}", self.args.len())
    }

    /// Adds ` AND <cond>` where every `?` in `cond` stands for `value`.
    pub fn and(&mut self, cond: &str, value: impl ToSql + 'static) -> &mut Query {
        let at = self.placeholder(value);
        self.sql.push_str(" AND ");
        self.sql.push_str(&cond.replace('?', &at));
        self
    }

    /// Adds ` AND <cond>` where the first `?` stands for `a` and the second for `b`.
    pub fn and_pair(
        &mut self,
        cond: &str,
        a: impl ToSql + 'static,
        b: impl ToSql + 'static,
    ) -> &mut Query {
        let first = self.placeholder(a);
        let second = self.placeholder(b);
        let cond = cond.replacen('?', &first, 1);
        // The first placeholder now carries digits; the next bare `?` is the second.
        let at = cond.find(&first).map_or(0, |i| i + first.len());
        let (head, tail) = cond.split_at(at);
        self.sql.push_str(" AND ");
        self.sql.push_str(head);
        self.sql.push_str(&tail.replacen('?', &second, 1));
        self
    }

    /// Appends text with one value (`LIMIT ?`, `OFFSET ?`).
    pub fn then(&mut self, text: &str, value: impl ToSql + 'static) -> &mut Query {
        let at = self.placeholder(value);
        self.sql.push(' ');
        self.sql.push_str(&text.replace('?', &at));
        self
    }

    /// Adds ` AND <cond>`, whose values were taken with [`Query::arg`].
    pub fn and_text(&mut self, cond: &str) -> &mut Query {
        self.sql.push_str(" AND ");
        self.sql.push_str(cond);
        self
    }

    /// Appends text without values (`ORDER BY …`).
    pub fn push(&mut self, text: &str) -> &mut Query {
        self.sql.push(' ');
        self.sql.push_str(text);
        self
    }

    pub fn rows<T>(
        &self,
        conn: &Connection,
        f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = conn.prepare_cached(&self.sql)?;
        let rows = stmt
            .query_map(
                rusqlite::params_from_iter(self.args.iter().map(|b| b.as_ref())),
                f,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

impl Conditions for Query {
    fn cond(&mut self, cond: &str, arg: Arg) {
        match arg {
            Arg::Text(v) => self.and(cond, v),
            Arg::Int(v) => self.and(cond, v),
            Arg::Bool(v) => self.and(cond, v),
        };
    }

    fn cond_pair(&mut self, cond: &str, a: String, b: String) {
        self.and_pair(cond, a, b);
    }

    fn cond_in(&mut self, column: &str, values: &[&str]) {
        self.and(
            &format!("{column} IN (SELECT value FROM json_each(?))"),
            serde_json::to_string(values).unwrap_or_default(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_in_order() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'y');")
            .unwrap();
        let mut q = Query::new("SELECT a FROM t WHERE 1 = 1");
        q.and("b = ?", "y".to_string())
            .and("a >= ?", 2)
            .push("ORDER BY a DESC")
            .then("LIMIT ?", 1);
        let got = q.rows(&conn, |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(got, vec![3]);
        let mut q = Query::new("SELECT a FROM t WHERE 1 = 1");
        q.and("(b = ? OR b = ?)", "x".to_string())
            .and_pair("a > ? AND a < ?", 0, 3)
            .push("ORDER BY a");
        assert_eq!(q.rows(&conn, |r| r.get::<_, i64>(0)).unwrap(), vec![1]);
    }
}
