//! The CRM and team-operations domain: clients, practices (a client's case, moving along a fixed status
//! workflow), interactions, documents, renewals, work sessions, analytics and exports.
//!
//! Everything here is pure and natively tested: one module per resource declaring its fields and
//! checking its inputs ([`clients`], [`practices`], [`interactions`], [`payments`], [`team`]), made of the
//! shared field checks ([`check`]; clients and practices declare their writable fields once, with
//! `fields::writable_fields!`, which yields their bodies, value type and columns); the status workflow and its status-change body ([`status`]); list
//! queries' paging and filters ([`list`]); record versions ([`version`]); column lists and the SQL built
//! from them ([`record`]); civil dates in Bali time ([`dates`]), opaque list cursors ([`cursor`]), the CSV writer
//! ([`csv`]), upload checks ([`files`]), renewal windows ([`renewals`]), the dashboard's time series
//! ([`analytics`]), the practice types derived from the
//! price list ([`practice_types`]), conversation summaries ([`summary`]), who may link a conversation
//! to a timeline ([`conversations`]), the chat tools' arguments ([`tools`]) and the OpenAPI description
//! of the CRM routes ([`openapi`]). The worker's `crm` module wires them to D1 and R2.

pub mod analytics;
pub mod check;
pub mod clients;
pub mod conversations;
pub mod csv;
pub mod cursor;
pub mod dates;
pub mod fields;
pub mod files;
pub mod interactions;
pub mod list;
pub mod openapi;
pub mod openapi_responses;
pub mod payments;
pub mod practice_types;
pub mod practices;
pub mod record;
pub mod reminder_delivery;
pub mod renewals;
pub mod status;
pub mod summary;
pub mod team;
pub mod tools;
pub mod version;

/// Page sizes of list routes: the default and the most a caller may ask for.
pub const DEFAULT_PAGE: u32 = 25;
pub const MAX_PAGE: u32 = 100;

#[cfg(test)]
mod tests {
    use crate::auth::{Access, Role};
    use crate::routes::CrmRoute;
    use crate::routes::{match_route, Route, ROUTES};

    fn crm_rows() -> Vec<(&'static str, &'static str, CrmRoute, Access)> {
        ROUTES
            .iter()
            .filter_map(|(m, p, r, a)| match r {
                Route::Crm(c) => Some((m.as_str(), *p, *c, *a)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_crm_route_is_in_the_table_under_crm() {
        let rows = crm_rows();
        assert_eq!(rows.len(), 30);
        for (_, path, _, _) in &rows {
            assert!(path.starts_with("/crm/"), "{path}");
        }
    }

    #[test]
    fn static_segments_win_over_ids() {
        assert_eq!(
            match_route("GET", "/crm/practices/renewals").unwrap().route,
            Route::Crm(CrmRoute::Renewals)
        );
        assert_eq!(
            match_route("GET", "/crm/clients/by-email").unwrap().route,
            Route::Crm(CrmRoute::ClientByEmail)
        );
        let m = match_route("GET", "/crm/clients/abc/summary").unwrap();
        assert_eq!(
            (m.route, m.param("id")),
            (Route::Crm(CrmRoute::ClientSummary), Some("abc"))
        );
        assert_eq!(match_route("PUT", "/crm/clients").unwrap_err().status(), 405);
    }

    #[test]
    fn clients_reach_only_their_own_records_and_write_only_uploads() {
        for (method, path, route, access) in crm_rows() {
            let Access::Roles { roles, scope } = access else {
                panic!("{path} must need a role")
            };
            let client_ok = roles.contains(&Role::Client);
            // The one write a client user makes: a document uploaded to their own record (the portal).
            let upload = route == CrmRoute::DocumentUpload;
            if client_ok && !upload {
                assert_eq!(method, "GET", "{path}: clients only read");
                assert_eq!(scope, "crm:read");
            }
            let own = matches!(
                route,
                CrmRoute::ClientGet
                    | CrmRoute::PracticeTypes
                    | CrmRoute::PracticeList
                    | CrmRoute::PracticeGet
                    | CrmRoute::DocumentList
                    | CrmRoute::DocumentGet
                    | CrmRoute::DocumentContent
                    | CrmRoute::DocumentUpload
            );
            assert_eq!(client_ok, own, "{path}");
            if method != "GET" && roles.contains(&Role::Service) {
                assert_eq!(scope, "crm:write", "{method} {path}");
            }
        }
    }
}
