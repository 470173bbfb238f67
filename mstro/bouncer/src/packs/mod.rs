//! `mstro-bouncer packs`: tooling for rule pack authors.
//!
//! - [`list`] and [`show`]: what is loaded, from where, and what each rule does.
//! - [`validate`]: a pack file checked the way the engine loads it, examples included.
//! - [`corpus`]: precision and recall of the loaded rules on a labelled corpus.
//! - [`schema`] and [`docs`]: the JSON Schema and the generated `rules/README.md`.

mod corpus;
pub mod docs;
mod list;
pub mod schema;
mod show;
mod validate;

use super::cli::PacksCommand;

/// Run one `packs` subcommand; returns the exit code.
pub fn run(command: &PacksCommand) -> i32 {
    let result = match command {
        PacksCommand::List { json } => list::run(*json),
        PacksCommand::Show { id } => show::run(id),
        PacksCommand::Validate { files, project } => validate::validate(files, *project),
        PacksCommand::Test {
            files,
            corpus: Some(corpus),
            min_recall,
            mode,
            project,
        } => corpus::run(corpus, files, *project, *min_recall, mode.map(Into::into)),
        PacksCommand::Test { files, project, .. } => validate::test(files, *project),
        PacksCommand::Schema { config } => schema::run(*config),
        PacksCommand::Docs => docs::run(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mstro-bouncer packs: {e:#}");
            2
        }
    }
}

/// The working directory tools read the configuration of.
fn current_dir() -> anyhow::Result<String> {
    Ok(std::env::current_dir()?.to_string_lossy().into_owned())
}
