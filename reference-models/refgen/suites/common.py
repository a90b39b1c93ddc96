"""Building blocks shared by suites."""

from __future__ import annotations

from typing import Sequence

import keras

from ..case import INT8, InputSpec

# Keras initializes biases to zero, and the converter drops all-zero biases, so
# recipes that want a bias tensor in the .tflite must initialize it non-zero.
NONZERO_BIAS = {"minval": -0.5, "maxval": 0.5}


def bias_initializer(seed: int) -> keras.initializers.Initializer:
    """A seeded non-zero bias initializer (see NONZERO_BIAS)."""
    return keras.initializers.RandomUniform(seed=seed, **NONZERO_BIAS)


def named_inputs(specs: Sequence[InputSpec]) -> list[keras.KerasTensor]:
    """Keras inputs with fixed batch, named `in_00`, `in_01`, ... so the converter's
    alphabetical ordering of signature inputs equals their positional order."""
    return [
        keras.Input(shape=spec.shape[1:], batch_size=spec.shape[0], name=f"in_{k:02d}")
        for k, spec in enumerate(specs)
    ]


def activation_name(activation: str) -> str | None:
    """Map NONE/RELU/RELU6/... to the Keras activation name (None for NONE)."""
    return None if activation == "none" else activation


def function_model(fn, specs: Sequence[InputSpec]):
    """A `tf.function` of `fn` with a fixed float32 signature whose inputs are named
    like `named_inputs` (for ops that have no Keras layer: pad, transpose, ...)."""
    import tensorflow as tf

    signature = [
        tf.TensorSpec(spec.shape, tf.float32, name=f"in_{k:02d}") for k, spec in enumerate(specs)
    ]
    return tf.function(fn, input_signature=signature, autograph=False)


def dims_name(shape: Sequence[int]) -> str:
    """`[1, 9, 9, 3]` → `1x9x9x3` for case names."""
    return "x".join(str(d) for d in shape)


def keras_model(specs: Sequence[InputSpec], body):
    """A build function: Keras inputs per `specs` (see `named_inputs`), `body(*inputs)`
    gives the output."""

    def build():
        inputs = named_inputs(specs)
        output = body(*inputs)
        return keras.Model(inputs if len(inputs) > 1 else inputs[0], output)

    return build


def random_batch_norm(seed: int) -> keras.layers.BatchNormalization:
    """A BatchNormalization with non-trivial statistics (the converter folds it)."""
    init = keras.initializers.RandomUniform
    return keras.layers.BatchNormalization(
        beta_initializer=init(-0.2, 0.2, seed=seed),
        gamma_initializer=init(0.5, 1.5, seed=seed + 1),
        moving_mean_initializer=init(-0.2, 0.2, seed=seed + 2),
        moving_variance_initializer=init(0.5, 1.5, seed=seed + 3),
    )


def int8_core(model_bytes: bytes, flavour: str) -> bytes:
    """For the int8 flavour, the converter's float fallback `DEQUANTIZE ->
    op -> QUANTIZE` rewritten as the op on the int8 tensors themselves (for
    ops TFLM runs in int8 but the converter does not quantize, e.g. ADD_N).
    The float tensors stay in the table, unused; other flavours pass."""
    if flavour != INT8:
        return model_bytes
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
    subgraph = model.subgraphs[0]
    dequantized = {}
    quantized = {}
    kept = []
    for op in subgraph.operators:
        code = codes[op.opcodeIndex]
        if code == schema.BuiltinOperator.DEQUANTIZE:
            dequantized[int(op.outputs[0])] = int(op.inputs[0])
        elif code == schema.BuiltinOperator.QUANTIZE:
            quantized[int(op.inputs[0])] = int(op.outputs[0])
        else:
            kept.append(op)
    for op in kept:
        op.inputs = [dequantized.get(int(t), int(t)) for t in op.inputs]
        op.outputs = [quantized.get(int(t), int(t)) for t in op.outputs]
    subgraph.operators = kept
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def one_op_graph(
    op: str, tensors, inputs, outputs, options=None, op_inputs=None, custom_options=None
):
    """A `CaseSpec.rewrite` that replaces the converted model's graph by one
    operator, for ops the converter folds or never writes (SHAPE, FILL,
    QUANTIZE between integer types, ...). Goldens still come from TFLM.

    `op` names a `BuiltinOperator`; `tensors` are dicts with `name`, `shape`,
    `dtype` ("float32", "int8", "uint8", "int16", "int32", "int64",
    "bool"), optional `scale` and `zero_point`, and optional `data` (a
    constant: anything `numpy.asarray` takes, stored as `dtype`); `inputs`
    and `outputs` index `tensors`; the operator reads every other tensor, in
    `tensors` order;
    `options` is `(BuiltinOptions member name, options object)` or None;
    `op_inputs`, when given, lists the operator's inputs instead (-1 for an
    absent optional input); a tensor with `"is_variable": True` is a variable
    tensor (state TFLM keeps across invokes, e.g. SVDF's activation state).
    A custom op is `op="CUSTOM:Code"` (TFLM's signal library:
    `"CUSTOM:SignalRfft"`), its options a dict in `custom_options`, written
    as the FlexBuffer map TFLM reads; tensor dtypes may then also be
    "uint32" and "uint64".
    """

    def rewrite(model_bytes: bytes, flavour: str) -> bytes:
        import flatbuffers
        import numpy as np
        from tensorflow.lite.python import schema_py_generated as schema

        model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
        buffers = [schema.BufferT()]
        built = []
        for spec in tensors:
            t = schema.TensorT()
            t.name = spec["name"]
            t.shape = list(spec["shape"])
            t.type = getattr(schema.TensorType, spec["dtype"].upper())
            t.buffer = 0
            t.isVariable = bool(spec.get("is_variable", False))
            if "scale" in spec:
                q = schema.QuantizationParametersT()
                q.scale = [spec["scale"]]
                q.zeroPoint = [spec.get("zero_point", 0)]
                t.quantization = q
            if "data" in spec:
                buffer = schema.BufferT()
                data = np.asarray(spec["data"], dtype=np.dtype(spec["dtype"]))
                buffer.data = np.frombuffer(data.tobytes(), dtype=np.uint8)
                t.buffer = len(buffers)
                buffers.append(buffer)
            built.append(t)
        code = schema.OperatorCodeT()
        builtin, _, custom_code = op.partition(":")
        code.builtinCode = getattr(schema.BuiltinOperator, builtin)
        code.deprecatedBuiltinCode = min(code.builtinCode, 127)
        code.version = 1
        operator = schema.OperatorT()
        operator.opcodeIndex = 0
        operator.inputs = op_inputs
        operator.outputs = list(outputs)
        if custom_code:
            from flatbuffers import flexbuffers

            code.customCode = custom_code
            operator.customOptions = list(flexbuffers.Dumps(custom_options or {}))
            operator.customOptionsFormat = schema.CustomOptionsFormat.FLEXBUFFERS
        if options is not None:
            operator.builtinOptionsType = getattr(schema.BuiltinOptions, options[0])
            operator.builtinOptions = options[1]
        subgraph = model.subgraphs[0]
        subgraph.tensors = built
        subgraph.inputs = list(inputs)
        subgraph.outputs = list(outputs)
        subgraph.operators = [operator]
        model.subgraphs = [subgraph]
        model.operatorCodes = [code]
        model.buffers = buffers
        model.signatureDefs = []
        model.metadata = []
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        out = bytes(builder.Output())
        if custom_code:
            # The custom code string is the first object packed, so the file
            # ends with its alignment padding, which nothing references:
            # drop it, so that no proper prefix of the file is a valid model.
            pad = -(len(custom_code.encode()) + 1) % 4
            if pad and out.endswith(b"\0" * (pad + 1)):
                out = out[: len(out) - pad]
        return out

    if op_inputs is None:
        # The operator reads every tensor that is not an output, in order.
        op_inputs = [i for i in range(len(tensors)) if i not in outputs]
    op_inputs = list(op_inputs)
    return rewrite
