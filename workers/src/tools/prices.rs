//! Pricing tools over the firm's price table, read from R2 (where kb-build puts the source file) once
//! per isolate, with the reviewed corrections applied.

use std::cell::RefCell;
use std::rc::Rc;

use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::kb::corrections::corrected_table;
use nuzantara_shared::kb::prices::PriceTable;
use nuzantara_shared::tools::pricing::{self, idr, QuoteItem};
use serde_json::Value;

use crate::respond::internal;
use nuzantara_shared::config::Config;
use worker::Bucket;

pub const PRICES_KEY: &str = "kb/sources/bali-zero-prices-2025.json";

thread_local! {
    static TABLE: RefCell<Option<Rc<PriceTable>>> = const { RefCell::new(None) };
}

pub async fn price_table(bucket: &Bucket) -> ApiResult<Rc<PriceTable>> {
    if let Some(t) = TABLE.with(|t| t.borrow().clone()) {
        return Ok(t);
    }
    let obj = bucket.get(PRICES_KEY).execute().await.map_err(internal)?;
    let obj = obj.ok_or_else(|| ApiError::upstream("the price list is not loaded (run kb-build)"))?;
    let text = obj
        .body()
        .ok_or_else(|| ApiError::upstream("empty price list"))?
        .text()
        .await
        .map_err(internal)?;
    // The raw list with the reviewed corrections embedded in the shared crate (the same layer kb-build
    // puts into the search chunks).
    let (table, _) = corrected_table(&text).map_err(|e| ApiError::internal(format!("price list: {e}")))?;
    let table = Rc::new(table);
    TABLE.with(|t| *t.borrow_mut() = Some(table.clone()));
    Ok(table)
}

pub async fn get_pricing(docs: &Bucket, args: &Value) -> ApiResult<(String, Value)> {
    let table = price_table(docs).await?;
    let service = args["service"].as_str().unwrap_or_default();
    // The summary lists each service with its reviewed corrections, and an old visa index ("B211A")
    // with a note on its current name.
    Ok(pricing::get_pricing(&table, service))
}

pub async fn quote(docs: &Bucket, config: &Config, args: &Value) -> ApiResult<(String, Value)> {
    let table = price_table(docs).await?;
    let items: Vec<QuoteItem> = args["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| QuoteItem {
            service: i["service"].as_str().unwrap_or_default(),
            quantity: i["quantity"].as_u64().unwrap_or(1),
            extensions: i["extensions"].as_u64().unwrap_or(0),
        })
        .collect();
    let currencies: Vec<String> = args["currencies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let q = pricing::quote(&table, &items, &config.exchange_rates, &currencies).map_err(ApiError::validation)?;
    let mut lines: Vec<String> = q
        .lines
        .iter()
        .map(|l| {
            format!(
                "{} — {} × {} = {}",
                l.service,
                l.description,
                l.quantity,
                idr(l.amount_idr)
            )
        })
        .collect();
    lines.push(format!(
        "Total: {}{}",
        idr(q.total_idr),
        if q.minimums { " (some prices are minimums)" } else { "" }
    ));
    for (c, v) in &q.converted {
        lines.push(format!("≈ {c} {v:.2} at the configured rate"));
    }
    if !q.on_request.is_empty() {
        lines.push(format!("On request: {}", q.on_request.join(", ")));
    }
    Ok((lines.join("\n"), serde_json::to_value(&q).map_err(internal)?))
}
