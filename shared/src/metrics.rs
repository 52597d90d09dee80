//! Request counters and latency histograms, rendered in the Prometheus text format.
//!
//! The worker keeps one registry per isolate; labels are route patterns (bounded), never raw paths.

use std::collections::BTreeMap;
use std::fmt::Write;

/// Histogram bucket upper bounds in milliseconds.
pub const BUCKETS_MS: &[f64] = &[
    1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 10000.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: Vec<u64>,
    sum_ms: f64,
    count: u64,
}

#[derive(Debug, Default, Clone)]
pub struct Metrics {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    counters: BTreeMap<&'static str, (u64, &'static str)>,
}

impl Metrics {
    pub fn observe(&mut self, method: &str, route: &str, status: u16, elapsed_ms: f64) {
        *self
            .requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let h = self.latency.entry(route.to_string()).or_insert_with(|| Histogram {
            buckets: vec![0; BUCKETS_MS.len()],
            ..Default::default()
        });
        for (i, le) in BUCKETS_MS.iter().enumerate() {
            if elapsed_ms <= *le {
                h.buckets[i] += 1;
            }
        }
        h.sum_ms += elapsed_ms;
        h.count += 1;
    }

    /// A named counter (e.g. search cache hits); `help` is shown in the exposition.
    pub fn incr(&mut self, name: &'static str, help: &'static str) {
        self.counters.entry(name).or_insert((0, help)).0 += 1;
    }

    pub fn counter(&self, name: &str) -> u64 {
        self.counters.get(name).map(|c| c.0).unwrap_or(0)
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP nuzantara_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE nuzantara_http_requests_total counter\n");
        for ((m, r, s), n) in &self.requests {
            let _ = writeln!(
                out,
                "nuzantara_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{s}\"}} {n}",
                escape(m),
                escape(r)
            );
        }
        out.push_str("# HELP nuzantara_http_request_duration_ms Request latency in milliseconds by route.\n");
        out.push_str("# TYPE nuzantara_http_request_duration_ms histogram\n");
        for (r, h) in &self.latency {
            let r = escape(r);
            for (i, le) in BUCKETS_MS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "nuzantara_http_request_duration_ms_bucket{{route=\"{r}\",le=\"{le}\"}} {}",
                    h.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "nuzantara_http_request_duration_ms_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "nuzantara_http_request_duration_ms_sum{{route=\"{r}\"}} {}",
                h.sum_ms
            );
            let _ = writeln!(
                out,
                "nuzantara_http_request_duration_ms_count{{route=\"{r}\"}} {}",
                h.count
            );
        }
        for (name, (n, help)) in &self.counters {
            let _ = writeln!(
                out,
                "# HELP nuzantara_{name}_total {help}\n# TYPE nuzantara_{name}_total counter"
            );
            let _ = writeln!(out, "nuzantara_{name}_total {n}");
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let mut m = Metrics::default();
        m.observe("GET", "/health", 200, 0.4);
        m.observe("GET", "/health", 200, 30.0);
        m.observe("POST", "/api/search", 422, 3.0);
        m.incr("search_cache_hits", "Search results served from the KV cache.");
        let text = m.render();
        assert!(text.contains("nuzantara_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 2"));
        assert!(text.contains("nuzantara_http_requests_total{method=\"POST\",route=\"/api/search\",status=\"422\"} 1"));
        assert!(text.contains("nuzantara_http_request_duration_ms_bucket{route=\"/health\",le=\"1\"} 1"));
        assert!(text.contains("nuzantara_http_request_duration_ms_bucket{route=\"/health\",le=\"50\"} 2"));
        assert!(text.contains("nuzantara_http_request_duration_ms_bucket{route=\"/health\",le=\"+Inf\"} 2"));
        assert!(text.contains("nuzantara_http_request_duration_ms_count{route=\"/health\"} 2"));
        assert!(text.contains("nuzantara_search_cache_hits_total 1"));
        assert_eq!(m.counter("search_cache_hits"), 1);
    }

    #[test]
    fn label_values_are_escaped() {
        let mut m = Metrics::default();
        m.observe("GET", "a\"b\\c\nd", 404, 1.0);
        assert!(m.render().contains("route=\"a\\\"b\\\\c\\nd\""));
    }
}
