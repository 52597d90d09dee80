//! CRM and team operations over D1 and R2: clients, practices, interactions, documents, renewals (and
//! the daily reminder job), team, work sessions, analytics and CSV exports.
//!
//! [`dispatch`] is the one place that reads the request's context (`Ctx`): it hands each handler the
//! bindings it needs (the D1 database, the R2 bucket), the caller ([`Viewer`], the author id, the
//! principal) and the route's JSON body, and writes the activity-log entry ([`Audit`]) a handler returns.
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

use nuzantara_shared::auth::{Principal, Role};
use nuzantara_shared::crm::dates::Date;
use nuzantara_shared::crm::list::Paging;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::ids::{new_id, EntityId};
use nuzantara_shared::routes::CrmRoute;
use nuzantara_shared::routes::Matched;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use worker::{Request, Response};

use crate::context::Ctx;
use crate::db::P;
use crate::platform::{now_ms, random16};
use crate::respond::{self, internal, HandlerResult};
use crate::{audit, body};

/// The one place CRM routes meet the request's context: it takes the bindings and the caller from `ctx`,
/// reads a route's JSON body (after its path id, as before), hands each handler what it needs, and writes
/// the activity-log entry a handler asks for.
pub async fn dispatch(route: CrmRoute, m: &Matched, mut req: Request, ctx: &Ctx) -> HandlerResult {
    use CrmRoute as R;
    let db = ctx.db()?;
    let viewer = Viewer::of(ctx.principal.as_ref());
    let by = author(ctx.principal.as_ref());
    let id = || path_id(m.param("id").unwrap_or_default());
    let me = || ctx.principal();
    let audited = |done: ApiResult<Audited>| async move {
        let (resp, entry) = done?;
        if let Some(a) = entry {
            let who = ctx.principal.as_ref();
            audit::record(ctx, who, a.action, a.target_type, a.target_id.as_deref(), a.detail).await;
        }
        Ok(resp)
    };
    match route {
        R::ClientList => clients::list(&db, &req, &me()?.id).await,
        R::ClientCreate => clients::create(&db, body::json(&mut req, ctx).await?).await,
        R::ClientByEmail => clients::by_email(&db, &req).await,
        R::ClientGet => clients::get(&db, &id()?, &viewer).await,
        R::ClientUpdate => {
            let id = id()?;
            let b = body::json(&mut req, ctx).await?;
            audited(clients::update(&db, &id, &req, b).await).await
        }
        R::ClientArchive => audited(clients::archive(&db, &id()?, &req).await).await,
        R::ClientSummary => client_summary::summary(&db, &id()?).await,
        R::InteractionList => interactions::list(&db, &id()?, &req).await,
        R::InteractionCreate => {
            let id = id()?;
            interactions::create(&db, &id, body::json(&mut req, ctx).await?, by).await
        }
        R::InteractionFromConversation => {
            let b = body::json(&mut req, ctx).await?;
            audited(interactions::from_conversation(&db, b, me()?).await).await
        }
        R::PracticeTypes => practices::types(&db).await,
        R::PracticeList => practices::list(&db, &req, &me()?.id, &viewer).await,
        R::PracticeCreate => practices::create(&db, body::json(&mut req, ctx).await?, by).await,
        R::Renewals => practices::renewals(&db, &req).await,
        R::PracticeGet => practices::get(&db, &id()?, &viewer).await,
        R::PracticeUpdate => {
            let id = id()?;
            let b = body::json(&mut req, ctx).await?;
            practices::update(&db, &id, &req, b).await
        }
        R::PracticeStatus => {
            let id = id()?;
            let b = body::json(&mut req, ctx).await?;
            practices::change_status(&db, &id, &req, b, by).await
        }
        R::PaymentCreate => {
            let id = id()?;
            practices::add_payment(&db, &id, body::json(&mut req, ctx).await?, by).await
        }
        R::DocumentList => documents::list(&db, &req, &viewer).await,
        R::DocumentUpload => audited(documents::upload(&db, &ctx.docs()?, req, &viewer, by).await).await,
        R::DocumentGet => documents::get(&db, &id()?, &viewer).await,
        R::DocumentDelete => audited(documents::delete(&db, &id()?).await).await,
        R::DocumentContent => {
            let id = id()?;
            documents::content(&db, &ctx.docs()?, &id, &viewer).await
        }
        R::Team => team::members(&db).await,
        R::WorkSessions => team::sessions(&db, &req).await,
        R::ClockIn => {
            let who = me()?.id.clone();
            team::clock_in(&db, &who, optional_json(&mut req, ctx).await?).await
        }
        R::ClockOut => {
            let who = me()?.id.clone();
            team::clock_out(&db, &who, optional_json(&mut req, ctx).await?).await
        }
        R::Analytics => analytics::report(&db).await,
        R::ExportClients => audited(export::clients(&db).await).await,
        R::ExportPractices => audited(export::practices(&db).await).await,
    }
}

/// An activity-log entry a handler asks for; [`dispatch`] writes it (with the caller, address and
/// request id) once the handler has succeeded.
pub struct Audit {
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: Option<String>,
    pub detail: Value,
}

impl Audit {
    pub fn new(action: &'static str, target_type: &'static str, target_id: Option<&str>, detail: Value) -> Self {
        Self {
            action,
            target_type,
            target_id: target_id.map(str::to_string),
            detail,
        }
    }
}

/// What an audited handler answers: the response, and the entry to log (if any).
pub type Audited = (Response, Option<Audit>);

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
    /// The viewer a caller is (`None`: nobody signed in).
    pub fn of(who: Option<&Principal>) -> Viewer {
        match who {
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
pub fn author(who: Option<&Principal>) -> Option<&str> {
    who.and_then(Principal::user_id)
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
