//! `gradflow grads|compare …`: see `gradflow --help`, or the `cli` module.

use std::process::ExitCode;

use clap::Parser;
use gradflow_engine::cli::{run, Cli};

fn main() -> ExitCode {
    // Clap prints usage errors and --help itself, with its own exit codes.
    let cli = Cli::parse();
    match run(&cli, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
