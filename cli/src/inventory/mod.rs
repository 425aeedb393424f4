//! `aidr inventory`: an inventory, collected live or saved (`--from`, the JSON `--format json`
//! writes), as a table for people, as JSON, or as a CycloneDX 1.6 ML-BOM.

mod facts;
mod table;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::process::ExitCode;

use aidr_engine::inventory::Inventory;
use aidr_engine::inventory::cyclonedx::to_cyclonedx;
use clap::ValueEnum;

pub use facts::{facts, name};

#[derive(clap::Args)]
pub struct InventoryArgs {
    #[command(flatten)]
    source: crate::source::Source,
    #[arg(long, value_enum, default_value_t = InventoryFormat::Table)]
    format: InventoryFormat,
}

/// Output formats of `aidr inventory`.
#[derive(Clone, Copy, ValueEnum)]
enum InventoryFormat {
    /// Per account and region, the resources of each type with their key facts; then the gaps.
    Table,
    /// The inventory as aidr reads it back (`--from`): save a live collection with it.
    Json,
    /// A CycloneDX 1.6 ML-BOM (JSON): models, data, AI services and their dependencies.
    Cyclonedx,
}

/// Runs `aidr inventory`.
///
/// # Errors
/// When the inventory cannot be read or collected (see [`crate::source::Source::load`]), or
/// stdout fails.
pub fn main(args: InventoryArgs) -> std::io::Result<ExitCode> {
    let inventory = args.source.load()?;
    let text = match args.format {
        InventoryFormat::Table => table::render(&inventory),
        InventoryFormat::Json => serde_json::to_string_pretty(&inventory).map_err(std::io::Error::other)? + "\n",
        InventoryFormat::Cyclonedx => {
            let serial = uuid::Uuid::new_v4().to_string();
            serde_json::to_string_pretty(&to_cyclonedx(&inventory, &serial)).map_err(std::io::Error::other)? + "\n"
        }
    };
    crate::write_stdout(text.as_bytes()).map(|()| ExitCode::SUCCESS)
}

/// Reads a saved inventory (plain or gzip JSON; `-` for standard input).
///
/// # Errors
/// An error naming the file: it cannot be read, is not JSON, or is not an inventory.
pub fn load(path: &Path) -> std::io::Result<Inventory> {
    let name = path.display();
    let fail = |what: String| std::io::Error::other(format!("{name}: {what}"));
    let file: Box<dyn Read + Send> = match path.as_os_str() == "-" {
        true => Box::new(std::io::stdin()),
        false => Box::new(File::open(path).map_err(|e| fail(e.to_string()))?),
    };
    let reader = aidr_engine::input::open(BufReader::new(file)).map_err(|e| fail(e.to_string()))?;
    use serde_json::error::Category;
    let shape = |e: serde_json::Error| {
        fail(format!(
            "not an aidr inventory (the JSON object `aidr inventory --format json` writes: collected_at, scopes, resources, gaps): {e}"
        ))
    };
    // An object only: serde would also take an array of the four fields in order.
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_reader(BufReader::new(reader)).map_err(|e| match e.classify() {
            Category::Io => fail(format!("read failed: {e}")),
            Category::Syntax | Category::Eof => fail(format!("not JSON: {e}")),
            Category::Data => shape(e),
        })?;
    serde_json::from_value(serde_json::Value::Object(object)).map_err(shape)
}
