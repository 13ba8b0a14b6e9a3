//! The command line: its arguments ([`args`]), running them ([`mod@run`]), and the exit status a
//! run earns ([`exit`]).

pub mod args;
pub mod config;
pub mod exit;
pub mod run;
pub mod suggest;

pub use args::{
    AuditArgs, Cli, ColorChoice, ColourEnv, Command, DEFAULT_CONCURRENCY, Format, OutputArgs,
    ResolverArgs, SourceArgs, SpfArgs, parse_nameserver, parse_selector, stream_colour,
};
pub use exit::{ExitStatus, FailOn, InputError};
pub use run::{report_error, run};
