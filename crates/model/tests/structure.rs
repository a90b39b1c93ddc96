//! The structural verifier (`flat::verify`): one corruption per class of
//! flatbuffer error, each reported with its kind and, where it has one, the
//! schema field being checked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::builder::{ModelSpec, OpSpec};
use common::Aligned;
use microlite_model::flat::FromTable;
use microlite_model::{FlatbufferError, FlatbufferErrorKind as Kind, Model, ModelError};

fn structural_error(bytes: &[u8]) -> FlatbufferError {
    let file = Aligned::new(bytes);
    match Model::from_bytes(file.bytes()) {
        Err(ModelError::InvalidFlatbuffer(e)) => {
            assert!(!ModelError::InvalidFlatbuffer(e).to_string().is_empty());
            e
        }
        other => panic!("expected a structural error, got {other:?}"),
    }
}

fn valid() -> (Vec<u8>, usize) {
    let bytes = ModelSpec::valid().build();
    let root = u32::from_le_bytes(bytes[0..4].try_into().unwrap()) as usize;
    (bytes, root)
}

#[test]
fn root_offset_beyond_the_file() {
    let (mut bytes, _) = valid();
    let len = bytes.len() as u32;
    bytes[0..4].copy_from_slice(&(len + 4).to_le_bytes());
    assert_eq!(structural_error(&bytes).kind, Kind::RangeOutOfBounds);
}

#[test]
fn misaligned_root_table() {
    let (mut bytes, root) = valid();
    bytes[0..4].copy_from_slice(&(root as u32 + 1).to_le_bytes());
    let e = structural_error(&bytes);
    assert_eq!(e.kind, Kind::Unaligned);
    assert_eq!(e.position, Some(root + 1));
}

#[test]
fn vtable_offset_outside_the_file() {
    let (mut bytes, root) = valid();
    bytes[root..root + 4].copy_from_slice(&i32::MIN.to_le_bytes());
    let e = structural_error(&bytes);
    assert_eq!(e.kind, Kind::SignedOffsetOutOfBounds);
    assert_eq!(e.position, Some(root));
}

#[test]
fn string_without_terminator_names_its_field() {
    let bytes = ModelSpec::valid().build();
    let at = bytes
        .windows(19)
        .position(|w| w == b"builder test model\0")
        .unwrap();
    let mut corrupt = bytes.clone();
    corrupt[at + 18] = b'!';
    let e = structural_error(&corrupt);
    assert_eq!(e.kind, Kind::MissingNullTerminator);
    let field = e.field.unwrap();
    assert_eq!((field.table(), field.field()), ("Model", "description"));
}

#[test]
fn union_value_without_its_tag() {
    // Options attached, tag written as NONE (0, the default, so omitted):
    // the value has no tag.
    let mut spec = ModelSpec::valid();
    spec.main().operators[1].options_tag = Some(0);
    let e = structural_error(&spec.build());
    assert_eq!(e.kind, Kind::InconsistentUnion);
    let field = e.field.unwrap();
    assert_eq!(
        (field.table(), field.field()),
        ("Operator", "builtin_options")
    );
}

#[test]
fn vector_longer_than_the_file() {
    let spec = ModelSpec::valid();
    let bytes = spec.build();
    let file = Aligned::new(&bytes);
    let model = Model::from_bytes(file.bytes()).unwrap();
    // The length prefix of the first operator's input list.
    let op = model.main_subgraph().operator(0).unwrap();
    let inputs = op.raw().inputs().unwrap();
    let elements = inputs.raw_bytes().as_ptr() as usize - file.bytes().as_ptr() as usize;
    let mut corrupt = bytes.clone();
    corrupt[elements - 4..elements].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = structural_error(&corrupt);
    assert_eq!(e.kind, Kind::RangeOutOfBounds);
    let field = e.field.unwrap();
    assert_eq!((field.table(), field.field()), ("Operator", "inputs"));
}

#[test]
fn misaligned_scalar_field() {
    let spec = ModelSpec::valid();
    let bytes = spec.build();
    let file = Aligned::new(&bytes);
    let model = Model::from_bytes(file.bytes()).unwrap();
    // Point the Model.version field (a uint) at an odd offset by editing
    // its vtable entry.
    let table = model.raw().table();
    let vtable = table.position()
        - i32::from_le_bytes(
            bytes[table.position()..table.position() + 4]
                .try_into()
                .unwrap(),
        ) as usize;
    let entry = vtable + usize::from(microlite_model::schema::Model::VT_VERSION);
    let offset = u16::from_le_bytes(bytes[entry..entry + 2].try_into().unwrap());
    let mut corrupt = bytes.clone();
    corrupt[entry..entry + 2].copy_from_slice(&(offset + 1).to_le_bytes());
    let e = structural_error(&corrupt);
    assert_eq!(e.kind, Kind::Unaligned);
    let field = e.field.unwrap();
    assert_eq!((field.table(), field.field()), ("Model", "version"));
}

#[test]
fn an_operator_without_options_verifies() {
    let mut spec = ModelSpec::valid();
    spec.main().operators[1] = OpSpec {
        opcode_index: 1,
        inputs: vec![3, 1, -1],
        outputs: vec![4],
        ..OpSpec::default()
    };
    let file = Aligned::new(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    let op = model.main_subgraph().operator(1).unwrap();
    assert!(op.raw().builtin_options().is_none());
}
