//! `microlite inspect`: the facts of a model, as text or JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use microlite::model::{Model, Subgraph, Tensor};
use serde::Serialize;

use crate::macs::operator_macs;

/// One model input or output.
#[derive(Serialize)]
pub struct IoFacts {
    tensor: usize,
    name: String,
    dtype: &'static str,
    shape: Vec<usize>,
    scale: Option<f32>,
    zero_point: Option<i64>,
}

/// One operator row.
#[derive(Serialize)]
pub struct OperatorFacts {
    index: usize,
    op: &'static str,
    version: i32,
    inputs: Vec<i64>,
    outputs: Vec<usize>,
    macs: u64,
}

/// One subgraph.
#[derive(Serialize)]
pub struct SubgraphFacts {
    index: usize,
    name: String,
    tensors: usize,
    inputs: Vec<IoFacts>,
    outputs: Vec<IoFacts>,
    operators: Vec<OperatorFacts>,
}

/// Everything `inspect` reports.
#[derive(Serialize)]
pub struct ModelFacts {
    schema_version: u32,
    description: Option<String>,
    subgraphs: Vec<SubgraphFacts>,
    op_histogram: BTreeMap<&'static str, usize>,
    /// Per op of the histogram: microlite's registration and types, or why
    /// there is none (`microlite ops` lists them all).
    op_support: BTreeMap<&'static str, String>,
    constant_bytes: u64,
    /// Constants of the main subgraph stored misaligned for their type:
    /// the interpreter copies them into the arena's op data at prepare.
    misaligned_constants: usize,
    misaligned_constant_bytes: u64,
    macs: u64,
    metadata: Vec<String>,
}

fn io_facts(tensor: Tensor<'_>) -> IoFacts {
    let q = tensor.quantization();
    IoFacts {
        tensor: tensor.index(),
        name: tensor.name().to_string(),
        dtype: tensor.dtype().name(),
        shape: tensor.shape().iter().collect(),
        scale: q.as_ref().and_then(|q| q.scale(0)),
        zero_point: q.as_ref().and_then(|q| q.zero_point(0)),
    }
}

fn subgraph_facts(sg: &Subgraph<'_>) -> SubgraphFacts {
    let io = |list: microlite::model::TensorIndexList<'_>| {
        list.iter()
            .filter_map(|t| sg.tensor(t))
            .map(io_facts)
            .collect()
    };
    let operators = sg
        .operators()
        .map(|op| OperatorFacts {
            index: op.index(),
            op: op.op_name(),
            version: op.version(),
            inputs: (0..op.input_count())
                .map(|k| op.input(k).map_or(-1, |t| t as i64))
                .collect(),
            outputs: op.outputs().iter().collect(),
            macs: operator_macs(sg, &op),
        })
        .collect();
    SubgraphFacts {
        index: sg.index(),
        name: sg.name().to_string(),
        tensors: sg.tensor_count(),
        inputs: io(sg.inputs()),
        outputs: io(sg.outputs()),
        operators,
    }
}

/// Gather the facts of `model`.
pub fn facts(model: &Model<'_>) -> ModelFacts {
    let subgraphs: Vec<SubgraphFacts> = (0..model.subgraph_count())
        .filter_map(|i| model.subgraph(i))
        .map(|sg| subgraph_facts(&sg))
        .collect();
    let mut op_histogram = BTreeMap::new();
    let mut op_support = BTreeMap::new();
    for i in 0..model.subgraph_count() {
        for op in model.subgraph(i).iter().flat_map(|sg| sg.operators()) {
            // CUSTOM gathers every custom code of the model.
            let support = crate::op_table::support(op.builtin(), op.custom_code(), op.version());
            let entry: &mut String = op_support.entry(op.op_name()).or_default();
            if !entry.split("; ").any(|s| s == support) {
                if !entry.is_empty() {
                    entry.push_str("; ");
                }
                entry.push_str(&support);
            }
        }
    }
    let mut macs = 0u64;
    for op in subgraphs.iter().flat_map(|s| &s.operators) {
        *op_histogram.entry(op.op).or_insert(0) += 1;
        macs += op.macs;
    }
    let mut constant_bytes = 0u64;
    for i in 0..model.subgraph_count() {
        if let Some(sg) = model.subgraph(i) {
            constant_bytes += sg
                .tensors()
                .filter_map(|t| t.data())
                .map(|d| d.len() as u64)
                .sum::<u64>();
        }
    }
    let misaligned: Vec<u64> = model
        .main_subgraph()
        .tensors()
        .filter(|t| !t.data_is_aligned())
        .filter_map(|t| t.data())
        .map(|d| d.len() as u64)
        .collect();
    ModelFacts {
        misaligned_constants: misaligned.len(),
        misaligned_constant_bytes: misaligned.iter().sum(),
        schema_version: model.version(),
        description: model.description().map(str::to_string),
        subgraphs,
        op_histogram,
        op_support,
        constant_bytes,
        macs,
        metadata: model.metadata_names().map(str::to_string).collect(),
    }
}

fn fmt_io(out: &mut String, label: &str, io: &IoFacts) {
    let quant = match (io.scale, io.zero_point) {
        (Some(s), Some(z)) => format!(" scale={s} zero_point={z}"),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "  {label} tensor {} {:?}: {} {:?}{quant}",
        io.tensor, io.name, io.dtype, io.shape
    );
}

/// Human-readable rendering of the facts.
pub fn render_text(f: &ModelFacts) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "schema version: {}", f.schema_version);
    let _ = writeln!(
        out,
        "description: {}",
        f.description.as_deref().unwrap_or("(none)")
    );
    if !f.metadata.is_empty() {
        let _ = writeln!(out, "metadata: {}", f.metadata.join(", "));
    }
    for sg in &f.subgraphs {
        let _ = writeln!(
            out,
            "subgraph {} {:?}: {} tensors, {} operators",
            sg.index,
            sg.name,
            sg.tensors,
            sg.operators.len()
        );
        for io in &sg.inputs {
            fmt_io(&mut out, "input ", io);
        }
        for io in &sg.outputs {
            fmt_io(&mut out, "output", io);
        }
        let _ = writeln!(
            out,
            "  {:>5}  {:<24} {:>3}  {:<24} {:<12} {:>12}",
            "index", "op", "ver", "inputs", "outputs", "MACs"
        );
        for op in &sg.operators {
            let _ = writeln!(
                out,
                "  {:>5}  {:<24} {:>3}  {:<24} {:<12} {:>12}",
                op.index,
                op.op,
                op.version,
                format!("{:?}", op.inputs),
                format!("{:?}", op.outputs),
                op.macs
            );
        }
    }
    let _ = writeln!(out, "op histogram (microlite's registration):");
    for (op, n) in &f.op_histogram {
        let support = f.op_support.get(op).map_or("", String::as_str);
        let _ = writeln!(out, "  {:<24} {support}", format!("{op} x{n}"));
    }
    let _ = writeln!(out, "constant bytes: {}", f.constant_bytes);
    if f.misaligned_constants > 0 {
        let _ = writeln!(
            out,
            "misaligned constants: {} tensors, {} bytes stored misaligned for their type; \
             the interpreter copies them into the arena (op data) at prepare",
            f.misaligned_constants, f.misaligned_constant_bytes
        );
    }
    let _ = writeln!(out, "MACs: {}", f.macs);
    out
}
