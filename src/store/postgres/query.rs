//! List queries whose filters are all optional, numbered `$1, $2, …` as PostgreSQL
//! wants, with the arguments kept in step; no user value is ever spliced into SQL.
//! The PostgreSQL twin of `store::sqlite::query`.

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::tx::{R, Tx};
use crate::store::filters::{Arg, Conditions};

pub struct Query {
    sql: String,
    args: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl Query {
    /// Starts from a `SELECT … WHERE true`-style text that filters extend.
    pub fn new(select: impl Into<String>) -> Query {
        Query {
            sql: select.into(),
            args: Vec::new(),
        }
    }

    /// The next placeholder for `value`.
    fn placeholder(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.args.push(Box::new(value));
        format!("${}", self.args.len())
    }

    /// Adds ` AND <cond>` where every `?` in `cond` stands for `value`.
    pub fn and(&mut self, cond: &str, value: impl ToSql + Sync + Send + 'static) -> &mut Query {
        let p = self.placeholder(value);
        self.sql.push_str(" AND ");
        self.sql.push_str(&cond.replace('?', &p));
        self
    }

    /// Adds ` AND <cond>` where the first `?` stands for `a` and the second for `b`.
    pub fn and_pair(
        &mut self,
        cond: &str,
        a: impl ToSql + Sync + Send + 'static,
        b: impl ToSql + Sync + Send + 'static,
    ) -> &mut Query {
        let first = self.placeholder(a);
        let second = self.placeholder(b);
        self.sql.push_str(" AND ");
        self.sql
            .push_str(&cond.replacen('?', &first, 1).replacen('?', &second, 1));
        self
    }

    /// Appends text with one value (`LIMIT ?`, `OFFSET ?`).
    pub fn then(&mut self, text: &str, value: impl ToSql + Sync + Send + 'static) -> &mut Query {
        let p = self.placeholder(value);
        self.sql.push(' ');
        self.sql.push_str(&text.replace('?', &p));
        self
    }

    /// Appends text without values (`ORDER BY …`).
    pub fn push(&mut self, text: &str) -> &mut Query {
        self.sql.push(' ');
        self.sql.push_str(text);
        self
    }

    pub async fn rows(&self, tx: &Tx<'_>) -> R<Vec<Row>> {
        let params: Vec<&(dyn ToSql + Sync)> = self
            .args
            .iter()
            .map(|b| b.as_ref() as &(dyn ToSql + Sync))
            .collect();
        tx.rows(&self.sql, &params).await
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
            &format!("{column} = ANY (?::text[])"),
            values.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_in_order() {
        let mut q = Query::new("SELECT a FROM t WHERE true");
        q.and("(b = ? OR c = ?)", "x".to_string())
            .and_pair("a > ? AND a < ?", 0i64, 3i64)
            .push("ORDER BY a")
            .then("LIMIT ?", 1i64);
        assert_eq!(
            q.sql,
            "SELECT a FROM t WHERE true AND (b = $1 OR c = $1) AND a > $2 AND a < $3 ORDER BY a LIMIT $4"
        );
        assert_eq!(q.args.len(), 4);
    }
}
