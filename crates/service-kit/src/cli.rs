//! The command line every service binary shares: `serve` (default), `migrate`, or a
//! service-specific subcommand.

/// What the process was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the service until SIGTERM.
    Serve,
    /// Apply pending database migrations and exit (a Helm pre-upgrade hook runs this).
    Migrate,
    /// A service-specific subcommand with its arguments.
    Other(String, Vec<String>),
}

pub fn parse_command() -> Command {
    parse(std::env::args().skip(1).collect())
}

pub fn parse(mut args: Vec<String>) -> Command {
    if args.is_empty() {
        return Command::Serve;
    }
    let first = args.remove(0);
    match first.as_str() {
        "serve" => Command::Serve,
        "migrate" => Command::Migrate,
        _ => Command::Other(first, args),
    }
}

/// `serve`: runs the service until SIGTERM/SIGINT, then stops it gracefully.
pub async fn serve(app: crate::server::Running) -> anyhow::Result<()> {
    crate::shutdown::cancel_on_signal(app.shutdown_token());
    app.run_until_stopped().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_arguments_means_serve() {
        assert_eq!(parse(vec![]), Command::Serve);
        assert_eq!(parse(vec!["migrate".into()]), Command::Migrate);
        assert_eq!(
            parse(vec!["seed-demo".into(), "--x".into()]),
            Command::Other("seed-demo".into(), vec!["--x".into()])
        );
    }
}
