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
    (first..first + columns.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_pieces() {
        let cols = ["full_name", "email", "notes"];
        assert_eq!(select_list("c", &cols), "c.full_name, c.email, c.notes");
        assert_eq!(placeholders(2, &cols), "?2, ?3, ?4");
        assert_eq!(assignments(1, &cols), "full_name = ?1, email = ?2, notes = ?3");
        assert_eq!(Cell::from(None::<&str>), Cell::Null);
        assert_eq!(Cell::from(Some(5_i64)), Cell::Int(5));
    }
}
