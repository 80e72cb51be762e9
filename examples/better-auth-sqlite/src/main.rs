use std::process::ExitCode;

use my_api::Application;
use my_api::config::Config;

mod health_check;

#[tokio::main]
async fn main() -> ExitCode {
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("error: cannot read .env: {error}");
        return ExitCode::FAILURE;
    }
    // The container's HEALTHCHECK (see Dockerfile): ask the running server, start none.
    if std::env::args().nth(1).as_deref() == Some("--health-check") {
        return health_check::run();
    }
    // Logging first, so that warnings about the configuration are seen; JSON in production.
    let production = std::env::var("APP_ENV").is_ok_and(|env| env.trim() == "production");
    my_api::telemetry::init(production);
    // Before the configuration is read: the connection cap's default depends on it.
    my_api::server::raise_open_files_limit();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };

    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(error) => {
            tracing::error!("cannot start: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        port = app.port(),
        metrics_port = app.metrics_port(),
        "listening"
    );
    app.run_until_stopped().await;
    tracing::info!("stopped");
    ExitCode::SUCCESS
}
