//! Input errors carry the file and line so the CLI can print `error: <file>:<line>: <what>`.

use std::fmt;
use std::path::{Path, PathBuf};

use nuzantara_shared::kb::SourceError;

#[derive(Debug)]
pub struct InputError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl InputError {
    pub fn new(file: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    pub fn from_source(file: &Path, e: SourceError) -> Self {
        Self::new(file, e.line, e.message)
    }

    /// Offsets a line number inside an embedded part (a Markdown body after its front matter).
    pub fn shifted(file: &Path, e: SourceError, first_line: usize) -> Self {
        Self::new(file, e.line.map(|l| l + first_line - 1), e.message)
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// Reads a file as UTF-8, reporting the line of the first invalid byte.
pub fn read_utf8(path: &Path) -> Result<String, InputError> {
    let bytes = std::fs::read(path).map_err(|e| InputError::new(path, None, format!("cannot read: {e}")))?;
    utf8(path, bytes)
}

/// Decodes bytes as UTF-8, reporting the line of the first invalid byte.
pub fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String, InputError> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(InputError::new(path, Some(line), "not valid UTF-8"))
        }
    }
}
