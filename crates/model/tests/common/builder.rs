//! Builds small `.tflite` flatbuffers from a plain description, so tests can
//! construct valid models and corrupt exactly one fact at a time.

use flatbuffers::{FlatBufferBuilder, WIPOffset};
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
        let mut fbb = FlatBufferBuilder::new();
        let buffers: Vec<_> = self
            .buffers
            .iter()
            .zip(external_offsets)
            .map(|(b, &off)| {
                let data = b.data.as_ref().map(|d| fbb.create_vector(d));
                let (offset, size) = match (&b.external, b.raw_offset_size) {
                    (_, Some(raw)) => raw,
                    (Some(ext), None) => (off, ext.len() as u64),
                    (None, None) => (0, 0),
                };
                schema::Buffer::create(&mut fbb, &schema::BufferArgs { data, offset, size })
            })
            .collect();
        let buffers = fbb.create_vector(&buffers);
        let opcodes: Vec<_> = self
            .opcodes
            .iter()
            .map(|c| {
                let custom_code = c.custom_code.as_ref().map(|s| fbb.create_string(s));
                schema::OperatorCode::create(
                    &mut fbb,
                    &schema::OperatorCodeArgs {
                        deprecated_builtin_code: c.deprecated_builtin_code,
                        custom_code,
                        version: c.version,
                        builtin_code: schema::BuiltinOperator(c.builtin_code),
                    },
                )
            })
            .collect();
        let opcodes = fbb.create_vector(&opcodes);
        let subgraphs: Vec<_> = self
            .subgraphs
            .iter()
            .map(|s| build_subgraph(&mut fbb, s))
            .collect();
        let subgraphs = fbb.create_vector(&subgraphs);
        let metadata: Vec<_> = self
            .metadata
            .iter()
            .map(|(name, buffer)| {
                let name = Some(fbb.create_string(name));
                schema::Metadata::create(
                    &mut fbb,
                    &schema::MetadataArgs {
                        name,
                        buffer: *buffer,
                    },
                )
            })
            .collect();
        let metadata = fbb.create_vector(&metadata);
        let legacy = self.legacy_metadata.as_ref().map(|l| fbb.create_vector(l));
        let signatures: Vec<_> = self
            .signatures
            .iter()
            .map(|s| {
                let inputs = tensor_maps(&mut fbb, &s.inputs);
                let outputs = tensor_maps(&mut fbb, &s.outputs);
                let signature_key = Some(fbb.create_string(&s.key));
                schema::SignatureDef::create(
                    &mut fbb,
                    &schema::SignatureDefArgs {
                        inputs: Some(inputs),
                        outputs: Some(outputs),
                        signature_key,
                        subgraph_index: s.subgraph_index,
                    },
                )
            })
            .collect();
        let signatures = fbb.create_vector(&signatures);
        let description = self.description.as_ref().map(|d| fbb.create_string(d));
        let root = schema::Model::create(
            &mut fbb,
            &schema::ModelArgs {
                version: self.version,
                operator_codes: Some(opcodes),
                subgraphs: Some(subgraphs),
                description,
                buffers: Some(buffers),
                metadata_buffer: legacy,
                metadata: Some(metadata),
                signature_defs: Some(signatures),
                ..Default::default()
            },
        );
        fbb.finish(root, Some(&self.identifier));
        fbb.finished_data().to_vec()
    }
}

fn tensor_maps<'a>(
    fbb: &mut FlatBufferBuilder<'a>,
    maps: &[(String, u32)],
) -> WIPOffset<flatbuffers::Vector<'a, flatbuffers::ForwardsUOffset<schema::TensorMap<'a>>>> {
    let maps: Vec<_> = maps
        .iter()
        .map(|(name, index)| {
            let name = Some(fbb.create_string(name));
            schema::TensorMap::create(
                fbb,
                &schema::TensorMapArgs {
                    name,
                    tensor_index: *index,
                },
            )
        })
        .collect();
    fbb.create_vector(&maps)
}

fn build_subgraph<'a>(
    fbb: &mut FlatBufferBuilder<'a>,
    s: &SubgraphSpec,
) -> WIPOffset<schema::SubGraph<'a>> {
    let tensors: Vec<_> = s
        .tensors
        .iter()
        .map(|t| {
            let shape = t.shape.as_ref().map(|d| fbb.create_vector(d));
            let name = Some(fbb.create_string(&t.name));
            let scale = t.scales.as_ref().map(|v| fbb.create_vector(v));
            let zero_point = t.zero_points.as_ref().map(|v| fbb.create_vector(v));
            let details = t.details_tag.map(|tag| {
                let custom = schema::CustomQuantization::create(
                    fbb,
                    &schema::CustomQuantizationArgs::default(),
                );
                (schema::QuantizationDetails(tag), custom.as_union_value())
            });
            let quantization = (scale.is_some() || zero_point.is_some()).then(|| {
                schema::QuantizationParameters::create(
                    fbb,
                    &schema::QuantizationParametersArgs {
                        scale,
                        zero_point,
                        quantized_dimension: t.quantized_dimension,
                        details_type: details.map_or(schema::QuantizationDetails::NONE, |d| d.0),
                        details: details.map(|d| d.1),
                        ..Default::default()
                    },
                )
            });
            let sparsity = t.sparse.then(|| {
                let order = fbb.create_vector(&[0i32]);
                schema::SparsityParameters::create(
                    fbb,
                    &schema::SparsityParametersArgs {
                        traversal_order: Some(order),
                        ..Default::default()
                    },
                )
            });
            schema::Tensor::create(
                fbb,
                &schema::TensorArgs {
                    shape,
                    type_: t.dtype,
                    buffer: t.buffer,
                    name,
                    quantization,
                    is_variable: t.is_variable,
                    sparsity,
                    external_buffer: t.external_buffer,
                    ..Default::default()
                },
            )
        })
        .collect();
    let tensors = fbb.create_vector(&tensors);
    let operators: Vec<_> = s
        .operators
        .iter()
        .map(|op| {
            let inputs = Some(fbb.create_vector(&op.inputs));
            let outputs = Some(fbb.create_vector(&op.outputs));
            let intermediates = op.intermediates.as_ref().map(|v| fbb.create_vector(v));
            let (builtin_options_type, builtin_options) = match op.conv_strides {
                Some((stride_w, stride_h)) => {
                    let o = schema::Conv2DOptions::create(
                        fbb,
                        &schema::Conv2DOptionsArgs {
                            stride_w,
                            stride_h,
                            ..Default::default()
                        },
                    );
                    (
                        schema::BuiltinOptions::Conv2DOptions,
                        Some(o.as_union_value()),
                    )
                }
                None => (schema::BuiltinOptions::NONE, None),
            };
            let builtin_options_type = op
                .options_tag
                .map_or(builtin_options_type, schema::BuiltinOptions);
            schema::Operator::create(
                fbb,
                &schema::OperatorArgs {
                    opcode_index: op.opcode_index,
                    inputs,
                    outputs,
                    intermediates,
                    builtin_options_type,
                    builtin_options,
                    ..Default::default()
                },
            )
        })
        .collect();
    let operators = fbb.create_vector(&operators);
    let inputs = fbb.create_vector(&s.inputs);
    let outputs = fbb.create_vector(&s.outputs);
    let name = Some(fbb.create_string(&s.name));
    schema::SubGraph::create(
        fbb,
        &schema::SubGraphArgs {
            tensors: Some(tensors),
            inputs: Some(inputs),
            outputs: Some(outputs),
            operators: Some(operators),
            name,
            ..Default::default()
        },
    )
}
