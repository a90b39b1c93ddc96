//! Structure-aware model mutation: pick a seed model, then patch a few of its
//! fields (see [`crate::sites`]) with values chosen to break assumptions.

use microlite_model::Model;

use crate::aligned::AlignedBytes;
use crate::decisions::Decisions;
use crate::seeds::SEEDS;
use crate::sites::{collect, Census, FieldKind, Site};

/// Most fields patched per input.
pub const MAX_MUTATIONS: usize = 8;

/// A seed model after mutation.
#[derive(Debug, Clone)]
pub struct MutatedModel {
    /// Which seed it started from.
    pub seed: &'static str,
    /// The patched bytes, 16-byte aligned.
    pub bytes: AlignedBytes,
    /// What was patched: the site and the bytes written there.
    pub patches: Vec<(Site, Vec<u8>)>,
}

/// The mutated model the fuzz input `data` describes: its first byte picks
/// the seed, the next the number of patches, then each patch reads a site
/// choice, a value strategy and value bytes. Deterministic.
pub fn mutated_model(data: &[u8]) -> MutatedModel {
    let mut d = Decisions::new(data);
    let seed = SEEDS.get(d.below(SEEDS.len())).copied().unwrap_or(SEEDS[0]);
    let mut bytes = AlignedBytes::copy_of(seed.bytes);
    let (sites, census) = match Model::from_bytes(bytes.as_slice()) {
        Ok(model) => collect(bytes.as_slice(), model.raw()),
        Err(_) => (Vec::new(), Census::default()),
    };
    // Pick a kind first, then a site of that kind, so that models with many
    // per-channel scales still get their shapes and options mutated.
    let mut kinds: Vec<FieldKind> = Vec::new();
    for site in &sites {
        if !kinds.contains(&site.kind.class()) {
            kinds.push(site.kind.class());
        }
    }
    let mut patches = Vec::new();
    let count = 1 + d.below(MAX_MUTATIONS);
    for _ in 0..count {
        let Some(&kind) = kinds.get(d.below(kinds.len())) else {
            break;
        };
        let of_kind: Vec<Site> = sites
            .iter()
            .filter(|s| s.kind.class() == kind)
            .copied()
            .collect();
        let Some(&site) = of_kind.get(d.below(of_kind.len())) else {
            break;
        };
        let file = bytes.as_mut_slice();
        let file_len = file.len();
        let Some(field) = file.get_mut(site.offset..site.offset + site.kind.width()) else {
            continue;
        };
        let ctx = Context { census, file_len };
        let (at, value) = choose(site.kind, field, &ctx, &mut d);
        if let Some(dst) = field.get_mut(at..at + value.len()) {
            dst.copy_from_slice(&value);
            patches.push((
                Site {
                    offset: site.offset + at,
                    kind: site.kind,
                },
                value,
            ));
        }
    }
    MutatedModel {
        seed: seed.name,
        bytes,
        patches,
    }
}

struct Context {
    census: Census,
    file_len: usize,
}

fn le_i32(field: &[u8]) -> i32 {
    i32::from_le_bytes(
        field
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .unwrap_or([0; 4]),
    )
}

fn count_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Near-valid and hostile values for an index into a table of `n` entries.
fn index_choices(n: usize, d: &mut Decisions<'_>) -> i64 {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    let random_valid = if n > 0 { i64::from(d.u16()) % n } else { 0 };
    d.pick(&[
        random_valid,
        random_valid,
        0,
        1,
        n - 1,
        n,
        n + 1,
        -1,
        -2,
        i64::from(i32::MAX),
        i64::from(i32::MIN),
    ])
}

/// Returns where inside the field to write (0 except for constant data) and
/// the little-endian bytes to write there.
fn choose(kind: FieldKind, field: &[u8], ctx: &Context, d: &mut Decisions<'_>) -> (usize, Vec<u8>) {
    let raw = d.one_in(8);
    let cur = le_i32(field);
    let bytes = match kind {
        FieldKind::TensorIndex => {
            let v = if raw {
                d.i32()
            } else {
                index_choices(ctx.census.tensors, d) as i32
            };
            v.to_le_bytes().to_vec()
        }
        FieldKind::Dim => {
            let v = if raw {
                d.i32()
            } else {
                d.pick(&[
                    0,
                    1,
                    2,
                    3,
                    -1,
                    -2,
                    7,
                    16,
                    255,
                    256,
                    65_535,
                    65_536,
                    1 << 20,
                    1 << 24,
                    i32::MAX,
                    i32::MIN,
                    cur.wrapping_add(1),
                    cur.wrapping_sub(1),
                    cur.wrapping_mul(2),
                    cur / 2,
                ])
            };
            v.to_le_bytes().to_vec()
        }
        FieldKind::TensorType => {
            let v = if raw {
                d.u8() as i8
            } else {
                d.pick(&[0i8, 1, 2, 3, 4, 6, 7, 9, 10, 15, 16, 17, 18, -1, 127, 100])
            };
            vec![v as u8]
        }
        FieldKind::BufferIndex | FieldKind::OpcodeIndex => {
            let n = if kind == FieldKind::BufferIndex {
                ctx.census.buffers
            } else {
                ctx.census.opcodes
            };
            let v = if raw {
                d.u32()
            } else {
                index_choices(n, d) as u32
            };
            v.to_le_bytes().to_vec()
        }
        FieldKind::Scale | FieldKind::Float => {
            let current = f32::from_le_bytes(
                field
                    .get(..4)
                    .and_then(|b| b.try_into().ok())
                    .unwrap_or([0; 4]),
            );
            let v = if raw {
                d.f32_bits()
            } else {
                d.pick(&[
                    0.0,
                    -0.0,
                    1.0,
                    -1.0,
                    -current,
                    f32::NAN,
                    f32::INFINITY,
                    f32::NEG_INFINITY,
                    f32::MIN_POSITIVE,
                    f32::from_bits(1),
                    f32::MAX,
                    1e30,
                    1e-30,
                    1e-10,
                    current * 2.0,
                    current / 2.0,
                    current * 1e6,
                    current / 1e6,
                ])
            };
            v.to_le_bytes().to_vec()
        }
        FieldKind::ZeroPoint => {
            let v = if raw {
                d.u64() as i64
            } else {
                d.pick(&[
                    0i64,
                    -1,
                    1,
                    -128,
                    127,
                    128,
                    -129,
                    255,
                    256,
                    -32_768,
                    32_767,
                    32_768,
                    i64::from(i32::MAX),
                    i64::from(i32::MIN),
                    i64::from(i32::MAX) + 1,
                    i64::from(i32::MIN) - 1,
                    i64::MAX,
                    i64::MIN,
                ])
            };
            v.to_le_bytes().to_vec()
        }
        FieldKind::SmallInt => {
            let v = if raw {
                d.i32()
            } else {
                d.pick(&[
                    0,
                    1,
                    -1,
                    2,
                    3,
                    4,
                    5,
                    8,
                    31,
                    32,
                    64,
                    -5,
                    1 << 16,
                    1 << 30,
                    i32::MAX,
                    i32::MIN,
                    cur.wrapping_add(1),
                    cur.wrapping_sub(1),
                ])
            };
            v.to_le_bytes().to_vec()
        }
        FieldKind::VectorLength => {
            let cur = cur as u32;
            let v = if raw {
                d.u32()
            } else {
                d.pick(&[
                    0u32,
                    1,
                    cur.wrapping_sub(1),
                    cur.wrapping_add(1),
                    cur / 2,
                    cur.wrapping_mul(2),
                    cur.wrapping_add(4),
                    1 << 16,
                    0x7fff_ffff,
                    u32::MAX,
                ])
            };
            v.to_le_bytes().to_vec()
        }
        FieldKind::BuiltinCode => {
            // ADD, AVERAGE_POOL_2D, CONCATENATION, CONV_2D, DEPTHWISE_CONV_2D,
            // DEQUANTIZE, FULLY_CONNECTED, LOGISTIC, MAX_POOL_2D, MUL, RELU,
            // RELU6, RESHAPE, SOFTMAX, TANH, CUSTOM, PAD, TRANSPOSE, MEAN, SUB,
            // SQUEEZE, STRIDED_SLICE, LEAKY_RELU, ELU, QUANTIZE, HARD_SWISH.
            let v = if raw {
                d.i32()
            } else {
                d.pick(&[
                    0,
                    1,
                    2,
                    3,
                    4,
                    6,
                    9,
                    14,
                    17,
                    18,
                    19,
                    21,
                    22,
                    25,
                    28,
                    32,
                    34,
                    39,
                    40,
                    41,
                    43,
                    45,
                    98,
                    111,
                    114,
                    117,
                    127,
                    -1,
                    1000,
                    i32::MAX,
                    i32::MIN,
                ])
            };
            v.to_le_bytes().to_vec()
        }
        FieldKind::DeprecatedBuiltinCode => {
            let v = if raw {
                d.u8() as i8
            } else {
                d.pick(&[0i8, 3, 4, 6, 9, 22, 25, 32, 127, -1, -128])
            };
            vec![v as u8]
        }
        FieldKind::OpVersion => {
            let v = if raw {
                d.i32()
            } else {
                d.pick(&[0, 1, 2, 3, 4, -1, 100, i32::MAX, i32::MIN])
            };
            v.to_le_bytes().to_vec()
        }
        FieldKind::Enum8 => {
            let v = if raw {
                d.u8() as i8
            } else {
                d.pick(&[0i8, 1, 2, 3, 4, 5, 6, 7, 8, 127, -1, -128])
            };
            vec![v as u8]
        }
        FieldKind::Bool => vec![d.pick(&[0u8, 1, 2, 255])],
        FieldKind::BufferExtent => {
            let len = ctx.file_len as u64;
            let v = if raw {
                d.u64()
            } else {
                d.pick(&[
                    0u64,
                    1,
                    2,
                    16,
                    len.saturating_sub(1),
                    len,
                    len + 1,
                    1 << 32,
                    u64::MAX,
                ])
            };
            v.to_le_bytes().to_vec()
        }
        FieldKind::OptionsType => vec![if raw { d.u8() } else { d.below(130) as u8 }],
        FieldKind::ConstData(len) => {
            let at = d.below(len) & !3;
            let word = if raw {
                d.i32()
            } else {
                d.pick(&[
                    0,
                    -1,
                    1,
                    i32::MAX,
                    i32::MIN,
                    0x7f7f_7f7f,
                    -0x7f7f_7f80,
                    count_i32(len),
                    0x7fc0_0000,
                    0x7f80_0000,
                ])
            };
            let n = (len - at).min(4);
            return (at, word.to_le_bytes()[..n].to_vec());
        }
    };
    (0, bytes)
}
