//! A resource's stored columns, declared once (`COLUMNS` next to its fields struct, with `cells()` giving
//! the values in the same order), and the SQL the worker builds from them: the select list, the
//! placeholders of an INSERT and the assignments of an UPDATE.

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
        assert_eq!(Cell::from(None::<&str>), Cell::Null);
        assert_eq!(Cell::from(Some(5_i64)), Cell::Int(5));
    }
}
