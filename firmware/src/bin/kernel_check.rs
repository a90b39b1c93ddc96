//! Kernel self-test on the target: seeded random int8 CONV_2D,
//! DEPTHWISE_CONV_2D and FULLY_CONNECTED cases (any size, groups, stride, dilation, padding,
//! depth multiplier, quantization) through the Cortex-M kernels, with the
//! DSP or Helium code this core was built with, and through the reference
//! kernels, compared bit for bit. Prints `kernel_check conv <n> depthwise
//! <n> fully_connected <n>` and `ok`, or the first differing case and
//! `error`.
//!
//! `firmware/run.py` builds and runs it on M4, M33 and M55 (CI too); the
//! host runs the same kernels with portable inner loops in `cargo test`.
#![no_std]
#![no_main]

// The harness's semihosting console; the file access it also has is unused.
#[allow(dead_code)]
#[path = "../host.rs"]
mod host;

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use microlite_kernels::conv::{conv_per_channel_i8, ConvGeometry, ConvQuantParamsI8, NhwcShape};
use microlite_kernels::cortex_m;
use microlite_kernels::depthwise_conv::depthwise_conv_per_channel_i8;
use microlite_kernels::fully_connected::{
    fully_connected_i8, fully_connected_per_channel_i8, FullyConnectedParamsI8,
    FullyConnectedPerChannelParamsI8, FullyConnectedShape,
};

use host::Console;

/// The device interrupt vectors: none used (see `main.rs`).
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
#[used]
static __INTERRUPTS: [unsafe extern "C" fn(); 1] = [no_interrupt];

/// Handler of the one interrupt vector: never enabled.
unsafe extern "C" fn no_interrupt() {
    loop {
        core::hint::spin_loop();
    }
}

/// Cases per kernel.
const CASES: u32 = 2000;

/// Buffer sizes bounding every case.
const MAX_INPUT: usize = 9 * 9 * 24;
const MAX_FILTER: usize = 32 * 5 * 5 * 24;
const MAX_OUTPUT: usize = 9 * 9 * 72;
const MAX_CHANNELS: usize = 72;
/// The larger of the conv scratch (five bytes per window value) and the
/// depthwise scratch (accumulators, start values, a padding pixel and the
/// widened filter) of the largest cases.
const MAX_SCRATCH: usize = 8 * MAX_CHANNELS + 24 + 2 * MAX_CHANNELS * 25 + 6;

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    fn fill(&mut self, values: &mut [i8]) {
        for v in values {
            *v = self.next() as i8;
        }
    }
}

/// Buffers shared by every case.
struct Buffers {
    input: [i8; MAX_INPUT],
    filter: [i8; MAX_FILTER],
    bias: [i32; MAX_CHANNELS],
    multipliers: [i32; MAX_CHANNELS],
    shifts: [i32; MAX_CHANNELS],
    reference: [i8; MAX_OUTPUT],
    fast: [i8; MAX_OUTPUT],
    scratch: [u8; MAX_SCRATCH],
}

impl Buffers {
    /// Random inputs (`n_in`), filter values (`n_filter`) and biases
    /// (`channels`, in -100,000..=100,000), in that order.
    fn randomize(&mut self, rng: &mut Rng, n_in: usize, n_filter: usize, channels: usize) {
        rng.fill(&mut self.input[..n_in]);
        rng.fill(&mut self.filter[..n_filter]);
        for v in self.bias.iter_mut().take(channels) {
            *v = (rng.next() % 200_001) as i32 - 100_000;
        }
    }
}

/// A random window geometry and the output size it gives, if any.
fn geometry(rng: &mut Rng, in_hw: usize, k: usize) -> Option<(ConvGeometry, usize)> {
    let stride = rng.range(1, 3);
    let dilation = rng.range(1, 2);
    let extent = (k - 1) * dilation + 1;
    let padding = rng.range(0, extent - 1);
    let out = (in_hw + 2 * padding).checked_sub(extent)? / stride + 1;
    let geometry = ConvGeometry {
        stride_height: stride,
        stride_width: stride,
        dilation_height: dilation,
        dilation_width: dilation,
        padding_height: padding,
        padding_width: padding,
    };
    Some((geometry, out))
}

/// Random per-channel scales, offsets and clamps for `channels` outputs.
fn quant<'a>(
    rng: &mut Rng,
    multipliers: &'a mut [i32],
    shifts: &'a mut [i32],
    channels: usize,
) -> ConvQuantParamsI8<'a> {
    // Half the cases shift every channel right (the short output stage
    // applies); the others sometimes by zero or left (the general stage).
    let right_only = rng.next().is_multiple_of(2);
    for (m, s) in multipliers.iter_mut().zip(shifts.iter_mut()).take(channels) {
        *m = (1 << 30) + (rng.next() % (1 << 30)) as i32;
        *s = if right_only {
            -(rng.range(1, 11) as i32)
        } else {
            rng.range(0, 13) as i32 - 11
        };
    }
    // Half the cases clamp to int8's own range (the kernels' full-range
    // output stage), the others to a random narrower one.
    let (min, max) = if rng.next().is_multiple_of(2) {
        (-128, 127)
    } else {
        (-(rng.range(0, 128) as i32), rng.range(0, 127) as i32)
    };
    ConvQuantParamsI8 {
        input_offset: rng.range(0, 255) as i32 - 127,
        output_offset: rng.range(0, 255) as i32 - 128,
        output_multipliers: &multipliers[..channels],
        output_shifts: &shifts[..channels],
        activation_min: min,
        activation_max: max,
    }
}

/// One random conv case; `Err` names the first difference.
fn conv_case(rng: &mut Rng, b: &mut Buffers) -> Result<bool, &'static str> {
    let in_hw = rng.range(1, 9);
    let in_c = rng.range(1, 24);
    let groups = [1, 2, 3, 4]
        .into_iter()
        .filter(|g| in_c.is_multiple_of(*g))
        .nth(rng.range(0, 1))
        .unwrap_or(1);
    let depth = in_c / groups;
    let out_c = groups * rng.range(1, 32 / groups);
    let k = rng.range(1, 5);
    let Some((geometry, out_hw)) = geometry(rng, in_hw, k) else {
        return Ok(false);
    };
    if out_hw * out_hw * out_c > MAX_OUTPUT {
        return Ok(false);
    }
    let input_shape = NhwcShape::new(1, in_hw, in_hw, in_c);
    let filter_shape = NhwcShape::new(out_c, k, k, depth);
    let output_shape = NhwcShape::new(1, out_hw, out_hw, out_c);
    let (n_in, n_filter, n_out) = (
        in_hw * in_hw * in_c,
        out_c * k * k * depth,
        out_hw * out_hw * out_c,
    );
    b.randomize(rng, n_in, n_filter, out_c);
    let with_bias = !rng.next().is_multiple_of(4);
    let scratch_len = cortex_m::conv_scratch_len(&filter_shape);
    if scratch_len > MAX_SCRATCH {
        return Ok(false);
    }
    let Buffers {
        input,
        filter,
        bias,
        multipliers,
        shifts,
        reference,
        fast,
        scratch,
    } = b;
    let bias = with_bias.then_some(&bias[..out_c]);
    let q = quant(rng, multipliers, shifts, out_c);
    let want = conv_per_channel_i8(
        &geometry,
        &q,
        input_shape,
        &input[..n_in],
        filter_shape,
        &filter[..n_filter],
        bias,
        output_shape,
        &mut reference[..n_out],
    );
    let got = cortex_m::conv_per_channel_i8(
        &geometry,
        &q,
        input_shape,
        &input[..n_in],
        filter_shape,
        &filter[..n_filter],
        bias,
        output_shape,
        &mut fast[..n_out],
        &mut scratch[..scratch_len],
    );
    match (want, got) {
        (Ok(()), Ok(())) if reference[..n_out] == fast[..n_out] => Ok(true),
        (Ok(()), Ok(())) => Err("conv: outputs differ"),
        _ => Err("conv: one kernel failed"),
    }
}

/// One random depthwise case; `Err` names the first difference.
fn depthwise_case(rng: &mut Rng, b: &mut Buffers) -> Result<bool, &'static str> {
    let in_hw = rng.range(1, 9);
    let in_c = rng.range(1, 24);
    let multiplier = if rng.next().is_multiple_of(3) {
        [2, 3, 4, 6, 8][rng.range(0, 4)]
    } else {
        1
    };
    let out_c = in_c * multiplier;
    if out_c > MAX_CHANNELS {
        return Ok(false);
    }
    let k = rng.range(1, 5);
    let Some((geometry, out_hw)) = geometry(rng, in_hw, k) else {
        return Ok(false);
    };
    if out_hw * out_hw * out_c > MAX_OUTPUT {
        return Ok(false);
    }
    let input_shape = NhwcShape::new(1, in_hw, in_hw, in_c);
    let filter_shape = NhwcShape::new(1, k, k, out_c);
    let output_shape = NhwcShape::new(1, out_hw, out_hw, out_c);
    let (n_in, n_filter, n_out) = (in_hw * in_hw * in_c, k * k * out_c, out_hw * out_hw * out_c);
    b.randomize(rng, n_in, n_filter, out_c);
    let scratch_len = cortex_m::depthwise_scratch_len(in_c, &filter_shape);
    if scratch_len > MAX_SCRATCH {
        return Ok(false);
    }
    let Buffers {
        input,
        filter,
        bias,
        multipliers,
        shifts,
        reference,
        fast,
        scratch,
    } = b;
    let q = quant(rng, multipliers, shifts, out_c);
    let want = depthwise_conv_per_channel_i8(
        &geometry,
        multiplier,
        &q,
        input_shape,
        &input[..n_in],
        filter_shape,
        &filter[..n_filter],
        Some(&bias[..out_c]),
        output_shape,
        &mut reference[..n_out],
    );
    let got = cortex_m::depthwise_conv_per_channel_i8(
        &geometry,
        multiplier,
        &q,
        input_shape,
        &input[..n_in],
        filter_shape,
        &filter[..n_filter],
        Some(&bias[..out_c]),
        output_shape,
        &mut fast[..n_out],
        &mut scratch[..scratch_len],
    );
    match (want, got) {
        (Ok(()), Ok(())) if reference[..n_out] == fast[..n_out] => Ok(true),
        (Ok(()), Ok(())) => Err("depthwise: outputs differ"),
        _ => Err("depthwise: one kernel failed"),
    }
}

/// One random fully connected case (per-tensor or per-unit scales); `Err`
/// names the first difference.
fn fully_connected_case(rng: &mut Rng, b: &mut Buffers) -> Result<bool, &'static str> {
    let batches = rng.range(1, 3);
    let depth = rng.range(1, 64);
    let units = rng.range(1, MAX_CHANNELS);
    let shape = FullyConnectedShape {
        batches,
        input_depth: depth,
        output_depth: units,
    };
    let (n_in, n_filter, n_out) = (batches * depth, units * depth, batches * units);
    if n_in > MAX_INPUT || n_filter > MAX_FILTER || n_out > MAX_OUTPUT {
        return Ok(false);
    }
    b.randomize(rng, n_in, n_filter, units);
    let per_unit = rng.next().is_multiple_of(2);
    let Buffers {
        input,
        filter,
        bias,
        multipliers,
        shifts,
        reference,
        fast,
        ..
    } = b;
    let q = quant(rng, multipliers, shifts, units);
    let scales = if per_unit { units } else { 1 };
    let q = ConvQuantParamsI8 {
        output_multipliers: &q.output_multipliers[..scales],
        output_shifts: &q.output_shifts[..scales],
        ..q
    };
    let bias = Some(&bias[..units]);
    let want = if per_unit {
        let params = FullyConnectedPerChannelParamsI8 {
            input_offset: q.input_offset,
            output_offset: q.output_offset,
            output_multipliers: q.output_multipliers,
            output_shifts: q.output_shifts,
            activation_min: q.activation_min,
            activation_max: q.activation_max,
        };
        fully_connected_per_channel_i8(
            &params,
            shape,
            &input[..n_in],
            &filter[..n_filter],
            bias,
            &mut reference[..n_out],
        )
    } else {
        let params = FullyConnectedParamsI8 {
            input_offset: q.input_offset,
            filter_offset: 0,
            output_offset: q.output_offset,
            output_multiplier: q.output_multipliers[0],
            output_shift: q.output_shifts[0],
            activation_min: q.activation_min,
            activation_max: q.activation_max,
        };
        fully_connected_i8(
            &params,
            shape,
            &input[..n_in],
            &filter[..n_filter],
            bias,
            &mut reference[..n_out],
        )
    };
    let ran = cortex_m::fully_connected_i8(
        shape,
        &q,
        &input[..n_in],
        &filter[..n_filter],
        bias,
        &mut fast[..n_out],
    );
    match (want, ran) {
        (Ok(()), true) if reference[..n_out] == fast[..n_out] => Ok(true),
        (Ok(()), true) => Err("fully connected: outputs differ"),
        _ => Err("fully connected: one kernel failed"),
    }
}

/// Runs every case; the numbers of conv, depthwise and fully connected
/// cases run.
fn run(b: &mut Buffers) -> Result<[u32; 3], &'static str> {
    let mut rng = Rng(0x6d69_6372_6f6c_6974);
    let mut counts = [0; 3];
    for _ in 0..CASES {
        counts[0] += u32::from(conv_case(&mut rng, b)?);
        counts[1] += u32::from(depthwise_case(&mut rng, b)?);
        counts[2] += u32::from(fully_connected_case(&mut rng, b)?);
    }
    Ok(counts)
}

#[entry]
fn main() -> ! {
    let mut console = Console::open();
    let mut buffers = Buffers {
        input: [0; MAX_INPUT],
        filter: [0; MAX_FILTER],
        bias: [0; MAX_CHANNELS],
        multipliers: [0; MAX_CHANNELS],
        shifts: [0; MAX_CHANNELS],
        reference: [0; MAX_OUTPUT],
        fast: [0; MAX_OUTPUT],
        scratch: [0; MAX_SCRATCH],
    };
    let status = match run(&mut buffers) {
        Ok([convs, depthwises, fully_connected]) => {
            console
                .str("kernel_check conv ")
                .dec(convs)
                .str(" depthwise ")
                .dec(depthwises)
                .str(" fully_connected ")
                .dec(fully_connected)
                .end();
            console.str("ok").end();
            debug::EXIT_SUCCESS
        }
        Err(what) => {
            console.str("error ").str(what).end();
            debug::EXIT_FAILURE
        }
    };
    debug::exit(status);
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    let mut console = Console::open();
    console.str("panic").end();
    debug::exit(debug::EXIT_FAILURE);
    loop {
        core::hint::spin_loop();
    }
}
