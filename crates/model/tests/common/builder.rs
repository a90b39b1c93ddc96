//! Builds small `.tflite` flatbuffers from a plain description, so tests can
//! construct valid models and corrupt exactly one fact at a time.

use flatbuffers::{FlatBufferBuilder, UnionWIPOffset, WIPOffset};
use microlite_model::schema;

#[derive(Clone, Debug)]
pub struct TensorSpec {
    pub name: String,
    pub shape: Option<Vec<i32>>,
    pub dtype: schema::TensorType,
    pub buffer: u32,
    pub scales: Option<Vec<f32>>,
    pub zero_points: Option<Vec<i64>>,
    pub quantized_dimension: i32,
    pub is_variable: bool,
    pub external_buffer: u32,
    pub sparse: bool,
    /// Attach an empty `CustomQuantization` as `details` under this tag.
    pub details_tag: Option<u8>,
}

impl TensorSpec {
    pub fn new(name: &str, shape: &[i32], dtype: schema::TensorType, buffer: u32) -> Self {
        Self {
            name: name.to_string(),
            shape: Some(shape.to_vec()),
            dtype,
            buffer,
            scales: None,
            zero_points: None,
            quantized_dimension: 0,
            is_variable: false,
            external_buffer: 0,
            sparse: false,
            details_tag: None,
        }
    }

    pub fn quantized(mut self, scales: &[f32], zero_points: &[i64], dim: i32) -> Self {
        self.scales = Some(scales.to_vec());
        self.zero_points = Some(zero_points.to_vec());
        self.quantized_dimension = dim;
        self
    }
}

#[derive(Clone, Debug, Default)]
pub struct BufferSpec {
    pub data: Option<Vec<u8>>,
    /// Bytes stored after the flatbuffer; the buffer's `offset` is set to
    /// where they land (plus `external_skew`).
    pub external: Option<Vec<u8>>,
    pub external_skew: u64,
    /// Overrides for the raw offset/size fields.
    pub raw_offset_size: Option<(u64, u64)>,
}

impl BufferSpec {
    pub fn inline(data: &[u8]) -> Self {
        Self {
            data: Some(data.to_vec()),
            ..Self::default()
        }
    }

    pub fn external(data: &[u8]) -> Self {
        Self {
            external: Some(data.to_vec()),
            ..Self::default()
        }
    }
}

#[derive(Clone, Debug)]
pub struct OpcodeSpec {
    pub builtin_code: i32,
    pub deprecated_builtin_code: i8,
    pub version: i32,
    pub custom_code: Option<String>,
}

impl OpcodeSpec {
    /// A builtin code written the way current converters do it.
    pub fn builtin(code: schema::BuiltinOperator, version: i32) -> Self {
        Self {
            builtin_code: code.0,
            deprecated_builtin_code: code.0.min(127) as i8,
            version,
            custom_code: None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct OpSpec {
    pub opcode_index: u32,
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    pub intermediates: Option<Vec<i32>>,
    /// Conv2DOptions (stride_w, stride_h) to attach.
    pub conv_strides: Option<(i32, i32)>,
    /// Overrides the `builtin_options_type` tag written beside the options.
    pub options_tag: Option<u8>,
    /// Options of type `tag` whose fields are int32s, in field order
    /// (IfOptions, WhileOptions, CallOnceOptions): instead of
    /// `conv_strides`.
    pub int_options: Option<(u8, Vec<i32>)>,
}

#[derive(Clone, Debug, Default)]
pub struct SubgraphSpec {
    pub name: String,
    pub tensors: Vec<TensorSpec>,
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    pub operators: Vec<OpSpec>,
}

#[derive(Clone, Debug)]
pub struct SignatureSpec {
    pub key: String,
    pub subgraph_index: u32,
    pub inputs: Vec<(String, u32)>,
    pub outputs: Vec<(String, u32)>,
}

#[derive(Clone, Debug)]
pub struct ModelSpec {
    pub version: u32,
    pub description: Option<String>,
    pub opcodes: Vec<OpcodeSpec>,
    pub subgraphs: Vec<SubgraphSpec>,
    pub buffers: Vec<BufferSpec>,
    pub metadata: Vec<(String, u32)>,
    pub legacy_metadata: Option<Vec<i32>>,
    pub signatures: Vec<SignatureSpec>,
    pub identifier: String,
}

/// The data stored in the constant tensors of [`ModelSpec::valid`].
pub const WEIGHTS: [u8; 8] = [1, 2, 3, 4, 0xfb, 0xfa, 0xf9, 0xf8];
pub const BIAS: [i32; 2] = [1000, -7];
pub const METADATA: &[u8] = b"some metadata bytes";

impl ModelSpec {
    /// A small valid model: `out = FULLY_CONNECTED(in, weights, bias)`
    /// followed by `CONV_2D`-coded op with an absent optional input, a
    /// per-channel quantized weight tensor, metadata and a signature.
    pub fn valid() -> Self {
        use schema::TensorType as T;
        let bias_bytes: Vec<u8> = BIAS.iter().flat_map(|b| b.to_le_bytes()).collect();
        let tensors = vec![
            TensorSpec::new("input", &[1, 4], T::INT8, 0).quantized(&[0.5], &[-3], 0),
            TensorSpec::new("weights", &[2, 4], T::INT8, 1).quantized(&[0.25, 0.125], &[0, 0], 0),
            TensorSpec::new("bias", &[2], T::INT32, 2).quantized(&[0.125, 0.0625], &[0, 0], 0),
            TensorSpec::new("hidden", &[1, 2], T::INT8, 0).quantized(&[1.0], &[5], 0),
            TensorSpec::new("output", &[1, 1, 1, 2], T::INT8, 0).quantized(&[1.0], &[5], 3),
            TensorSpec::new("scratch", &[3], T::INT16, 0),
        ];
        let operators = vec![
            OpSpec {
                opcode_index: 0,
                inputs: vec![0, 1, 2],
                outputs: vec![3],
                ..OpSpec::default()
            },
            OpSpec {
                opcode_index: 1,
                inputs: vec![3, 1, -1],
                outputs: vec![4],
                intermediates: Some(vec![5]),
                conv_strides: Some((2, 3)),
                options_tag: None,
                int_options: None,
            },
        ];
        ModelSpec {
            version: 3,
            description: Some("builder test model".into()),
            opcodes: vec![
                OpcodeSpec::builtin(schema::BuiltinOperator::FULLY_CONNECTED, 9),
                OpcodeSpec::builtin(schema::BuiltinOperator::CONV_2D, 3),
            ],
            subgraphs: vec![SubgraphSpec {
                name: "main".into(),
                tensors,
                inputs: vec![0],
                outputs: vec![4],
                operators,
            }],
            buffers: vec![
                BufferSpec::default(),
                BufferSpec::inline(&WEIGHTS),
                BufferSpec::inline(&bias_bytes),
                BufferSpec::inline(METADATA),
            ],
            metadata: vec![("min_runtime_version".into(), 3)],
            legacy_metadata: Some(vec![3]),
            signatures: vec![SignatureSpec {
                key: "serving_default".into(),
                subgraph_index: 0,
                inputs: vec![("x".into(), 0)],
                outputs: vec![("y".into(), 4)],
            }],
            identifier: "TFL3".into(),
        }
    }

    pub fn main(&mut self) -> &mut SubgraphSpec {
        &mut self.subgraphs[0]
    }

    /// Serializes the model (external buffer bytes appended after the
    /// flatbuffer, 16-byte aligned unless skewed).
    pub fn build(&self) -> Vec<u8> {
        // First pass with placeholder offsets fixes the flatbuffer's size
        // (every external buffer gets a non-default offset either way).
        let probe = self.serialize(&vec![u64::MAX / 2; self.buffers.len()]);
        let mut offsets = Vec::new();
        let mut tail = Vec::new();
        let mut pos = probe.len() as u64;
        for b in &self.buffers {
            if let Some(ext) = &b.external {
                let pad = (16 - pos % 16) % 16;
                tail.extend(std::iter::repeat_n(
                    0u8,
                    pad as usize + b.external_skew as usize,
                ));
                pos += pad + b.external_skew;
                offsets.push(pos);
                tail.extend_from_slice(ext);
                pos += ext.len() as u64;
            } else {
                offsets.push(0);
            }
        }
        let mut out = self.serialize(&offsets);
        assert_eq!(out.len(), probe.len());
        out.extend_from_slice(&tail);
        out
    }

    fn serialize(&self, external_offsets: &[u64]) -> Vec<u8> {
        use schema::{Buffer, Metadata, Model, OperatorCode, SignatureDef};
        let mut fbb = FlatBufferBuilder::new();
        let buffers: Vec<_> = self
            .buffers
            .iter()
            .zip(external_offsets)
            .map(|(b, &off)| {
                let data = b
                    .data
                    .as_ref()
                    .map(|d| fbb.create_vector(d).as_union_value());
                let (offset, size) = match (&b.external, b.raw_offset_size) {
                    (_, Some(raw)) => raw,
                    (Some(ext), None) => (off, ext.len() as u64),
                    (None, None) => (0, 0),
                };
                table(
                    &mut fbb,
                    &[
                        (Buffer::VT_DATA, offset_of(data)),
                        (Buffer::VT_OFFSET, V::U64(offset, 0)),
                        (Buffer::VT_SIZE, V::U64(size, 0)),
                    ],
                )
            })
            .collect();
        let buffers = fbb.create_vector(&buffers).as_union_value();
        let opcodes: Vec<_> = self
            .opcodes
            .iter()
            .map(|c| {
                let custom_code = c
                    .custom_code
                    .as_ref()
                    .map(|s| fbb.create_string(s).as_union_value());
                table(
                    &mut fbb,
                    &[
                        (
                            OperatorCode::VT_DEPRECATED_BUILTIN_CODE,
                            V::I8(c.deprecated_builtin_code, 0),
                        ),
                        (OperatorCode::VT_CUSTOM_CODE, offset_of(custom_code)),
                        (OperatorCode::VT_VERSION, V::I32(c.version, 1)),
                        (OperatorCode::VT_BUILTIN_CODE, V::I32(c.builtin_code, 0)),
                    ],
                )
            })
            .collect();
        let opcodes = fbb.create_vector(&opcodes).as_union_value();
        let subgraphs: Vec<_> = self
            .subgraphs
            .iter()
            .map(|s| build_subgraph(&mut fbb, s))
            .collect();
        let subgraphs = fbb.create_vector(&subgraphs).as_union_value();
        let metadata: Vec<_> = self
            .metadata
            .iter()
            .map(|(name, buffer)| {
                let name = fbb.create_string(name).as_union_value();
                table(
                    &mut fbb,
                    &[
                        (Metadata::VT_NAME, V::Off(name)),
                        (Metadata::VT_BUFFER, V::U32(*buffer, 0)),
                    ],
                )
            })
            .collect();
        let metadata = fbb.create_vector(&metadata).as_union_value();
        let legacy = self
            .legacy_metadata
            .as_ref()
            .map(|l| fbb.create_vector(l).as_union_value());
        let signatures: Vec<_> = self
            .signatures
            .iter()
            .map(|s| {
                let inputs = tensor_maps(&mut fbb, &s.inputs);
                let outputs = tensor_maps(&mut fbb, &s.outputs);
                let signature_key = fbb.create_string(&s.key).as_union_value();
                table(
                    &mut fbb,
                    &[
                        (SignatureDef::VT_INPUTS, V::Off(inputs)),
                        (SignatureDef::VT_OUTPUTS, V::Off(outputs)),
                        (SignatureDef::VT_SIGNATURE_KEY, V::Off(signature_key)),
                        (SignatureDef::VT_SUBGRAPH_INDEX, V::U32(s.subgraph_index, 0)),
                    ],
                )
            })
            .collect();
        let signatures = fbb.create_vector(&signatures).as_union_value();
        let description = self
            .description
            .as_ref()
            .map(|d| fbb.create_string(d).as_union_value());
        let root = table(
            &mut fbb,
            &[
                (Model::VT_VERSION, V::U32(self.version, 0)),
                (Model::VT_OPERATOR_CODES, V::Off(opcodes)),
                (Model::VT_SUBGRAPHS, V::Off(subgraphs)),
                (Model::VT_DESCRIPTION, offset_of(description)),
                (Model::VT_BUFFERS, V::Off(buffers)),
                (Model::VT_METADATA_BUFFER, offset_of(legacy)),
                (Model::VT_METADATA, V::Off(metadata)),
                (Model::VT_SIGNATURE_DEFS, V::Off(signatures)),
            ],
        );
        fbb.finish(root, Some(&self.identifier));
        fbb.finished_data().to_vec()
    }
}

type Offset = WIPOffset<UnionWIPOffset>;

/// One field value for [`table`]: scalars with their schema default (not
/// written when equal, as flatc's builders do), offsets, or nothing.
#[derive(Clone, Copy)]
enum V {
    Bool(bool, bool),
    I8(i8, i8),
    U8(u8, u8),
    I32(i32, i32),
    U32(u32, u32),
    U64(u64, u64),
    Off(Offset),
    Absent,
}

impl V {
    fn size(&self) -> usize {
        match self {
            V::U64(..) => 8,
            V::I32(..) | V::U32(..) | V::Off(_) => 4,
            _ => 1,
        }
    }
}

fn offset_of(o: Option<Offset>) -> V {
    o.map_or(V::Absent, V::Off)
}

/// Writes a table the way flatc's generated builders lay it out: larger
/// fields first, and within a size, the later field first.
fn table(fbb: &mut FlatBufferBuilder<'_>, fields: &[(u16, V)]) -> Offset {
    let start = fbb.start_table();
    for size in [8, 4, 2, 1] {
        for &(vt, value) in fields.iter().rev() {
            if value.size() != size {
                continue;
            }
            match value {
                V::Bool(v, d) => fbb.push_slot::<bool>(vt, v, d),
                V::I8(v, d) => fbb.push_slot::<i8>(vt, v, d),
                V::U8(v, d) => fbb.push_slot::<u8>(vt, v, d),
                V::I32(v, d) => fbb.push_slot::<i32>(vt, v, d),
                V::U32(v, d) => fbb.push_slot::<u32>(vt, v, d),
                V::U64(v, d) => fbb.push_slot::<u64>(vt, v, d),
                V::Off(o) => fbb.push_slot_always::<Offset>(vt, o),
                V::Absent => {}
            }
        }
    }
    fbb.end_table(start).as_union_value()
}

fn tensor_maps(fbb: &mut FlatBufferBuilder<'_>, maps: &[(String, u32)]) -> Offset {
    use schema::TensorMap;
    let maps: Vec<_> = maps
        .iter()
        .map(|(name, index)| {
            let name = fbb.create_string(name).as_union_value();
            table(
                fbb,
                &[
                    (TensorMap::VT_NAME, V::Off(name)),
                    (TensorMap::VT_TENSOR_INDEX, V::U32(*index, 0)),
                ],
            )
        })
        .collect();
    fbb.create_vector(&maps).as_union_value()
}

fn build_subgraph(fbb: &mut FlatBufferBuilder<'_>, s: &SubgraphSpec) -> Offset {
    use schema::{
        Conv2DOptions, CustomQuantization, Operator, QuantizationParameters, SparsityParameters,
        SubGraph, Tensor,
    };
    let tensors: Vec<_> = s
        .tensors
        .iter()
        .map(|t| {
            let shape = t
                .shape
                .as_ref()
                .map(|d| fbb.create_vector(d).as_union_value());
            let name = fbb.create_string(&t.name).as_union_value();
            let scale = t
                .scales
                .as_ref()
                .map(|v| fbb.create_vector(v).as_union_value());
            let zero_point = t
                .zero_points
                .as_ref()
                .map(|v| fbb.create_vector(v).as_union_value());
            let details = t.details_tag.map(|tag| {
                (
                    tag,
                    table(fbb, &[(CustomQuantization::VT_CUSTOM, V::Absent)]),
                )
            });
            let quantization = (scale.is_some() || zero_point.is_some()).then(|| {
                table(
                    fbb,
                    &[
                        (QuantizationParameters::VT_SCALE, offset_of(scale)),
                        (QuantizationParameters::VT_ZERO_POINT, offset_of(zero_point)),
                        (
                            QuantizationParameters::VT_DETAILS_TYPE,
                            V::U8(details.map_or(0, |d| d.0), 0),
                        ),
                        (
                            QuantizationParameters::VT_DETAILS,
                            offset_of(details.map(|d| d.1)),
                        ),
                        (
                            QuantizationParameters::VT_QUANTIZED_DIMENSION,
                            V::I32(t.quantized_dimension, 0),
                        ),
                    ],
                )
            });
            let sparsity = t.sparse.then(|| {
                let order = fbb.create_vector(&[0i32]).as_union_value();
                table(
                    fbb,
                    &[(SparsityParameters::VT_TRAVERSAL_ORDER, V::Off(order))],
                )
            });
            table(
                fbb,
                &[
                    (Tensor::VT_SHAPE, offset_of(shape)),
                    (Tensor::VT_TYPE, V::I8(t.dtype.0, 0)),
                    (Tensor::VT_BUFFER, V::U32(t.buffer, 0)),
                    (Tensor::VT_NAME, V::Off(name)),
                    (Tensor::VT_QUANTIZATION, offset_of(quantization)),
                    (Tensor::VT_IS_VARIABLE, V::Bool(t.is_variable, false)),
                    (Tensor::VT_SPARSITY, offset_of(sparsity)),
                    (Tensor::VT_EXTERNAL_BUFFER, V::U32(t.external_buffer, 0)),
                ],
            )
        })
        .collect();
    let tensors = fbb.create_vector(&tensors).as_union_value();
    let operators: Vec<_> = s
        .operators
        .iter()
        .map(|op| {
            let inputs = fbb.create_vector(&op.inputs).as_union_value();
            let outputs = fbb.create_vector(&op.outputs).as_union_value();
            let intermediates = op
                .intermediates
                .as_ref()
                .map(|v| fbb.create_vector(v).as_union_value());
            let (options_type, options) = match op.conv_strides {
                Some((stride_w, stride_h)) => {
                    let o = table(
                        fbb,
                        &[
                            (Conv2DOptions::VT_STRIDE_W, V::I32(stride_w, 0)),
                            (Conv2DOptions::VT_STRIDE_H, V::I32(stride_h, 0)),
                        ],
                    );
                    (schema::BuiltinOptions::Conv2DOptions.0, Some(o))
                }
                None => match &op.int_options {
                    Some((tag, fields)) => {
                        let fields: Vec<_> = fields
                            .iter()
                            .enumerate()
                            .map(|(k, v)| (4 + 2 * k as u16, V::I32(*v, i32::MIN)))
                            .collect();
                        (*tag, Some(table(fbb, &fields)))
                    }
                    None => (0, None),
                },
            };
            let options_type = op.options_tag.unwrap_or(options_type);
            table(
                fbb,
                &[
                    (Operator::VT_OPCODE_INDEX, V::U32(op.opcode_index, 0)),
                    (Operator::VT_INPUTS, V::Off(inputs)),
                    (Operator::VT_OUTPUTS, V::Off(outputs)),
                    (Operator::VT_BUILTIN_OPTIONS_TYPE, V::U8(options_type, 0)),
                    (Operator::VT_BUILTIN_OPTIONS, offset_of(options)),
                    (Operator::VT_INTERMEDIATES, offset_of(intermediates)),
                ],
            )
        })
        .collect();
    let operators = fbb.create_vector(&operators).as_union_value();
    let inputs = fbb.create_vector(&s.inputs).as_union_value();
    let outputs = fbb.create_vector(&s.outputs).as_union_value();
    let name = fbb.create_string(&s.name).as_union_value();
    table(
        fbb,
        &[
            (SubGraph::VT_TENSORS, V::Off(tensors)),
            (SubGraph::VT_INPUTS, V::Off(inputs)),
            (SubGraph::VT_OUTPUTS, V::Off(outputs)),
            (SubGraph::VT_OPERATORS, V::Off(operators)),
            (SubGraph::VT_NAME, V::Off(name)),
        ],
    )
}
