//! The Arm DSP extension (ARMv7E-M: Cortex-M4, M7; ARMv8-M Mainline with
//! DSP: Cortex-M33, M55): the few instructions the Cortex-M kernels' inner
//! loops use: single instructions as safe functions (`SXTB16`, `SADD16`),
//! and the two hot loops as `asm!` blocks ([`dot_2x2_blocks`] with
//! `SMLAD`, [`depthwise_mac_4`] with `SMLABB`/`SMLATT`). Compiled only
//! where the build script found the extension (`cfg(microlite_arm_dsp)`);
//! stable Rust offers no intrinsics for them.
//!
//! The single instructions touch registers only (`SADD16` sets the GE
//! flags, so it is not `preserves_flags`); the loops read memory within
//! the bounds their callers' slices give, and every sum wraps modulo 2^32
//! (`SMLAD` and friends only set the sticky Q flag on overflow), exactly
//! as `wrapping_add` does. The portable definitions in
//! `crate::cortex_m::lanes` compute the same values; the firmware harness
//! runs every shared model through these under QEMU and compares the
//! outputs with TFLM's (`firmware/run.py`).

#[cfg(not(microlite_arm_mve))]
use core::arch::asm;

/// `SMMULR a, b`: the high word of `a * b` rounded, `(a * b + 2^31) >> 32`
/// (64-bit product, arithmetic shift).
#[inline(always)]
pub fn smmulr(a: i32, b: i32) -> i32 {
    let out: i32;
    // SAFETY: one DSP instruction (present: cfg(microlite_arm_dsp)) on
    // registers only; no memory, stack or flags are touched.
    unsafe {
        core::arch::asm!("smmulr {out}, {a}, {b}", out = lateout(reg) out, a = in(reg) a,
                         b = in(reg) b, options(pure, nomem, nostack, preserves_flags));
    }
    out
}

/// `ASR x, n` with `n` in a register: `x >> min(n, 31)` for `n < 256`
/// (no masking of the count, unlike Rust's shifts).
#[inline(always)]
pub fn asr(x: i32, n: u32) -> i32 {
    let out: i32;
    // SAFETY: one base instruction on registers only; no memory, stack or
    // flags are touched.
    unsafe {
        core::arch::asm!("asr {out}, {x}, {n}", out = lateout(reg) out, x = in(reg) x,
                         n = in(reg) n, options(pure, nomem, nostack, preserves_flags));
    }
    out
}

/// `SSAT x, #8, x, ASR #1`: `x >> 1` clamped to `[-128, 127]`.
#[inline(always)]
pub fn ssat8_asr1(x: i32) -> i32 {
    let out: i32;
    // SAFETY: one base instruction on registers only; no memory or stack
    // is touched (it may set the sticky Q flag, which nothing here reads,
    // so flags are not declared preserved).
    unsafe {
        core::arch::asm!("ssat {out}, #8, {x}, asr #1", out = lateout(reg) out, x = in(reg) x,
                         options(pure, nomem, nostack));
    }
    out
}

/// The asm text of one block of four window positions of the 2x2 conv
/// loop: `LDM` of the four column words (r4), one word of each filter row
/// (r5, r8) widened by `SXTB16`, eight `SMLAD` into r0-r3 (temporaries
/// r6, r7, r10-r12, lr). Shared by [`dot_2x2_blocks`] and
/// [`conv_pairs_full_range`].
#[cfg(not(microlite_arm_mve))]
macro_rules! smlad_2x2_block {
    () => {
        concat!(
            "ldm r4!, {{r6, r7, r12, lr}}\n",
            "ldr r10, [r5], #4\n",
            "sxtb16 r11, r10\n",
            "sxtb16 r10, r10, ror #8\n",
            "smlad r0, r6, r11, r0\n",
            "smlad r0, r7, r10, r0\n",
            "smlad r2, r12, r11, r2\n",
            "smlad r2, lr, r10, r2\n",
            "ldr r10, [r8], #4\n",
            "sxtb16 r11, r10\n",
            "sxtb16 r10, r10, ror #8\n",
            "smlad r1, r6, r11, r1\n",
            "smlad r1, r7, r10, r1\n",
            "smlad r3, r12, r11, r3\n",
            "smlad r3, lr, r10, r3",
        )
    };
}

/// The asm text of one tap of the depthwise loop over widened filter
/// values: the tap's pointer (r4 cursor) plus the channel offset (r5),
/// four input values widened by `SXTB16`, two widened filter words (r8
/// cursor), four halfword multiply-adds into r0-r3 (temporaries r6,
/// r11, r12, lr). Shared by [`depthwise_sums_4`] and
/// [`depthwise_pixel_full_range_4`].
#[cfg(not(microlite_arm_mve))]
macro_rules! depthwise_wide_tap {
    () => {
        concat!(
            "ldr r11, [r4], #4\n",
            "ldr r11, [r11, r5]\n",
            "ldrd r12, lr, [r8], #8\n",
            "sxtb16 r6, r11\n",
            "sxtb16 r11, r11, ror #8\n",
            "smlabb r0, r6, r12, r0\n",
            "smlatt r2, r6, r12, r2\n",
            "smlabb r1, r11, lr, r1\n",
            "smlatt r3, r11, lr, r3",
        )
    };
}

#[cfg(not(microlite_arm_mve))]
/// `SXTB16 x`: bytes 0 and 2 of `x`, sign-extended to the two 16-bit lanes.
#[inline(always)]
pub fn sxtb16(x: u32) -> u32 {
    let out: u32;
    // SAFETY: one DSP instruction (present: cfg(microlite_arm_dsp)) on
    // registers only; no memory, stack or flags are touched.
    unsafe {
        asm!("sxtb16 {out}, {x}", out = lateout(reg) out, x = in(reg) x,
             options(pure, nomem, nostack, preserves_flags));
    }
    out
}

#[cfg(not(microlite_arm_mve))]
/// `SXTB16 x, ROR #8`: bytes 1 and 3 of `x`, sign-extended to the two
/// 16-bit lanes.
#[inline(always)]
pub fn sxtb16_ror8(x: u32) -> u32 {
    let out: u32;
    // SAFETY: as `sxtb16`.
    unsafe {
        asm!("sxtb16 {out}, {x}, ror #8", out = lateout(reg) out, x = in(reg) x,
             options(pure, nomem, nostack, preserves_flags));
    }
    out
}

#[cfg(not(microlite_arm_mve))]
/// `SADD16`: lane-wise `a + b` over 16-bit lanes, each modulo 2^16.
#[inline(always)]
pub fn sadd16(a: u32, b: u32) -> u32 {
    let out: u32;
    // SAFETY: as `sxtb16`, except that it sets the GE flags (declared: no
    // `preserves_flags`).
    unsafe {
        asm!("sadd16 {out}, {a}, {b}", out = lateout(reg) out, a = in(reg) a, b = in(reg) b,
             options(pure, nomem, nostack));
    }
    out
}

#[cfg(not(microlite_arm_mve))]
/// Writes the int8 `values` plus `offset` into the im2col column words of
/// pixel `pixel` (0 or 1) of consecutive blocks (see
/// `crate::cortex_m::lanes`): block `k`'s four values become words
/// `4k + 2 * pixel` (values 0 and 2 as int16) and `4k + 2 * pixel + 1`
/// (values 1 and 3). Covers `min(values.len() / 4, blocks in words)`
/// blocks; returns how many.
#[inline(always)]
pub fn widen_blocks(words: &mut [u32], pixel: usize, values: &[i8], offset: i16) -> usize {
    let pixel = pixel.min(1);
    let blocks = (values.len() / 4).min(words.len() / 4);
    let offsets = u32::from(offset as u16) * 0x1_0001;
    let mut from = values.as_ptr();
    let mut to = words.as_mut_ptr().wrapping_add(2 * pixel);
    for _ in 0..blocks {
        // SAFETY: iteration k reads the four bytes of `values` at 4k
        // (4k + 4 <= values.len() by `blocks`; an unaligned LDR is allowed
        // on ARMv7E-M and ARMv8-M Mainline) and writes words 4k + 2 * pixel
        // and 4k + 2 * pixel + 1 of `words` (< 4k + 4 <= words.len()); the
        // pointers advance by exactly those strides.
        unsafe {
            let word = core::ptr::read_unaligned(from.cast::<u32>());
            to.write(sadd16(sxtb16(word), offsets));
            to.add(1).write(sadd16(sxtb16_ror8(word), offsets));
            from = from.add(4);
            to = to.add(4);
        }
    }
    blocks
}

#[cfg(not(microlite_arm_mve))]
/// The 2x2 block of dot products of the Cortex-M conv: for each block of
/// four window positions, `columns` holds four words (pixel A's positions
/// 0/2 and 1/3 as int16 pairs, then pixel B's, see
/// `crate::cortex_m::lanes`) and `row_a`, `row_b` four int8 filter values
/// each. Returns `[A·a, A·b, B·a, B·b]` added to `acc`, over
/// `min(columns.len() / 4, row_a.len() / 4, row_b.len() / 4)` blocks.
///
/// One loop in assembly, so that the four sums, three pointers, the count
/// and six temporaries stay in registers: per block, one `LDM` of the four
/// column words, two weight loads, four `SXTB16` and eight `SMLAD`, two
/// blocks per iteration (16 multiply-adds in 15 instructions, plus the
/// loop's two per 32); an odd count enters at the second block.
#[inline(always)]
pub fn dot_2x2_blocks(columns: &[u32], row_a: &[u8], row_b: &[u8], acc: [i32; 4]) -> [i32; 4] {
    let blocks = (columns.len() / 4)
        .min(row_a.len() / 4)
        .min(row_b.len() / 4);
    if blocks == 0 {
        return acc;
    }
    let [mut s0, mut s1, mut s2, mut s3] = acc;
    let mut x = columns.as_ptr();
    let mut a = row_a.as_ptr();
    let mut b = row_b.as_ptr();
    let mut n = blocks;
    // SAFETY: the loop body runs `blocks` times in all (an odd count
    // skips the first half of the first iteration; `(blocks + 1) / 2`
    // iterations) and reads, per block, 16 bytes at `x` (a `u32` slice:
    // 4-byte aligned, as LDM requires) and 4 bytes at `a` and at `b` (LDR
    // allows unaligned addresses on ARMv7E-M and ARMv8-M Mainline),
    // advancing each pointer past what it read; so it reads `blocks * 16`
    // bytes of `columns` and `blocks * 4` bytes of each row, all in bounds
    // by the `min` above. Every operand has a fixed register, so the
    // register allocator keeps nothing else in them; r6 and r7 (which Rust
    // does not let operands name, and may hold the caller's values) serve
    // as two more temporaries: they are pushed first and popped last, so
    // the stack is balanced and both are restored; nothing in between uses
    // the stack pointer. It writes no memory but the stack slots of that
    // push, and changes flags (TST, SUBS, and SMLAD's Q flag), so it is
    // declared with no options.
    unsafe {
        asm!(
            // r0-r3: sums A·a, A·b, B·a, B·b; r4: columns; r5, r8: rows
            // a, b; r9: iterations left; r10-r12, lr, r6, r7: temporaries.
            "push {{r6, r7}}",
            "tst r9, #1",
            "add r9, r9, #1",
            "lsr r9, r9, #1",
            "bne 3f",
            "2:",
            smlad_2x2_block!(),
            "3:",
            smlad_2x2_block!(),
            "subs r9, r9, #1",
            "bne 2b",
            "pop {{r6, r7}}",
            inout("r0") s0,
            inout("r1") s1,
            inout("r2") s2,
            inout("r3") s3,
            inout("r4") x,
            inout("r5") a,
            inout("r8") b,
            inout("r9") n,
            out("r10") _,
            out("r11") _,
            out("r12") _,
            out("lr") _,
        );
    }
    let _ = (x, a, b, n);
    [s0, s1, s2, s3]
}

#[cfg(not(microlite_arm_mve))]
/// The output pixels A and B of a conv for every whole pair of output
/// channels, in one asm loop nest: for pair `k` (channels `c = 2k`,
/// `d = 2k + 1`), the 2x2 block of dot products of [`dot_2x2_blocks`]
/// over `columns` and filter rows `c` and `d` (`window` bytes each, a
/// multiple of four), started at `bias[c]`, `bias[d]`, then TFLM's output
/// stage in its short form for int8's full clamp range (the caller's
/// proof, `crate::cortex_m::output_stage::ShortStage`: every shift in
/// `-31..=-1`, every sum below 2^30 in magnitude, the clamp bounds
/// exactly -128 and 127): `SSAT8((asr(h + (h >> 31), -shift - 1) +
/// rounding) >> 1)` with `h = SMMULR(2 * sum, multiplier)` and `rounding
/// = 2 * output_offset + 1`, stored to `out_a` and `out_b`. Returns the
/// pairs done: as many as every slice holds (0 when `window` is not a
/// positive multiple of four).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn conv_pairs_full_range(
    columns: &[u32],
    filter: &[u8],
    window: usize,
    bias: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    rounding: i32,
    out_a: &mut [i8],
    out_b: &mut [i8],
) -> usize {
    let blocks = window / 4;
    if blocks == 0 || !window.is_multiple_of(4) || columns.len() < blocks * 4 {
        return 0;
    }
    let pairs = (filter.len() / (2 * window))
        .min(bias.len() / 2)
        .min(multipliers.len() / 2)
        .min(shifts.len() / 2)
        .min(out_a.len() / 2)
        .min(out_b.len() / 2);
    if pairs == 0 {
        return 0;
    }
    // SAFETY: `pairs` iterations of the outer loop; iteration k reads the
    // words `columns[..4 * blocks]` (`blocks` iterations of the inner loop
    // body, each an LDM of four words: a `u32` slice, aligned), filter rows
    // `2k` and `2k + 1` (`window` bytes each at `2k * window`, within
    // `filter` as `pairs <= filter.len() / (2 * window)`; unaligned LDR is
    // allowed on ARMv7E-M and ARMv8-M Mainline), and two words each of
    // `bias`, `multipliers` and `shifts` at `2k` (LDRD on word slices,
    // aligned), and writes two bytes each of `out_a` and `out_b` at `2k`;
    // every index is below the slice's length by the `min`s above. Every
    // operand has a fixed register. r6 and r7 (which operands may not
    // name) are pushed first and popped last; the ten frame words pushed
    // after them are the only other stack the asm touches, and it drops
    // them before the pop. Flags change (TST, SUBS, SMLAD's and SSAT's Q
    // flag), so no `preserves_flags`.
    unsafe {
        asm!(
            // Frame: [sp] columns, [sp+4] blocks, [sp+8] bias, [sp+12]
            // multipliers, [sp+16] shifts, [sp+20] out A, [sp+24] out B,
            // [sp+28] rounding, [sp+32] pairs left, [sp+36] window.
            // Loop: r0-r3 sums A·c, A·d, B·c, B·d; r4 columns; r5, r8
            // rows c, d; r9 iterations left; r10-r12, lr, r6, r7 temps.
            "push {{r6, r7}}",
            "push {{r0, r1, r2, r3, r4, r8, r9, r10, r11, r12}}",
            "add r8, r5, r12",
            "1:",
            "ldr r10, [sp, #8]",
            "ldrd r0, r1, [r10], #8",
            "str r10, [sp, #8]",
            "mov r2, r0",
            "mov r3, r1",
            "ldr r4, [sp]",
            "ldr r9, [sp, #4]",
            "tst r9, #1",
            "add r9, r9, #1",
            "lsr r9, r9, #1",
            "bne 3f",
            "2:",
            smlad_2x2_block!(),
            "3:",
            smlad_2x2_block!(),
            "subs r9, r9, #1",
            "bne 2b",
            // Output stage: r6, r7 multipliers c, d; r9, r10 shifts c, d
            // turned into e - 1 (= !shift); r11 rounding.
            "ldr r4, [sp, #12]",
            "ldrd r6, r7, [r4], #8",
            "str r4, [sp, #12]",
            "ldr r4, [sp, #16]",
            "ldrd r9, r10, [r4], #8",
            "str r4, [sp, #16]",
            "mvn r9, r9",
            "mvn r10, r10",
            "ldr r11, [sp, #28]",
            "lsl r0, r0, #1",
            "smmulr r0, r0, r6",
            "add r0, r0, r0, asr #31",
            "asr r0, r0, r9",
            "add r0, r0, r11",
            "ssat r0, #8, r0, asr #1",
            "lsl r1, r1, #1",
            "smmulr r1, r1, r7",
            "add r1, r1, r1, asr #31",
            "asr r1, r1, r10",
            "add r1, r1, r11",
            "ssat r1, #8, r1, asr #1",
            "lsl r2, r2, #1",
            "smmulr r2, r2, r6",
            "add r2, r2, r2, asr #31",
            "asr r2, r2, r9",
            "add r2, r2, r11",
            "ssat r2, #8, r2, asr #1",
            "lsl r3, r3, #1",
            "smmulr r3, r3, r7",
            "add r3, r3, r3, asr #31",
            "asr r3, r3, r10",
            "add r3, r3, r11",
            "ssat r3, #8, r3, asr #1",
            "ldr r4, [sp, #20]",
            "strb r0, [r4], #1",
            "strb r1, [r4], #1",
            "str r4, [sp, #20]",
            "ldr r4, [sp, #24]",
            "strb r2, [r4], #1",
            "strb r3, [r4], #1",
            "str r4, [sp, #24]",
            // Next pair: rows 2k + 2 (where row d ended) and 2k + 3.
            "mov r5, r8",
            "ldr r4, [sp, #36]",
            "add r8, r8, r4",
            "ldr r4, [sp, #32]",
            "subs r4, r4, #1",
            "str r4, [sp, #32]",
            "bne 1b",
            "add sp, sp, #40",
            "pop {{r6, r7}}",
            inout("r0") columns.as_ptr() => _,
            inout("r1") blocks => _,
            inout("r2") bias.as_ptr() => _,
            inout("r3") multipliers.as_ptr() => _,
            inout("r4") shifts.as_ptr() => _,
            inout("r5") filter.as_ptr() => _,
            inout("r8") out_a.as_mut_ptr() => _,
            inout("r9") out_b.as_mut_ptr() => _,
            inout("r10") rounding => _,
            inout("r11") pairs => _,
            inout("r12") window => _,
            out("lr") _,
        );
    }
    pairs
}

#[cfg(not(microlite_arm_mve))]
/// [`depthwise_sums_4`] followed, in the same asm loop nest, by TFLM's
/// output stage in its short form for int8's full clamp range (the
/// caller's proof, `crate::cortex_m::output_stage::ShortStage`: every
/// shift in `-31..=-1`, every sum below 2^30 in magnitude, the clamp
/// bounds exactly -128 and 127; see [`conv_pairs_full_range`]), each
/// channel's byte stored to `out`. Taps run three per iteration. Returns
/// the groups of four channels done.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn depthwise_pixel_full_range_4(
    taps: &TapPointers<'_>,
    wide: &[u32],
    start: &[i32],
    multipliers: &[i32],
    shifts: &[i32],
    rounding: i32,
    out: &mut [i8],
) -> usize {
    let count = taps.count();
    let groups = (out.len() / 4)
        .min(start.len() / 4)
        .min(multipliers.len() / 4)
        .min(shifts.len() / 4)
        .min(taps.min_len / 4);
    let groups = match count.checked_mul(2) {
        Some(per_group) if per_group > 0 => groups.min(wide.len() / per_group),
        _ => 0,
    };
    if groups == 0 {
        return 0;
    }
    // SAFETY: as `depthwise_sums_4` for the reads of the taps, `wide` and
    // `start` (group g reads four words of `start` at 4g, and tap t of
    // group g two words of `wide` at 2 (g * count + t), all below the
    // slices' lengths by the `min`s above); besides, group g reads four
    // words each of `multipliers` and `shifts` at 4g (LDM on word slices:
    // aligned) and writes four bytes of `out` at 4g, within the slices by
    // the same `min`s. The three-tap loop runs `count / 3` times and the
    // one-tap loop `count % 3`, so each group reads exactly `count` tap
    // pointers and `2 * count` words of `wide`. Every operand has a fixed
    // register. r6 and r7 are pushed first and popped last; the six frame
    // words pushed after them are the only other stack the asm touches,
    // dropped before the pop. Flags change (SUBS, ADDS, SMLA's and SSAT's
    // Q flag), so no `preserves_flags`.
    unsafe {
        asm!(
            // Frame: [sp] multipliers, [sp+4] shifts, [sp+8] rounding,
            // [sp+12] tap array, [sp+16] tap count, [sp+20] groups left.
            // r0-r3 sums; r4 tap cursor; r5 channel offset; r8 wide; r9
            // start; r7 out; r10 taps left; r11, r12, lr, r6 temps.
            "push {{r6, r7}}",
            "mov r7, r10",
            "push {{r0, r1, r2, r4, r11, r12}}",
            "1:",
            "ldm r9!, {{r0, r1, r2, r3}}",
            "ldr r4, [sp, #12]",
            "ldr r10, [sp, #16]",
            "subs r10, r10, #3",
            "blt 4f",
            "2:",
            depthwise_wide_tap!(),
            depthwise_wide_tap!(),
            depthwise_wide_tap!(),
            "subs r10, r10, #3",
            "bge 2b",
            "4:",
            "adds r10, r10, #3",
            "beq 5f",
            "3:",
            depthwise_wide_tap!(),
            "subs r10, r10, #1",
            "bne 3b",
            "5:",
            // Output stage of the four sums.
            "ldr r4, [sp]",
            "ldm r4!, {{r10, r11, r12, lr}}",
            "str r4, [sp]",
            "lsl r0, r0, #1",
            "smmulr r0, r0, r10",
            "lsl r1, r1, #1",
            "smmulr r1, r1, r11",
            "lsl r2, r2, #1",
            "smmulr r2, r2, r12",
            "lsl r3, r3, #1",
            "smmulr r3, r3, lr",
            "add r0, r0, r0, asr #31",
            "add r1, r1, r1, asr #31",
            "add r2, r2, r2, asr #31",
            "add r3, r3, r3, asr #31",
            "ldr r4, [sp, #4]",
            "ldm r4!, {{r10, r11, r12, lr}}",
            "str r4, [sp, #4]",
            "mvn r10, r10",
            "mvn r11, r11",
            "mvn r12, r12",
            "mvn lr, lr",
            "asr r0, r0, r10",
            "asr r1, r1, r11",
            "asr r2, r2, r12",
            "asr r3, r3, lr",
            "ldr r4, [sp, #8]",
            "add r0, r0, r4",
            "add r1, r1, r4",
            "add r2, r2, r4",
            "add r3, r3, r4",
            "ssat r0, #8, r0, asr #1",
            "ssat r1, #8, r1, asr #1",
            "ssat r2, #8, r2, asr #1",
            "ssat r3, #8, r3, asr #1",
            "strb r0, [r7], #1",
            "strb r1, [r7], #1",
            "strb r2, [r7], #1",
            "strb r3, [r7], #1",
            "add r5, r5, #4",
            "ldr r10, [sp, #20]",
            "subs r10, r10, #1",
            "str r10, [sp, #20]",
            "bne 1b",
            "add sp, sp, #24",
            "pop {{r6, r7}}",
            inout("r0") multipliers.as_ptr() => _,
            inout("r1") shifts.as_ptr() => _,
            inout("r2") rounding => _,
            out("r3") _,
            inout("r4") taps.as_ptr() => _,
            inout("r5") 0usize => _,
            inout("r8") wide.as_ptr() => _,
            inout("r9") start.as_ptr() => _,
            inout("r10") out.as_mut_ptr() => _,
            inout("r11") count => _,
            inout("r12") groups => _,
            out("lr") _,
        );
    }
    groups
}

/// Where the taps of an interior depthwise pixel read: up to
/// [`TapPointers::MAX`] offsets from the pixel's first tap, each tap
/// `len` values long, and the span they reach (checked once here, so that
/// [`TapPointers::set_interior`] checks one bound per pixel).
#[derive(Debug, Clone, Copy)]
pub struct TapOffsets {
    offsets: [usize; TapPointers::MAX],
    count: usize,
    len: usize,
    span: usize,
}

impl TapOffsets {
    /// The first [`TapPointers::MAX`] of `offsets`, `len` values each;
    /// `None` when a tap's end overflows.
    pub fn new(offsets: &[usize], len: usize) -> Option<Self> {
        let mut all = [0; TapPointers::MAX];
        let (mut count, mut span) = (0, 0);
        for (slot, &offset) in all.iter_mut().zip(offsets) {
            *slot = offset;
            span = span.max(offset.checked_add(len)?);
            count += 1;
        }
        Some(Self {
            offsets: all,
            count,
            len,
            span,
        })
    }
}

/// The input pixels of up to [`TapPointers::MAX`] depthwise filter taps,
/// as addresses, with the length every one of them has at least: what
/// [`depthwise_mac_4`] needs to read four channels of each in bounds.
pub struct TapPointers<'a> {
    pointers: [*const i8; TapPointers::MAX],
    count: usize,
    min_len: usize,
    _rows: core::marker::PhantomData<&'a [i8]>,
}

impl<'a> TapPointers<'a> {
    /// Taps one pointer set holds.
    pub const MAX: usize = 16;

    /// The first [`Self::MAX`] of `rows`.
    #[inline(always)]
    pub fn new(rows: &[&'a [i8]]) -> Self {
        let mut pointers = [core::ptr::null(); Self::MAX];
        let mut min_len = usize::MAX;
        let mut count = 0;
        for (pointer, row) in pointers.iter_mut().zip(rows) {
            *pointer = row.as_ptr();
            min_len = min_len.min(row.len());
            count += 1;
        }
        Self {
            pointers,
            count,
            min_len,
            _rows: core::marker::PhantomData,
        }
    }

    /// Sets the taps to `rows` (the first [`Self::MAX`]), reusing this
    /// set's storage.
    #[inline(always)]
    pub fn set_rows(&mut self, rows: &[&'a [i8]]) {
        let mut min_len = usize::MAX;
        let mut count = 0;
        for (pointer, row) in self.pointers.iter_mut().zip(rows) {
            *pointer = row.as_ptr();
            min_len = min_len.min(row.len());
            count += 1;
        }
        self.count = count;
        self.min_len = min_len;
    }

    /// Sets the taps to the `offsets.len()` values of `input` at
    /// `base + offsets[t]`; holds no taps (and returns `false`) when the
    /// furthest of them does not lie within `input`.
    #[inline(always)]
    pub fn set_interior(&mut self, input: &'a [i8], base: usize, offsets: &TapOffsets) -> bool {
        if base
            .checked_add(offsets.span)
            .is_none_or(|end| end > input.len())
        {
            self.count = 0;
            self.min_len = 0;
            return false;
        }
        let first = input.as_ptr().wrapping_add(base);
        // All MAX slots (those past the count are never read): a loop of
        // fixed length the compiler unrolls.
        for (pointer, &offset) in self.pointers.iter_mut().zip(&offsets.offsets) {
            *pointer = first.wrapping_add(offset);
        }
        self.count = offsets.count;
        self.min_len = offsets.len;
        true
    }

    /// Whether at least one tap is held, every tap has channels
    /// `c..c + width`, and `weights_len` covers every tap's `width` values
    /// at `tap * stride`: what a loop over these taps may read.
    #[inline(always)]
    pub fn covers(&self, c: usize, width: usize, weights_len: usize, stride: usize) -> bool {
        c.checked_add(width).is_some_and(|end| end <= self.min_len)
            && self.weights_cover(width, weights_len, stride)
    }

    /// Whether at least one tap is held and `weights_len` covers every
    /// tap's `width` values at `tap * stride`.
    #[inline(always)]
    pub fn weights_cover(&self, width: usize, weights_len: usize, stride: usize) -> bool {
        self.count
            .checked_sub(1)
            .and_then(|last| last.checked_mul(stride))
            .and_then(|start| start.checked_add(width))
            .is_some_and(|end| end <= weights_len)
    }

    /// The taps held.
    #[inline(always)]
    pub fn count(&self) -> usize {
        self.count
    }

    /// The first tap's pointer; the others follow.
    #[inline(always)]
    pub fn as_ptr(&self) -> *const *const i8 {
        self.pointers.as_ptr()
    }
}

#[cfg(not(microlite_arm_mve))]
/// The sums of one output pixel of a depthwise conv with depth multiplier
/// 1, four channels at a time: `acc[c] = start[c] + sum over taps t of
/// input_t[c] * w_t[c]` for the `groups` whole groups of four channels
/// that `acc`, `start`, every tap and `wide` hold, where `wide` holds the
/// filter values widened (`crate::cortex_m::lanes::widen_depthwise_filter`):
/// group `g`, tap `t` at words `2 (g * taps + t)` (channels 0 and 2 as
/// int16) and the next (1 and 3). Returns the groups done (0 when the
/// taps or `wide` do not cover one).
///
/// One loop nest in assembly: per tap, three loads, two `SXTB16` and four
/// halfword multiply-adds (4 multiply-adds in 11 instructions); per group,
/// one `LDM` of the start values and one `STM` of the sums.
#[inline(always)]
pub fn depthwise_sums_4(
    taps: &TapPointers<'_>,
    wide: &[u32],
    start: &[i32],
    acc: &mut [i32],
) -> usize {
    let count = taps.count();
    let groups = (acc.len() / 4).min(start.len() / 4).min(taps.min_len / 4);
    let groups = match count.checked_mul(2) {
        Some(per_group) if per_group > 0 => groups.min(wide.len() / per_group),
        _ => 0,
    };
    if groups == 0 {
        return 0;
    }
    let mut cursor = taps.as_ptr();
    let mut w = wide.as_ptr();
    let mut from = start.as_ptr();
    let to = acc.as_mut_ptr();
    let mut c = 0usize;
    let mut n = count;
    let mut g = groups;
    // SAFETY: the outer loop runs `groups` times and the inner `count`
    // (>= 1) times per group. Group g reads four words of `start` at 4g
    // and writes four of `acc` at 4g (4 * groups <= both lengths; word
    // slices, so aligned for LDM/STM); tap t of group g reads the pointer
    // `taps.pointers[t]` (t < count <= MAX), four bytes at that pointer
    // plus 4g (every tap's slice is at least `min_len >= 4 * groups` bytes
    // long and borrowed for 'a, outliving this call; LDR allows unaligned
    // addresses on ARMv7E-M and ARMv8-M Mainline) and two words of `wide`
    // at 2 (g * count + t) (< groups * count * 2 <= wide.len(); aligned
    // for LDRD). Every operand has a fixed register. r6 and r7 (which
    // operands may not name) are pushed first and popped last; the tap
    // array, the tap count and the groups left are pushed after them and
    // dropped before the pop (the stack is balanced; the asm uses only
    // these slots). Flags change (SUBS, Q), so no `preserves_flags`.
    unsafe {
        asm!(
            // r0-r3: sums; r4: tap cursor; r5: channel offset; r8: wide;
            // r9: start; r7: acc; r10: taps left; r11, r12, lr, r6:
            // temporaries. Stack: [sp] tap array, [sp+4] tap count,
            // [sp+8] groups left.
            "push {{r6, r7}}",
            "mov r7, r10",
            "push {{r4, r11, r12}}",
            "1:",
            "ldm r9!, {{r0, r1, r2, r3}}",
            "ldr r4, [sp]",
            "ldr r10, [sp, #4]",
            "2:",
            depthwise_wide_tap!(),
            "subs r10, r10, #1",
            "bne 2b",
            "stm r7!, {{r0, r1, r2, r3}}",
            "add r5, r5, #4",
            "ldr r10, [sp, #8]",
            "subs r10, r10, #1",
            "str r10, [sp, #8]",
            "bne 1b",
            "add sp, sp, #12",
            "pop {{r6, r7}}",
            out("r0") _,
            out("r1") _,
            out("r2") _,
            out("r3") _,
            inout("r4") cursor,
            inout("r5") c,
            inout("r8") w,
            inout("r9") from,
            inout("r10") to => _,
            inout("r11") n,
            inout("r12") g,
            out("lr") _,
        );
    }
    let _ = (cursor, c, w, from, n, g);
    groups
}

/// Adds `sum over taps t of input_t[c] * weights[t * stride + k]` to
/// `acc[k]` for `k < 4`: four output channels of one input channel `c` of
/// a depthwise conv with a depth multiplier (one input value times four
/// filter values per tap). Does nothing unless every tap has channel `c`
/// and `weights` holds every tap's four values.
///
/// One loop in assembly: per tap, three loads, two `SXTB16` and four
/// halfword multiply-adds (`SMLABB`/`SMLABT`).
#[inline(always)]
pub fn depthwise_broadcast_mac_4(
    acc: [i32; 4],
    taps: &TapPointers<'_>,
    c: usize,
    weights: &[i8],
    stride: usize,
) -> [i32; 4] {
    let count = taps.count();
    if !(c < taps.min_len && taps.weights_cover(4, weights.len(), stride)) {
        return acc;
    }
    let [mut a0, mut a1, mut a2, mut a3] = acc;
    let mut rows = taps.as_ptr();
    let mut w = weights.as_ptr();
    let mut n = count;
    // SAFETY: the loop runs `count` (>= 1: `covers`) times; iteration t
    // reads the pointer `taps.pointers[t]` (t < count <= MAX), one byte at
    // that pointer plus `c` (each tap's slice is at least `min_len > c`
    // bytes long and borrowed for 'a, outliving this call) and four bytes
    // of `weights` at `t * stride` (checked above to end within it). LDR
    // allows unaligned addresses on ARMv7E-M and ARMv8-M Mainline. Every
    // operand has a fixed register, so nothing else lives in them. Flags
    // change (SUBS, Q), so no `preserves_flags`; no stack is used.
    unsafe {
        core::arch::asm!(
            // r0-r3: channel sums; r4: tap pointers; r5: c; r8: weights;
            // r9: stride; r10: taps left; r11, r12, lr: temporaries.
            "2:",
            "ldr r11, [r4], #4",
            "ldrsb r11, [r11, r5]",
            "ldr r12, [r8]",
            "add r8, r8, r9",
            "sxtb16 lr, r12",
            "sxtb16 r12, r12, ror #8",
            "smlabb r0, r11, lr, r0",
            "smlabt r2, r11, lr, r2",
            "smlabb r1, r11, r12, r1",
            "smlabt r3, r11, r12, r3",
            "subs r10, r10, #1",
            "bne 2b",
            inout("r0") a0,
            inout("r1") a1,
            inout("r2") a2,
            inout("r3") a3,
            inout("r4") rows,
            in("r5") c,
            inout("r8") w,
            in("r9") stride,
            inout("r10") n,
            out("r11") _,
            out("r12") _,
            out("lr") _,
            options(nostack),
        );
    }
    let _ = (rows, w, n);
    [a0, a1, a2, a3]
}

#[cfg(not(microlite_arm_mve))]
/// Adds `sum over taps t of input_t[c + k] * weights[t * stride + k]` to
/// `acc[k]` for `k < 4` (four channels of one depthwise output pixel).
/// Does nothing unless every tap has channels `c..c + 4` and `weights`
/// holds every tap's four values.
///
/// One loop in assembly: per tap, three loads, four `SXTB16` and four
/// halfword multiply-adds (`SMLABB`/`SMLATT`).
#[inline(always)]
pub fn depthwise_mac_4(
    acc: [i32; 4],
    taps: &TapPointers<'_>,
    c: usize,
    weights: &[i8],
    stride: usize,
) -> [i32; 4] {
    let count = taps.count();
    if !taps.covers(c, 4, weights.len(), stride) {
        return acc;
    }
    let [mut a0, mut a1, mut a2, mut a3] = acc;
    let mut rows = taps.as_ptr();
    let mut w = weights.as_ptr();
    let mut n = count;
    // SAFETY: the loop runs `count` (>= 1) times; iteration t reads the
    // pointer `taps.pointers[t]` (t < count <= MAX), four bytes at that
    // pointer plus `c` (each tap's slice is at least `min_len >= c + 4`
    // bytes long and borrowed for 'a, outliving this call) and four bytes
    // of `weights` at `t * stride` (checked above to end within it). LDR
    // allows unaligned addresses on ARMv7E-M and ARMv8-M Mainline. Every
    // operand has a fixed register; r6 is a temporary, pushed first and
    // popped last (nothing in between uses the stack pointer). Flags
    // change (SUBS, Q), so no `preserves_flags`.
    unsafe {
        asm!(
            // r0-r3: channel sums; r4: tap pointers; r5: c; r8: weights;
            // r9: stride; r10: taps left; r11, r12, lr, r6: temporaries.
            "push {{r6, r7}}",
            "2:",
            "ldr r11, [r4], #4",
            "ldr r11, [r11, r5]",
            "ldr r12, [r8]",
            "add r8, r8, r9",
            "sxtb16 lr, r11",
            "sxtb16 r6, r12",
            "smlabb r0, lr, r6, r0",
            "smlatt r2, lr, r6, r2",
            "sxtb16 r11, r11, ror #8",
            "sxtb16 r12, r12, ror #8",
            "smlabb r1, r11, r12, r1",
            "smlatt r3, r11, r12, r3",
            "subs r10, r10, #1",
            "bne 2b",
            "pop {{r6, r7}}",
            inout("r0") a0,
            inout("r1") a1,
            inout("r2") a2,
            inout("r3") a3,
            inout("r4") rows,
            in("r5") c,
            inout("r8") w,
            in("r9") stride,
            inout("r10") n,
            out("r11") _,
            out("r12") _,
            out("lr") _,
        );
    }
    let _ = (rows, w, n);
    [a0, a1, a2, a3]
}

/// `[x·a, x·b] + acc` over `min(x.len(), row_a.len(), row_b.len()) / 4`
/// blocks of four, each `x` value plus `offset` (an int16 that keeps
/// `x + offset` within int16: minus an int8 zero point): per block, the
/// input word is widened once (`SXTB16`, `SADD16`) for both rows, each row
/// word widened and multiplied by two `SMLAD`s (8 multiply-adds in 17
/// instructions).
#[cfg(not(microlite_arm_mve))]
#[inline(always)]
pub fn fc_dot_2_blocks(
    x: &[i8],
    offset: i16,
    row_a: &[i8],
    row_b: &[i8],
    acc: [i32; 2],
) -> [i32; 2] {
    let blocks = (x.len() / 4).min(row_a.len() / 4).min(row_b.len() / 4);
    if blocks == 0 {
        return acc;
    }
    let [mut s0, mut s1] = acc;
    let (mut xp, mut ap, mut bp) = (x.as_ptr(), row_a.as_ptr(), row_b.as_ptr());
    let offsets = u32::from(offset as u16) * 0x1_0001;
    let mut n = blocks;
    // SAFETY: the loop runs `blocks` (>= 1) times and reads 4 bytes at each
    // of `xp`, `ap`, `bp` per iteration, advancing each past them: `blocks *
    // 4` bytes of each slice, in bounds by the `min` above (LDR allows
    // unaligned addresses on these cores). Every operand has a fixed
    // register; r9-r12 are temporaries; nothing else is read or written,
    // no stack is used. Flags change (SUBS, SADD16's GE, SMLAD's Q).
    unsafe {
        asm!(
            "2:",
            "ldr r9, [r2], #4",
            "sxtb16 r10, r9",
            "sxtb16 r9, r9, ror #8",
            "sadd16 r10, r10, r5",
            "sadd16 r9, r9, r5",
            "ldr r11, [r3], #4",
            "sxtb16 r12, r11",
            "sxtb16 r11, r11, ror #8",
            "smlad r0, r10, r12, r0",
            "smlad r0, r9, r11, r0",
            "ldr r11, [r4], #4",
            "sxtb16 r12, r11",
            "sxtb16 r11, r11, ror #8",
            "smlad r1, r10, r12, r1",
            "smlad r1, r9, r11, r1",
            "subs r8, r8, #1",
            "bne 2b",
            inout("r0") s0,
            inout("r1") s1,
            inout("r2") xp,
            inout("r3") ap,
            inout("r4") bp,
            in("r5") offsets,
            inout("r8") n,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("r12") _,
            options(nostack, readonly),
        );
    }
    let _ = (xp, ap, bp, n);
    [s0, s1]
}
