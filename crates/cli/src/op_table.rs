//! `microlite ops`: the op table (`microlite::ops::TABLE`), every op this
//! build implements with its registration functions, the types it takes and
//! the converter's op versions for them.

use std::fmt::Write as _;

use microlite::ops::TABLE;
use microlite::BuiltinOperator;

/// The row of `op` (a custom op: of its `custom_code`) in the table, as
/// `inspect` shows it: its registration function and types (and a note
/// when the model's `version` is above the converter's versions for those
/// types), or why there is none.
pub fn support(op: BuiltinOperator, custom_code: Option<&str>, version: i32) -> String {
    let custom_code = custom_code.filter(|_| op == BuiltinOperator::CUSTOM);
    let name = custom_code.map_or(String::new(), |code| format!("{code}: "));
    match TABLE
        .iter()
        .find(|entry| entry.op == op && entry.custom_code == custom_code)
    {
        Some(entry) => {
            let highest = i32::from(entry.versions[1]);
            let note = if version > highest {
                format!(
                    "; version {version} is above the converter's {highest} for these types: \
                     a type or feature microlite may refuse"
                )
            } else {
                String::new()
            };
            format!("{name}ops::{}() ({}){note}", entry.name, entry.types)
        }
        None if op == BuiltinOperator::CUSTOM => {
            format!("{name}custom op: register its kernel with OpResolver::add_custom")
        }
        None => "not implemented by microlite".to_string(),
    }
}

/// The table as text, by op name (`markdown`: a Markdown table).
pub fn render(markdown: bool) -> String {
    let mut out = String::new();
    if markdown {
        let _ = writeln!(out, "| op | versions | registration | int8 only | types |");
        let _ = writeln!(out, "|---|---|---|---|---|");
    }
    let mut entries: Vec<_> = TABLE.iter().collect();
    entries.sort_by_key(|entry| entry.op_name());
    for entry in entries {
        let int8 = if entry.int8.is_some() {
            format!("ops::{}_int8()", entry.name)
        } else {
            String::new()
        };
        let registration = format!("ops::{}()", entry.name);
        let [lowest, highest] = entry.versions;
        let versions = if lowest == highest {
            format!("{lowest}")
        } else {
            format!("{lowest}–{highest}")
        };
        if markdown {
            let int8 = if int8.is_empty() {
                "—".to_string()
            } else {
                format!("`{int8}`")
            };
            let _ = writeln!(
                out,
                "| {} | {versions} | `{registration}` | {int8} | {} |",
                entry.op_name(),
                entry.types
            );
        } else {
            let _ = writeln!(
                out,
                "{:<24} {:<6} {:<28} {:<30} {}",
                entry.op_name(),
                versions,
                registration,
                int8,
                entry.types
            );
        }
    }
    let _ = writeln!(
        out,
        "{}{} ops{}",
        if markdown { "\n" } else { "" },
        TABLE.len(),
        if markdown {
            "; custom ops: `OpResolver::add_custom`."
        } else {
            "; custom ops: OpResolver::add_custom"
        }
    );
    out
}
