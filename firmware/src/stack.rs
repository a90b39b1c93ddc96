//! Stack high-water mark: paint the free stack with a pattern at start,
//! later find the lowest word the program overwrote.

use core::ptr::{addr_of, addr_of_mut};

const PATTERN: u32 = 0xDEAD_BEEF;
/// Bytes below the current stack pointer left unpainted (the painting
/// function's own frame and a margin).
const MARGIN: usize = 256;

extern "C" {
    /// Lowest free RAM address (end of .bss/.uninit), from cortex-m-rt.
    static mut __sheap: u32;
    /// Initial stack pointer (top of RAM), from cortex-m-rt.
    static _stack_start: u32;
}

fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads the stack pointer register; no memory is touched.
    unsafe { core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack)) };
    sp
}

fn bottom() -> usize {
    addr_of_mut!(__sheap) as usize
}

fn top() -> usize {
    addr_of!(_stack_start) as usize
}

/// Fills the free stack below the current frame with the pattern.
pub fn paint() {
    let end = stack_pointer().saturating_sub(MARGIN) & !3;
    let mut at = bottom();
    while at < end {
        // SAFETY: [__sheap, sp - MARGIN) is RAM no object lives in: the
        // stack grows down into it and nothing else uses it.
        unsafe { core::ptr::write_volatile(at as *mut u32, PATTERN) };
        at += 4;
    }
}

/// Bytes of stack used at most since [`paint`].
pub fn high_water() -> usize {
    let mut at = bottom();
    let end = top();
    while at < end {
        // SAFETY: reads RAM between the end of .bss and the stack top.
        if unsafe { core::ptr::read_volatile(at as *const u32) } != PATTERN {
            break;
        }
        at += 4;
    }
    end - at
}
