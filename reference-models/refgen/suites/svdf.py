"""SVDF: one-operator graphs built by hand (the converter has no SVDF layer),
with the activation state a variable tensor, each case a sequence of invokes
so that the state carried from one invoke to the next is checked.

float32 (ranks 1, 2, 3; fused activations), int8 with
int16 weights_time and int16 state (TFLM's full-integer flavour), and int8
with int8 weights_time and an int8 state off zero (as in TFLM's
keyword_scrambled_8bit model); batches 1 and 2. Quantized scales are drawn
so that TFLM's effective scales computed in float32 (its older sources) and
in double (the wheel) quantize to different multipliers; the outputs seldom
show the difference (a few units in 2^31), so the kernel's unit tests pin it
with crafted values recorded from the wheel.

Every case has a bias: TFLM (the wheel as its sources) dereferences the bias
whether it is present or not, and crashes on an SVDF without one (float32
and int8 alike), so no golden exists for that; microlite refuses it.
"""

from __future__ import annotations

import math

import numpy as np

from ..case import FLOAT32, CaseSpec, InputSpec, stable_seed
from .common import function_model, one_op_graph

# (name, kind, batch, input size, units, rank, memory, bias, activation)
# kind: "float32", "int8" (int16 weights_time and state), "int8_w8" (int8
# weights_time and state).
CASES = (
    ("float_b1_rank1", "float32", 1, 6, 4, 1, 4, True, "NONE"),
    ("float_b2_rank2_relu", "float32", 2, 4, 3, 2, 3, True, "RELU"),
    ("float_b1_rank3_tanh", "float32", 1, 3, 2, 3, 3, True, "TANH"),
    ("float_b2_rank1_relu6", "float32", 2, 5, 3, 1, 2, True, "RELU6"),
    ("int8_b1_rank1", "int8", 1, 8, 4, 1, 4, True, "NONE"),
    ("int8_b2_rank2", "int8", 2, 5, 3, 2, 3, True, "RELU"),
    ("int8_b1_rank3", "int8", 1, 6, 2, 3, 2, True, "NONE"),
    ("int8_w8_b2_rank2", "int8_w8", 2, 7, 3, 2, 3, True, "NONE"),
    ("int8_w8_b1_rank1", "int8_w8", 1, 4, 5, 1, 2, True, "NONE"),
)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLM's QuantizeMultiplier (frexp, round half away from zero)."""
    if real == 0.0:
        return 0, 0
    fraction, shift = math.frexp(real)
    q = int(math.copysign(math.floor(abs(fraction) * 2**31 + 0.5), fraction))
    if q == 2**31:
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q, shift


def effective(a: float, b: float, c: float) -> tuple[tuple[int, int], tuple[int, int]]:
    """The multiplier of a * b / c computed in float32 (as TFLM's source does)
    and in double."""
    f = np.float32(np.float32(np.float32(a) * np.float32(b)) / np.float32(c))
    d = float(np.float32(a)) * float(np.float32(b)) / float(np.float32(c))
    return quantize_multiplier(float(f)), quantize_multiplier(d)


def quantized_tensors(rng, kind, batch, n_input, units, rank, memory, use_bias):
    """Tensors of an int8 SVDF with scales that tell float32 from double effective
    scales apart, and data giving outputs across the int8 range."""
    filters = units * rank
    time_type = "int16" if kind == "int8" else "int8"
    time_max = 32767 if time_type == "int16" else 127
    input_zp = int(rng.integers(-20, 20))
    state_zp = 0 if kind == "int8" else int(rng.integers(-60, 60))
    output_zp = int(rng.integers(-10, 10))
    weights_feature = rng.integers(-127, 128, size=(filters, n_input))
    weights_time = rng.integers(-time_max // 4, time_max // 4 + 1, size=(filters, memory))
    # Typical sizes of the accumulators, to land the state and the output
    # well inside their ranges.
    feature_acc = 80.0 * 70.0 * math.sqrt(n_input)
    state_max = 32767 if kind == "int8" else 127
    for _ in range(1000):
        input_scale = float(np.float32(rng.uniform(0.01, 0.1)))
        feature_scale = float(np.float32(rng.uniform(0.002, 0.02)))
        state_scale = float(
            np.float32(input_scale * feature_scale * feature_acc / (state_max / 3.0) *
                       rng.uniform(0.8, 1.25))
        )
        time_scale = float(np.float32(rng.uniform(0.5, 2.0) / time_max))
        time_acc = (time_max / 4) * (state_max / 3.0) * math.sqrt(memory * rank) / 2
        output_scale = float(
            np.float32(state_scale * time_scale * time_acc / 60.0 * rng.uniform(0.8, 1.25))
        )
        one_f, one_d = effective(input_scale, feature_scale, state_scale)
        two_f, two_d = effective(state_scale, time_scale, output_scale)
        if one_f != one_d and two_f != two_d:
            break
    else:
        raise RuntimeError("no scales found that tell float32 from double")
    bias_scale = float(np.float32(np.float32(state_scale) * np.float32(time_scale)))
    bias = rng.integers(-4000, 4000, size=(units,)) * max(1, int(time_acc / 4000))
    tensors = [
        {"name": "serving_default_in_00:0", "shape": (batch, n_input), "dtype": "int8",
         "scale": input_scale, "zero_point": input_zp},
        {"name": "weights_feature", "shape": (filters, n_input), "dtype": "int8",
         "scale": feature_scale, "zero_point": 0, "data": weights_feature},
        {"name": "weights_time", "shape": (filters, memory), "dtype": time_type,
         "scale": time_scale, "zero_point": 0, "data": weights_time},
        {"name": "bias", "shape": (units,), "dtype": "int32", "scale": bias_scale,
         "zero_point": 0, "data": bias},
        {"name": "activation_state", "shape": (batch, memory * filters), "dtype": time_type,
         "scale": state_scale, "zero_point": state_zp, "is_variable": True},
        {"name": "output", "shape": (batch, units), "dtype": "int8", "scale": output_scale,
         "zero_point": output_zp},
    ]
    return tensors, use_bias


def float_tensors(rng, batch, n_input, units, rank, memory):
    """Tensors of a float32 SVDF."""
    filters = units * rank
    return [
        {"name": "serving_default_in_00:0", "shape": (batch, n_input), "dtype": "float32"},
        {"name": "weights_feature", "shape": (filters, n_input), "dtype": "float32",
         "data": rng.uniform(-0.8, 0.8, size=(filters, n_input))},
        {"name": "weights_time", "shape": (filters, memory), "dtype": "float32",
         "data": rng.uniform(-0.8, 0.8, size=(filters, memory))},
        {"name": "bias", "shape": (units,), "dtype": "float32",
         "data": rng.uniform(-0.5, 0.5, size=(units,))},
        {"name": "activation_state", "shape": (batch, memory * filters), "dtype": "float32",
         "is_variable": True},
        {"name": "output", "shape": (batch, units), "dtype": "float32"},
    ]


def cases() -> list[CaseSpec]:
    """9 one-operator SVDF graphs, each invoked memory + 1 times in sequence (the
    state wholly replaced once)."""
    from tensorflow.lite.python import schema_py_generated as schema

    specs = []
    for name, kind, batch, n_input, units, rank, memory, use_bias, activation in CASES:
        rng = np.random.default_rng(stable_seed("svdf", name, "data"))
        if kind == "float32":
            tensors = float_tensors(rng, batch, n_input, units, rank, memory)
        else:
            tensors, _ = quantized_tensors(
                rng, kind, batch, n_input, units, rank, memory, use_bias
            )
        options = schema.SVDFOptionsT()
        options.rank = rank
        options.fusedActivationFunction = getattr(schema.ActivationFunctionType, activation)
        options.asymmetricQuantizeInputs = False
        graph = one_op_graph(
            "SVDF",
            tensors,
            inputs=[0],
            outputs=[5],
            options=("SVDFOptions", options),
            op_inputs=[0, 1, 2, 3 if use_bias else -1, 4],
        )
        inputs = [InputSpec((batch, n_input), -1.0, 1.0)]
        specs.append(
            CaseSpec(
                name,
                lambda inputs=inputs: function_model(lambda x: x * 2.0, inputs),
                inputs,
                f"SVDF {kind}, batch {batch}, input {n_input}, units {units}, rank {rank}, "
                f"memory {memory}, {'bias' if use_bias else 'no bias'}, {activation}",
                (FLOAT32,),
                {"kind": kind, "batch": batch, "input_size": n_input, "units": units,
                 "rank": rank, "memory": memory, "bias": use_bias, "activation": activation},
                rewrite=graph,
                invokes=memory + 1,
            )
        )
    return specs
