//! Int8 CONV_2D and DEPTHWISE_CONV_2D kernels for microcontrollers, the
//! fast set ([`Backend::CortexM`](crate::optimized::Backend::CortexM), the
//! default on bare-metal targets; [`crate::compact`] is the small set):
//! bit-exact with the reference kernels ([`crate::conv`],
//! [`crate::depthwise_conv`]), any stride, dilation, padding, groups and
//! depth multiplier.
//!
//! * CONV_2D: the window of two output pixels at a time is gathered as
//!   int16 (input plus input offset) im2col *columns* ([`lanes`]), and each
//!   pair of output channels is a 2x2 block of dot products: on cores with
//!   the Arm DSP extension, `SXTB16` widens four filter values and `SMLAD`
//!   does two multiply-adds ([`crate::arch`]), elsewhere plain Rust.
//! * DEPTHWISE_CONV_2D: per output pixel, four channels at a time in
//!   registers over every filter tap. A tap outside the image reads the
//!   value `-input_offset` (an int8: the offset is minus an int8 zero
//!   point), which contributes `(-input_offset + input_offset) * w = 0`; so
//!   every tap is summed, and since `(x + o) * w = x * w + o * w` in
//!   wrapping int32 arithmetic (a ring), the offset term is added once per
//!   channel as `o * sum(w)`. Integer addition is associative, so the order
//!   of the sums does not change the bits either.
//! * The output stage keeps TFLM's double rounding ([`output_stage`]).
//!
//! The same code (with portable inner loops) runs on hosts as a backend
//! like any other, so the golden suites test its layout and loops there.

use crate::compact::{
    depthwise_setup, padding_value, part, tap_position, DepthwiseScratch, ALIGN_SLACK,
};
use crate::conv::{check_conv, ConvGeometry, ConvQuantParamsI8, NhwcShape};
use crate::KernelError;

mod lanes;
mod output_stage;

use output_stage::{requantize, requantize_lanes, ShortStage};

/// Scratch bytes [`conv_per_channel_i8`] needs for `filter_shape`: the
/// int16 im2col columns of two output pixels (`4 * KH * KW * C` bytes, see
/// [`lanes`]), two int32 sums per output channel (Helium keeps a pixel
/// pair's sums there between its dot products and its vector output
/// stage) and one window of int8 inputs (`KH * KW * C` bytes, where rows
/// of a length other than a multiple of four are gathered before they are
/// widened), plus 3 bytes to align them.
pub fn conv_scratch_len(filter_shape: &NhwcShape) -> usize {
    let window = filter_shape
        .height
        .saturating_mul(filter_shape.width)
        .saturating_mul(filter_shape.depth);
    lanes::columns_len(window)
        .saturating_mul(2)
        .saturating_add(filter_shape.batches.saturating_mul(8))
        .saturating_add(window)
        .saturating_add(ALIGN_SLACK)
}

/// Scratch bytes [`depthwise_conv_per_channel_i8`] needs for
/// `input_depth` input channels and `filter_shape` (`[1, KH, KW, out]`):
/// an int32 accumulator and an int32 start value per output channel, one
/// padding pixel of input channels, and the filter widened to int16 pairs
/// (`2 * KH * KW` bytes per output channel, see [`lanes`]), plus 3 bytes
/// to align each set of words.
pub fn depthwise_scratch_len(input_depth: usize, filter_shape: &NhwcShape) -> usize {
    let output_depth = filter_shape.depth;
    let taps = filter_shape.height.saturating_mul(filter_shape.width);
    output_depth
        .saturating_mul(8)
        .saturating_add(input_depth)
        .saturating_add(ALIGN_SLACK)
        .saturating_add(
            widened_filter_words(input_depth, output_depth, taps)
                .saturating_mul(4)
                .saturating_add(ALIGN_SLACK),
        )
}

/// Words of the widened filter a depthwise conv keeps in its scratch:
/// only a depth multiplier of 1 with up to [`TAP_GROUP`] taps uses it.
fn widened_filter_words(input_depth: usize, output_depth: usize, taps: usize) -> usize {
    if input_depth == output_depth && taps <= TAP_GROUP {
        lanes::widened_depthwise_filter_len(output_depth, taps)
    } else {
        0
    }
}

/// Whether these kernels take `input_offset`: minus an int8 zero point, as
/// every int8 model's (the ops check zero points at prepare); the same
/// condition as [`crate::compact`]'s.
pub fn supports_input_offset(input_offset: i32) -> bool {
    crate::compact::supports_input_offset(input_offset)
}

/// Int8 CONV_2D with per-channel output scales, grouped or not, any
/// stride, dilation and padding: the result bits of
/// [`crate::conv::conv_per_channel_i8`]. `scratch` holds
/// [`conv_scratch_len`] bytes.
#[allow(clippy::too_many_arguments)]
pub fn conv_per_channel_i8(
    geometry: &ConvGeometry,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i8],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Option<&[i32]>,
    output_shape: NhwcShape,
    output: &mut [i8],
    scratch: &mut [u8],
) -> Result<(), KernelError> {
    let groups = check_conv(
        geometry,
        (&input_shape, input.len()),
        (&filter_shape, filter.len()),
        bias.map(<[i32]>::len),
        (&output_shape, output.len()),
    )?;
    quant.check(output_shape.depth)?;
    // Checked: minus an int8 zero point, so x + offset fits an i16.
    let offset = i16::from(padding_value(quant.input_offset)?).wrapping_neg();
    let depth = groups.filter_input_depth;
    let (kh, kw) = (filter_shape.height, filter_shape.width);
    // Validated by check_window_shapes (the filter's element count fits).
    let window = kh * kw * depth;
    let short = KernelError::SizeOverflow { what: "scratch" };
    let skip = scratch.as_ptr().align_offset(4);
    let column_bytes = lanes::columns_len(window).checked_mul(2).ok_or(short)?;
    let (columns, rest) = scratch
        .get_mut(skip..)
        .ok_or(short)?
        .split_at_mut_checked(column_bytes)
        .ok_or(short)?;
    let columns: &mut [i16] = bytemuck::try_cast_slice_mut(columns).map_err(|_| short)?;
    let sums_bytes = output_shape.depth.checked_mul(8).ok_or(short)?;
    let (sums, staging) = rest.split_at_mut_checked(sums_bytes).ok_or(short)?;
    // Column bytes are a multiple of four, so the sums stay aligned.
    let sums: &mut [i32] = bytemuck::try_cast_slice_mut(sums).map_err(|_| short)?;
    #[cfg(not(microlite_arm_mve))]
    let _ = &sums; // Only Helium keeps sums between its two stages.
    let staging: &mut [i8] = bytemuck::cast_slice_mut(staging.get_mut(..window).ok_or(short)?);
    let out_depth = output_shape.depth;
    let per_group = groups.filters_per_group.max(1);
    let plane = output_shape.height * output_shape.width;
    let pixel_count = output_shape.batches * plane;
    let short_stage = ShortStage::new(quant, bias, window);
    // A 1x1 conv over the whole input, stride 1, without groups: each
    // output pixel's window is its input pixel's channels.
    let pointwise = kh == 1
        && kw == 1
        && depth == input_shape.depth
        && (geometry.stride_height, geometry.stride_width) == (1, 1)
        && (geometry.padding_height, geometry.padding_width) == (0, 0)
        && (output_shape.height, output_shape.width) == (input_shape.height, input_shape.width)
        && output_shape.batches == input_shape.batches;
    // Output pixels two at a time (an odd last one pairs with itself), each
    // group's output channels two at a time (likewise).
    for first in (0..pixel_count).step_by(2) {
        let second = (first + 1).min(pixel_count - 1);
        for group_start in (0..out_depth).step_by(per_group) {
            let input_start = (group_start / per_group) * depth;
            for (lane, pixel) in [first, second].into_iter().enumerate() {
                if pointwise {
                    // Output pixel p reads input pixel p.
                    let run = part(input, pixel * depth, depth, "input index")?;
                    lanes::write_columns(columns, window, lane, 0, depth, Some(run), offset);
                    continue;
                }
                let (b, rest) = (pixel / plane.max(1), pixel % plane.max(1));
                let position = (
                    rest / output_shape.width.max(1),
                    rest % output_shape.width.max(1),
                );
                // A filter row whose taps all lie in the image, undilated,
                // without groups, reads `KW * C` contiguous inputs: one run.
                let whole_rows = geometry.dilation_width == 1 && depth == input_shape.depth;
                if whole_rows
                    && lanes::write_interior_columns(
                        columns,
                        window,
                        lane,
                        staging,
                        input,
                        interior_window(geometry, &input_shape, (kh, kw), b, position),
                        offset,
                    )
                {
                    continue;
                }
                if whole_rows {
                    // A window reaching into the padding: gathered row by
                    // row as int8, padding taps holding the value that
                    // the input offset cancels, then widened at once.
                    let pad = offset.wrapping_neg() as i8;
                    gather_border_window(
                        staging,
                        geometry,
                        &input_shape,
                        (kh, kw),
                        b,
                        position,
                        input,
                        pad,
                    )?;
                    lanes::write_columns(columns, window, lane, 0, window, Some(staging), offset);
                    continue;
                }
                for fy in 0..kh {
                    let first_tap = tap_position(geometry, &input_shape, position, (fy, 0));
                    let last_tap =
                        tap_position(geometry, &input_shape, position, (fy, kw.saturating_sub(1)));
                    if let (true, Some((y, x)), Some(_)) = (whole_rows, first_tap, last_tap) {
                        let run = part(
                            input,
                            input_shape.offset(b, y, x, input_start),
                            kw * depth,
                            "input index",
                        )?;
                        let at = fy * kw * depth;
                        lanes::write_columns(
                            columns,
                            window,
                            lane,
                            at,
                            kw * depth,
                            Some(run),
                            offset,
                        );
                        continue;
                    }
                    for fx in 0..kw {
                        let values = match tap_position(geometry, &input_shape, position, (fy, fx))
                        {
                            Some((y, x)) => Some(part(
                                input,
                                input_shape.offset(b, y, x, input_start),
                                depth,
                                "input index",
                            )?),
                            None => None,
                        };
                        let tap = (fy * kw + fx) * depth;
                        lanes::write_columns(columns, window, lane, tap, depth, values, offset);
                    }
                }
            }
            let group_end = (group_start + per_group).min(out_depth);
            let channels = group_end - group_start;
            let rows = part(
                filter,
                group_start * window,
                channels * window,
                "filter index",
            )?;
            let bias = match bias {
                Some(bias) => Some(part(bias, group_start, channels, "bias index")?),
                None => None,
            };
            let scales = (
                part(
                    quant.output_multipliers,
                    group_start,
                    channels,
                    "output multipliers",
                )?,
                part(quant.output_shifts, group_start, channels, "output shifts")?,
            );
            let out_a = first * out_depth + group_start;
            let out_b = second * out_depth + group_start;
            let short = KernelError::SizeOverflow {
                what: "output index",
            };
            if second == first {
                let a = output.get_mut(out_a..out_a + channels).ok_or(short)?;
                channel_pairs(columns, rows, window, bias, scales, quant, a, None);
            } else {
                // Pixels in order: the second's outputs lie after the first's.
                let (head, tail) = output.split_at_mut_checked(out_b).ok_or(short)?;
                let a = head.get_mut(out_a..out_a + channels).ok_or(short)?;
                let b = tail.get_mut(..channels).ok_or(short)?;
                // Whole channel pairs with the short output stage, the
                // rest (an odd last channel, or every channel when the
                // short stage does not apply) with the general one.
                let done = match short_stage {
                    #[cfg(microlite_arm_mve)]
                    Some(_) if bias.is_some() => {
                        helium_channel_pairs(columns, rows, window, bias, scales, quant, sums, a, b)
                    }
                    #[cfg(all(microlite_arm_dsp, not(microlite_arm_mve)))]
                    Some(stage) if stage.full_range() && bias.is_some() => {
                        2 * crate::arch::arm_dsp::conv_pairs_full_range(
                            bytemuck::try_cast_slice(columns).unwrap_or(&[]),
                            bytemuck::cast_slice(rows),
                            window,
                            bias.unwrap_or(&[]),
                            scales.0,
                            scales.1,
                            stage.rounding(),
                            a,
                            b,
                        )
                    }
                    Some(stage) if stage.full_range() => channel_pairs_short::<true>(
                        columns, rows, window, bias, scales, stage, a, b,
                    ),
                    Some(stage) => channel_pairs_short::<false>(
                        columns, rows, window, bias, scales, stage, a, b,
                    ),
                    None => 0,
                };
                if done < channels {
                    let (rows, bias) = (
                        rows.get(done * window..).unwrap_or(&[]),
                        bias.map(|bias| bias.get(done..).unwrap_or(&[])),
                    );
                    let scales = (
                        scales.0.get(done..).unwrap_or(&[]),
                        scales.1.get(done..).unwrap_or(&[]),
                    );
                    let (a, b) = (&mut a[done..], &mut b[done..]);
                    channel_pairs(columns, rows, window, bias, scales, quant, a, Some(b));
                }
            }
        }
    }
    Ok(())
}

/// The window of output pixel (`out_y`, `out_x`) of batch `b` of a conv
/// without groups or horizontal dilation, gathered row by row into
/// `staging` (`KH * KW * C` int8 values): each filter row's taps inside
/// the image are one contiguous run of the input; taps outside it hold
/// `pad`.
#[allow(clippy::too_many_arguments)]
fn gather_border_window(
    staging: &mut [i8],
    geometry: &ConvGeometry,
    input_shape: &NhwcShape,
    (kh, kw): (usize, usize),
    b: usize,
    (out_y, out_x): (usize, usize),
    input: &[i8],
    pad: i8,
) -> Result<(), KernelError> {
    let channels = input_shape.depth;
    let row_len = kw * channels;
    if row_len == 0 {
        return Ok(());
    }
    // Tap fx reads column x0 + fx - padding_width.
    let x0 = out_x * geometry.stride_width;
    let (pw, width) = (geometry.padding_width, input_shape.width);
    let fx_lo = pw.saturating_sub(x0).min(kw);
    let fx_hi = (width + pw).saturating_sub(x0).min(kw).max(fx_lo);
    for (fy, row) in staging.chunks_exact_mut(row_len).enumerate().take(kh) {
        let y = (out_y * geometry.stride_height + fy * geometry.dilation_height)
            .checked_sub(geometry.padding_height)
            .filter(|&y| y < input_shape.height);
        let Some(y) = y.filter(|_| fx_hi > fx_lo) else {
            row.fill(pad);
            continue;
        };
        let (head, rest) = row.split_at_mut(fx_lo * channels);
        let (run, tail) = rest.split_at_mut((fx_hi - fx_lo) * channels);
        head.fill(pad);
        tail.fill(pad);
        let x = x0 + fx_lo - pw;
        run.copy_from_slice(part(
            input,
            input_shape.offset(b, y, x, 0),
            run.len(),
            "input index",
        )?);
    }
    Ok(())
}

/// Where the window of output pixel `position` of batch `b` lies in the
/// input when every tap is inside the image: the first tap's input index,
/// the index step between filter rows, and the filter rows' count and
/// length (`KW * C`); `None` when a tap falls in the padding.
#[inline(always)]
fn interior_window(
    geometry: &ConvGeometry,
    input_shape: &NhwcShape,
    (kh, kw): (usize, usize),
    b: usize,
    (out_y, out_x): (usize, usize),
) -> Option<lanes::InteriorWindow> {
    let y = (out_y * geometry.stride_height).checked_sub(geometry.padding_height)?;
    let x = (out_x * geometry.stride_width).checked_sub(geometry.padding_width)?;
    let inside = y + kh.saturating_sub(1) * geometry.dilation_height < input_shape.height
        && x + kw.saturating_sub(1) * geometry.dilation_width < input_shape.width;
    inside.then(|| lanes::InteriorWindow {
        start: input_shape.offset(b, y, x, 0),
        row_step: geometry.dilation_height * input_shape.width * input_shape.depth,
        rows: kh,
        row_len: kw * input_shape.depth,
    })
}

/// The outputs of one group's channels for pixels A and B (`out_b`; `None`
/// when A is the last, odd, pixel) from their `columns`: channels two at a
/// time ([`lanes::dot_2x2`]), an odd last channel paired with itself.
/// `rows` holds the group's filter rows of `window` values, `bias` and
/// `scales` (multipliers, shifts) one value per channel.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn channel_pairs(
    columns: &[i16],
    rows: &[i8],
    window: usize,
    bias: Option<&[i32]>,
    (multipliers, shifts): (&[i32], &[i32]),
    quant: &ConvQuantParamsI8<'_>,
    out_a: &mut [i8],
    mut out_b: Option<&mut [i8]>,
) {
    let channels = out_a.len();
    for c in (0..channels).step_by(2) {
        let d = (c + 1).min(channels - 1);
        let (Some(row_a), Some(row_b)) = (
            rows.get(c * window..(c + 1) * window),
            rows.get(d * window..(d + 1) * window),
        ) else {
            return;
        };
        let (bias_c, bias_d) = match bias {
            Some(bias) => (
                bias.get(c).copied().unwrap_or(0),
                bias.get(d).copied().unwrap_or(0),
            ),
            None => (0, 0),
        };
        let acc = lanes::dot_2x2(columns, row_a, row_b, [bias_c, bias_d, bias_c, bias_d]);
        let (Some(&m_c), Some(&m_d), Some(&s_c), Some(&s_d)) = (
            multipliers.get(c),
            multipliers.get(d),
            shifts.get(c),
            shifts.get(d),
        ) else {
            return;
        };
        let [a_c, b_c] = requantize_lanes([acc[0], acc[2]], m_c, s_c, quant);
        let [a_d, b_d] = requantize_lanes([acc[1], acc[3]], m_d, s_d, quant);
        store(out_a, c, a_c);
        store(out_a, d, a_d);
        if let Some(out_b) = out_b.as_deref_mut() {
            store(out_b, c, b_c);
            store(out_b, d, b_d);
        }
    }
}

/// [`channel_pairs`] for two pixels on Helium, over whole channel pairs
/// (the output stage's shifts all in `-31..=-1`: the caller's
/// [`ShortStage`]): every pair's sums into `sums` (A's, then B's), then
/// the vector output stage over each pixel's run. Returns the channels
/// done.
#[cfg(microlite_arm_mve)]
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn helium_channel_pairs(
    columns: &[i16],
    rows: &[i8],
    window: usize,
    bias: Option<&[i32]>,
    (multipliers, shifts): (&[i32], &[i32]),
    quant: &ConvQuantParamsI8<'_>,
    sums: &mut [i32],
    out_a: &mut [i8],
    out_b: &mut [i8],
) -> usize {
    use crate::arch::arm_mve;
    let channels = out_a.len();
    let (sums_a, sums_b) = sums.split_at_mut(sums.len() / 2);
    let (column_a, column_b) = columns.split_at(columns.len().min(window));
    let pairs = arm_mve::conv_pair_sums(
        column_a,
        column_b,
        rows,
        window,
        bias.unwrap_or(&[]),
        sums_a.get_mut(..channels).unwrap_or(&mut []),
        sums_b.get_mut(..channels).unwrap_or(&mut []),
    );
    let done = 2 * pairs;
    let stage = (
        quant.output_offset,
        quant.activation_min,
        quant.activation_max,
    );
    for (sums, out) in [(&*sums_a, out_a), (&*sums_b, out_b)] {
        arm_mve::requantize_run(
            sums.get(..done).unwrap_or(&[]),
            multipliers,
            shifts,
            stage,
            out,
        );
    }
    done
}

/// [`channel_pairs`] for two pixels with the [`ShortStage`] (`FULL_RANGE`
/// as [`ShortStage::full_range`]), over whole channel pairs: returns the
/// channels done (an odd last one is left to the caller).
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn channel_pairs_short<const FULL_RANGE: bool>(
    columns: &[i16],
    rows: &[i8],
    window: usize,
    bias: Option<&[i32]>,
    (multipliers, shifts): (&[i32], &[i32]),
    stage: ShortStage,
    out_a: &mut [i8],
    out_b: &mut [i8],
) -> usize {
    if window == 0 {
        return 0;
    }
    let pairs = rows
        .chunks_exact(2 * window)
        .zip(multipliers.chunks_exact(2))
        .zip(shifts.chunks_exact(2))
        .zip(out_a.chunks_exact_mut(2))
        .zip(out_b.chunks_exact_mut(2));
    let mut done = 0;
    for ((((rows, m), s), a), b) in pairs {
        let (row_c, row_d) = rows.split_at(window);
        let (bias_c, bias_d) = match bias {
            Some(bias) => (
                bias.get(done).copied().unwrap_or(0),
                bias.get(done + 1).copied().unwrap_or(0),
            ),
            None => (0, 0),
        };
        let acc = lanes::dot_2x2(columns, row_c, row_d, [bias_c, bias_d, bias_c, bias_d]);
        a[0] = stage.apply::<FULL_RANGE>(acc[0], m[0], s[0]);
        a[1] = stage.apply::<FULL_RANGE>(acc[1], m[1], s[1]);
        b[0] = stage.apply::<FULL_RANGE>(acc[2], m[0], s[0]);
        b[1] = stage.apply::<FULL_RANGE>(acc[3], m[1], s[1]);
        done += 2;
    }
    done
}

/// Writes `value` at `index` of `output` (kept in bounds by the shape
/// checks; an index past the end is skipped, not a panic).
#[inline(always)]
fn store(output: &mut [i8], index: usize, value: i8) {
    if let Some(out) = output.get_mut(index) {
        *out = value;
    }
}

/// Filter taps a depthwise conv takes in one pass over the channels.
const TAP_GROUP: usize = lanes::Taps::MAX;

/// One group of taps of one output pixel of a depthwise conv with depth
/// multiplier 1 (`rows[t]`: tap `t`'s input channels; `weights`:
/// `[tap][channel]`): for each channel, the sum so far (`start` for the
/// first group, else `sums`) plus the group's products,
/// [`lanes::DEPTHWISE_LANES`] channels at a time in registers
/// ([`lanes::depthwise_mac`]). After the last group
/// (`pixel` given) the sums are requantized into `pixel`; before it they
/// are kept in `sums`.
fn depthwise_group(
    sums: &mut [i32],
    start: &[i32],
    first: bool,
    rows: &[&[i8]],
    weights: &[i8],
    quant: &ConvQuantParamsI8<'_>,
    mut pixel: Option<&mut [i8]>,
) {
    const LANES: usize = lanes::DEPTHWISE_LANES;
    let depth = sums.len();
    let taps = lanes::Taps::new(rows);
    for c in (0..depth).step_by(LANES) {
        let from = if first { start } else { &*sums };
        let mut a: [i32; LANES] = core::array::from_fn(|k| from.get(c + k).copied().unwrap_or(0));
        if c + LANES <= depth {
            a = lanes::depthwise_mac(a, &taps, c, weights.get(c..).unwrap_or(&[]), depth);
        } else {
            // The last channels, fewer than LANES.
            for (k, a) in a.iter_mut().enumerate().take(depth - c) {
                for (row, w) in rows.iter().zip(weights.chunks_exact(depth)) {
                    if let (Some(&x), Some(&w)) = (row.get(c + k), w.get(c + k)) {
                        *a = a.wrapping_add(i32::from(x) * i32::from(w));
                    }
                }
            }
        }
        match pixel.as_deref_mut() {
            Some(pixel) if c + LANES <= depth => {
                let m = quant
                    .output_multipliers
                    .get(c..c + LANES)
                    .unwrap_or(&[0; LANES]);
                let s = quant.output_shifts.get(c..c + LANES).unwrap_or(&[0; LANES]);
                for (k, ((&a, &m), &s)) in a.iter().zip(m).zip(s).enumerate() {
                    let [o] = requantize_lanes([a], m, s, quant);
                    store(pixel, c + k, o);
                }
            }
            Some(pixel) => {
                for (k, &a) in a.iter().enumerate().take(depth - c) {
                    store(pixel, c + k, requantize(quant, c + k, a));
                }
            }
            None => {
                for (k, &a) in a.iter().enumerate().take(depth - c) {
                    if let Some(sum) = sums.get_mut(c + k) {
                        *sum = a;
                    }
                }
            }
        }
    }
}

/// Where the taps of a depthwise conv's output pixels read their input:
/// for a pixel whose taps all lie in the image, at fixed offsets from the
/// first tap's input pixel (worked out once); elsewhere tap by tap.
struct DepthwiseWindow<'g> {
    geometry: &'g ConvGeometry,
    input_shape: NhwcShape,
    filter_width: usize,
    taps: usize,
    /// Input elements from the first tap's pixel to each tap's.
    offsets: [usize; TAP_GROUP],
    /// The same offsets, checked once for interior pixels' taps.
    tap_offsets: Option<lanes::TapOffsets>,
    /// The last tap's row and column from the first's.
    reach: (usize, usize),
}

impl<'g> DepthwiseWindow<'g> {
    /// The window of a filter of up to [`TAP_GROUP`] taps (shapes checked
    /// by the caller, so no product overflows).
    fn new(geometry: &'g ConvGeometry, input_shape: &NhwcShape, filter_shape: &NhwcShape) -> Self {
        let (kh, kw) = (filter_shape.height, filter_shape.width);
        let taps = (kh * kw).min(TAP_GROUP);
        let mut offsets = [0; TAP_GROUP];
        for (tap, offset) in offsets.iter_mut().enumerate().take(taps) {
            let (fy, fx) = (tap / kw.max(1), tap % kw.max(1));
            *offset = (fy * geometry.dilation_height * input_shape.width
                + fx * geometry.dilation_width)
                * input_shape.depth;
        }
        Self {
            geometry,
            input_shape: *input_shape,
            filter_width: kw,
            taps,
            offsets,
            tap_offsets: lanes::TapOffsets::new(&offsets[..taps], input_shape.depth),
            reach: (
                kh.saturating_sub(1) * geometry.dilation_height,
                kw.saturating_sub(1) * geometry.dilation_width,
            ),
        }
    }

    /// Sets `taps` to each tap's input channels for output pixel
    /// (`out_y`, `out_x`) of batch `b` when every tap lies in the image
    /// (at the window's fixed offsets), else `rows` as [`Self::rows`] and
    /// `taps` to them.
    #[inline(always)]
    fn taps<'a>(
        &self,
        taps: &mut lanes::Taps<'a>,
        rows: &mut [&'a [i8]; TAP_GROUP],
        input: &'a [i8],
        padding: &'a [i8],
        b: usize,
        (out_y, out_x): (usize, usize),
    ) -> Result<(), KernelError> {
        let (g, shape) = (self.geometry, &self.input_shape);
        let top = (out_y * g.stride_height).checked_sub(g.padding_height);
        let left = (out_x * g.stride_width).checked_sub(g.padding_width);
        if let (Some(y), Some(x)) = (top, left) {
            if y + self.reach.0 < shape.height && x + self.reach.1 < shape.width {
                let base = shape.offset(b, y, x, 0);
                let set = self
                    .tap_offsets
                    .as_ref()
                    .is_some_and(|offsets| taps.set_interior(input, base, offsets));
                if set {
                    return Ok(());
                }
                return Err(KernelError::SizeOverflow {
                    what: "input index",
                });
            }
        }
        self.rows(rows, input, padding, b, (out_y, out_x))?;
        taps.set_rows(&rows[..self.taps]);
        Ok(())
    }

    /// Sets `rows` to each tap's input channels for output pixel
    /// (`out_y`, `out_x`) of batch `b`; `padding` for a tap outside the
    /// image.
    #[inline(always)]
    fn rows<'a>(
        &self,
        rows: &mut [&'a [i8]; TAP_GROUP],
        input: &'a [i8],
        padding: &'a [i8],
        b: usize,
        (out_y, out_x): (usize, usize),
    ) -> Result<(), KernelError> {
        let (g, shape) = (self.geometry, &self.input_shape);
        let channels = shape.depth;
        let top = (out_y * g.stride_height).checked_sub(g.padding_height);
        let left = (out_x * g.stride_width).checked_sub(g.padding_width);
        if let (Some(y), Some(x)) = (top, left) {
            if y + self.reach.0 < shape.height && x + self.reach.1 < shape.width {
                let base = shape.offset(b, y, x, 0);
                for (row, &offset) in rows.iter_mut().zip(&self.offsets).take(self.taps) {
                    *row = part(input, base + offset, channels, "input index")?;
                }
                return Ok(());
            }
        }
        for (tap, row) in rows.iter_mut().enumerate().take(self.taps) {
            let (fy, fx) = (tap / self.filter_width, tap % self.filter_width);
            *row = match tap_position(g, shape, (out_y, out_x), (fy, fx)) {
                Some((y, x)) => part(input, shape.offset(b, y, x, 0), channels, "input index")?,
                None => padding,
            };
        }
        Ok(())
    }
}

/// The whole groups of four channels of one output pixel of a depthwise
/// conv with depth multiplier 1 and the [`ShortStage`]: their sums from
/// [`lanes::depthwise_sums`] (the filter widened once per call into
/// `wide`) into `acc`, then requantized into `pixel`. Returns the channels
/// done; the caller finishes the rest ([`depthwise_tail`]).
#[cfg(not(microlite_arm_mve))]
#[inline(always)]
fn depthwise_pixel_wide<const FULL_RANGE: bool>(
    taps: &lanes::Taps<'_>,
    wide: &[u32],
    start: &[i32],
    acc: &mut [i32],
    quant: &ConvQuantParamsI8<'_>,
    stage: ShortStage,
    pixel: &mut [i8],
) -> usize {
    #[cfg(microlite_arm_dsp)]
    if FULL_RANGE {
        return 4 * crate::arch::arm_dsp::depthwise_pixel_full_range_4(
            taps,
            wide,
            start,
            quant.output_multipliers,
            quant.output_shifts,
            stage.rounding(),
            pixel,
        );
    }
    let done = lanes::depthwise_sums(taps, wide, start, acc) * 4;
    requantize_run::<FULL_RANGE>(
        acc.get(..done).unwrap_or(&[]),
        quant.output_multipliers,
        quant.output_shifts,
        stage,
        pixel,
    );
    done
}

/// `out[c]` from `acc[c]` with the [`ShortStage`] and channel `c`'s
/// multiplier and shift, over the shortest of the slices; out of line, so
/// that the loop keeps its pointers and the stage in registers.
#[cfg(not(microlite_arm_mve))]
#[inline(never)]
fn requantize_run<const FULL_RANGE: bool>(
    acc: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    stage: ShortStage,
    out: &mut [i8],
) {
    for (((out, &a), &m), &s) in out.iter_mut().zip(acc).zip(multipliers).zip(shifts) {
        *out = stage.apply::<FULL_RANGE>(a, m, s);
    }
}

/// Channels `from..` of one output pixel of a depthwise conv with depth
/// multiplier 1 (`rows[t]`: tap `t`'s input channels; `weights`:
/// `[tap][channel]`): each channel's `start` plus its products, with the
/// general output stage.
fn depthwise_tail(
    rows: &[&[i8]],
    weights: &[i8],
    start: &[i32],
    quant: &ConvQuantParamsI8<'_>,
    pixel: &mut [i8],
    from: usize,
) {
    let depth = pixel.len();
    for c in from..depth {
        let mut a = start.get(c).copied().unwrap_or(0);
        for (row, w) in rows.iter().zip(weights.chunks_exact(depth)) {
            if let (Some(&x), Some(&w)) = (row.get(c), w.get(c)) {
                a = a.wrapping_add(i32::from(x) * i32::from(w));
            }
        }
        store(pixel, c, requantize(quant, c, a));
    }
}

/// [`depthwise_pixel_short`] for a depth multiplier above one: each input
/// channel's value times the filter values of its `multiplier` output
/// channels, four output channels at a time in registers
/// ([`lanes::depthwise_broadcast_mac_4`]).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn depthwise_pixel_multiplied<const FULL_RANGE: bool>(
    rows: &[&[i8]],
    taps: &lanes::Taps<'_>,
    weights: &[i8],
    start: &[i32],
    quant: &ConvQuantParamsI8<'_>,
    stage: ShortStage,
    pixel: &mut [i8],
    multiplier: usize,
) {
    let depth = pixel.len();
    #[cfg(microlite_arm_mve)]
    if multiplier.is_multiple_of(4) {
        // Helium: the whole pixel in one asm nest.
        let done = crate::arch::arm_mve::depthwise_broadcast_pixel(
            taps,
            weights,
            depth,
            multiplier,
            start,
            quant.output_multipliers,
            quant.output_shifts,
            (
                quant.output_offset,
                quant.activation_min,
                quant.activation_max,
            ),
            pixel,
        );
        if done * multiplier == depth {
            return;
        }
    }
    let channels = start
        .chunks_exact(multiplier)
        .zip(pixel.chunks_exact_mut(multiplier))
        .zip(quant.output_multipliers.chunks_exact(multiplier))
        .zip(quant.output_shifts.chunks_exact(multiplier));
    for (c, (((start, out), multipliers), shifts)) in channels.enumerate() {
        let first = c * multiplier;
        let mut j = 0;
        let groups = start
            .chunks_exact(4)
            .zip(out.chunks_exact_mut(4))
            .zip(multipliers.chunks_exact(4))
            .zip(shifts.chunks_exact(4));
        for (((start, out), multipliers), shifts) in groups {
            let mut a = [0; 4];
            a.copy_from_slice(start);
            let w = weights.get(first + j..).unwrap_or(&[]);
            let a = lanes::depthwise_broadcast_mac_4(a, taps, c, w, depth);
            for (((out, a), &m), &s) in out.iter_mut().zip(a).zip(multipliers).zip(shifts) {
                *out = stage.apply::<FULL_RANGE>(a, m, s);
            }
            j += 4;
        }
        // The last output channels of this input channel, fewer than 4.
        for j in j..multiplier {
            let mut a = start.get(j).copied().unwrap_or(0);
            for (row, w) in rows.iter().zip(weights.chunks_exact(depth)) {
                if let (Some(&x), Some(&w)) = (row.get(c), w.get(first + j)) {
                    a = a.wrapping_add(i32::from(x) * i32::from(w));
                }
            }
            let (m, s) = (
                multipliers.get(j).copied().unwrap_or(0),
                shifts.get(j).copied().unwrap_or(-1),
            );
            store(out, j, stage.apply::<FULL_RANGE>(a, m, s));
        }
    }
}

/// Adds the products of `rows.len()` taps to the accumulators of every
/// output channel of a depthwise conv with depth multiplier `multiplier`:
/// `rows[t]` holds tap `t`'s input channels, `weights` the taps' filter
/// values (`[tap][out_depth]`).
fn depthwise_taps(acc: &mut [i32], rows: &[&[i8]], weights: &[i8], multiplier: usize) {
    let out_depth = acc.len();
    if out_depth == 0 {
        return;
    }
    if multiplier.is_multiple_of(4) {
        // Four output channels at a time in registers: each tap's input
        // value times four filter values.
        let taps = lanes::Taps::new(rows);
        for (c, channel) in acc.chunks_exact_mut(multiplier).enumerate() {
            for (j, four) in channel.chunks_exact_mut(4).enumerate() {
                let mut a = [0; 4];
                a.copy_from_slice(four);
                let w = weights.get(c * multiplier + 4 * j..).unwrap_or(&[]);
                four.copy_from_slice(&lanes::depthwise_broadcast_mac_4(a, &taps, c, w, out_depth));
            }
        }
        return;
    }
    for (row, w) in rows.iter().zip(weights.chunks_exact(out_depth)) {
        for ((a, w), &x) in acc
            .chunks_exact_mut(multiplier)
            .zip(w.chunks_exact(multiplier))
            .zip(row.iter())
        {
            for (a, &w) in a.iter_mut().zip(w) {
                *a = a.wrapping_add(i32::from(x) * i32::from(w));
            }
        }
    }
}

/// Int8 DEPTHWISE_CONV_2D with per-channel output scales, any depth
/// multiplier, stride, dilation and padding: the result bits of
/// [`crate::depthwise_conv::depthwise_conv_per_channel_i8`]. `scratch`
/// holds [`depthwise_scratch_len`] bytes.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_per_channel_i8(
    geometry: &ConvGeometry,
    depth_multiplier: usize,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i8],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Option<&[i32]>,
    output_shape: NhwcShape,
    output: &mut [i8],
    scratch: &mut [u8],
) -> Result<(), KernelError> {
    let (channels, out_depth) = (input_shape.depth, output_shape.depth);
    let multiplier = depth_multiplier.max(1);
    let taps = filter_shape.height * filter_shape.width;
    // The widened filter's words at the end of the scratch, the rest for
    // the accumulators, start values and padding pixel.
    let short = KernelError::SizeOverflow { what: "scratch" };
    let wide_words = widened_filter_words(channels, out_depth, taps);
    let rest = scratch
        .len()
        .checked_sub(wide_words * 4 + ALIGN_SLACK)
        .ok_or(short)?;
    let (scratch, wide) = scratch.split_at_mut(rest);
    let skip = wide.as_ptr().align_offset(4);
    let wide: &mut [u32] =
        bytemuck::try_cast_slice_mut(wide.get_mut(skip..skip + wide_words * 4).ok_or(short)?)
            .map_err(|_| short)?;
    let DepthwiseScratch {
        acc,
        start,
        padding,
    } = depthwise_setup(
        geometry,
        depth_multiplier,
        quant,
        (input_shape, input.len()),
        (filter_shape, filter),
        bias,
        (output_shape, output.len()),
        scratch,
    )?;
    if taps <= TAP_GROUP {
        if let Some(stage) = ShortStage::new(quant, bias, taps) {
            let window = DepthwiseWindow::new(geometry, &input_shape, &filter_shape);
            let weights = part(filter, 0, taps * out_depth, "filter index")?;
            if multiplier == 1 && cfg!(not(microlite_arm_mve)) {
                lanes::widen_depthwise_filter(weights, taps, out_depth, wide);
            }
            let mut pixels = output.chunks_exact_mut(out_depth.max(1));
            let mut rows: [&[i8]; TAP_GROUP] = [&[]; TAP_GROUP];
            // Pixels whose channels all fall in whole groups of four need
            // only the taps (no row slices), so interior pixels point them
            // at fixed offsets; the others also keep each tap's row.
            let taps_only = multiplier == 1 || multiplier.is_multiple_of(4);
            let mut tap_set = lanes::Taps::new(&[]);
            for b in 0..output_shape.batches {
                for out_y in 0..output_shape.height {
                    for out_x in 0..output_shape.width {
                        let Some(pixel) = pixels.next() else {
                            return Ok(());
                        };
                        let position = (out_y, out_x);
                        if taps_only {
                            window.taps(&mut tap_set, &mut rows, input, padding, b, position)?;
                        } else {
                            window.rows(&mut rows, input, padding, b, position)?;
                            tap_set.set_rows(&rows[..taps]);
                        }
                        if multiplier == 1 {
                            #[cfg(not(microlite_arm_mve))]
                            let done = if stage.full_range() {
                                depthwise_pixel_wide::<true>(
                                    &tap_set, wide, start, acc, quant, stage, pixel,
                                )
                            } else {
                                depthwise_pixel_wide::<false>(
                                    &tap_set, wide, start, acc, quant, stage, pixel,
                                )
                            };
                            #[cfg(microlite_arm_mve)]
                            let done = 8 * crate::arch::arm_mve::depthwise_pixel_8(
                                &tap_set,
                                weights,
                                out_depth,
                                start,
                                quant.output_multipliers,
                                quant.output_shifts,
                                (
                                    quant.output_offset,
                                    quant.activation_min,
                                    quant.activation_max,
                                ),
                                pixel,
                            );
                            if done < out_depth {
                                window.rows(&mut rows, input, padding, b, position)?;
                                depthwise_tail(&rows[..taps], weights, start, quant, pixel, done);
                            }
                            continue;
                        }
                        let rows = &rows[..taps];
                        if stage.full_range() {
                            depthwise_pixel_multiplied::<true>(
                                rows, &tap_set, weights, start, quant, stage, pixel, multiplier,
                            );
                        } else {
                            depthwise_pixel_multiplied::<false>(
                                rows, &tap_set, weights, start, quant, stage, pixel, multiplier,
                            );
                        }
                    }
                }
            }
            return Ok(());
        }
    }
    let mut pixels = output.chunks_exact_mut(out_depth.max(1));
    for b in 0..output_shape.batches {
        for out_y in 0..output_shape.height {
            for out_x in 0..output_shape.width {
                let Some(pixel) = pixels.next() else {
                    return Ok(());
                };
                // The taps in groups of up to TAP_GROUP: each tap's input
                // pixel (or the padding pixel), then every channel's
                // multiply-adds over the group.
                let mut rows: [&[i8]; TAP_GROUP] = [&[]; TAP_GROUP];
                for first_tap in (0..taps).step_by(TAP_GROUP) {
                    let count = (taps - first_tap).min(TAP_GROUP);
                    for (k, row) in rows.iter_mut().enumerate().take(count) {
                        let tap = first_tap + k;
                        let (fy, fx) = (tap / filter_shape.width, tap % filter_shape.width);
                        *row = match tap_position(geometry, &input_shape, (out_y, out_x), (fy, fx))
                        {
                            Some((y, x)) => part(
                                input,
                                input_shape.offset(b, y, x, 0),
                                channels,
                                "input index",
                            )?,
                            None => padding,
                        };
                    }
                    let weights = part(
                        filter,
                        first_tap * out_depth,
                        count * out_depth,
                        "filter index",
                    )?;
                    let last = first_tap + count == taps;
                    if multiplier == 1 {
                        let pixel = if last { Some(&mut *pixel) } else { None };
                        depthwise_group(
                            acc,
                            start,
                            first_tap == 0,
                            &rows[..count],
                            weights,
                            quant,
                            pixel,
                        );
                        continue;
                    }
                    if first_tap == 0 {
                        acc.copy_from_slice(start);
                    }
                    depthwise_taps(acc, &rows[..count], weights, multiplier);
                    if last {
                        for (out_c, (out, &a)) in pixel.iter_mut().zip(acc.iter()).enumerate() {
                            *out = requantize(quant, out_c, a);
                        }
                    }
                }
                if taps == 0 {
                    for (out_c, (out, &a)) in pixel.iter_mut().zip(start.iter()).enumerate() {
                        *out = requantize(quant, out_c, a);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Int8 FULLY_CONNECTED with a filter zero point of 0 (every int8 model's),
/// per-tensor (`multipliers`, `shifts` of length 1) or per-output-unit
/// scales: the result bits of [`crate::fully_connected::fully_connected_i8`]
/// and [`crate::fully_connected::fully_connected_per_channel_i8`]. Two
/// output units at a time ([`lanes::fc_dot_2`]: on DSP cores each input
/// word is widened once for both). Returns `false`, touching nothing, when
/// the slices do not match `shape` or the input offset is not minus an
/// int8 zero point (the caller then runs the reference kernel).
#[allow(clippy::too_many_arguments)]
pub fn fully_connected_i8(
    shape: crate::fully_connected::FullyConnectedShape,
    quant: &ConvQuantParamsI8<'_>,
    input: &[i8],
    filter: &[i8],
    bias: Option<&[i32]>,
    output: &mut [i8],
) -> bool {
    let (depth, units) = (shape.input_depth, shape.output_depth);
    let per_tensor = quant.output_multipliers.len() == 1 && quant.output_shifts.len() == 1;
    let fits = depth > 0
        && units > 0
        && shape.batches.checked_mul(depth) == Some(input.len())
        && units.checked_mul(depth) == Some(filter.len())
        && shape.batches.checked_mul(units) == Some(output.len())
        && bias.is_none_or(|b| b.len() == units)
        && (per_tensor
            || quant.output_multipliers.len() == units && quant.output_shifts.len() == units);
    let Ok(offset) = padding_value(quant.input_offset) else {
        return false;
    };
    if !fits {
        return false;
    }
    let offset = i16::from(offset).wrapping_neg();
    let scale = |unit: usize| {
        let k = if per_tensor { 0 } else { unit };
        (
            quant.output_multipliers.get(k).copied().unwrap_or(0),
            quant.output_shifts.get(k).copied().unwrap_or(0),
        )
    };
    for (x, out) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(units))
    {
        for a in (0..units).step_by(2) {
            let b = (a + 1).min(units - 1);
            let (Some(row_a), Some(row_b)) = (
                filter.get(a * depth..(a + 1) * depth),
                filter.get(b * depth..(b + 1) * depth),
            ) else {
                return false;
            };
            let bias_of = |u: usize| bias.and_then(|bias| bias.get(u)).copied().unwrap_or(0);
            let acc = lanes::fc_dot_2(x, offset, row_a, row_b, [bias_of(a), bias_of(b)]);
            let ((m_a, s_a), (m_b, s_b)) = (scale(a), scale(b));
            let [o_a] = requantize_lanes([acc[0]], m_a, s_a, quant);
            let [o_b] = requantize_lanes([acc[1]], m_b, s_b, quant);
            store(out, a, o_a);
            store(out, b, o_b);
        }
    }
    true
}
