//! Typed configuration, read once from the worker's vars and secrets and checked before any request is served.
//!
//! Every provider base URL is configurable so that tests point them at local fakes.
//!
//! Longer than most files (about half of it its tests): every setting is read and checked in one pass, so an
//! operator hears about all the problems at once. The outside channels' settings are in [`channels`].

use std::fmt;

mod channels;
pub use channels::WhatsAppConfig;
use channels::{read_google, read_reminder_whatsapp, read_whatsapp};

/// Defined with the LLM code that uses them; read here from vars and secrets.
pub use crate::llm::provider::{ProviderConfig, ProviderKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// Where vector search runs: brute force over vectors kept in D1 (dev, tests), or the Vectorize binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorMode {
    Local,
    Vectorize,
}

impl VectorMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Vectorize => "vectorize",
        }
    }
}

/// How query embeddings are made. `None` means keyword-only search, and the API says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedderConfig {
    None,
    WorkersAi {
        model: String,
        /// The size of its vectors (`EMBEDDING_DIMENSIONS`, else known for the model).
        dimensions: Option<usize>,
    },
    OpenAiCompatible {
        base_url: String,
        model: String,
        api_key: Option<String>,
        dimensions: Option<usize>,
        /// Send `"input_type": "query"` (`EMBEDDING_INPUT_TYPE=off` for endpoints that refuse unknown fields).
        input_type: bool,
    },
}

impl EmbedderConfig {
    pub fn mode(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::WorkersAi { .. } => "workers-ai",
            Self::OpenAiCompatible { .. } => "openai-compatible",
        }
    }

    pub fn dimensions(&self) -> Option<usize> {
        match self {
            Self::None => None,
            Self::WorkersAi { dimensions, .. } | Self::OpenAiCompatible { dimensions, .. } => *dimensions,
        }
    }
}

/// Vector sizes of the embedding models this project names, so a wrong `EMBEDDING_DIMENSIONS` or an index
/// built with another model is caught by configuration instead of comparing vectors of different spaces.
pub fn known_dimensions(model: &str) -> Option<usize> {
    let m = model.to_ascii_lowercase();
    let m = m.rsplit('/').next().unwrap_or(&m);
    Some(match m {
        "bge-m3" | "bge-large-en-v1.5" => 1024,
        "bge-base-en-v1.5" => 768,
        "bge-small-en-v1.5" => 384,
        "text-embedding-3-small" | "text-embedding-ada-002" => 1536,
        "text-embedding-3-large" => 3072,
        _ if m.contains("multilingual-e5-small") || m.contains("e5-small") => 384,
        _ if m.contains("multilingual-e5-base") => 768,
        _ => return None,
    })
}

/// Vectorize indexes hold at most this many dimensions.
pub const VECTORIZE_MAX_DIMENSIONS: usize = 1536;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RerankerMode {
    Local,
    WorkersAi,
}

impl RerankerMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::WorkersAi => "workers-ai",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub environment: Environment,
    /// Origins allowed by CORS; `*` only in development.
    pub cors_origins: Vec<String>,
    /// The deployed API's base URL (`PUBLIC_URL`), listed in the OpenAPI document's `servers`.
    pub public_url: Option<String>,
    pub max_body_bytes: usize,
    pub vector: VectorMode,
    pub embedder: EmbedderConfig,
    /// How long a query embedding may take before search goes on with keywords alone.
    pub embedding_timeout_ms: u64,
    pub reranker: RerankerMode,
    pub search_cache_ttl_secs: u64,
    /// Ordered: the router tries them in this order unless the routing policy says otherwise.
    pub providers: Vec<ProviderConfig>,
    /// HS256 key for access tokens (secret `JWT_SECRET`, at least 32 bytes).
    pub jwt_secret: String,
    /// Rate limiting through the `*_LIMITER` bindings; `RATE_LIMITS=off` (development only) turns it off
    /// for load and fuzz runs.
    pub rate_limits: bool,
    /// How long a provider may take to send its first byte, and between chunks, before it counts as hung.
    pub provider_timeout_ms: u64,
    /// The routing policy (JSON in `ROUTING_POLICY`), else the built-in default.
    pub routing: crate::llm::RoutingPolicy,
    /// Units of each currency per 1 IDR, for quotes (`EXCHANGE_RATES`, JSON); quotes never invent rates.
    pub exchange_rates: std::collections::BTreeMap<String, f64>,
    /// How long an isolate trusts a user's stored state (disabled, role, session epoch) before reading it
    /// again (`SESSION_CHECK_TTL_MS`, default 5 s): the longest a revoked access token keeps working.
    pub session_check_ttl_ms: u64,
    /// A bearer token that lets a scraper read `/metrics` and `/health/detailed` without an admin session
    /// (`METRICS_TOKEN`, secret, at least 24 characters); unset: admins only.
    pub metrics_token: Option<String>,
    /// Which requests are logged (`LOG_REQUESTS`: `failures`, the default, or `all`).
    pub request_log: crate::log::RequestLog,
    /// Google Workspace (Calendar, Gmail) through a service account; `None` hides the Google tools and
    /// skips e-mailed reminders.
    pub google: Option<crate::google::GoogleConfig>,
    /// WhatsApp template messages for renewal reminders; `None` skips them.
    pub reminder_whatsapp: Option<crate::crm::reminder_delivery::WhatsAppSender>,
    /// The WhatsApp channel; `None` (the default) turns it off and its webhook answers 404.
    pub whatsapp: Option<WhatsAppConfig>,
}

/// All the problems found in the configuration at once, so an operator fixes them in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub Vec<String>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.0.join("; "))
    }
}

impl Config {
    /// Whether anything configured calls the Workers AI binding (`AI`): the embedder, the reranker or a chat
    /// provider. The worker looks the binding up only then.
    pub fn uses_workers_ai(&self) -> bool {
        matches!(self.embedder, EmbedderConfig::WorkersAi { .. })
            || self.reranker == RerankerMode::WorkersAi
            || self.providers.iter().any(|p| p.kind == ProviderKind::WorkersAi)
    }

    /// Builds the config from a lookup over vars and secrets (`None` = unset or empty).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let mut errors = Vec::new();

        let environment = match get("ENVIRONMENT").as_deref().unwrap_or("development") {
            "development" | "dev" => Environment::Development,
            "production" | "prod" => Environment::Production,
            other => {
                errors.push(format!("ENVIRONMENT must be development or production, not {other:?}"));
                Environment::Development
            }
        };

        let cors_origins: Vec<String> = get("CORS_ORIGINS")
            .unwrap_or_else(|| "*".into())
            .split(',')
            .map(|s| s.trim().trim_end_matches('/').to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if environment == Environment::Production && cors_origins.iter().any(|o| o == "*") {
            errors.push("CORS_ORIGINS must list origins (not *) in production".into());
        }
        for o in cors_origins.iter().filter(|o| *o != "*") {
            if !is_http_url(o) {
                errors.push(format!("CORS_ORIGINS entry {o:?} is not an http(s) origin"));
            }
        }
        let public_url = get("PUBLIC_URL").map(|u| u.trim().trim_end_matches('/').to_string());
        if public_url.as_deref().is_some_and(|u| !is_http_url(u)) {
            errors.push("PUBLIC_URL must be an http(s) URL".into());
        }

        let max_body_bytes = parse_num(&get, "MAX_BODY_BYTES", 262_144, 1_024..=10_485_760, &mut errors) as usize;
        let search_cache_ttl_secs = parse_num(&get, "SEARCH_CACHE_TTL_SECS", 300, 0..=86_400, &mut errors);

        let vector = match get("VECTOR_INDEX").as_deref().unwrap_or("local") {
            "local" => VectorMode::Local,
            "vectorize" => VectorMode::Vectorize,
            other => {
                errors.push(format!("VECTOR_INDEX must be local or vectorize, not {other:?}"));
                VectorMode::Local
            }
        };

        let declared = get("EMBEDDING_DIMENSIONS").map(|v| match v.parse::<usize>() {
            Ok(n) if (1..=4096).contains(&n) => Some(n),
            _ => {
                errors.push("EMBEDDING_DIMENSIONS must be a whole number in 1..=4096".into());
                None
            }
        });
        let mut dimensions_of = |model: &str| {
            let known = known_dimensions(model);
            match (declared.flatten(), known) {
                (Some(d), Some(k)) if d != k => {
                    errors.push(format!(
                        "EMBEDDING_DIMENSIONS={d} but {model} makes {k}-dimension vectors"
                    ));
                    Some(k)
                }
                (Some(d), _) => Some(d),
                (None, k) => k,
            }
        };
        let embedder = match get("EMBEDDER").as_deref().unwrap_or("none") {
            "none" => EmbedderConfig::None,
            "workers-ai" => {
                let model = get("EMBEDDING_MODEL").unwrap_or_else(|| "@cf/baai/bge-m3".into());
                EmbedderConfig::WorkersAi {
                    dimensions: dimensions_of(&model),
                    model,
                }
            }
            "openai" => match get("EMBEDDING_BASE_URL") {
                Some(base_url) if is_http_url(&base_url) => {
                    let model = get("EMBEDDING_MODEL").unwrap_or_else(|| "text-embedding-3-small".into());
                    EmbedderConfig::OpenAiCompatible {
                        base_url: base_url.trim_end_matches('/').to_string(),
                        dimensions: dimensions_of(&model),
                        model,
                        api_key: get("EMBEDDING_API_KEY"),
                        input_type: get("EMBEDDING_INPUT_TYPE").as_deref() != Some("off"),
                    }
                }
                _ => {
                    errors.push("EMBEDDER=openai needs EMBEDDING_BASE_URL (http or https)".into());
                    EmbedderConfig::None
                }
            },
            other => {
                errors.push(format!("EMBEDDER must be none, workers-ai or openai, not {other:?}"));
                EmbedderConfig::None
            }
        };
        if let Some(v) = get("EMBEDDING_INPUT_TYPE").filter(|v| v != "on" && v != "off") {
            errors.push(format!("EMBEDDING_INPUT_TYPE must be on or off, not {v:?}"));
        }
        if vector == VectorMode::Vectorize && embedder == EmbedderConfig::None {
            errors.push("VECTOR_INDEX=vectorize needs an EMBEDDER".into());
        }
        if let Some(d) = embedder.dimensions().filter(|d| *d > VECTORIZE_MAX_DIMENSIONS) {
            if vector == VectorMode::Vectorize {
                errors.push(format!(
                    "the embedder makes {d}-dimension vectors; Vectorize holds at most {VECTORIZE_MAX_DIMENSIONS}"
                ));
            }
        }
        let embedding_timeout_ms = parse_num(&get, "EMBEDDING_TIMEOUT_MS", 3_000, 100..=30_000, &mut errors);

        let reranker = match get("RERANKER").as_deref().unwrap_or("local") {
            "local" => RerankerMode::Local,
            "workers-ai" => RerankerMode::WorkersAi,
            other => {
                errors.push(format!("RERANKER must be local or workers-ai, not {other:?}"));
                RerankerMode::Local
            }
        };

        let providers = read_providers(&get, &mut errors);

        let jwt_secret = get("JWT_SECRET").unwrap_or_default();
        if jwt_secret.len() < 32 {
            errors.push("JWT_SECRET must be set to at least 32 characters (make dev writes one to .dev.vars)".into());
        }
        let provider_timeout_ms = parse_num(&get, "PROVIDER_TIMEOUT_MS", 20_000, 100..=120_000, &mut errors);
        let routing = match get("ROUTING_POLICY") {
            None => crate::llm::RoutingPolicy::default(),
            Some(json) => crate::llm::RoutingPolicy::from_json(&json).unwrap_or_else(|e| {
                errors.push(format!("ROUTING_POLICY: {e}"));
                crate::llm::RoutingPolicy::default()
            }),
        };
        let exchange_rates = match get("EXCHANGE_RATES") {
            None => Default::default(),
            Some(json) => match serde_json::from_str::<std::collections::BTreeMap<String, f64>>(&json) {
                Ok(m) if m.iter().all(|(k, v)| k.len() == 3 && v.is_finite() && *v > 0.0) => m,
                _ => {
                    errors.push(
                        "EXCHANGE_RATES must be a JSON object of 3-letter currency → positive rate per IDR".into(),
                    );
                    Default::default()
                }
            },
        };
        let rate_limits = match get("RATE_LIMITS").as_deref().unwrap_or("on") {
            "on" => true,
            "off" if environment == Environment::Development => false,
            "off" => {
                errors.push("RATE_LIMITS=off is refused in production".into());
                true
            }
            other => {
                errors.push(format!("RATE_LIMITS must be on or off, not {other:?}"));
                true
            }
        };

        let session_check_ttl_ms = parse_num(
            &get,
            "SESSION_CHECK_TTL_MS",
            crate::auth::revocation::DEFAULT_TTL_MS,
            0..=60_000,
            &mut errors,
        );
        let metrics_token = get("METRICS_TOKEN");
        if metrics_token.as_ref().is_some_and(|t| t.len() < 24) {
            errors.push("METRICS_TOKEN must be at least 24 characters".into());
        }

        let request_log = crate::log::RequestLog::parse(get("LOG_REQUESTS").as_deref()).unwrap_or_else(|e| {
            errors.push(e);
            crate::log::RequestLog::FailuresAndSlow
        });
        let google = read_google(&get, &mut errors);
        let whatsapp = read_whatsapp(&get, &mut errors);
        let reminder_whatsapp = read_reminder_whatsapp(&get, &mut errors, whatsapp.as_ref());

        if errors.is_empty() {
            Ok(Self {
                environment,
                cors_origins,
                public_url,
                max_body_bytes,
                vector,
                embedder,
                embedding_timeout_ms,
                reranker,
                search_cache_ttl_secs,
                providers,
                jwt_secret,
                rate_limits,
                provider_timeout_ms,
                routing,
                exchange_rates,
                session_check_ttl_ms,
                metrics_token,
                request_log,
                google,
                reminder_whatsapp,
                whatsapp,
            })
        } else {
            Err(ConfigError(errors))
        }
    }

    pub fn cors_allows(&self, origin: &str) -> bool {
        self.cors_origins
            .iter()
            .any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
    }
}

/// Providers with keys become candidates; the offline provider is always last so chat never has nothing.
fn read_providers(get: &impl Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Vec<ProviderConfig> {
    let mut out = Vec::new();
    let mut add = |name: &str, kind, url_var: &str, default_url: &str, key_var: &str, model_var: &str, model: &str| {
        if let Some(key) = get(key_var) {
            let base_url = get(url_var).unwrap_or_else(|| default_url.into());
            if !is_http_url(&base_url) {
                errors.push(format!("{url_var} is not an http(s) URL"));
            }
            out.push(ProviderConfig {
                name: name.into(),
                kind,
                base_url: base_url.trim_end_matches('/').into(),
                api_key: Some(key),
                model: get(model_var).unwrap_or_else(|| model.into()),
            });
        }
    };
    use ProviderKind::*;
    add(
        "anthropic",
        Anthropic,
        "ANTHROPIC_BASE_URL",
        "https://api.anthropic.com",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_MODEL",
        "claude-sonnet-4-5",
    );
    add(
        "openai",
        OpenAiCompatible,
        "OPENAI_BASE_URL",
        "https://api.openai.com/v1",
        "OPENAI_API_KEY",
        "OPENAI_MODEL",
        "gpt-4o-mini",
    );
    add(
        "deepseek",
        OpenAiCompatible,
        "DEEPSEEK_BASE_URL",
        "https://api.deepseek.com/v1",
        "DEEPSEEK_API_KEY",
        "DEEPSEEK_MODEL",
        "deepseek-chat",
    );
    add(
        "openrouter",
        OpenAiCompatible,
        "OPENROUTER_BASE_URL",
        "https://openrouter.ai/api/v1",
        "OPENROUTER_API_KEY",
        "OPENROUTER_MODEL",
        "meta-llama/llama-3.3-70b-instruct",
    );
    if get("WORKERS_AI_CHAT").as_deref() == Some("true") {
        out.push(ProviderConfig {
            name: "workers-ai".into(),
            kind: WorkersAi,
            base_url: String::new(),
            api_key: None,
            model: get("WORKERS_AI_MODEL").unwrap_or_else(|| "@cf/meta/llama-3.3-70b-instruct-fp8-fast".into()),
        });
    }
    out.push(ProviderConfig {
        name: "offline".into(),
        kind: Offline,
        base_url: String::new(),
        api_key: None,
        model: "offline-extractive".into(),
    });
    out
}

pub(super) fn parse_num(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    errors: &mut Vec<String>,
) -> u64 {
    match get(key) {
        None => default,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                errors.push(format!(
                    "{key} must be a whole number in {}..={}",
                    range.start(),
                    range.end()
                ));
                default
            }
        },
    }
}

pub(super) fn is_http_url(s: &str) -> bool {
    (s.starts_with("http://") || s.starts_with("https://")) && s.len() > "https://".len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    pub(crate) const SECRET: (&str, &str) = ("JWT_SECRET", "test-secret-test-secret-test-secret!");

    pub(super) fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        m.entry(SECRET.0.into()).or_insert_with(|| SECRET.1.into());
        Config::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn empty_config_is_a_working_offline_development_setup() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.environment, Environment::Development);
        assert_eq!(c.vector, VectorMode::Local);
        assert_eq!(c.embedder, EmbedderConfig::None);
        assert_eq!(c.providers.len(), 1);
        assert_eq!(c.providers[0].kind, ProviderKind::Offline);
        assert!(c.cors_allows("http://anything.example"));
    }

    #[test]
    fn workers_ai_is_used_by_its_embedder_reranker_or_chat_provider_only() {
        assert!(!cfg(&[]).unwrap().uses_workers_ai());
        let other = [
            ("EMBEDDER", "openai"),
            ("EMBEDDING_BASE_URL", "http://127.0.0.1:9/v1"),
            ("ANTHROPIC_API_KEY", "a"),
        ];
        assert!(!cfg(&other).unwrap().uses_workers_ai());
        assert!(cfg(&[("EMBEDDER", "workers-ai")]).unwrap().uses_workers_ai());
        assert!(cfg(&[("RERANKER", "workers-ai")]).unwrap().uses_workers_ai());
        assert!(cfg(&[("WORKERS_AI_CHAT", "true")]).unwrap().uses_workers_ai());
    }

    #[test]
    fn keys_enable_providers_in_order_before_offline() {
        let c = cfg(&[
            ("OPENAI_API_KEY", "sk-x"),
            ("OPENAI_BASE_URL", "http://127.0.0.1:9999/v1/"),
            ("ANTHROPIC_API_KEY", "a"),
        ])
        .unwrap();
        let names: Vec<_> = c.providers.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["anthropic", "openai", "offline"]);
        assert_eq!(c.providers[1].base_url, "http://127.0.0.1:9999/v1");
    }

    #[test]
    fn all_problems_are_reported_together() {
        let err = cfg(&[
            ("ENVIRONMENT", "production"),
            ("MAX_BODY_BYTES", "lots"),
            ("EMBEDDER", "openai"),
            ("VECTOR_INDEX", "pinecone"),
        ])
        .unwrap_err();
        assert_eq!(err.0.len(), 4, "{err}");
        assert!(err.to_string().contains("CORS_ORIGINS"));
        assert!(err.to_string().contains("MAX_BODY_BYTES"));
    }

    #[test]
    fn a_short_jwt_secret_and_rate_limits_off_in_production_are_refused() {
        assert!(cfg(&[("JWT_SECRET", "short")])
            .unwrap_err()
            .to_string()
            .contains("JWT_SECRET"));
        assert!(!cfg(&[("RATE_LIMITS", "off")]).unwrap().rate_limits);
        let prod = cfg(&[
            ("ENVIRONMENT", "production"),
            ("CORS_ORIGINS", "https://a.example"),
            ("RATE_LIMITS", "off"),
        ]);
        assert!(prod.unwrap_err().to_string().contains("RATE_LIMITS"));
    }

    #[test]
    fn session_check_ttl_and_metrics_token_are_checked() {
        let c = cfg(&[]).unwrap();
        assert_eq!((c.session_check_ttl_ms, c.metrics_token), (5_000, None));
        assert_eq!(cfg(&[("SESSION_CHECK_TTL_MS", "0")]).unwrap().session_check_ttl_ms, 0);
        assert!(cfg(&[("SESSION_CHECK_TTL_MS", "3600000")]).is_err(), "at most a minute");
        assert!(cfg(&[("METRICS_TOKEN", "short")])
            .unwrap_err()
            .to_string()
            .contains("METRICS_TOKEN"));
        let long = "m".repeat(32);
        assert_eq!(
            cfg(&[("METRICS_TOKEN", &long)]).unwrap().metrics_token.as_deref(),
            Some(long.as_str())
        );
    }

    #[test]
    fn embedder_dimensions_come_from_the_model_and_a_contradiction_is_refused() {
        let c = cfg(&[
            ("EMBEDDER", "openai"),
            ("EMBEDDING_BASE_URL", "http://127.0.0.1:8100/v1"),
            ("EMBEDDING_MODEL", "multilingual-e5-small"),
        ])
        .unwrap();
        assert_eq!(c.embedder.dimensions(), Some(384));
        assert_eq!(c.embedding_timeout_ms, 3_000);
        let prod = cfg(&[("EMBEDDER", "workers-ai"), ("EMBEDDING_MODEL", "@cf/baai/bge-m3")]).unwrap();
        assert_eq!(prod.embedder.dimensions(), Some(1024));
        let wrong = cfg(&[("EMBEDDER", "workers-ai"), ("EMBEDDING_DIMENSIONS", "384")]).unwrap_err();
        assert!(wrong.to_string().contains("makes 1024-dimension"), "{wrong}");
        let custom = cfg(&[
            ("EMBEDDER", "openai"),
            ("EMBEDDING_BASE_URL", "http://x.example/v1"),
            ("EMBEDDING_MODEL", "my-model"),
            ("EMBEDDING_DIMENSIONS", "512"),
        ])
        .unwrap();
        assert_eq!(custom.embedder.dimensions(), Some(512));
        let too_big = cfg(&[
            ("VECTOR_INDEX", "vectorize"),
            ("EMBEDDER", "openai"),
            ("EMBEDDING_BASE_URL", "http://x.example/v1"),
            ("EMBEDDING_MODEL", "text-embedding-3-large"),
        ])
        .unwrap_err();
        assert!(too_big.to_string().contains("at most 1536"), "{too_big}");
        assert!(cfg(&[("EMBEDDING_DIMENSIONS", "lots")]).is_err());
        // Strict OpenAI-compatible endpoints refuse unknown fields: the role field can be turned off.
        let strict = cfg(&[
            ("EMBEDDER", "openai"),
            ("EMBEDDING_BASE_URL", "https://api.openai.com/v1"),
            ("EMBEDDING_INPUT_TYPE", "off"),
        ])
        .unwrap();
        assert!(matches!(
            strict.embedder,
            EmbedderConfig::OpenAiCompatible { input_type: false, .. }
        ));
        assert!(cfg(&[("EMBEDDING_INPUT_TYPE", "maybe")]).is_err());
    }

    #[test]
    fn cors_list_is_exact() {
        let c = cfg(&[("CORS_ORIGINS", "https://app.balizero.com, http://localhost:8787/")]).unwrap();
        assert!(c.cors_allows("https://app.balizero.com"));
        assert!(c.cors_allows("http://localhost:8787"));
        assert!(!c.cors_allows("https://evil.example"));
        assert!(cfg(&[("CORS_ORIGINS", "javascript:alert(1)")]).is_err());
    }

    #[test]
    fn public_url_is_an_http_url_without_its_trailing_slash() {
        assert_eq!(cfg(&[]).unwrap().public_url, None);
        let c = cfg(&[("PUBLIC_URL", "https://api.balizero.com/")]).unwrap();
        assert_eq!(c.public_url.as_deref(), Some("https://api.balizero.com"));
        let err = cfg(&[("PUBLIC_URL", "ftp://api.balizero.com")]).unwrap_err();
        assert!(err.to_string().contains("PUBLIC_URL"));
    }
}
