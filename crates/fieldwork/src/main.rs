//! `fieldwork`: the command line of the fieldwork survey platform.

mod accounts;
mod analyze;
mod bench;
mod bench_all;
mod bench_analyze;
mod bench_export;
mod bench_proxy;
mod cli;
mod db;
mod demo;
mod export;
mod fixtures;
mod invite;
mod outreach;
mod responses;
mod serve;
mod survey;

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command, DbCommand};
use fieldwork_store::Store;

fn main() -> ExitCode {
    end_quietly_when_the_reader_goes();
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|matches| Ok((Cli::from_arg_matches(&matches)?, matches)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            // clap prints usage and help itself, with exit code 2 for usage mistakes.
            let _ = error.print();
            return ExitCode::from(error.exit_code().clamp(0, 255) as u8);
        }
    };
    init_logging();
    // The demo uses a database of its own unless one is named on its command line.
    let database_given = matches!(
        matches
            .subcommand()
            .and_then(|(_, sub)| sub.value_source("database"))
            .or_else(|| matches.value_source("database")),
        Some(clap::parser::ValueSource::CommandLine)
    );
    let result = match cli.command {
        Command::Demo(args) => demo::run(database_given.then_some(cli.database), args),
        command => run(Cli {
            database: cli.database,
            command,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<demo::Interrupted>() => {
            eprintln!(
                "stopped before the demo was ready; run `fieldwork demo` again to make it anew"
            );
            ExitCode::from(130)
        }
        // Output piped to a reader that has gone (`| head`): as for `println!` above.
        Err(error) if reader_gone(&error) => ExitCode::from(141),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn reader_gone(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `fieldwork export ... --out - | head`: once the reader has gone, `println!` panics on the
/// closed pipe (Rust ignores SIGPIPE, so the write fails instead of ending the process). That
/// is no fault of fieldwork's: end quietly with 141 (128 + SIGPIPE), what a shell reports for
/// a Unix tool ended by a closed pipe, and print nothing. Every other panic is reported as
/// usual. (Restoring SIGPIPE's default would need `unsafe`, which the workspace forbids.)
fn end_quietly_when_the_reader_goes() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        let closed_pipe = (message.starts_with("failed printing to stdout")
            || message.starts_with("failed printing to stderr"))
            && message.contains("Broken pipe");
        if closed_pipe {
            std::process::exit(141);
        }
        report(info);
    }));
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FIELDWORK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn run(cli: Cli) -> Result<()> {
    let database = cli.database.as_str();
    match cli.command {
        Command::Demo(_) => unreachable!("main runs the demo"),
        Command::Survey(command) => survey::run(database, command),
        Command::Db(DbCommand::Migrate) => survey::migrate(database),
        Command::Db(DbCommand::Backup { out }) => db::backup(database, &out),
        Command::Db(DbCommand::Restore { from, replace }) => db::restore(database, &from, replace),
        Command::Serve(args) => serve::serve(database, args),
        Command::Invite(args) => invite::invite(database, args),
        Command::Contacts(command) => outreach::contacts(database, command),
        Command::Invitations(command) => outreach::invitations(database, command),
        Command::Analyze(args) => analyze::analyze(database, args),
        Command::Report(args) => analyze::report(database, args),
        Command::Bench(command) => bench::run(database, command),
        Command::Export(args) => export::run_export(database, args),
        Command::Responses(command) => responses::run_responses(database, command),
        Command::User(command) => accounts::user(&open_store(database)?, command),
        Command::Token(command) => accounts::token(&open_store(database)?, command),
        Command::Audit(args) => accounts::audit(&open_store(database)?, args),
        Command::Retention(command) => accounts::retention(&open_store(database)?, command),
    }
}

pub(crate) fn open_store(url: &str) -> Result<Store> {
    Ok(Store::open(url)?)
}

pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))
}
