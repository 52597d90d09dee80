use super::*;

fn provider(name: &str, kind: ProviderKind, model: &str) -> ProviderConfig {
    ProviderConfig {
        name: name.into(),
        kind,
        base_url: String::new(),
        api_key: None,
        model: model.into(),
    }
}

fn configured() -> Vec<ProviderConfig> {
    vec![
        provider("anthropic", ProviderKind::Anthropic, "claude-sonnet-4-5"),
        provider("openai", ProviderKind::OpenAiCompatible, "gpt-4o-mini"),
        provider("deepseek", ProviderKind::OpenAiCompatible, "deepseek-chat"),
        provider("offline", ProviderKind::Offline, "offline-extractive"),
    ]
}

fn names(c: &[ProviderConfig]) -> Vec<&str> {
    c.iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn cheap_classes_go_cheap_first_and_strong_classes_strong_first_always_ending_offline() {
    let p = RoutingPolicy::default();
    let cfg = configured();
    assert_eq!(
        names(&p.candidates(QueryClass::Pricing, &cfg)),
        ["deepseek", "openai", "anthropic", "offline"]
    );
    assert_eq!(
        names(&p.candidates(QueryClass::Legal, &cfg)),
        ["anthropic", "openai", "deepseek", "offline"]
    );
    let only_offline = &cfg[3..];
    assert_eq!(names(&p.candidates(QueryClass::Legal, only_offline)), ["offline"]);
    assert_eq!(
        names(&p.candidates(QueryClass::Legal, &[])),
        ["offline"],
        "offline even if not configured"
    );
}

#[test]
fn unlisted_providers_follow_in_config_order_and_missing_classes_use_general() {
    let p = RoutingPolicy::from_json(r#"{"routes": {"general": ["deepseek"], "legal": ["openai", "nope"]}}"#).unwrap();
    let cfg = configured();
    assert_eq!(
        names(&p.candidates(QueryClass::Legal, &cfg)),
        ["openai", "anthropic", "deepseek", "offline"]
    );
    assert_eq!(
        names(&p.candidates(QueryClass::Pricing, &cfg)),
        ["deepseek", "anthropic", "openai", "offline"]
    );
    assert_eq!(p.retry, RetryPolicy::default(), "omitted fields keep their defaults");
}

#[test]
fn policy_json_round_trips_and_is_validated() {
    let p = RoutingPolicy::default();
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains("\"multi_domain\""), "{json}");
    assert_eq!(RoutingPolicy::from_json(&json).unwrap(), p);
    assert!(RoutingPolicy::from_json(r#"{"routez": {}}"#)
        .unwrap_err()
        .contains("routez"));
    assert!(
        RoutingPolicy::from_json(r#"{"routes": {"cheap": []}}"#).is_err(),
        "unknown class"
    );
    let bad = r#"{"retry": {"max_attempts": 0}, "costs": {"m": {"input_per_mtok": -1, "output_per_mtok": 1}}}"#;
    let err = RoutingPolicy::from_json(bad).unwrap_err();
    assert!(err.contains("max_attempts") && err.contains("costs.m"), "{err}");
}

#[test]
fn cost_estimates_use_exact_prefix_and_vendorless_ids() {
    let c = RoutingPolicy::default().costs;
    let u = Usage::new(1_000_000, 100_000);
    let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
    assert!(close(c.estimate_cost("claude-sonnet-4-5", &u), 3.0 + 1.5));
    assert!(
        close(c.estimate_cost("claude-sonnet-4-5-20250929", &u), 4.5),
        "dated id"
    );
    assert!(
        close(c.estimate_cost("gpt-4o-mini", &u), 0.15 + 0.06),
        "longest prefix wins over gpt-4o"
    );
    assert!(
        close(c.estimate_cost("anthropic/claude-opus-4-5", &u), 5.0 + 2.5),
        "vendor prefix"
    );
    assert!(close(c.estimate_cost("offline-extractive", &u), 0.0));
    assert_eq!(c.estimate_cost("mystery-model", &u), None);
}

#[test]
fn plan_classifies_and_prices_each_candidate() {
    let p = RoutingPolicy::default();
    let plan = p.plan("Berapa harga KITAS?", &configured(), 2_000, 500);
    assert_eq!(plan.class, QueryClass::Pricing);
    assert_eq!(plan.candidates[0].provider.name, "deepseek");
    let expected = (2_000.0 * 0.28 + 500.0 * 0.42) / 1e6;
    assert!((plan.candidates[0].est_cost_usd.unwrap() - expected).abs() < 1e-12);
    assert_eq!(plan.candidates.last().unwrap().est_cost_usd, Some(0.0));
}
