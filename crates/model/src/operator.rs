//! Operators of a subgraph and operator-code resolution.

use core::fmt;

use crate::index_list::TensorIndexList;
use crate::schema::{self, BuiltinOperator};

/// An operator of a verified model.
#[derive(Clone, Copy)]
pub struct Operator<'a> {
    index: usize,
    raw: schema::Operator<'a>,
    code: schema::OperatorCode<'a>,
}

impl<'a> Operator<'a> {
    pub(crate) fn new(
        index: usize,
        raw: schema::Operator<'a>,
        code: schema::OperatorCode<'a>,
    ) -> Self {
        Self { index, raw, code }
    }

    /// Index of this operator in its subgraph (execution order).
    pub fn index(&self) -> usize {
        self.index
    }

    /// Index into the model's operator codes.
    pub fn opcode_index(&self) -> usize {
        usize::try_from(self.raw.opcode_index()).unwrap_or(usize::MAX)
    }

    /// The builtin operator, resolved like TFLite does (see
    /// [`resolve_builtin_code`]). May be a code the schema does not name.
    pub fn builtin(&self) -> BuiltinOperator {
        BuiltinOperator(self.builtin_code_raw())
    }

    /// The resolved builtin code as an integer.
    pub fn builtin_code_raw(&self) -> i32 {
        resolve_builtin_code(self.code)
    }

    /// Upper-case operator name ("CONV_2D"), "UNKNOWN" for codes the schema
    /// does not name. Custom operators are "CUSTOM"; see
    /// [`custom_code`](Self::custom_code).
    pub fn op_name(&self) -> &'static str {
        self.builtin().variant_name().unwrap_or("UNKNOWN")
    }

    /// Operator version (1 if the file does not say).
    pub fn version(&self) -> i32 {
        self.code.version()
    }

    /// Name of a custom operator.
    pub fn custom_code(&self) -> Option<&'a str> {
        self.code.custom_code()
    }

    /// The custom options bytes (a FlexBuffer for TFLM's custom ops; read
    /// them with [`crate::flexbuffers`]), if the operator has any.
    pub fn custom_options(&self) -> Option<&'a [u8]> {
        self.raw.custom_options().map(|v| v.bytes())
    }

    /// Number of input slots, including absent optional ones.
    pub fn input_count(&self) -> usize {
        self.inputs().len()
    }

    /// Tensor index of input `k`; `None` if `k` is out of range or the input
    /// is an absent optional one (`-1`).
    pub fn input(&self, k: usize) -> Option<usize> {
        self.inputs().get(k)
    }

    /// Input tensor indices.
    pub fn inputs(&self) -> TensorIndexList<'a> {
        TensorIndexList::new(self.raw.inputs())
    }

    /// Number of outputs.
    pub fn output_count(&self) -> usize {
        self.outputs().len()
    }

    /// Tensor index of output `k`, or `None` if `k` is out of range.
    pub fn output(&self, k: usize) -> Option<usize> {
        self.outputs().get(k)
    }

    /// Output tensor indices.
    pub fn outputs(&self) -> TensorIndexList<'a> {
        TensorIndexList::new(self.raw.outputs())
    }

    /// Indices of operator-internal tensors (e.g. LSTM intermediates).
    pub fn intermediates(&self) -> TensorIndexList<'a> {
        TensorIndexList::new(self.raw.intermediates())
    }

    /// The generated operator table, e.g. to parse builtin options with
    /// `op.raw().builtin_options_as_conv_2_doptions()`.
    pub fn raw(&self) -> schema::Operator<'a> {
        self.raw
    }

    /// The generated operator-code table.
    pub fn raw_code(&self) -> schema::OperatorCode<'a> {
        self.code
    }
}

impl fmt::Debug for Operator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operator")
            .field("index", &self.index)
            .field("op", &self.op_name())
            .field("code", &self.builtin_code_raw())
            .field("version", &self.version())
            .field("inputs", &self.inputs())
            .field("outputs", &self.outputs())
            .finish()
    }
}

/// The effective builtin code of an operator code, as TFLite and TFLM compute
/// it: the larger of `builtin_code` and the legacy one-byte
/// `deprecated_builtin_code`.
///
/// Old writers set only the byte (leaving `builtin_code` 0); new writers set
/// `builtin_code` and put either the same value or, for codes >= 127, the
/// placeholder 127 into the byte.
pub fn resolve_builtin_code(code: schema::OperatorCode<'_>) -> i32 {
    let extended = code.builtin_code().0;
    let legacy = i32::from(code.deprecated_builtin_code());
    extended.max(legacy)
}
