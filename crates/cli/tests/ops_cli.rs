//! `microlite ops` prints the op table (one row per registration of
//! `microlite::ops::TABLE`), and `inspect` names each op's registration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn microlite(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_microlite"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn ops_prints_every_registration() {
    let markdown = microlite(&["ops", "--markdown"]);
    let rows: Vec<&str> = markdown
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| op "))
        .collect();
    assert_eq!(rows.len(), microlite::ops::ALL_COUNT);
    for entry in &microlite::ops::TABLE {
        let [lowest, highest] = entry.versions;
        assert!(
            1 <= lowest && lowest <= highest,
            "{}: versions {lowest}..={highest}",
            entry.op_name()
        );
        let versions = if lowest == highest {
            format!("{lowest}")
        } else {
            format!("{lowest}–{highest}")
        };
        let row = format!(
            "| {} | {versions} | `ops::{}()` |",
            entry.op_name(),
            entry.name
        );
        assert!(markdown.contains(&row), "{row} missing:\n{markdown}");
    }
    assert!(markdown.contains("| CONV_2D | 1–8 | `ops::conv_2d()` | `ops::conv_2d_int8()` |"));
    let text = microlite(&["ops"]);
    assert!(text.contains(&format!("{} ops", microlite::ops::ALL_COUNT)));
}

#[test]
fn inspect_names_the_registration_of_each_op() {
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../reference-models/split/feeds_one_add_int8/model.tflite"
    );
    let text = microlite(&["inspect", model]);
    assert!(text.contains("SPLIT x1"), "{text}");
    assert!(
        text.contains("ops::split() (float32, int8, int16, int32)"),
        "{text}"
    );
}

#[test]
fn docs_ops_md_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ops.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let (_, generated) = doc.split_once("<!-- generated -->\n").unwrap();
    assert_eq!(
        generated,
        microlite(&["ops", "--markdown"]),
        "docs/ops.md is stale: regenerate it as its header says"
    );
}
