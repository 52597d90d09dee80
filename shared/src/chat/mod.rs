//! The chat's pure parts: request validation, the tools a question plainly asks for (used when the
//! model cannot call tools itself, e.g. the offline provider), the SSE event log that lets a client
//! resume an answer, the history window, follow-up questions' subject, and conversation export.

pub mod events;
pub mod export;
pub mod followup;
pub mod history;
pub mod intent;
pub mod reply;
pub mod request;
pub mod store_sql;
pub mod turn;

pub use events::{AnswerLog, ChatEvent, StoredEvent};
pub use request::{ChatInput, Generation, ValidChat};
