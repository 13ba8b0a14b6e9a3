//! The `mailcheck` binary: parse the command line, decide colour, run, map to an exit code.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::error::ErrorKind;
use mailcheck::cli::{self, Cli, ExitStatus, Format};
use mailcheck::render;

/// mimalloc instead of the system's allocator: see Cargo.toml (glibc's malloc was a fifth of a
/// batch run's CPU time).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    no_transparent_huge_pages();
    match real_main() {
        Ok(status) => ExitCode::from(status.code()),
        Err(error) => {
            // A closed pipe (`mailcheck … | head`) is not an error worth a message.
            if error
                .downcast_ref::<io::Error>()
                .is_some_and(|error| error.kind() == io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            // Escaped like every other line: an I/O error may name a path.
            let _ = render::human::render_error(&format!("{error:#}"), &mut io::stderr());
            ExitCode::from(ExitStatus::InputError.code())
        }
    }
}

/// Asks Linux not to back this process's memory with transparent huge pages.
///
/// mimalloc commits its arenas eagerly on Linux, and where THP is `always` (a common default)
/// the kernel then faults in 2 MiB at a time: a one-domain audit's peak RSS went from 18 to
/// 33 MB, a 10,000-domain batch's from 57 to 76 MB, for no CPU saved (measured with
/// `tests/hostile_bounds.rs` and `cargo bench --bench batch`). The flag only affects pages
/// touched from here on; before `main` little is. A kernel without the flag changes nothing.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

fn real_main() -> anyhow::Result<ExitStatus> {
    let parsed = <Cli as clap::CommandFactory>::command()
        .try_get_matches()
        .and_then(|matches| {
            <Cli as clap::FromArgMatches>::from_arg_matches(&matches).map(|cli| (cli, matches))
        });
    let (mut cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return Ok(usage_error(&error)),
    };
    // mailcheck.toml: its values fill what the command line did not give.
    // MAILCHECK_NO_CONFIG=1 is --no-config for a whole environment (a test suite, a CI job
    // that must not pick up a file from a parent directory).
    let no_config_env = std::env::var_os("MAILCHECK_NO_CONFIG").is_some_and(|value| value == "1");
    let skip_config = cli.no_config || (no_config_env && cli.config.is_none());
    if !skip_config {
        let here = std::env::current_dir().unwrap_or_default();
        if let Some(path) = cli::config::find(cli.config.as_deref(), &here)
            && let Err(message) = cli::config::apply(&path, &mut cli, &matches)
        {
            let format = cli.output.format();
            cli::report_error(&message, format, &mut io::stdout(), &mut io::stderr())?;
            return Ok(ExitStatus::InputError);
        }
    }
    // --resume writes NDJSON to its file; stdout stays empty, so errors go to stderr only.
    let format_given = matches.try_get_raw("format").is_ok()
        && matches.value_source("format") == Some(clap::parser::ValueSource::CommandLine);
    if let Err(message) = cli::args::check_batch_options(&mut cli, format_given) {
        cli::report_error(
            &message,
            Format::Human,
            &mut io::stdout(),
            &mut io::stderr(),
        )?;
        return Ok(ExitStatus::InputError);
    }
    let format = cli.output.format();
    // Colour is decided per stream; `colored` has one switch for the process, so it is on
    // when either stream is coloured, and the other stream's codes are stripped on the way
    // out. JSON is never coloured, and nothing is coloured in a JSON run.
    let env = cli::ColourEnv::from_env();
    let human = format == Format::Human;
    // --output: the report goes to a file, written whole at the end or not at all. It is
    // created first: a path that cannot be written is an input error before any query.
    let output_file = match &cli.output.output {
        Some(path) => match mailcheck::files::AtomicFile::create(path) {
            Ok(file) => Some(file),
            Err(error) => {
                let message = format!(
                    "cannot write --output {}: {error}",
                    mailcheck::escape::os_str(path.as_os_str())
                );
                cli::report_error(&message, format, &mut io::sink(), &mut io::stderr())?;
                return Ok(ExitStatus::InputError);
            }
        },
        None => None,
    };
    let stdout_is_terminal = output_file.is_none() && io::stdout().is_terminal();
    render::human::set_width(output_width(stdout_is_terminal));
    render::human::set_ascii(!shows_unicode());
    let stdout_colour = human && cli::stream_colour(cli.output.color, env, stdout_is_terminal);
    let stderr_colour =
        human && cli::stream_colour(cli.output.color, env, io::stderr().is_terminal());
    colored::control::set_override(stdout_colour || stderr_colour);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let strip_stdout = !stdout_colour && stderr_colour;
    let mut err: Box<dyn Write> = if stderr_colour || !stdout_colour {
        Box::new(io::stderr())
    } else {
        Box::new(anstream::StripStream::new(io::stderr()))
    };
    if let Some(mut file) = output_file {
        let status = if strip_stdout {
            let mut out = anstream::StripStream::new(&mut file as &mut dyn Write);
            runtime.block_on(cli::run(cli, &mut out, &mut err))?
        } else {
            runtime.block_on(cli::run(cli, &mut file, &mut err))?
        };
        // The file receives what stdout would have, whole. An I/O error returned above; an
        // interrupted run (Ctrl-C), and a run that wrote nothing (a usage error in human
        // format goes to stderr only), leave it as it was: dropping `file` removes the
        // temporary file.
        if !file.is_empty() && status != ExitStatus::Interrupted {
            file.commit()?;
        }
        return Ok(status);
    }
    let mut out: Box<dyn Write> = if strip_stdout {
        Box::new(io::BufWriter::new(anstream::StripStream::new(
            io::stdout().lock(),
        )))
    } else {
        Box::new(io::BufWriter::new(io::stdout().lock()))
    };
    let status = runtime.block_on(cli::run(cli, &mut out, &mut err))?;
    out.flush()?;
    Ok(status)
}

/// Whether the terminal can show the marks' Unicode (✔ ▲ ✖): not under `TERM=dumb`, nor
/// under a locale that is set and is not UTF-8 (`LC_ALL`, else `LC_CTYPE`, else `LANG`, as
/// the C library reads them; none set is taken as UTF-8, as terminals today are).
fn shows_unicode() -> bool {
    if std::env::var_os("TERM").is_some_and(|term| term == "dumb") {
        return false;
    }
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.is_empty());
    locale.is_none_or(|locale| {
        let locale = locale.to_ascii_lowercase();
        locale.contains("utf-8") || locale.contains("utf8")
    })
}

/// The width human output is wrapped to: `COLUMNS` when it is a number, else the terminal's
/// width when stdout is a terminal, else 100.
fn output_width(stdout_is_terminal: bool) -> usize {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|text| text.trim().parse::<usize>().ok())
    {
        return columns;
    }
    if stdout_is_terminal
        && let Some((terminal_size::Width(width), _)) = terminal_size::terminal_size()
    {
        return usize::from(width);
    }
    render::human::DEFAULT_WIDTH
}

/// Clap's own errors exit 2 as well; `--help` and `--version` exit 0. Under `--json`, the error
/// is a JSON document on stdout too.
fn usage_error(error: &clap::Error) -> ExitStatus {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = error.print();
        return ExitStatus::Clean;
    }
    if let Some(message) = bad_value_message(error).or_else(|| not_utf8_message(error)) {
        // A value a parser refused (`--timeout 1e300`, `-n 127.0.0.1:0`) is one line that
        // says what was expected, like every other input error, escaped like them.
        let format = if wants_json(std::env::args_os()) {
            Format::Json
        } else {
            Format::Human
        };
        let _ = cli::report_error(&message, format, &mut io::stdout(), &mut io::stderr());
        return ExitStatus::InputError;
    }
    let _ = error.print();
    if wants_json(std::env::args_os()) {
        let message = error.kind().as_str().unwrap_or("invalid command line");
        let _ = cli::report_error(message, Format::Json, &mut io::stdout(), &mut io::sink());
    }
    ExitStatus::InputError
}

/// The one line that says why a value was refused (`invalid value 'X' for '--flag <V>': what
/// was expected`), without clap's "error: " and its hint to try --help; `None` for other
/// errors, whose further lines (a usage, the possible values) say something.
fn bad_value_message(error: &clap::Error) -> Option<String> {
    if error.kind() != ErrorKind::ValueValidation {
        return None;
    }
    let rendered = error.render().to_string();
    let first = rendered.lines().next()?;
    Some(first.strip_prefix("error: ").unwrap_or(first).to_owned())
}

/// The one line for an argument that is not UTF-8 where text is expected (a domain, a record,
/// a rule): which argument, its bytes shown as `\xNN`. Clap's own message does not say which
/// argument, and the raw arguments must be read as `OsString`s: `std::env::args` panics on
/// them.
fn not_utf8_message(error: &clap::Error) -> Option<String> {
    if error.kind() != ErrorKind::InvalidUtf8 {
        return None;
    }
    let shown = std::env::args_os()
        .skip(1)
        .find(|arg| arg.to_str().is_none())
        .map(|arg| mailcheck::escape::os_str(&arg));
    Some(match shown {
        Some(shown) => format!("argument \"{shown}\" is not valid UTF-8"),
        None => "an argument is not valid UTF-8".to_owned(),
    })
}

/// Whether the raw arguments ask for JSON, for errors found before they could be parsed. Read
/// as `OsString`s: an argument that is not UTF-8 must not stop the error from being reported.
fn wants_json(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<std::ffi::OsString> = args.collect();
    args.iter().enumerate().any(|(i, arg)| {
        arg == "--json"
            || arg == "--format=json"
            || (arg == "--format" && args.get(i + 1).is_some_and(|next| next == "json"))
    })
}
