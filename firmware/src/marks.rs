//! Instruction-count markers: the host's QEMU plugin records the running
//! instruction count each time `microlite_fw_mark` runs; the harness keeps
//! the matching labels and prints them at the end.

use crate::host::Console;

/// What a mark delimits.
#[derive(Clone, Copy)]
pub enum Label {
    /// Before `Model::from_bytes`.
    LoadBegin,
    /// After it.
    LoadEnd,
    /// Before `Interpreter::new`.
    NewBegin,
    /// After it.
    NewEnd,
    /// Before an invoke.
    InvokeBegin,
    /// After it.
    InvokeEnd,
    /// Before operator `i` (profiled invoke).
    OpBegin(usize),
    /// After operator `i`.
    OpEnd(usize),
}

const CAPACITY: usize = 256;

/// The labels so far (only `main`'s thread of execution touches them).
struct Marks {
    labels: [u16; CAPACITY],
    len: usize,
}

static mut MARKS: Marks = Marks {
    labels: [0; CAPACITY],
    len: 0,
};

fn encode(label: Label) -> u16 {
    match label {
        Label::LoadBegin => 1,
        Label::LoadEnd => 2,
        Label::NewBegin => 3,
        Label::NewEnd => 4,
        Label::InvokeBegin => 5,
        Label::InvokeEnd => 6,
        Label::OpBegin(i) => 0x4000 | (i as u16 & 0x3fff),
        Label::OpEnd(i) => 0x8000 | (i as u16 & 0x3fff),
    }
}

/// The function the plugin watches. Its body is an empty `asm!`, which the
/// compiler must keep, so every call stays a call.
#[no_mangle]
#[inline(never)]
pub extern "C" fn microlite_fw_mark() {
    // SAFETY: an empty instruction sequence.
    unsafe { core::arch::asm!("", options(nostack)) };
}

/// Records `label` and calls the marker.
#[inline(never)]
pub fn mark(label: Label) {
    // SAFETY: single-threaded firmware, no interrupt touches MARKS.
    let marks = unsafe { &mut *core::ptr::addr_of_mut!(MARKS) };
    if let Some(slot) = marks.labels.get_mut(marks.len) {
        *slot = encode(label);
        marks.len += 1;
    }
    microlite_fw_mark();
}

/// Prints `marks` and the labels in order.
pub fn report(console: &mut Console) {
    // SAFETY: as in `mark`.
    let marks = unsafe { &*core::ptr::addr_of!(MARKS) };
    console.str("marks");
    for &code in &marks.labels[..marks.len] {
        console.str(" ");
        match code {
            1 => console.str("load"),
            2 => console.str("/load"),
            3 => console.str("new"),
            4 => console.str("/new"),
            5 => console.str("invoke"),
            6 => console.str("/invoke"),
            c if c & 0x4000 != 0 => console.str("op").dec(u32::from(c & 0x3fff)),
            c => console.str("/op").dec(u32::from(c & 0x3fff)),
        };
    }
    console.end();
}
