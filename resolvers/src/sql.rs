//! Small helpers for the few hand-written statements (aggregates, full-text search).
//!
//! They are written once with `?` placeholders; [`stmt`] renumbers them to `$n` for
//! PostgreSQL. No placeholder ever appears inside a literal in these statements.

use sea_orm::{DbBackend, Statement, Value};

/// Build a statement for `backend` from SQL written with `?` placeholders.
pub(crate) fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(ch);
                }
            }
            out
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `?, ?, ?` for `n` values (at least one, so `IN ()` never appears).
pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n.max(1)].join(", ")
}

/// The ids as statement values.
pub(crate) fn id_values(ids: &[i64]) -> Vec<Value> {
    if ids.is_empty() {
        // Never matches: ids are positive.
        return vec![Value::from(0_i64)];
    }
    ids.iter().map(|id| Value::from(*id)).collect()
}

/// Distinct ids, sorted (batch keys for `IN` lists).
pub(crate) fn distinct(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered() {
        let s = stmt(
            DbBackend::Postgres,
            "a = ? AND b IN (?, ?)",
            vec![1.into(), 2.into(), 3.into()],
        );
        assert_eq!(s.sql, "a = $1 AND b IN ($2, $3)");
    }
}
