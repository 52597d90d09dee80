//! `kb-build`: see `kb-build --help` and the crate docs (src/lib.rs).

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use kb_build::cli::{repo_root, Cli, Target};
use kb_build::run::apply_build;
use kb_build::store::cloudflare::{CloudflareConfig, CloudflareStore};
use kb_build::store::local::LocalStore;
use kb_build::store::{DryRun, Store};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn execute(cli: &Cli) -> Result<()> {
    // Everything that can be checked without touching a store is checked first.
    let chunker = cli.chunker()?;
    let cloudflare = match cli.target {
        Target::Cloudflare => Some(CloudflareConfig::from_env()?),
        _ => None,
    };
    let mut embedder = cli.embedder(cloudflare.as_ref())?;
    let opts = cli.options(chunker, &kb_build::embed::settings(embedder.as_ref()))?;
    let verbose = !cli.quiet;
    if verbose && !embedder.enabled() {
        println!("embedder: none (no vectors; search will be keyword-only)");
    }
    let write = cli.target != Target::DryRun;
    // A dry run embeds nothing, so it needs no cache.
    let mut vectors = if write {
        cli.vector_options(embedder.as_ref())?
    } else {
        Default::default()
    };
    for w in vectors.cache.iter().flat_map(|c| &c.warnings) {
        eprintln!("warning: {w}");
    }
    let start = std::time::Instant::now();
    // The local helper starts loading wrangler now but opens the state only on its first request.
    let local = match cli.target {
        Target::Local => Some(LocalStore::spawn(&repo_root(), &cli.persist_to)?),
        _ => None,
    };
    // Sources are read and validated before any store is opened: a bad file never reaches a store.
    let build = kb_build::sources::build(&opts)?;
    let mut store: Box<dyn Store> = match cli.target {
        Target::DryRun => Box::new(DryRun),
        Target::Local => {
            let mut s = local.expect("spawned above");
            s.verbose = verbose;
            Box::new(s)
        }
        Target::Cloudflare => {
            let mut s = CloudflareStore::new(cloudflare.expect("checked above"));
            s.verbose = verbose;
            s.vectors = embedder.enabled();
            Box::new(s)
        }
    };
    let summary = apply_build(
        &build,
        start,
        store.as_mut(),
        embedder.as_mut(),
        &mut vectors,
        write,
        verbose,
    )?;
    if !verbose {
        println!("{}", summary.line());
    }
    Ok(())
}
