#![allow(clippy::expect_used, clippy::unwrap_used)] // a build script reports by panicking
//! Finds the op modules: every `src/ops/*.rs` but `mod.rs` becomes a module
//! of `ops`; those that invoke `declare_ops!` are op modules, whose public
//! items `ops` re-exports and whose rows make up the op table. Adding an op
//! is then adding its file (see docs/adding-an-op.md).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("src/ops");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut modules: Vec<(String, bool, String)> = std::fs::read_dir(&dir)
        .expect("src/ops is readable")
        .map(|entry| entry.expect("src/ops entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .filter(|path| path.file_name().is_some_and(|n| n != "mod.rs"))
        .map(|path| {
            let name = path
                .file_stem()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("op module is UTF-8");
            let declares = text.contains("declare_ops! {");
            (name, declares, path.display().to_string())
        })
        .collect();
    modules.sort();
    let mut out = String::new();
    for (name, declares, path) in &modules {
        writeln!(out, "#[path = {path:?}]\nmod {name};").unwrap();
        if *declares {
            writeln!(out, "pub use {name}::*;").unwrap();
        }
    }
    let op_modules: Vec<&str> = modules
        .iter()
        .filter(|(_, declares, _)| *declares)
        .map(|(name, _, _)| name.as_str())
        .collect();
    out.push_str("\n/// Eval-only twins of every registration function, same names\n");
    out.push_str("/// ([`Registration::eval_only`]): no prepare code is linked, for\n");
    out.push_str("/// firmware whose interpreter state was prepared ahead of time\n");
    out.push_str("/// (`Interpreter::from_prepared`, written by `microlite-build`).\n");
    out.push_str("pub mod eval_only {\n");
    for name in &op_modules {
        writeln!(out, "    pub use super::{name}::eval_only::*;").unwrap();
    }
    out.push_str("}\n\n/// Every op module's rows of the op table, by module name.\n");
    out.push_str("const PARTS: &[&[crate::registry::OpEntry]] = &[\n");
    for name in &op_modules {
        writeln!(out, "    {name}::OPS,").unwrap();
    }
    out.push_str("];\n");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("op_modules.rs"), out).expect("OUT_DIR is writable");
}
