//! Models built with the flatbuffers builder: one valid model whose every
//! accessor is checked against its description, and one corruption per
//! `ModelError` variant.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::builder::{
    BufferSpec, ModelSpec, OpcodeSpec, SignatureSpec, TensorSpec, BIAS, METADATA, WEIGHTS,
};
use common::Aligned;
use microlite_model::schema::{BuiltinOperator, TensorType as SchemaType};
use microlite_model::{FlatbufferErrorKind, IndexSite, Model, ModelError, TensorType, UnionSite};

fn load(spec: &ModelSpec) -> Result<(), ModelError> {
    let file = Aligned::new(&spec.build());
    Model::from_bytes(file.bytes()).map(|_| ())
}

fn expect_error(spec: &ModelSpec) -> ModelError {
    let err = load(spec).expect_err("corrupted model was accepted");
    // Every error must render without panicking and say something.
    assert!(!err.to_string().is_empty());
    err
}

#[test]
fn valid_model_accessors_match_the_description() {
    let spec = ModelSpec::valid();
    let file = Aligned::new(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();

    assert_eq!(model.version(), 3);
    assert_eq!(model.description(), Some("builder test model"));
    assert_eq!(model.subgraph_count(), 1);
    assert!(model.subgraph(1).is_none());
    assert_eq!(model.operator_code_count(), 2);
    assert_eq!(model.buffer_count(), 4);
    assert_eq!(model.metadata("min_runtime_version"), Some(METADATA));
    assert_eq!(model.metadata("absent"), None);
    assert_eq!(
        model.metadata_names().collect::<Vec<_>>(),
        ["min_runtime_version"]
    );
    assert_eq!(model.subgraphs().count(), 1);

    let sg = model.main_subgraph();
    assert_eq!(sg.index(), 0);
    assert_eq!(sg.name(), "main");
    assert_eq!(sg.tensor_count(), spec.subgraphs[0].tensors.len());
    assert!(sg.tensor(sg.tensor_count()).is_none());
    assert_eq!(sg.inputs().iter().collect::<Vec<_>>(), [0]);
    assert_eq!(sg.outputs().iter().collect::<Vec<_>>(), [4]);
    assert_eq!(sg.outputs().get(1), None);

    for (t, (tensor, want)) in sg.tensors().zip(&spec.subgraphs[0].tensors).enumerate() {
        assert_eq!(tensor.index(), t);
        assert_eq!(tensor.name(), want.name);
        let dims: Vec<usize> = want
            .shape
            .as_ref()
            .unwrap()
            .iter()
            .map(|&d| d as usize)
            .collect();
        assert_eq!(tensor.shape().iter().collect::<Vec<_>>(), dims);
        assert_eq!(tensor.shape().rank(), dims.len());
        assert_eq!(tensor.element_count(), dims.iter().product::<usize>());
        assert_eq!(tensor.dtype().to_schema(), want.dtype);
        assert_eq!(tensor.buffer_index(), want.buffer as usize);
        assert_eq!(tensor.is_constant(), want.buffer != 0);
        assert_eq!(
            tensor.quantization().is_some(),
            want.scales.is_some(),
            "tensor {t}"
        );
        if let (Some(q), Some(scales)) = (tensor.quantization(), &want.scales) {
            assert_eq!(q.len(), scales.len());
            assert_eq!(q.scales().collect::<Vec<_>>(), *scales);
            assert_eq!(
                q.zero_points().collect::<Vec<_>>(),
                *want.zero_points.as_ref().unwrap()
            );
            assert_eq!(q.scale(scales.len()), None);
            assert_eq!(q.is_per_channel(), scales.len() > 1);
            assert_eq!(q.quantized_dimension_raw(), want.quantized_dimension);
        }
    }
    let weights = sg.tensor(1).unwrap();
    assert_eq!(weights.data(), Some(&WEIGHTS[..]));
    assert_eq!(weights.byte_size(), Some(8));
    assert_eq!(weights.shape().to_array::<2>(), Some([2, 4]));
    assert_eq!(weights.shape().to_array::<3>(), None);
    let bias = sg.tensor(2).unwrap();
    let bias_values: Vec<i32> = bias
        .data()
        .unwrap()
        .chunks_exact(4)
        .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(bias_values, BIAS);
    assert_eq!(bias.data().unwrap().as_ptr().addr() % 4, 0);
    assert_eq!(sg.tensor(3).unwrap().data(), None);
    // `data_range` locates the same bytes in the file.
    for t in [&weights, &bias] {
        let range = t.data_range().unwrap();
        assert_eq!(model.bytes().get(range), t.data());
    }
    assert_eq!(sg.tensor(3).unwrap().data_range(), None);
    // Per-tensor parameters accept any quantized_dimension (here 3).
    assert_eq!(
        sg.tensor(4)
            .unwrap()
            .quantization()
            .unwrap()
            .quantized_dimension(),
        3
    );
    assert!(sg.tensor(5).unwrap().quantization().is_none());

    assert_eq!(sg.operator_count(), 2);
    let ops: Vec<_> = sg.operators().collect();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0].builtin(), BuiltinOperator::FULLY_CONNECTED);
    assert_eq!(ops[0].op_name(), "FULLY_CONNECTED");
    assert_eq!(ops[0].version(), 9);
    assert_eq!(ops[0].inputs().iter().collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(ops[0].outputs().iter().collect::<Vec<_>>(), [3]);
    assert!(ops[0].raw().builtin_options_as_conv2d_options().is_none());
    let conv = sg.operator(1).unwrap();
    assert_eq!(conv.index(), 1);
    assert_eq!(conv.opcode_index(), 1);
    assert_eq!(conv.op_name(), "CONV_2D");
    assert_eq!(conv.builtin_code_raw(), BuiltinOperator::CONV_2D.0);
    assert_eq!(conv.custom_code(), None);
    assert_eq!(conv.input_count(), 3);
    assert_eq!(conv.input(0), Some(3));
    assert_eq!(conv.input(2), None, "-1 is an absent optional input");
    assert_eq!(conv.inputs().get_raw(2), Some(-1));
    assert_eq!(conv.input(3), None);
    assert_eq!(conv.inputs().iter().collect::<Vec<_>>(), [3, 1]);
    assert_eq!(
        conv.inputs().slots().collect::<Vec<_>>(),
        [Some(3), Some(1), None]
    );
    assert_eq!(conv.output(0), Some(4));
    assert_eq!(conv.output_count(), 1);
    assert_eq!(conv.intermediates().iter().collect::<Vec<_>>(), [5]);
    let options = conv.raw().builtin_options_as_conv2d_options().unwrap();
    assert_eq!((options.stride_w(), options.stride_h()), (2, 3));
    // Schema defaults come through for fields the writer omitted.
    assert_eq!(
        (options.dilation_w_factor(), options.dilation_h_factor()),
        (1, 1)
    );
    assert!(sg.operator(2).is_none());

    let sig = model.raw().signature_defs().unwrap().get(0).unwrap();
    assert_eq!(sig.signature_key(), Some("serving_default"));
}

#[test]
fn opcode_resolution_takes_the_larger_of_both_fields() {
    let mut spec = ModelSpec::valid();
    // Old writer: only the byte is set.
    spec.opcodes[0] = OpcodeSpec {
        builtin_code: 0,
        deprecated_builtin_code: BuiltinOperator::DEPTHWISE_CONV_2D.0 as i8,
        version: 1,
        custom_code: None,
    };
    // New writer, code >= 127: byte holds the placeholder.
    spec.opcodes[1] = OpcodeSpec::builtin(BuiltinOperator::GELU, 2);
    let file = Aligned::new(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    let ops: Vec<_> = model.main_subgraph().operators().collect();
    assert_eq!(ops[0].builtin(), BuiltinOperator::DEPTHWISE_CONV_2D);
    assert_eq!(ops[1].builtin(), BuiltinOperator::GELU);
    assert_eq!(ops[1].raw_code().deprecated_builtin_code(), 127);
    assert_eq!(ops[1].op_name(), "GELU");
}

#[test]
fn unknown_codes_resolve_to_printable_values() {
    let mut spec = ModelSpec::valid();
    spec.opcodes[0] = OpcodeSpec {
        builtin_code: 100_000,
        deprecated_builtin_code: 127,
        version: 1,
        custom_code: None,
    };
    spec.opcodes[1] = OpcodeSpec {
        builtin_code: BuiltinOperator::CUSTOM.0,
        deprecated_builtin_code: BuiltinOperator::CUSTOM.0 as i8,
        version: 1,
        custom_code: Some("MyOp".into()),
    };
    spec.main().tensors[5].dtype = SchemaType(100);
    let file = Aligned::new(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    let sg = model.main_subgraph();
    let ops: Vec<_> = sg.operators().collect();
    assert_eq!(ops[0].builtin_code_raw(), 100_000);
    assert_eq!(ops[0].op_name(), "UNKNOWN");
    assert_eq!(ops[1].op_name(), "CUSTOM");
    assert_eq!(ops[1].custom_code(), Some("MyOp"));
    let t = sg.tensor(5).unwrap();
    assert_eq!(t.dtype(), TensorType::Unknown(100));
    assert_eq!(t.dtype().name(), "unknown");
    assert_eq!(t.dtype().to_string(), "unknown(100)");
    assert_eq!(t.byte_size(), None);
}

#[test]
fn external_buffers_are_read_from_after_the_flatbuffer() {
    let mut spec = ModelSpec::valid();
    spec.buffers[1] = BufferSpec::external(&WEIGHTS);
    let file = Aligned::new(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    let weights = model.main_subgraph().tensor(1).unwrap();
    assert!(weights.is_constant());
    assert_eq!(weights.data(), Some(&WEIGHTS[..]));
    let offset = weights.data().unwrap().as_ptr().addr() - file.bytes().as_ptr().addr();
    assert_eq!(
        offset as u64,
        model.raw().buffers().unwrap().get(1).unwrap().offset()
    );
}

#[test]
fn per_channel_quantized_dimension_is_not_checked_against_the_shape() {
    // Like person_detect.tflite's rank-1 bias tensors with quantized_dimension 3.
    let mut spec = ModelSpec::valid();
    spec.main().tensors[2].quantized_dimension = 3;
    let file = Aligned::new(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    let q = model
        .main_subgraph()
        .tensor(2)
        .unwrap()
        .quantization()
        .unwrap();
    assert_eq!((q.len(), q.quantized_dimension()), (2, 3));
}

#[test]
fn packed_int4_needs_half_a_byte_per_element() {
    let mut spec = ModelSpec::valid();
    spec.main().tensors[1].dtype = SchemaType::INT4;
    spec.main().tensors[1].shape = Some(vec![2, 8]); // 16 nibbles = 8 bytes
    let file = Aligned::new(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    let t = model.main_subgraph().tensor(1).unwrap();
    assert_eq!((t.element_count(), t.byte_size()), (16, Some(8)));
    assert_eq!(t.data(), Some(&WEIGHTS[..]));

    spec.main().tensors[1].shape = Some(vec![1, 17]); // 17 nibbles = 9 bytes
    let err = expect_error(&spec);
    assert!(
        matches!(
            err,
            ModelError::BufferTooSmall {
                needed: 9,
                present: 8,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn scalars_have_rank_zero_and_one_element() {
    let mut spec = ModelSpec::valid();
    spec.main().tensors[5].shape = None;
    let file = Aligned::new(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    let t = model.main_subgraph().tensor(5).unwrap();
    assert_eq!(
        (t.shape().rank(), t.element_count(), t.byte_size()),
        (0, 1, Some(2))
    );
    assert_eq!(t.shape().dim(0), None);
}

// ---------------------------------------------------------------------------
// One test per error variant.
// ---------------------------------------------------------------------------

#[test]
fn misaligned_bytes() {
    let bytes = ModelSpec::valid().build();
    for skew in 1..16 {
        let (storage, start) = Aligned::misaligned(&bytes, skew);
        let err = Model::from_bytes(&storage[start..start + bytes.len()]).unwrap_err();
        assert_eq!(
            err,
            ModelError::MisalignedBytes {
                address_mod_16: skew
            }
        );
    }
}

#[test]
fn too_short() {
    let file = Aligned::new(&ModelSpec::valid().build());
    for n in 0..8 {
        assert_eq!(
            Model::from_bytes(&file.bytes()[..n]).unwrap_err(),
            ModelError::TooShort { len: n }
        );
    }
}

#[test]
fn wrong_identifier() {
    let mut spec = ModelSpec::valid();
    spec.identifier = "TFL2".into();
    assert_eq!(
        expect_error(&spec),
        ModelError::WrongIdentifier { found: *b"TFL2" }
    );
}

#[test]
fn invalid_flatbuffer_root_offset_out_of_bounds() {
    let mut file = Aligned::new(&ModelSpec::valid().build());
    file.bytes_mut()[..4].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    let ModelError::InvalidFlatbuffer(e) = Model::from_bytes(file.bytes()).unwrap_err() else {
        panic!("expected a flatbuffer error")
    };
    assert_eq!(e.kind, FlatbufferErrorKind::RangeOutOfBounds);
}

#[test]
fn invalid_flatbuffer_names_the_field() {
    // Corrupt the UTF-8 of the subgraph name "main".
    let bytes = ModelSpec::valid().build();
    let at = bytes.windows(5).position(|w| w == b"main\0").unwrap();
    let mut file = Aligned::new(&bytes);
    file.bytes_mut()[at] = 0xff;
    let err = Model::from_bytes(file.bytes()).unwrap_err();
    let ModelError::InvalidFlatbuffer(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.kind, FlatbufferErrorKind::InvalidUtf8);
    assert_eq!(e.position, Some(at));
    assert_eq!(e.field.unwrap().table(), "SubGraph");
    assert_eq!(e.field.unwrap().field(), "name");
    assert!(err.to_string().contains("`SubGraph.name`"), "{err}");
}

#[test]
fn unsupported_schema_version() {
    let mut spec = ModelSpec::valid();
    spec.version = 2;
    assert_eq!(
        expect_error(&spec),
        ModelError::UnsupportedSchemaVersion { found: 2 }
    );
}

#[test]
fn no_subgraphs() {
    let mut spec = ModelSpec::valid();
    spec.subgraphs.clear();
    spec.signatures.clear();
    assert_eq!(expect_error(&spec), ModelError::NoSubgraphs);
}

#[test]
fn sentinel_buffer_not_empty() {
    let mut spec = ModelSpec::valid();
    spec.buffers[0] = BufferSpec::inline(&[9, 9, 9]);
    assert_eq!(
        expect_error(&spec),
        ModelError::SentinelBufferNotEmpty { size: 3 }
    );
}

#[test]
fn buffer_out_of_file() {
    for (offset, size) in [(1 << 40, 8), (u64::MAX, u64::MAX), (16, 1 << 30)] {
        let mut spec = ModelSpec::valid();
        spec.buffers[1].raw_offset_size = Some((offset, size));
        let len = spec.build().len();
        assert_eq!(
            expect_error(&spec),
            ModelError::BufferOutOfFile {
                buffer: 1,
                offset,
                size,
                file_len: len
            }
        );
    }
}

#[test]
fn buffer_index_out_of_range() {
    let mut spec = ModelSpec::valid();
    spec.main().tensors[2].buffer = 99;
    assert_eq!(
        expect_error(&spec),
        ModelError::BufferIndexOutOfRange {
            subgraph: 0,
            tensor: 2,
            buffer: 99,
            buffer_count: 4
        }
    );
}

#[test]
fn tensor_index_out_of_range() {
    let n = ModelSpec::valid().subgraphs[0].tensors.len();
    type Corruption = Box<dyn Fn(&mut ModelSpec)>;
    let cases: Vec<(Corruption, IndexSite, i64)> = vec![
        (
            Box::new(|s| s.main().inputs = vec![6]),
            IndexSite::SubgraphInput { position: 0 },
            6,
        ),
        (
            Box::new(|s| s.main().outputs = vec![4, -1]),
            IndexSite::SubgraphOutput { position: 1 },
            -1,
        ),
        (
            Box::new(|s| s.main().operators[0].inputs[1] = -2),
            IndexSite::OperatorInput {
                operator: 0,
                position: 1,
            },
            -2,
        ),
        (
            Box::new(|s| s.main().operators[1].inputs[0] = 1000),
            IndexSite::OperatorInput {
                operator: 1,
                position: 0,
            },
            1000,
        ),
        (
            Box::new(|s| s.main().operators[1].outputs[0] = -1),
            IndexSite::OperatorOutput {
                operator: 1,
                position: 0,
            },
            -1,
        ),
        (
            Box::new(|s| s.main().operators[1].intermediates = Some(vec![5, i32::MIN])),
            IndexSite::OperatorIntermediate {
                operator: 1,
                position: 1,
            },
            i64::from(i32::MIN),
        ),
        (
            Box::new(|s| s.signatures[0].inputs[0].1 = 6),
            IndexSite::SignatureInput {
                signature: 0,
                position: 0,
            },
            6,
        ),
        (
            Box::new(|s| s.signatures[0].outputs.push(("z".into(), u32::MAX))),
            IndexSite::SignatureOutput {
                signature: 0,
                position: 1,
            },
            i64::from(u32::MAX),
        ),
    ];
    for (corrupt, site, index) in cases {
        let mut spec = ModelSpec::valid();
        corrupt(&mut spec);
        assert_eq!(
            expect_error(&spec),
            ModelError::TensorIndexOutOfRange {
                subgraph: 0,
                site,
                index,
                tensor_count: n
            }
        );
    }
}

#[test]
fn opcode_index_out_of_range() {
    let mut spec = ModelSpec::valid();
    spec.main().operators[1].opcode_index = 2;
    assert_eq!(
        expect_error(&spec),
        ModelError::OpcodeIndexOutOfRange {
            subgraph: 0,
            operator: 1,
            opcode_index: 2,
            opcode_count: 2
        }
    );
}

#[test]
fn negative_dimension() {
    let mut spec = ModelSpec::valid();
    spec.main().tensors[3].shape = Some(vec![1, -1]);
    assert_eq!(
        expect_error(&spec),
        ModelError::NegativeDimension {
            subgraph: 0,
            tensor: 3,
            dim: 1,
            value: -1
        }
    );
}

#[test]
fn shape_overflow() {
    // The element count itself overflows.
    let mut spec = ModelSpec::valid();
    spec.main().tensors[3].shape = Some(vec![i32::MAX, i32::MAX, i32::MAX]);
    assert_eq!(
        expect_error(&spec),
        ModelError::ShapeOverflow {
            subgraph: 0,
            tensor: 3
        }
    );
    // The count fits (on 64-bit hosts) but count * 4 bytes does not.
    let mut spec = ModelSpec::valid();
    spec.main().tensors[3].dtype = SchemaType::INT32;
    spec.main().tensors[3].shape = Some(vec![i32::MAX, i32::MAX, 2]);
    assert_eq!(
        expect_error(&spec),
        ModelError::ShapeOverflow {
            subgraph: 0,
            tensor: 3
        }
    );
}

#[test]
fn buffer_too_small() {
    let mut spec = ModelSpec::valid();
    spec.main().tensors[1].shape = Some(vec![2, 5]);
    assert_eq!(
        expect_error(&spec),
        ModelError::BufferTooSmall {
            subgraph: 0,
            tensor: 1,
            buffer: 1,
            needed: 10,
            present: 8
        }
    );
}

/// Data misaligned for its type loads (TFLM loads such files); the tensor
/// says so.
#[test]
fn misaligned_buffer_loads() {
    let mut spec = ModelSpec::valid();
    let bias: Vec<u8> = BIAS.iter().flat_map(|b| b.to_le_bytes()).collect();
    spec.buffers[2] = BufferSpec {
        external_skew: 2,
        ..BufferSpec::external(&bias)
    };
    let bytes = spec.build();
    let model = Model::from_bytes(&bytes).unwrap();
    let tensor = model.main_subgraph().tensor(2).unwrap();
    assert_eq!(tensor.data(), Some(&bias[..]));
    assert!(!tensor.data_is_aligned());
    assert!(model.main_subgraph().tensor(1).unwrap().data_is_aligned());
}

#[test]
fn external_buffer_unsupported() {
    let mut spec = ModelSpec::valid();
    spec.main().tensors[1].external_buffer = 1;
    assert_eq!(
        expect_error(&spec),
        ModelError::ExternalBufferUnsupported {
            subgraph: 0,
            tensor: 1
        }
    );
}

#[test]
fn sparse_tensor_unsupported() {
    let mut spec = ModelSpec::valid();
    spec.main().tensors[1].sparse = true;
    assert_eq!(
        expect_error(&spec),
        ModelError::SparseTensorUnsupported {
            subgraph: 0,
            tensor: 1
        }
    );
}

#[test]
fn quantization_count_mismatch() {
    let mut spec = ModelSpec::valid();
    spec.main().tensors[1].zero_points = Some(vec![0]);
    assert_eq!(
        expect_error(&spec),
        ModelError::QuantizationCountMismatch {
            subgraph: 0,
            tensor: 1,
            scales: 2,
            zero_points: 1
        }
    );
    let mut spec = ModelSpec::valid();
    spec.main().tensors[0].zero_points = None;
    assert_eq!(
        expect_error(&spec),
        ModelError::QuantizationCountMismatch {
            subgraph: 0,
            tensor: 0,
            scales: 1,
            zero_points: 0
        }
    );
}

#[test]
fn metadata_buffer_out_of_range() {
    let mut spec = ModelSpec::valid();
    spec.metadata.push(("other".into(), 4));
    assert_eq!(
        expect_error(&spec),
        ModelError::MetadataBufferOutOfRange {
            metadata: 1,
            buffer: 4,
            buffer_count: 4
        }
    );
}

#[test]
fn legacy_metadata_buffer_out_of_range() {
    for bad in [-1, 4] {
        let mut spec = ModelSpec::valid();
        spec.legacy_metadata = Some(vec![3, bad]);
        assert_eq!(
            expect_error(&spec),
            ModelError::LegacyMetadataBufferOutOfRange {
                position: 1,
                buffer: bad,
                buffer_count: 4
            }
        );
    }
}

#[test]
fn signature_subgraph_out_of_range() {
    let mut spec = ModelSpec::valid();
    spec.signatures.push(SignatureSpec {
        key: "other".into(),
        subgraph_index: 1,
        inputs: vec![],
        outputs: vec![],
    });
    assert_eq!(
        expect_error(&spec),
        ModelError::SignatureSubgraphOutOfRange {
            signature: 1,
            subgraph: 1,
            subgraph_count: 1
        }
    );
}

#[test]
fn errors_name_their_culprits() {
    let err = ModelError::BufferTooSmall {
        subgraph: 0,
        tensor: 7,
        buffer: 3,
        needed: 40,
        present: 12,
    };
    let text = err.to_string();
    for part in ["tensor 7", "buffer 3", "40", "12"] {
        assert!(text.contains(part), "{text:?} lacks {part:?}");
    }
    let err = ModelError::TensorIndexOutOfRange {
        subgraph: 1,
        site: IndexSite::OperatorInput {
            operator: 5,
            position: 2,
        },
        index: 99,
        tensor_count: 10,
    };
    let text = err.to_string();
    for part in ["subgraph 1", "operator 5", "input #2", "99", "10 tensors"] {
        assert!(text.contains(part), "{text:?} lacks {part:?}");
    }
    let text = ModelError::WrongIdentifier {
        found: [0, b'a', 0xff, b'"'],
    }
    .to_string();
    assert!(text.contains(r#"\x00a\xff\""#), "{text}");
}

#[test]
fn model_error_is_copy() {
    fn assert_copy<T: Copy + Send + Sync + 'static>() {}
    assert_copy::<ModelError>();
}

#[test]
fn tensor_spec_helper_is_used() {
    // Keeps the helper honest: a fresh tensor spec builds into a valid model.
    let mut spec = ModelSpec::valid();
    spec.main()
        .tensors
        .push(TensorSpec::new("extra", &[2, 2], SchemaType::FLOAT32, 0));
    assert!(load(&spec).is_ok());
}

#[test]
fn data_is_exactly_byte_size_long_even_if_the_buffer_is_longer() {
    let mut spec = ModelSpec::valid();
    let mut padded = WEIGHTS.to_vec();
    padded.extend_from_slice(&[0xaa; 5]);
    spec.buffers[1] = BufferSpec::inline(&padded);
    let file = Aligned::new(&spec.build());
    let model = Model::from_bytes(file.bytes()).unwrap();
    assert_eq!(
        model.main_subgraph().tensor(1).unwrap().data(),
        Some(&WEIGHTS[..])
    );
}

/// The fuzz finding behind this check: a MUL whose options type is stored
/// explicitly as NONE while a stray options offset stays in place (the
/// builder cannot write that: it omits a default tag, which the flatbuffers
/// verifier already reports as an inconsistent union).
#[test]
fn operator_options_under_a_none_tag_are_rejected() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../fuzz/regressions/load_allocate_invoke/mul-none-options-type-with-stray-options-offset",
    );
    let file = Aligned::read(&path);
    let err = Model::from_bytes(file.bytes()).expect_err("stray options were accepted");
    assert!(
        matches!(
            err,
            ModelError::UnverifiableUnion {
                site: UnionSite::BuiltinOptions { .. },
                tag: 0,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("builtin_options present"), "{err}");
}

#[test]
fn operator_options_under_an_unknown_tag_are_rejected() {
    let mut spec = ModelSpec::valid();
    spec.subgraphs[0].operators[1].options_tag = Some(250);
    assert_eq!(
        expect_error(&spec),
        ModelError::UnverifiableUnion {
            subgraph: 0,
            site: UnionSite::BuiltinOptions { operator: 1 },
            tag: 250,
        }
    );
}

#[test]
fn quantization_details_under_an_unknown_tag_are_rejected() {
    for tag in [4u8, 200] {
        let mut spec = ModelSpec::valid();
        let t = spec.subgraphs[0]
            .tensors
            .iter()
            .position(|t| t.scales.is_some())
            .unwrap();
        spec.subgraphs[0].tensors[t].details_tag = Some(tag);
        assert_eq!(
            expect_error(&spec),
            ModelError::UnverifiableUnion {
                subgraph: 0,
                site: UnionSite::QuantizationDetails { tensor: t },
                tag,
            }
        );
    }
    // Under its own tag the same details verify.
    let mut spec = ModelSpec::valid();
    let t = spec.subgraphs[0]
        .tensors
        .iter()
        .position(|t| t.scales.is_some())
        .unwrap();
    spec.subgraphs[0].tensors[t].details_tag = Some(1);
    load(&spec).unwrap();
}
