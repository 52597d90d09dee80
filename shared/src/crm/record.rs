//! A resource's stored columns, declared once (`COLUMNS`, with `cells()` giving the values in the same
//! order, both from `super::fields::writable_fields!`), and the SQL built from them: the select list,
//! the INSERT and the versioned UPDATE.

/// One bound value of a statement, whatever the database binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell<'a> {
    Text(&'a str),
    Int(i64),
    Null,
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Cell::Text(s)
    }
}

impl<'a> From<Option<&'a str>> for Cell<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(Cell::Null, Cell::Text)
    }
}

impl From<Option<i64>> for Cell<'_> {
    fn from(i: Option<i64>) -> Self {
        i.map_or(Cell::Null, Cell::Int)
    }
}

/// `a.x, a.y, …`: the columns as a select list under a table alias.
pub fn select_list(alias: &str, columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `?first, ?first+1, …`: one placeholder per column.
pub fn placeholders(first: usize, columns: &[&str]) -> String {
    crate::search::sql::placeholders(first, columns.len())
}

/// `x = ?first, y = ?first+1, …`: the assignments of an UPDATE.
pub fn assignments(first: usize, columns: &[&str]) -> String {
    columns
        .iter()
        .zip(first..)
        .map(|(c, i)| format!("{c} = ?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The UPDATE of a versioned record's columns: `?1…?n` the values (in `columns` order), then `?n+1` the update
/// time, `?n+2` the id and `?n+3` the version read; it changes nothing when someone else wrote first.
pub fn versioned_update(table: &str, columns: &[&str]) -> String {
    let n = columns.len();
    format!(
        "UPDATE {table} SET {}, version = version + 1, updated_at = ?{} WHERE id = ?{} AND version = ?{}",
        assignments(1, columns),
        n + 1,
        n + 2,
        n + 3
    )
}

/// The INSERT of a new versioned record (version 1): `?1…?k` the `bound` columns (the id first), the
/// literal `fixed` ones, `?k+1…` the values of `columns` (in order), then `?n` the creation time (also its
/// update time).
pub fn versioned_insert(table: &str, bound: &[&str], fixed: &[(&str, &str)], columns: &[&str]) -> String {
    let k = bound.len();
    let names: Vec<&str> = bound
        .iter()
        .copied()
        .chain(fixed.iter().map(|(c, _)| *c))
        .chain(columns.iter().copied())
        .collect();
    let values: Vec<String> = (1..=k)
        .map(|i| format!("?{i}"))
        .chain(fixed.iter().map(|(_, v)| v.to_string()))
        .chain([placeholders(k + 1, columns)])
        .collect();
    format!(
        "INSERT INTO {table} ({}, version, created_at, updated_at) VALUES ({}, 1, ?{n}, ?{n})",
        names.join(", "),
        values.join(", "),
        n = k + columns.len() + 1
    )
}

/// The columns an INSERT or UPDATE built here names, in order (for tests).
#[cfg(test)]
pub fn named_columns(sql: &str) -> Vec<String> {
    if let Some(rest) = sql.strip_prefix("INSERT INTO ") {
        let list = &rest[rest.find('(').unwrap() + 1..rest.find(')').unwrap()];
        list.split(", ").map(str::to_string).collect()
    } else {
        let set = &sql[sql.find(" SET ").unwrap() + 5..sql.find(" WHERE ").unwrap()];
        set.split(", ")
            .map(|a| a.split(" = ").next().unwrap().to_string())
            .collect()
    }
}

/// Asserts that a resource's INSERT and UPDATE each name every one of its `columns` exactly once, and that the
/// UPDATE names nothing else but `version` and `updated_at` (for the resources' tests).
#[cfg(test)]
pub fn assert_names_every_column_once(insert_sql: &str, update_sql: &str, columns: &[&str]) {
    let (insert, update) = (named_columns(insert_sql), named_columns(update_sql));
    for col in columns {
        assert_eq!(insert.iter().filter(|c| c == col).count(), 1, "INSERT {col}");
        assert_eq!(update.iter().filter(|c| c == col).count(), 1, "UPDATE {col}");
    }
    assert_eq!(update.len(), columns.len() + 2, "the fields, version and updated_at");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_pieces() {
        let cols = ["full_name", "email", "notes"];
        assert_eq!(select_list("c", &cols), "c.full_name, c.email, c.notes");
        assert_eq!(placeholders(2, &cols), "?2, ?3, ?4");
        assert_eq!(assignments(1, &cols), "full_name = ?1, email = ?2, notes = ?3");
        assert_eq!(
            versioned_update("clients", &cols),
            "UPDATE clients SET full_name = ?1, email = ?2, notes = ?3, version = version + 1, updated_at = ?4 \
             WHERE id = ?5 AND version = ?6"
        );
        assert_eq!(
            versioned_insert("practices", &["id", "client_id"], &[("status", "'inquiry'")], &cols),
            "INSERT INTO practices (id, client_id, status, full_name, email, notes, version, created_at, updated_at) \
             VALUES (?1, ?2, 'inquiry', ?3, ?4, ?5, 1, ?6, ?6)"
        );
        assert_eq!(
            named_columns(&versioned_update("clients", &cols)),
            ["full_name", "email", "notes", "version", "updated_at"]
        );
        assert_eq!(Cell::from(None::<&str>), Cell::Null);
        assert_eq!(Cell::from(Some(5_i64)), Cell::Int(5));
    }
}
