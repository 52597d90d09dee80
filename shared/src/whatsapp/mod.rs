//! The WhatsApp channel (Meta WhatsApp Cloud API), as pure, natively tested pieces: the webhook's signature
//! ([`signature`]) and payload ([`payload`]), phone numbers in E.164 ([`phone`]), delivery statuses and their
//! order ([`status`]), the reply as WhatsApp messages (numbered sources, split under the length limit, the
//! "text only" answer: [`reply`]), the Graph API port and its wire format ([`graph`]), and the jobs the
//! webhook hands to the queue ([`job`]). The worker's `whatsapp` module wires them to D1, the queue and HTTP.

pub mod graph;
pub mod job;
pub mod openapi;
pub mod payload;
pub mod phone;
pub mod reply;
pub mod signature;
pub mod status;

pub use phone::E164;
pub use status::DeliveryStatus;
