"""IF (tf.cond), WHILE (tf.while_loop), an IF nested in a WHILE body, and
resource variables (a tf.Variable updated in the tf.function, converted with
`experimental_enable_resource_variables`: VAR_HANDLE, READ_VARIABLE,
ASSIGN_VARIABLE, and CALL_ONCE running the variable's initialisation
subgraph). The converter keeps the subgraph boundaries in float in the int8
flavour (DEQUANTIZE/QUANTIZE around IF and WHILE, a float variable)."""

from __future__ import annotations

import tensorflow as tf

from ..case import FLOAT32, INT8, CaseSpec, InputSpec

SHAPE = (1, 6)
FLAVOURS = (FLOAT32, INT8)
SIGNATURE = [tf.TensorSpec(SHAPE, tf.float32, name="in_00")]


def function(fn):
    return tf.function(fn, input_signature=SIGNATURE, autograph=False)


def branch(a):
    """then: a * 2; else: a - 1, as the sum of `a` is positive or not."""
    return tf.cond(tf.reduce_sum(a) > 0.0, lambda: a * 2.0, lambda: a - 1.0)


def loop(a):
    """Three steps of v * 1.5 + 0.25."""
    counter = tf.constant(0)
    _, result = tf.while_loop(
        lambda i, v: i < 3, lambda i, v: (i + 1, v * 1.5 + 0.25), [counter, a]
    )
    return result


def nested(a):
    """Five steps, doubling in the first two and adding 0.5 in the others (an
    IF in the WHILE body)."""

    def body(i, v):
        stepped = tf.cond(i < 2, lambda: v * 2.0, lambda: v + 0.5)
        return i + 1, stepped

    counter = tf.constant(0)
    _, result = tf.while_loop(lambda i, v: i < 5, body, [counter, a])
    return result


INITIAL = [0.75, -0.5, 0.25, 1.0, -1.0, 0.125]


class Smoother(tf.Module):
    """A streaming model: `state = 0.5 * state + x`, output `state - 0.25`;
    the state starts at INITIAL (its initialisation subgraph, run by
    CALL_ONCE at the first invoke; not constant, or the generator, seeing a
    constant READ_VARIABLE output, would redraw inputs after a reset, which
    does not run CALL_ONCE again)."""

    def __init__(self):
        super().__init__()
        self.state = tf.Variable(tf.constant([INITIAL]))
        self.function = tf.function(self.step, input_signature=SIGNATURE)

    def step(self, x):
        self.state.assign(self.state * 0.5 + x)
        return self.state.read_value() - 0.25

    def get_concrete_function(self):
        return self.function.get_concrete_function()


RESOURCE_VARIABLES = {"experimental_enable_resource_variables": True}


def cases() -> list[CaseSpec]:
    """IF both ways, WHILE, IF in WHILE, a resource variable; float32 and int8."""
    return [
        CaseSpec(
            "if_then",
            lambda: function(branch),
            [InputSpec(SHAPE, 0.1, 1.0)],
            "tf.cond taking its then-branch (positive sum)",
            FLAVOURS,
        ),
        CaseSpec(
            "if_else",
            lambda: function(branch),
            [InputSpec(SHAPE, -1.0, -0.1)],
            "tf.cond taking its else-branch (negative sum)",
            FLAVOURS,
        ),
        CaseSpec(
            "while",
            lambda: function(loop),
            [InputSpec(SHAPE)],
            "tf.while_loop, three steps",
            FLAVOURS,
        ),
        CaseSpec(
            "while_if",
            lambda: function(nested),
            [InputSpec(SHAPE)],
            "tf.cond in a tf.while_loop body",
            FLAVOURS,
        ),
        CaseSpec(
            "variable",
            Smoother,
            [InputSpec(SHAPE)],
            "a tf.Variable updated per invoke (resource variables, CALL_ONCE)",
            FLAVOURS,
            converter_options=RESOURCE_VARIABLES,
        ),
    ]
