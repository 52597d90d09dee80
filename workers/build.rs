//! Renders the OpenAPI document (`nuzantara_shared::openapi::document`) into `OUT_DIR/openapi.json` at build
//! time, so the worker embeds ~100 KB of text instead of the code that builds it (that code cost ~170 KB of
//! WASM). The worker fills in `servers` per request (`routes: OpenApi` in router.rs).
fn main() {
    let doc = nuzantara_shared::openapi::document();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("openapi.json");
    std::fs::write(out, doc.to_string()).expect("write openapi.json");
    println!("cargo:rerun-if-changed=build.rs");
}
