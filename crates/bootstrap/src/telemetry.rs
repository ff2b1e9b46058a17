//! Logging: the global subscriber every shop process installs.
//!
//! Every service operation, money step and adapter call runs in a span
//! (`#[tracing::instrument]`, arguments skipped so no secret is recorded).
//! At `debug` (e.g. `SHOP_LOG=info,shop_domain=debug,shop_sql=debug`) each
//! span also logs its end with its busy and idle time, so a slow checkout
//! shows which step was slow; at `info` nothing more is written.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::LogFormat;

/// Installs the global subscriber (stdout). Fails only if the filter is bad
/// or a subscriber is already installed.
pub fn init(filter: &str, format: LogFormat) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter).map_err(|e| e.to_string())?;
    let timings = if filter
        .max_level_hint()
        .is_some_and(|max| max >= LevelFilter::DEBUG)
    {
        FmtSpan::CLOSE
    } else {
        FmtSpan::NONE
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(timings)
        .with_ansi(ansi);
    match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    }
    .map_err(|e| e.to_string())
}
