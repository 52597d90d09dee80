//! Nuzantara's domain logic, kept free of the Workers runtime so that it is tested natively.
//!
//! The worker crate wires these pieces to D1, KV, R2 and HTTP; `kb-build` uses them at build time.

pub mod answer;
pub mod auth;
pub mod chat;
pub mod config;
pub mod crm;
pub mod error;
pub mod google;
pub mod http;
pub mod ids;
pub mod kb;
pub mod lang;
pub mod llm;
pub mod log;
pub mod metrics;
pub mod openai_api;
pub mod openapi;
pub mod routes;
pub mod search;
pub mod sse;
pub mod tools;
pub mod validate;
pub mod whatsapp;
