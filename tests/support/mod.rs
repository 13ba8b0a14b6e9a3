//! Shared test helpers: the in-process DNS server and running the binary against it.

#![allow(dead_code)] // each test crate uses a different part of it

pub mod server;

use std::process::Command;
use std::sync::OnceLock;

use server::{Behaviour, TestServer, fixture_zones};

/// The server every CLI test shares: the fixture zones with the fixture behaviour.
pub fn fixture_server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(|| TestServer::start(&fixture_zones(), Behaviour::fixtures()))
}

/// The `mailcheck` binary with a clean environment: no colour variables, and pointed at the
/// fixture server with short timeouts.
pub fn mailcheck() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailcheck"));
    command
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("RUST_BACKTRACE")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// `mailcheck` against the fixture server, with a short timeout and no retries. The timeout
/// leaves room for a loaded machine: DKIM discovery asks some sixty questions per audit at
/// once, and a debug-built server on a busy 2-core machine can take longer than 0.4 s.
pub fn mailcheck_fixtures() -> Command {
    let server = fixture_server();
    let mut command = mailcheck();
    command
        .arg("--nameserver")
        .arg(server.addr.to_string())
        .args(["--timeout", "1.5", "--retries", "0"]);
    command
}
