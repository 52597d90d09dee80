//! Team operations: the body of a clock-in or clock-out.

use serde::Deserialize;

use super::check::{opt, text};
use crate::error::ApiError;

/// Work sessions: an optional note.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockBody {
    pub notes: Option<String>,
}

impl ClockBody {
    pub fn notes(self) -> Result<Option<String>, ApiError> {
        opt(self.notes, |s| text("notes", s, 1, 500, true))
    }
}
