//! Subgraphs of a model.

use core::fmt;

use crate::index_list::TensorIndexList;
use crate::model::ModelRef;
use crate::operator::Operator;
use crate::schema;
use crate::tensor::Tensor;

/// A subgraph (tensors plus operators in execution order) of a verified
/// model. Subgraph 0 is the model's entry point.
#[derive(Clone, Copy)]
pub struct Subgraph<'a> {
    model: ModelRef<'a>,
    index: usize,
    raw: schema::SubGraph<'a>,
}

impl<'a> Subgraph<'a> {
    pub(crate) fn new(model: ModelRef<'a>, index: usize, raw: schema::SubGraph<'a>) -> Self {
        Self { model, index, raw }
    }

    /// Index of this subgraph in the model.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The subgraph's name (empty if the file has none).
    pub fn name(&self) -> &'a str {
        self.raw.name().unwrap_or("")
    }

    /// Number of tensors.
    pub fn tensor_count(&self) -> usize {
        self.raw.tensors().map_or(0, |t| t.len())
    }

    /// Tensor `i`, or `None` if `i >= tensor_count()`.
    pub fn tensor(&self, i: usize) -> Option<Tensor<'a>> {
        self.raw
            .tensors()
            .and_then(|t| t.get(i))
            .map(|t| Tensor::new(self.model, i, t))
    }

    /// All tensors in index order.
    pub fn tensors(&self) -> impl ExactSizeIterator<Item = Tensor<'a>> + 'a {
        let model = self.model;
        let tensors = self.raw.tensors().unwrap_or_default();
        tensors
            .iter()
            .enumerate()
            .map(move |(i, t)| Tensor::new(model, i, t))
    }

    /// Number of operators.
    pub fn operator_count(&self) -> usize {
        self.raw.operators().map_or(0, |o| o.len())
    }

    /// Operator `i` (in execution order), or `None` if
    /// `i >= operator_count()`.
    pub fn operator(&self, i: usize) -> Option<Operator<'a>> {
        let raw = self.raw.operators()?.get(i)?;
        self.make_operator(i, raw)
    }

    /// All operators in execution order.
    pub fn operators(&self) -> impl Iterator<Item = Operator<'a>> + 'a {
        let this = *self;
        let operators = self.raw.operators().unwrap_or_default();
        operators
            .iter()
            .enumerate()
            .filter_map(move |(i, op)| this.make_operator(i, op))
    }

    /// Tensors the caller fills before running the subgraph.
    pub fn inputs(&self) -> TensorIndexList<'a> {
        TensorIndexList::new(self.raw.inputs())
    }

    /// Tensors holding the results.
    pub fn outputs(&self) -> TensorIndexList<'a> {
        TensorIndexList::new(self.raw.outputs())
    }

    /// The generated flatbuffer table.
    pub fn raw(&self) -> schema::SubGraph<'a> {
        self.raw
    }

    fn make_operator(&self, i: usize, raw: schema::Operator<'a>) -> Option<Operator<'a>> {
        // Verification guarantees the opcode exists, so this never yields None.
        let code_index = usize::try_from(raw.opcode_index()).ok()?;
        let code = self.model.root.operator_codes()?.get(code_index)?;
        Some(Operator::new(i, raw, code))
    }
}

impl fmt::Debug for Subgraph<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subgraph")
            .field("index", &self.index)
            .field("name", &self.name())
            .field("tensors", &self.tensor_count())
            .field("operators", &self.operator_count())
            .field("inputs", &self.inputs())
            .field("outputs", &self.outputs())
            .finish()
    }
}
