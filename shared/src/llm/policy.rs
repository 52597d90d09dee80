//! The routing policy as data (deserialisable from a config var): ordered provider candidates per query
//! class, model prices for cost estimates, and the retry and breaker settings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::breaker::BreakerConfig;
use super::classify::classify;
pub use super::classify::QueryClass;
use super::offline;
use super::provider::{ProviderConfig, ProviderKind};
use super::retry::RetryPolicy;
use super::types::Usage;

/// USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelCost {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

/// Prices by model id. A model matches its exact id or the longest id it starts with, so a dated id
/// (`claude-sonnet-4-5-20250929`) finds `claude-sonnet-4-5`; OpenRouter's `vendor/model` ids are also
/// tried without the vendor.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CostTable(pub BTreeMap<String, ModelCost>);

impl CostTable {
    pub fn lookup(&self, model: &str) -> Option<ModelCost> {
        let bare = model.rsplit('/').next().unwrap_or(model);
        [model, bare].into_iter().find_map(|m| {
            self.0.get(m).copied().or_else(|| {
                self.0
                    .iter()
                    .filter(|(k, _)| m.starts_with(k.as_str()))
                    .max_by_key(|(k, _)| k.len())
                    .map(|(_, c)| *c)
            })
        })
    }

    /// `None` for a model missing from the table: unknown, not free.
    pub fn estimate_cost(&self, model: &str, usage: &Usage) -> Option<f64> {
        self.lookup(model).map(|c| {
            (usage.input_tokens as f64 * c.input_per_mtok + usage.output_tokens as f64 * c.output_per_mtok) / 1e6
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingPolicy {
    /// Provider names in order of preference. A class without an entry uses `general`'s.
    pub routes: BTreeMap<QueryClass, Vec<String>>,
    pub costs: CostTable,
    /// Questions of at most this many words, with no stronger signal, are `simple`.
    pub simple_max_words: usize,
    pub retry: RetryPolicy,
    pub breaker: BreakerConfig,
}

/// A provider the router will try, with the estimated cost of this request on it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCandidate {
    pub provider: ProviderConfig,
    pub est_cost_usd: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoutePlan {
    pub class: QueryClass,
    pub candidates: Vec<PlannedCandidate>,
}

impl Default for RoutingPolicy {
    fn default() -> Self {
        let cheap = ["deepseek", "openai", "workers-ai", "openrouter", "anthropic"];
        let strong = ["anthropic", "openai", "openrouter", "deepseek", "workers-ai"];
        let list = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let routes = BTreeMap::from([
            (QueryClass::Pricing, list(&cheap)),
            (QueryClass::Simple, list(&cheap)),
            (QueryClass::Legal, list(&strong)),
            (QueryClass::MultiDomain, list(&strong)),
            (
                QueryClass::General,
                list(&["anthropic", "openai", "deepseek", "openrouter", "workers-ai"]),
            ),
        ]);
        // List prices at the time of writing; override them in the policy JSON.
        let costs = [
            ("claude-opus-4", 15.0, 75.0),
            ("claude-opus-4-5", 5.0, 25.0),
            ("claude-sonnet-4", 3.0, 15.0),
            ("claude-haiku-4-5", 1.0, 5.0),
            ("claude-3-5-haiku", 0.8, 4.0),
            ("gpt-4o", 2.5, 10.0),
            ("gpt-4o-mini", 0.15, 0.6),
            ("gpt-4.1", 2.0, 8.0),
            ("gpt-4.1-mini", 0.4, 1.6),
            ("gpt-4.1-nano", 0.1, 0.4),
            ("deepseek-chat", 0.28, 0.42),
            ("deepseek-reasoner", 0.28, 0.42),
            ("meta-llama/llama-3.3-70b-instruct", 0.13, 0.40),
            ("@cf/meta/llama-3.3-70b-instruct-fp8-fast", 0.29, 2.25),
            (offline::MODEL, 0.0, 0.0),
        ];
        let costs = costs
            .into_iter()
            .map(|(m, i, o)| {
                (
                    m.to_string(),
                    ModelCost {
                        input_per_mtok: i,
                        output_per_mtok: o,
                    },
                )
            })
            .collect();
        Self {
            routes,
            costs: CostTable(costs),
            simple_max_words: 6,
            retry: RetryPolicy::default(),
            breaker: BreakerConfig::default(),
        }
    }
}

impl RoutingPolicy {
    /// Parses and checks a policy; omitted fields keep their defaults.
    pub fn from_json(json: &str) -> Result<Self, String> {
        let p: Self = serde_json::from_str(json).map_err(|e| format!("routing policy: {e}"))?;
        let mut errors = Vec::new();
        if p.retry.max_attempts == 0 {
            errors.push("retry.max_attempts must be at least 1".to_string());
        }
        if p.breaker.failure_threshold == 0 {
            errors.push("breaker.failure_threshold must be at least 1".to_string());
        }
        for (m, c) in &p.costs.0 {
            if !(c.input_per_mtok.is_finite() && c.output_per_mtok.is_finite())
                || c.input_per_mtok < 0.0
                || c.output_per_mtok < 0.0
            {
                errors.push(format!("costs.{m} must be finite and not negative"));
            }
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(format!("routing policy: {}", errors.join("; ")))
        }
    }

    pub fn classify(&self, query: &str) -> QueryClass {
        classify(query, self.simple_max_words)
    }

    /// The providers to try for `class`: configured ones named by the route, in its order; then the
    /// configured ones it does not name, in config order (a route orders, it does not forbid); then offline,
    /// always last, so chat always answers.
    pub fn candidates(&self, class: QueryClass, configured: &[ProviderConfig]) -> Vec<ProviderConfig> {
        let route = self
            .routes
            .get(&class)
            .or_else(|| self.routes.get(&QueryClass::General));
        let remote = |p: &&ProviderConfig| p.kind != ProviderKind::Offline;
        let mut out: Vec<ProviderConfig> = Vec::new();
        for name in route.into_iter().flatten() {
            if let Some(p) = configured.iter().filter(remote).find(|p| &p.name == name) {
                if !out.iter().any(|o| o.name == p.name) {
                    out.push(p.clone());
                }
            }
        }
        for p in configured.iter().filter(remote) {
            if !out.iter().any(|o| o.name == p.name) {
                out.push(p.clone());
            }
        }
        out.push(
            configured
                .iter()
                .find(|p| p.kind == ProviderKind::Offline)
                .cloned()
                .unwrap_or_else(|| ProviderConfig {
                    name: offline::NAME.into(),
                    kind: ProviderKind::Offline,
                    base_url: String::new(),
                    api_key: None,
                    model: offline::MODEL.into(),
                }),
        );
        out
    }

    /// Classifies the query and lists the candidates with the cost of this request on each, assuming
    /// the answer uses all of `max_output_tokens` (an upper bound).
    pub fn plan(
        &self,
        query: &str,
        configured: &[ProviderConfig],
        input_tokens: u64,
        max_output_tokens: u32,
    ) -> RoutePlan {
        let class = self.classify(query);
        let usage = Usage::new(input_tokens, max_output_tokens as u64);
        let candidates = self
            .candidates(class, configured)
            .into_iter()
            .map(|provider| PlannedCandidate {
                est_cost_usd: self.costs.estimate_cost(&provider.model, &usage),
                provider,
            })
            .collect();
        RoutePlan { class, candidates }
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
