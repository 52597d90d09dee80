//! The chat's tools: their definitions (names, descriptions, JSON-Schema parameters), the validator
//! that checks every call before it runs, and the pure tools (pricing and quotes over the price table).
//! Tools that need stores (search, KBLI, memory, CRM) are executed by the worker.

pub mod google;
mod params;
pub mod pricing;
pub mod registry;
pub mod schema;

pub use registry::{offered, tool, ToolDef, TOOLS};
