//! The M-profile Vector Extension (Helium; Cortex-M55, M85): the Cortex-M
//! kernels' conv loops as tail-predicated vector loops, and eight channels
//! at a time of their depthwise loop. Compiled only where
//! the build script found MVE (`cfg(microlite_arm_mve)`); stable Rust has no
//! MVE intrinsics, so each loop is one `asm!` block.
//!
//! Both loops use `DLSTP`/`LETP` (low-overhead loops with tail
//! predication): the last iteration's lanes past the element count are
//! neither loaded, stored nor summed, so there is no scalar tail and no
//! access outside the slices. Every sum wraps modulo 2^32, as
//! `wrapping_add` does. The portable definitions in
//! `crate::cortex_m::lanes` compute the same values; the firmware harness
//! runs every shared model on Cortex-M55 under QEMU and compares the
//! outputs with TFLM's (`firmware/run.py`).

use core::arch::asm;

use super::arm_dsp::TapPointers;

/// Writes `src[k] + offset` (as int16) to `dst[k]` for
/// `k < min(dst.len(), src.len())`: eight values per iteration
/// (`VLDRB.S16`, `VADD.I16`, `VSTRH.16`).
#[inline(always)]
pub fn widen_run(dst: &mut [i16], src: &[i8], offset: i16) {
    let n = dst.len().min(src.len());
    if n == 0 {
        return;
    }
    let mut d = dst.as_mut_ptr();
    let mut s = src.as_ptr();
    // SAFETY: the tail-predicated loop touches exactly `n` elements: it
    // reads `n` bytes from `src` and writes `n` halfwords (2-byte aligned:
    // an i16 slice) to `dst`, both at least `n` long. Operands have fixed
    // registers; q0 (s0-s3) and lr are declared clobbered. It writes no
    // other memory and no stack.
    unsafe {
        asm!(
            "dlstp.16 lr, r2",
            "2:",
            "vldrb.s16 q0, [r1], #8",
            "vadd.i16 q0, q0, r3",
            "vstrh.16 q0, [r0], #16",
            "letp lr, 2b",
            inout("r0") d,
            inout("r1") s,
            in("r2") n,
            in("r3") i32::from(offset),
            out("lr") _,
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            options(nostack),
        );
    }
    let _ = (d, s);
}

/// The 2x2 block of dot products of the Cortex-M conv over
/// `n = min(column_a.len(), column_b.len(), row_a.len(), row_b.len())`
/// window positions: `[A·a, A·b, B·a, B·b]` added to `acc`, where
/// `column_a`, `column_b` hold two pixels' int16 values and `row_a`,
/// `row_b` two channels' int8 filter values, all in window order. Eight
/// positions per iteration: two `VLDRB.S16`, two `VLDRH` and four
/// `VMLADAVA.S16` (32 multiply-adds in 9 instructions with the loop end).
#[inline(always)]
pub fn dot_2x2(
    column_a: &[i16],
    column_b: &[i16],
    row_a: &[i8],
    row_b: &[i8],
    acc: [i32; 4],
) -> [i32; 4] {
    let n = column_a
        .len()
        .min(column_b.len())
        .min(row_a.len())
        .min(row_b.len());
    if n == 0 {
        return acc;
    }
    let [mut s0, mut s1, mut s2, mut s3] = acc;
    let (mut xa, mut xb) = (column_a.as_ptr(), column_b.as_ptr());
    let (mut wa, mut wb) = (row_a.as_ptr(), row_b.as_ptr());
    // SAFETY: the tail-predicated loop reads exactly `n` elements of each
    // slice (each at least `n` long; the columns 2-byte aligned as i16
    // slices, as VLDRH needs). VMLADAVA needs even accumulator registers
    // (r0, r2, r4, r8), widening loads a low base register (r1, r3). Operands have fixed registers; q0-q3 (s0-s15) and lr
    // are declared clobbered. No memory is written, no stack used.
    unsafe {
        asm!(
            "dlstp.16 lr, r10",
            "2:",
            "vldrb.s16 q0, [r1], #8",
            "vldrb.s16 q1, [r3], #8",
            "vldrh.u16 q2, [r5], #16",
            "vldrh.u16 q3, [r9], #16",
            "vmladava.s16 r0, q2, q0",
            "vmladava.s16 r2, q2, q1",
            "vmladava.s16 r4, q3, q0",
            "vmladava.s16 r8, q3, q1",
            "letp lr, 2b",
            inout("r0") s0,
            inout("r2") s1,
            inout("r4") s2,
            inout("r8") s3,
            inout("r5") xa,
            inout("r9") xb,
            inout("r1") wa,
            inout("r3") wb,
            in("r10") n,
            out("lr") _,
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            options(readonly, nostack),
        );
    }
    let _ = (xa, xb, wa, wb);
    [s0, s1, s2, s3]
}

/// Adds `sum over taps t of input_t[c + k] * weights[t * stride + k]` to
/// `acc[k]` for `k < 8` (eight channels of one depthwise output pixel).
/// Does nothing unless `taps` covers channels `c..c + 8` and `weights`
/// every tap's eight values ([`TapPointers::covers`]).
///
/// Per tap: one `VLDRB.S16` each of inputs and weights, `VMULLB.S16` and
/// `VMULLT.S16` (even and odd channels' 32-bit products) and two
/// `VADD.I32`.
#[inline(always)]
pub fn depthwise_mac_8(
    acc: [i32; 8],
    taps: &TapPointers<'_>,
    c: usize,
    weights: &[i8],
    stride: usize,
) -> [i32; 8] {
    if !taps.covers(c, 8, weights.len(), stride) {
        return acc;
    }
    let mut even = [acc[0], acc[2], acc[4], acc[6]];
    let mut odd = [acc[1], acc[3], acc[5], acc[7]];
    let mut rows = taps.as_ptr();
    let mut w = weights.as_ptr();
    // SAFETY: `covers` holds, so the loop runs `taps.count()` >= 1 times
    // and iteration t reads pointer t of the set, eight bytes at that
    // pointer plus `c` (within the tap's slice, borrowed for the set's
    // lifetime) and eight bytes of `weights` at `t * stride` (within it).
    // `even` and `odd` are 4-byte aligned i32 arrays, read and written
    // whole (VLDRW/VSTRW). Widening loads use low base registers (r1, r2).
    // Operands have fixed registers; q0-q5 (s0-s23) and lr are declared
    // clobbered; no stack is used.
    unsafe {
        asm!(
            "vldrw.u32 q4, [r5]",
            "vldrw.u32 q5, [r8]",
            "dls lr, r9",
            "2:",
            "ldr r1, [r0], #4",
            "add r1, r1, r3",
            "vldrb.s16 q0, [r1]",
            "vldrb.s16 q1, [r2]",
            "add r2, r2, r4",
            "vmullb.s16 q2, q0, q1",
            "vmullt.s16 q3, q0, q1",
            "vadd.i32 q4, q4, q2",
            "vadd.i32 q5, q5, q3",
            "le lr, 2b",
            "vstrw.32 q4, [r5]",
            "vstrw.32 q5, [r8]",
            inout("r0") rows,
            out("r1") _,
            inout("r2") w,
            in("r3") c,
            in("r4") stride,
            in("r5") even.as_mut_ptr(),
            in("r8") odd.as_mut_ptr(),
            in("r9") taps.count(),
            out("lr") _,
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
            out("s20") _, out("s21") _, out("s22") _, out("s23") _,
            options(nostack),
        );
    }
    let _ = (rows, w);
    [
        even[0], odd[0], even[1], odd[1], even[2], odd[2], even[3], odd[3],
    ]
}

/// The groups of eight channels of one output pixel of a depthwise conv
/// with depth multiplier 1, sums and output stage in one asm loop nest:
/// for each group, the channels' `start` plus every tap's products (as
/// [`depthwise_mac_8`], even and odd channels in two vectors), then
/// TFLM's output stage four lanes at a time: `VQRDMULH` by the
/// multipliers (TFLM's saturating rounding doubling high multiply, bit for
/// bit), `x - [x < 0]` and `VRSHL` by the shift (a rounding right shift
/// by `e = -shift`, rounding halves up: with the decrement, halves away
/// from zero, TFLM's rounding divide by `2^e`; exact for `e >= 1`, which
/// the caller guarantees: every shift in `-31..=-1`), plus `offset`,
/// clamped to `[min, max]`, the low bytes stored in channel order.
/// Returns the groups done: as many as `out`, `start`, `multipliers`,
/// `shifts`, every tap and `weights` (`[tap][stride]`) cover.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn depthwise_pixel_8(
    taps: &TapPointers<'_>,
    weights: &[i8],
    stride: usize,
    start: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    (offset, min, max): (i32, i32, i32),
    out: &mut [i8],
) -> usize {
    let mut groups = (out.len() / 8)
        .min(start.len() / 8)
        .min(multipliers.len() / 8)
        .min(shifts.len() / 8);
    while groups > 0 && !taps.covers(0, 8 * groups, weights.len(), stride) {
        groups -= 1;
    }
    if groups == 0 {
        return 0;
    }
    // SAFETY: `covers` holds for channels 0..8 * groups, so each group
    // g's `taps.count()` (>= 1) iterations read pointer t of the set and
    // eight bytes at that pointer plus 8g (within the tap's slice,
    // borrowed for the set's lifetime) and eight bytes of `weights` at
    // `t * stride + 8g` (within it). Group g reads eight words each of
    // `start`, `multipliers` and `shifts` at 8g (VLD2 on word slices:
    // 4-byte aligned) and writes eight bytes of `out` at 8g; all within
    // the slices by the `min`s above. Widening loads and the narrowing
    // store use low base registers (r1, r2, r4). The five frame words pushed first are the only
    // stack touched, dropped at the end. Operands have fixed registers;
    // q0-q7 (s0-s31) and lr are declared clobbered.
    unsafe {
        asm!(
            // Frame: [sp] tap count, [sp+4] offset, [sp+8] min, [sp+12]
            // max, [sp+16] weights. r0 tap cursor; r1 temp; r2 weights of
            // the group; r3 channel offset; r8 stride; r5 start; r4 out
            // (narrowing stores need a low base register); r9
            // multipliers; r10 shifts; r11 groups left; r12 taps.
            "push {{r0, r1, r2, r3, lr}}",
            "movs r3, #0",
            "1:",
            "vld20.32 {{q4, q5}}, [r5]",
            "vld21.32 {{q4, q5}}, [r5]!",
            "mov r0, r12",
            "ldr r2, [sp, #16]",
            "add r2, r2, r3",
            "ldr lr, [sp]",
            "dls lr, lr",
            "2:",
            "ldr r1, [r0], #4",
            "add r1, r1, r3",
            "vldrb.s16 q0, [r1]",
            "vldrb.s16 q1, [r2]",
            "add r2, r2, r8",
            "vmullb.s16 q2, q0, q1",
            "vmullt.s16 q3, q0, q1",
            "vadd.i32 q4, q4, q2",
            "vadd.i32 q5, q5, q3",
            "le lr, 2b",
            "vld20.32 {{q6, q7}}, [r9]",
            "vld21.32 {{q6, q7}}, [r9]!",
            "vqrdmulh.s32 q4, q4, q6",
            "vqrdmulh.s32 q5, q5, q7",
            "vld20.32 {{q6, q7}}, [r10]",
            "vld21.32 {{q6, q7}}, [r10]!",
            "vshr.s32 q0, q4, #31",
            "vadd.i32 q4, q4, q0",
            "vshr.s32 q0, q5, #31",
            "vadd.i32 q5, q5, q0",
            "vrshl.s32 q4, q4, q6",
            "vrshl.s32 q5, q5, q7",
            "ldr r1, [sp, #4]",
            "vadd.i32 q4, q4, r1",
            "vadd.i32 q5, q5, r1",
            "ldr r1, [sp, #8]",
            "vdup.32 q0, r1",
            "vmax.s32 q4, q4, q0",
            "vmax.s32 q5, q5, q0",
            "ldr r1, [sp, #12]",
            "vdup.32 q0, r1",
            "vmin.s32 q4, q4, q0",
            "vmin.s32 q5, q5, q0",
            "vmovnt.i32 q4, q5",
            "vstrb.16 q4, [r4], #8",
            "adds r3, r3, #8",
            "subs r11, r11, #1",
            "bne 1b",
            "add sp, sp, #20",
            inout("r0") taps.count() => _,
            inout("r1") offset => _,
            inout("r2") min => _,
            inout("r3") max => _,
            inout("lr") weights.as_ptr() => _,
            in("r8") stride,
            inout("r5") start.as_ptr() => _,
            inout("r4") out.as_mut_ptr() => _,
            inout("r9") multipliers.as_ptr() => _,
            inout("r10") shifts.as_ptr() => _,
            inout("r11") groups => _,
            in("r12") taps.as_ptr(),
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
            out("s20") _, out("s21") _, out("s22") _, out("s23") _,
            out("s24") _, out("s25") _, out("s26") _, out("s27") _,
            out("s28") _, out("s29") _, out("s30") _, out("s31") _,
        );
    }
    groups
}

/// For every whole pair of output channels (`c = 2k`, `d = 2k + 1`) of a
/// conv, the sums of pixels A and B (`column_a`, `column_b`: their int16
/// window values) with filter rows `c` and `d` (`window` int8 values each,
/// rows in order in `filter`), started at `bias[c]`, `bias[d]`: A's into
/// `acc_a[c]`, `acc_a[d]`, B's into `acc_b`. One asm nest: per pair, the
/// tail-predicated loop of [`dot_2x2`]. Returns the pairs done: as many as
/// every slice holds (0 for an empty window).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn conv_pair_sums(
    column_a: &[i16],
    column_b: &[i16],
    filter: &[i8],
    window: usize,
    bias: &[i32],
    acc_a: &mut [i32],
    acc_b: &mut [i32],
) -> usize {
    if window == 0 || column_a.len() < window || column_b.len() < window {
        return 0;
    }
    let pairs = (filter.len() / (2 * window))
        .min(bias.len() / 2)
        .min(acc_a.len() / 2)
        .min(acc_b.len() / 2);
    if pairs == 0 {
        return 0;
    }
    // SAFETY: `pairs` iterations; iteration k's tail-predicated loop reads
    // exactly `window` elements of each column (each at least `window`
    // long; i16 slices, 2-byte aligned for VLDRH) and of filter rows 2k
    // and 2k + 1 (within `filter` as `pairs <= filter.len() / (2 *
    // window)`), and iteration k reads two words of `bias` and writes two
    // of each accumulator slice at 2k (word slices: aligned for LDRD and
    // STRD), within them by the `min`s above. VMLADAVA needs even
    // accumulator registers (r0, r2, r4, r8), widening loads low base
    // registers (r1, r3). r6 and r7 are pushed first and popped last; the
    // five frame words pushed after them are the only other stack used,
    // dropped before the pop. Operands have fixed registers; q0-q3
    // (s0-s15) and lr are declared clobbered.
    unsafe {
        asm!(
            // Frame (pushed in register order r0, r1, r2, r4, r8): [sp]
            // bias, [sp+4] row c, [sp+8] acc A, [sp+12] acc B, [sp+16]
            // pairs left. r11, r12: columns A, B; r1, r3: row
            // cursors (the loop's post-increments round the window up to
            // eight, so rows are found from the frame); r10: window; r5,
            // r9: column cursors; r6: temp.
            "push {{r6, r7}}",
            "push {{r0, r1, r2, r4, r8}}",
            "1:",
            "ldr r1, [sp, #4]",
            "add r3, r1, r10",
            "ldr r6, [sp]",
            "ldrd r0, r2, [r6], #8",
            "str r6, [sp]",
            "mov r4, r0",
            "mov r8, r2",
            "mov r5, r11",
            "mov r9, r12",
            "dlstp.16 lr, r10",
            "2:",
            "vldrb.s16 q0, [r1], #8",
            "vldrb.s16 q1, [r3], #8",
            "vldrh.u16 q2, [r5], #16",
            "vldrh.u16 q3, [r9], #16",
            "vmladava.s16 r0, q2, q0",
            "vmladava.s16 r2, q2, q1",
            "vmladava.s16 r4, q3, q0",
            "vmladava.s16 r8, q3, q1",
            "letp lr, 2b",
            "ldr r6, [sp, #8]",
            "strd r0, r2, [r6], #8",
            "str r6, [sp, #8]",
            "ldr r6, [sp, #12]",
            "strd r4, r8, [r6], #8",
            "str r6, [sp, #12]",
            // Next pair: rows 2k + 2 and 2k + 3.
            "ldr r1, [sp, #4]",
            "add r1, r1, r10, lsl #1",
            "str r1, [sp, #4]",
            "ldr r6, [sp, #16]",
            "subs r6, r6, #1",
            "str r6, [sp, #16]",
            "bne 1b",
            "add sp, sp, #20",
            "pop {{r6, r7}}",
            inout("r0") bias.as_ptr() => _,
            inout("r2") acc_a.as_mut_ptr() => _,
            inout("r4") acc_b.as_mut_ptr() => _,
            inout("r8") pairs => _,
            inout("r1") filter.as_ptr() => _,
            out("r3") _,
            out("r5") _,
            out("r9") _,
            in("r10") window,
            in("r11") column_a.as_ptr(),
            in("r12") column_b.as_ptr(),
            out("lr") _,
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
        );
    }
    pairs
}

/// `out[k]` from `acc[k]` with channel `k`'s multiplier and shift (every
/// shift in `-31..=-1`, the caller's guarantee) for `k` below the
/// shortest slice: TFLM's output stage four lanes at a time, as in
/// [`depthwise_pixel_8`] (`VQRDMULH`, sign decrement, `VRSHL`, offset,
/// clamp to `[min, max]`, low bytes stored).
#[inline(always)]
pub fn requantize_run(
    acc: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    (offset, min, max): (i32, i32, i32),
    out: &mut [i8],
) {
    let n = acc
        .len()
        .min(multipliers.len())
        .min(shifts.len())
        .min(out.len());
    if n == 0 {
        return;
    }
    // SAFETY: the tail-predicated loop touches exactly `n` lanes: it reads
    // `n` words of `acc`, `multipliers` and `shifts` (word slices: aligned
    // for VLDRW) and writes `n` bytes of `out`, each slice at least `n`
    // long. The narrowing store uses a low base register (r3). Operands
    // have fixed registers; q0-q4 (s0-s19) and lr are declared clobbered.
    // No stack is used.
    unsafe {
        asm!(
            "vdup.32 q3, r8",
            "vdup.32 q4, r9",
            "dlstp.32 lr, r5",
            "2:",
            "vldrw.u32 q0, [r0], #16",
            "vldrw.u32 q1, [r1], #16",
            "vldrw.u32 q2, [r2], #16",
            "vqrdmulh.s32 q0, q0, q1",
            "vshr.s32 q1, q0, #31",
            "vadd.i32 q0, q0, q1",
            "vrshl.s32 q0, q0, q2",
            "vadd.i32 q0, q0, r4",
            "vmax.s32 q0, q0, q3",
            "vmin.s32 q0, q0, q4",
            "vstrb.32 q0, [r3], #4",
            "letp lr, 2b",
            inout("r0") acc.as_ptr() => _,
            inout("r1") multipliers.as_ptr() => _,
            inout("r2") shifts.as_ptr() => _,
            inout("r3") out.as_mut_ptr() => _,
            in("r4") offset,
            in("r5") n,
            in("r8") min,
            in("r9") max,
            out("lr") _,
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
            options(nostack),
        );
    }
}

/// One output pixel of a depthwise conv whose depth multiplier is a
/// multiple of four, sums and output stage in one asm loop nest: for
/// input channel `c` and each group of four of its `multiplier` output
/// channels `o`, `start[o]` plus every tap's input value `input_t[c]`
/// times the filter values `weights[t * stride + o]` (`VMLA` by a
/// scalar), then the output stage of [`depthwise_pixel_8`] (every shift
/// in `-31..=-1`: the caller's guarantee) into `out[o]`. Returns the
/// input channels done: as many as every slice and tap covers.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn depthwise_broadcast_pixel(
    taps: &TapPointers<'_>,
    weights: &[i8],
    stride: usize,
    multiplier: usize,
    start: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    (offset, min, max): (i32, i32, i32),
    out: &mut [i8],
) -> usize {
    if multiplier == 0 || !multiplier.is_multiple_of(4) {
        return 0;
    }
    let mut channels = (out.len() / multiplier)
        .min(start.len() / multiplier)
        .min(multipliers.len() / multiplier)
        .min(shifts.len() / multiplier);
    while channels > 0
        && !(taps.covers(0, channels, usize::MAX, 0)
            && taps.weights_cover(channels * multiplier, weights.len(), stride))
    {
        channels -= 1;
    }
    let groups = channels * (multiplier / 4);
    if groups == 0 {
        return 0;
    }
    let params: [usize; 6] = [
        taps.count(),
        offset as usize,
        min as usize,
        max as usize,
        weights.as_ptr() as usize,
        multiplier / 4,
    ];
    // SAFETY: `taps.covers(0, channels, ..)` gives every tap at least
    // `channels` input values, and `weights_cover` the filter values
    // `t * stride + o` for every output channel `o < channels *
    // multiplier`. Group g (output channels 4g..4g + 4 of input channel
    // c = 4g / multiplier) runs `taps.count()` (>= 1) iterations, reading
    // tap pointer t, one byte at that pointer plus c, and four bytes of
    // `weights` at `t * stride + 4g`; it reads four words each of `start`,
    // `multipliers` and `shifts` at 4g (word slices: aligned for VLDRW)
    // and writes four bytes of `out` at 4g; all within the slices by the
    // `min`s above. `params` is read whole (six words). Widening loads and
    // the narrowing store use low base registers (r2, r4). r6 and r7 are
    // pushed first and popped last; the six frame words pushed after them
    // are the only other stack touched, dropped before the pop. Operands
    // have fixed registers; q0-q4 (s0-s19) and lr are declared clobbered.
    unsafe {
        asm!(
            // Frame: [sp] tap count, [sp+4] offset, [sp+8] min, [sp+12]
            // max, [sp+16] weights of the group, [sp+20] groups per input
            // channel. r0 tap cursor; r1 temp; r2 weight cursor; r3 input
            // channel; r8 stride; r5 start; r4 out; r9 multipliers; r10
            // shifts; r11 groups left; r12 taps; r6 groups left in this
            // input channel.
            "push {{r6, r7}}",
            "ldm r0, {{r0, r1, r2, r3, r6, r7}}",
            "push {{r0, r1, r2, r3, r6, r7}}",
            "movs r3, #0",
            "1:",
            "ldr r6, [sp, #20]",
            "2:",
            "vldrw.u32 q4, [r5], #16",
            "mov r0, r12",
            "ldr r2, [sp, #16]",
            "ldr lr, [sp]",
            "dls lr, lr",
            "3:",
            "ldr r1, [r0], #4",
            "ldrsb r1, [r1, r3]",
            "vldrb.s32 q0, [r2]",
            "add r2, r2, r8",
            "vmla.i32 q4, q0, r1",
            "le lr, 3b",
            "ldr r2, [sp, #16]",
            "adds r2, r2, #4",
            "str r2, [sp, #16]",
            "vldrw.u32 q1, [r9], #16",
            "vqrdmulh.s32 q4, q4, q1",
            "vldrw.u32 q1, [r10], #16",
            "vshr.s32 q0, q4, #31",
            "vadd.i32 q4, q4, q0",
            "vrshl.s32 q4, q4, q1",
            "ldr r1, [sp, #4]",
            "vadd.i32 q4, q4, r1",
            "ldr r1, [sp, #8]",
            "vdup.32 q0, r1",
            "vmax.s32 q4, q4, q0",
            "ldr r1, [sp, #12]",
            "vdup.32 q0, r1",
            "vmin.s32 q4, q4, q0",
            "vstrb.32 q4, [r4], #4",
            "subs r11, r11, #1",
            "beq 4f",
            "subs r6, r6, #1",
            "bne 2b",
            "adds r3, r3, #1",
            "b 1b",
            "4:",
            "add sp, sp, #24",
            "pop {{r6, r7}}",
            inout("r0") params.as_ptr() => _,
            out("r1") _,
            out("r2") _,
            out("r3") _,
            out("lr") _,
            in("r8") stride,
            inout("r5") start.as_ptr() => _,
            inout("r4") out.as_mut_ptr() => _,
            inout("r9") multipliers.as_ptr() => _,
            inout("r10") shifts.as_ptr() => _,
            inout("r11") groups => _,
            in("r12") taps.as_ptr(),
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
        );
    }
    channels
}
