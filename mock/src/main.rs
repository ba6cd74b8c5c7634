//! `restsource-mock`: serves the seed APIs on 127.0.0.1 until killed.

use std::io::Write;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use restsource_mock::{AuthMode, FaultPlan, MockApi, MockConfig, Shape};

/// Auth of the analytics endpoint `/v1/resource`.
#[derive(Clone, Copy, ValueEnum)]
enum Auth {
    /// `api_key` query parameter.
    Apikey,
    /// OAuth2 tokens (`POST /oauth/token`) or session tokens (`POST /auth/login`).
    Oauth,
    /// `Authorization: Bearer <api key>`.
    Bearer,
    /// HTTP Basic with the client id and secret.
    Basic,
    /// Cookie `api_key=<api key>`.
    Cookie,
}

/// Fields of the records (see `restsource_mock::Shape`).
#[derive(Clone, Copy, ValueEnum)]
enum RecordShape {
    /// Full records, as the seed APIs serve them.
    Wide,
    /// Inventory records with the seed's declared fields plus `sku` and `warehouse`.
    Seed,
    /// Wide inventory records after an API change: a new field, and text in a number field.
    Drifted,
}

/// A local mock of the seed APIs, with injected faults and admin endpoints under /_admin/.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Records per resource.
    #[arg(long, default_value_t = 250)]
    records: usize,
    /// Delay added to every API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// API key expected in the `api_key` query parameter.
    #[arg(long, default_value = "test-key")]
    api_key: String,
    /// Auth of `/v1/resource`.
    #[arg(long, value_enum, default_value = "apikey")]
    auth: Auth,
    /// OAuth token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl_secs: u64,
    /// Share (0.0..=1.0) of API requests failing with a retryable fault.
    #[arg(long, default_value_t = 0.0)]
    fail_rate: f64,
    /// Seed of the data and of fault decisions.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Record shape: `seed` trims inventory records to the fields the seed declares.
    #[arg(long, value_enum, default_value = "wide")]
    shape: RecordShape,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let config = MockConfig {
        records: args.records,
        api_key: args.api_key,
        token_ttl: Duration::from_secs(args.token_ttl_secs),
        latency: Duration::from_millis(args.latency_ms),
        seed: args.seed,
        analytics_auth: match args.auth {
            Auth::Apikey => AuthMode::ApiKey,
            Auth::Oauth => AuthMode::OAuth,
            Auth::Bearer => AuthMode::Bearer,
            Auth::Basic => AuthMode::Basic,
            Auth::Cookie => AuthMode::Cookie,
        },
        faults: FaultPlan::retryable(args.fail_rate),
        port: args.port,
        shape: match args.shape {
            RecordShape::Wide => Shape::Wide,
            RecordShape::Seed => Shape::Seed,
            RecordShape::Drifted => Shape::Drifted,
        },
        ..MockConfig::default()
    };
    let api = match MockApi::try_start(config).await {
        Ok(api) => api,
        Err(e) => {
            eprintln!(
                "restsource-mock: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            std::process::exit(1);
        }
    };
    let mut stdout = std::io::stdout();
    // Scripts wait for this exact line, so it is flushed at once.
    let _ = writeln!(stdout, "listening on {}", api.base_url());
    let _ = stdout.flush();
    let _ = tokio::signal::ctrl_c().await;
    api.shutdown().await;
}
