//! CRM and team operations over D1 and R2: clients, practices, interactions, documents, renewals (and
//! the daily reminder job), team, work sessions, analytics and CSV exports.
//!
//! Handlers stay thin: read the request, validate with `nuzantara_shared::crm`, call the domain
//! functions of the submodules (which the chat's tools call too, see [`tools`]), and answer.
//!
//! Access: the route table says who may call each route. Client users reach a few read routes, where
//! [`Viewer`] is the one ownership check: they see their own client record, practices and documents,
//! and anything else is a 404 (so ids are not confirmed). What they see of those records is their own
//! view, without the team's notes or staff user ids (see [`practice_views`]). Interactions are internal
//! notes: never shown to clients.

mod analytics;
mod client_summary;
mod clients;
mod documents;
mod export;
pub(crate) mod interactions;
mod practice_row;
mod practice_views;
mod practices;
pub mod reminder_send;
pub mod reminders;
mod team;
pub mod tools;

use nuzantara_shared::auth::Role;
use nuzantara_shared::crm::dates::Date;
use nuzantara_shared::crm::list::Paging;
use nuzantara_shared::crm::record::Cell;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::ids::{new_id, EntityId};
use nuzantara_shared::routes::CrmRoute;
use nuzantara_shared::routes::Matched;
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::Request;

use crate::context::Ctx;
use crate::db::P;
use crate::platform::{now_ms, random16};
use crate::respond::{self, internal, HandlerResult};

pub async fn dispatch(route: CrmRoute, m: &Matched, req: Request, ctx: &Ctx) -> HandlerResult {
    let id = m.param("id").unwrap_or_default();
    match route {
        CrmRoute::ClientList => clients::list(&req, ctx).await,
        CrmRoute::ClientCreate => clients::create(req, ctx).await,
        CrmRoute::ClientByEmail => clients::by_email(&req, ctx).await,
        CrmRoute::ClientGet => clients::get(id, ctx).await,
        CrmRoute::ClientUpdate => clients::update(id, req, ctx).await,
        CrmRoute::ClientArchive => clients::archive(id, &req, ctx).await,
        CrmRoute::ClientSummary => client_summary::summary(id, ctx).await,
        CrmRoute::InteractionList => interactions::list(id, &req, ctx).await,
        CrmRoute::InteractionCreate => interactions::create(id, req, ctx).await,
        CrmRoute::InteractionFromConversation => interactions::from_conversation(req, ctx).await,
        CrmRoute::PracticeTypes => practices::types(ctx).await,
        CrmRoute::PracticeList => practices::list(&req, ctx).await,
        CrmRoute::PracticeCreate => practices::create(req, ctx).await,
        CrmRoute::Renewals => practices::renewals(&req, ctx).await,
        CrmRoute::PracticeGet => practices::get(id, ctx).await,
        CrmRoute::PracticeUpdate => practices::update(id, req, ctx).await,
        CrmRoute::PracticeStatus => practices::change_status(id, req, ctx).await,
        CrmRoute::PaymentCreate => practices::add_payment(id, req, ctx).await,
        CrmRoute::DocumentList => documents::list(&req, ctx).await,
        CrmRoute::DocumentUpload => documents::upload(req, ctx).await,
        CrmRoute::DocumentGet => documents::get(id, ctx).await,
        CrmRoute::DocumentDelete => documents::delete(id, ctx).await,
        CrmRoute::DocumentContent => documents::content(id, ctx).await,
        CrmRoute::Team => team::members(ctx).await,
        CrmRoute::WorkSessions => team::sessions(&req, ctx).await,
        CrmRoute::ClockIn => team::clock_in(req, ctx).await,
        CrmRoute::ClockOut => team::clock_out(req, ctx).await,
        CrmRoute::Analytics => analytics::report(ctx).await,
        CrmRoute::ExportClients => export::clients(ctx).await,
        CrmRoute::ExportPractices => export::practices(ctx).await,
    }
}

/// Who is looking at CRM data, for the ownership check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// Admins, consultants and API keys with a CRM scope: everything.
    Team,
    /// A client user: only records of this client id (none when their account is not linked to one).
    Client(Option<String>),
    /// Nobody signed in (only the chat's create_lead tool runs like this).
    Anonymous,
}

impl Viewer {
    pub fn of(ctx: &Ctx) -> Viewer {
        match &ctx.principal {
            None => Viewer::Anonymous,
            Some(p) if p.role == Role::Client => Viewer::Client(p.client_id.clone()),
            Some(_) => Viewer::Team,
        }
    }

    pub fn is_team(&self) -> bool {
        *self == Viewer::Team
    }

    /// The one ownership check: `Ok` when this viewer may see records of `client_id`, else the same 404
    /// an unknown id gets (`what`: "client", "practice"…).
    pub fn check(&self, client_id: &str, what: &str) -> ApiResult<()> {
        match self {
            Viewer::Team => Ok(()),
            Viewer::Client(Some(own)) if own == client_id => Ok(()),
            _ => Err(not_found(what)),
        }
    }

    /// For lists: `None` for the team (no restriction), else the only client id the viewer may see
    /// (an impossible id for an unlinked client account, so its lists are empty).
    pub fn client_scope(&self) -> Option<&str> {
        match self {
            Viewer::Team => None,
            Viewer::Client(Some(own)) => Some(own),
            _ => Some("-none-"),
        }
    }
}

pub fn not_found(what: &str) -> ApiError {
    ApiError::not_found(format!("no such {what}"))
}

/// Parses a path id (422 when it cannot be an id at all).
pub fn path_id(raw: &str) -> ApiResult<String> {
    EntityId::parse(raw).map(|e| e.as_str().to_string())
}

/// The query string as `T` (unknown parameters are ignored, malformed ones are 422).
pub fn query<T: DeserializeOwned + Default>(req: &Request) -> ApiResult<T> {
    let url = req.url().map_err(internal)?;
    if url.query().is_none_or(str::is_empty) {
        return Ok(T::default());
    }
    req.query::<T>()
        .map_err(|_| ApiError::validation("the query string is malformed (a parameter given twice?)"))
}

pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// A JSON body that may be left out entirely (no body, or `Content-Length: 0`).
pub async fn optional_json<T: DeserializeOwned + Default>(req: &mut Request, ctx: &Ctx) -> ApiResult<T> {
    let declared = header(req, "Content-Length");
    let chunked = header(req, "Transfer-Encoding").is_some();
    if declared.as_deref().is_none_or(|l| l.trim() == "0") && !chunked {
        return Ok(T::default());
    }
    crate::body::json(req, ctx).await
}

pub fn new_record_id() -> String {
    new_id(random16())
}

pub fn now() -> i64 {
    now_ms() as i64
}

pub fn today() -> Date {
    Date::today_in_bali(now())
}

/// A JSON answer carrying the record's version as its ETag (what `If-Match` sends back).
pub fn json_with_etag<T: Serialize>(status: u16, value: &T, version: i64) -> HandlerResult {
    let mut resp = respond::json(status, value)?;
    resp.headers_mut()
        .set("ETag", &nuzantara_shared::crm::version::etag(version))
        .map_err(internal)?;
    Ok(resp)
}

/// The caller's user id, for `created_by` columns (`None` for API keys, whose id is not a user).
pub fn author(ctx: &Ctx) -> Option<&str> {
    ctx.principal
        .as_ref()
        .filter(|p| p.role != Role::Service)
        .map(|p| p.id.as_str())
}

/// 409 for an update based on a version that is no longer the record's.
pub fn stale(what: &str, current: i64) -> ApiError {
    ApiError::conflict(format!(
        "the {what} changed since you read it (it is now version {current}); reload and try again"
    ))
}

/// A SQL statement built piece by piece, numbering its parameters (`?1`, `?2`…) as they are added.
pub struct Sql<'a> {
    pub sql: String,
    pub params: Vec<P<'a>>,
}

impl<'a> Sql<'a> {
    pub fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            params: Vec::new(),
        }
    }
    /// Binds a parameter and returns its placeholder.
    pub fn arg(&mut self, p: P<'a>) -> String {
        self.params.push(p);
        format!("?{}", self.params.len())
    }
    pub fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }
    /// Ends a list query with its page: rows strictly before the cursor in `(at DESC, id DESC)` order,
    /// one more than the page size (so [`paginate`](nuzantara_shared::crm::cursor::paginate) sees if
    /// there is a next page).
    pub fn page(&mut self, at: &str, id: &str, page: &'a Paging) {
        if let Some(c) = &page.cursor {
            let (a, b) = (self.arg(P::I(c.at)), self.arg(P::S(&c.id)));
            self.push(&format!(" AND ({at}, {id}) < ({a}, {b})"));
        }
        let limit = self.arg(P::I(i64::from(page.limit) + 1));
        self.push(&format!(" ORDER BY {at} DESC, {id} DESC LIMIT {limit}"));
    }
}

/// A column value declared in `nuzantara_shared::crm` as a D1 parameter.
pub fn param(c: Cell<'_>) -> P<'_> {
    match c {
        Cell::Text(s) => P::S(s),
        Cell::Int(i) => P::I(i),
        Cell::Null => P::Null,
    }
}

/// The names a select list yields (`x.col` → `col`, `… AS name` → `name`).
#[cfg(test)]
pub fn selected(cols: &str) -> Vec<String> {
    let mut names: Vec<String> = cols
        .split(", ")
        .map(|c| match c.split_once(" AS ") {
            Some((_, name)) => name.trim().to_string(),
            None => c.rsplit('.').next().unwrap_or(c).trim().to_string(),
        })
        .collect();
    names.sort();
    names
}
