"""TFLM's signal library (custom ops `Signal*`, options in a FlexBuffer map)
as one-operator graphs: WINDOW, FFT_AUTO_SCALE, RFFT and IRFFT (int16, int32,
float32; lengths with radix-4 and radix-2 stages), ENERGY, FILTER_BANK,
FILTER_BANK_SQUARE_ROOT, FILTER_BANK_SPECTRAL_SUBTRACTION, PCAN,
FILTER_BANK_LOG, DELAY, FRAMER, STACKER and OVERLAP_ADD (the stateful ones:
four invokes in a row, state carried from one to the next). Integer inputs are drawn over
their type's full range (int16) or 0..100 (uint32, uint64)."""

from __future__ import annotations

import numpy as np

from ..case import FLOAT32, CaseSpec, InputSpec
from .common import function_model, one_op_graph

T_CODES = {"float32": 0, "int32": 2, "int16": 7}


def _input(k: int, shape, dtype: str) -> dict:
    return {"name": f"serving_default_in_{k:02d}:0", "shape": shape, "dtype": dtype}


def _case(name, description, code, tensors, inputs, outputs, options, params, invokes=1):
    specs = [InputSpec(tuple(tensors[k]["shape"]), -1.0, 1.0) for k in inputs]
    graph = one_op_graph(
        f"CUSTOM:{code}", tensors, inputs=inputs, outputs=outputs, custom_options=options
    )
    return CaseSpec(
        name,
        lambda specs=specs: function_model(lambda *xs: [x * 2.0 for x in xs], specs),
        specs,
        description,
        (FLOAT32,),
        params,
        rewrite=graph,
        invokes=invokes,
    )


def _fft_cases() -> list[CaseSpec]:
    specs = []
    # (type, frames, real frame length, fft_length)
    for dtype, frames, frame, length in (
        ("int16", 2, 12, 16),
        ("int16", 1, 64, 64),
        ("int32", 1, 16, 16),
        ("int32", 2, 5, 8),
        ("float32", 3, 32, 32),
        ("float32", 1, 100, 128),
    ):
        bins = 2 * (length // 2 + 1)
        options = {"T": T_CODES[dtype], "fft_length": length}
        specs.append(
            _case(
                f"rfft_{dtype}_{frames}x{frame}_fft{length}",
                f"SignalRfft {dtype}, {frames} frames of {frame} samples, fft_length {length}",
                "SignalRfft",
                [_input(0, (frames, frame), dtype), {"name": "spectrum", "shape": (frames, bins), "dtype": dtype}],
                [0],
                [1],
                options,
                {"dtype": dtype, "frames": frames, "frame": frame, "fft_length": length},
            )
        )
    for dtype, frames, length in (("int16", 2, 16), ("int32", 1, 32), ("float32", 2, 64)):
        bins = 2 * (length // 2 + 1)
        options = {"T": T_CODES[dtype], "fft_length": length}
        specs.append(
            _case(
                f"irfft_{dtype}_{frames}x_fft{length}",
                f"SignalIrfft {dtype}, {frames} spectra, fft_length {length}",
                "SignalIrfft",
                [_input(0, (frames, bins), dtype), {"name": "signal", "shape": (frames, length), "dtype": dtype}],
                [0],
                [1],
                options,
                {"dtype": dtype, "frames": frames, "fft_length": length},
            )
        )
    specs += _stream_cases()
    return specs


def _stream_cases() -> list[CaseSpec]:
    """The ops that keep samples across invokes (first invoke)."""
    specs = [
        _case(
            "delay_4",
            "SignalDelay of 2 channels of 6 int16 samples by 4",
            "SignalDelay",
            [_input(0, (2, 6), "int16"), {"name": "delayed", "shape": (2, 6), "dtype": "int16"}],
            [0],
            [1],
            {"delay_length": 4},
            {},
            invokes=4,
        ),
        _case(
            "framer_6_step_4_prefill",
            "SignalFramer of 2 channels of 8 int16 samples, frames of 6 every 4, prefilled",
            "SignalFramer",
            [
                _input(0, (2, 8), "int16"),
                {"name": "frames", "shape": (2, 2, 6), "dtype": "int16"},
                {"name": "valid", "shape": (), "dtype": "bool"},
            ],
            [0],
            [1, 2],
            {"frame_size": 6, "frame_step": 4, "prefill": True},
            {},
            invokes=4,
        ),
        _case(
            "stacker_left_2",
            "SignalStacker of 4 channels, left context 2, right 0, step 1",
            "SignalStacker",
            [
                _input(0, (4,), "int16"),
                {"name": "stacked", "shape": (12,), "dtype": "int16"},
                {"name": "valid", "shape": (), "dtype": "bool"},
            ],
            [0],
            [1, 2],
            {
                "num_channels": 4,
                "stacker_left_context": 2,
                "stacker_right_context": 0,
                "stacker_step": 1,
            },
            {},
            invokes=4,
        ),
    ]
    for dtype, shape, step in (("int16", (2, 3, 8), 4), ("float32", (3, 6), 2)):
        out = shape[:-2] + (shape[-2] * step,)
        specs.append(
            _case(
                f"overlap_add_{dtype}",
                f"SignalOverlapAdd {dtype} of {list(shape)} frames, step {step}",
                "SignalOverlapAdd",
                [_input(0, shape, dtype), {"name": "added", "shape": out, "dtype": dtype}],
                [0],
                [1],
                {"T": T_CODES[dtype], "frame_step": step},
                {"dtype": dtype},
                invokes=4,
            )
        )
    return specs


def cases() -> list[CaseSpec]:
    """24 cases."""
    rng = np.random.default_rng(15)
    specs = []
    window = rng.integers(-20000, 32767, size=8).astype(np.int16)
    for shift in (12, 0):
        specs.append(
            _case(
                f"window_shift{shift}",
                f"SignalWindow of 2 frames of 8 int16 samples, shift {shift}",
                "SignalWindow",
                [
                    _input(0, (2, 8), "int16"),
                    {"name": "window", "shape": (8,), "dtype": "int16", "data": window},
                    {"name": "windowed", "shape": (2, 8), "dtype": "int16"},
                ],
                [0],
                [2],
                {"shift": shift},
                {"shift": shift},
            )
        )
    specs.append(
        _case(
            "fft_auto_scale",
            "SignalFftAutoScale of 24 int16 samples",
            "SignalFftAutoScale",
            [
                _input(0, (24,), "int16"),
                {"name": "scaled", "shape": (24,), "dtype": "int16"},
                {"name": "scale_bits", "shape": (), "dtype": "int32"},
            ],
            [0],
            [1, 2],
            {},
            {},
        )
    )
    specs += _fft_cases()
    specs.append(
        _case(
            "energy",
            "SignalEnergy of all 9 bins of an int16 spectrum",
            "SignalEnergy",
            [_input(0, (18,), "int16"), {"name": "energy", "shape": (9,), "dtype": "uint32"}],
            [0],
            [1],
            {"end_index": 9, "start_index": 0},
            {},
        )
    )
    # 3 channels over 9 bins; channel 0 of the tables is scratch.
    weights = np.array([100, 2000, 3000, 4000, 4096, 1000, 50, 7, -5], dtype=np.int16)
    specs.append(
        _case(
            "filter_bank",
            "SignalFilterBank, 3 channels over 9 bins (one negative weight)",
            "SignalFilterBank",
            [
                _input(0, (9,), "uint32"),
                {"name": "weights", "shape": (9,), "dtype": "int16", "data": weights},
                {"name": "unweights", "shape": (9,), "dtype": "int16", "data": 4096 - weights},
                {"name": "starts", "shape": (4,), "dtype": "int16", "data": [0, 2, 4, 6]},
                {"name": "weight_starts", "shape": (4,), "dtype": "int16", "data": [0, 2, 4, 6]},
                {"name": "widths", "shape": (4,), "dtype": "int16", "data": [2, 2, 2, 3]},
                {"name": "channels", "shape": (3,), "dtype": "uint64"},
            ],
            [0],
            [6],
            {"num_channels": 3},
            {},
        )
    )
    specs.append(
        _case(
            "filter_bank_square_root",
            "SignalFilterBankSquareRoot of 7 uint64 channels, scale bits 1",
            "SignalFilterBankSquareRoot",
            [
                _input(0, (7,), "uint64"),
                {"name": "scale_bits", "shape": (), "dtype": "int32", "data": 1},
                {"name": "roots", "shape": (7,), "dtype": "uint32"},
            ],
            [0],
            [2],
            {},
            {},
        )
    )
    for clamping in (False, True):
        options = {
            "alternate_one_minus_smoothing": 15401,
            "alternate_smoothing": 983,
            "clamping": clamping,
            "min_signal_remaining": 819,
            "num_channels": 6,
            "one_minus_smoothing": 15975,
            "smoothing": 409,
            "smoothing_bits": 10,
            "spectral_subtraction_bits": 14,
        }
        specs.append(
            _case(
                f"spectral_subtraction_clamping_{str(clamping).lower()}",
                f"SignalFilterBankSpectralSubtraction of 6 channels, clamping {clamping}",
                "SignalFilterBankSpectralSubtraction",
                [
                    _input(0, (6,), "uint32"),
                    {"name": "subtracted", "shape": (6,), "dtype": "uint32"},
                    {"name": "noise_estimate", "shape": (6,), "dtype": "uint32"},
                ],
                [0],
                [1, 2],
                options,
                {"clamping": clamping},
                invokes=4,
            )
        )
    gain_lut = (np.arange(125) * -37 % 4001 + 200).astype(np.int16)
    specs.append(
        _case(
            "pcan",
            "SignalPCAN of 8 channels, snr_shift 6, a synthetic gain table",
            "SignalPCAN",
            [
                _input(0, (8,), "uint32"),
                _input(1, (8,), "uint32"),
                {"name": "gain_lut", "shape": (125,), "dtype": "int16", "data": gain_lut},
                {"name": "gained", "shape": (8,), "dtype": "uint32"},
            ],
            [0, 1],
            [3],
            {"snr_shift": 6},
            {},
        )
    )
    specs.append(
        _case(
            "filter_bank_log",
            "SignalFilterBankLog of 10 channels, correction bits 3, output scale 64",
            "SignalFilterBankLog",
            [_input(0, (10,), "uint32"), {"name": "log", "shape": (10,), "dtype": "int16"}],
            [0],
            [1],
            {"input_correction_bits": 3, "output_scale": 64},
            {},
        )
    )
    return specs
