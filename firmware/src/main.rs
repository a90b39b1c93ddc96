//! Bare-metal harness: runs the model embedded at build time (see
//! `build.rs`) under QEMU and reports over semihosting.
//!
//! Command line (`-semihosting-config enable=on,arg=fw,arg=IN1,arg=IN2...`):
//! each argument names an input set, a comma-separated list of raw files,
//! one per model input, exactly that input's bytes. For each set the
//! harness invokes once and prints every output in hex. Then it invokes
//! once more under a profiler, for per-operator counts.
//!
//! Output lines (all numbers decimal):
//!
//! ```text
//! board mps2-an386
//! arena_used_bytes 16272
//! output <set> <k> <hex bytes>
//! stack_bytes 3456
//! marks <label> <label> ...
//! ok
//! ```
//!
//! `microlite_fw_mark` is called at every label in `marks`, in order (every
//! invoke runs with the same profiler, which marks only in the profiled
//! one, so invoke counts include two flag tests per operator); an
//! instruction-counting QEMU plugin (`qemu-plugin/insn_count.c`) records
//! the running count at each call, so the host gets instructions per phase.
//! Labels: `load`/`/load` around model loading, `new`/`/new` around
//! `Interpreter::new`, `invoke`/`/invoke` around each invoke, `op<i>` and
//! `/op<i>` around operator `i` in the profiled invoke.
#![no_std]
#![no_main]

mod host;
mod marks;
mod stack;

use core::ptr::addr_of_mut;

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use microlite::{BuiltinOperator, Interpreter, Model, ModelError, Profiler};

use host::Console;
use marks::{mark, Label};

// `resolver()` and, unless the interpreter prepares at run time,
// `PREPARED`: written by build.rs with microlite-build.
include!(concat!(env!("OUT_DIR"), "/interpreter.rs"));

mod board {
    include!(concat!(env!("OUT_DIR"), "/board.rs"));
}

/// The device interrupt vectors: the harness uses none, so one entry
/// (cortex-m-rt's default table for a generic device has 240).
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
#[used]
static __INTERRUPTS: [unsafe extern "C" fn(); 1] = [no_interrupt];

/// Handler of the one interrupt vector: never enabled.
unsafe extern "C" fn no_interrupt() {
    loop {
        cortex_m_rt_idle();
    }
}

/// The arena, 16-byte aligned as `Interpreter::new` prefers.
#[repr(C, align(16))]
struct Arena([u8; board::ARENA_BYTES]);

static mut ARENA: Arena = Arena([0; board::ARENA_BYTES]);

/// The model, embedded 16-byte aligned in flash.
fn model_bytes() -> &'static [u8] {
    microlite::model::include_model!(env!("MICROLITE_FW_MODEL"))
}

#[cfg(not(feature = "trusted"))]
fn load(bytes: &[u8]) -> Result<Model<'_>, ModelError> {
    Model::from_bytes(bytes)
}

#[cfg(feature = "trusted")]
fn load(bytes: &[u8]) -> Result<Model<'_>, ModelError> {
    // build.rs verified these bytes on the host.
    Model::from_bytes_trusted(bytes)
}

/// The interpreter, from the state build.rs prepared ahead of time (flash)
/// with eval-only registrations: no prepare or planning code is linked.
#[cfg(not(feature = "runtime-prepare"))]
fn interpreter<'a>(
    model: &'a Model<'_>,
    resolver: &'a dyn microlite::OpLookup,
    arena: &'a mut [u8],
) -> Result<Interpreter<'a, 'a>, microlite::Error> {
    Interpreter::from_prepared(model, resolver, PREPARED.prepared(), arena)
}

/// The interpreter, prepared and planned on the target, as TFLM's
/// `AllocateTensors` does.
#[cfg(feature = "runtime-prepare")]
fn interpreter<'a>(
    model: &'a Model<'_>,
    resolver: &'a dyn microlite::OpLookup,
    arena: &'a mut [u8],
) -> Result<Interpreter<'a, 'a>, microlite::Error> {
    Interpreter::new(model, resolver, arena, microlite::Options::default())
}

/// Marks operator boundaries when `per_op` is set. Every invoke goes
/// through it, so the firmware carries one copy of the invoke loop, as a
/// user's would; an invoke with `per_op` unset counts a flag test per hook.
struct MarkProfiler {
    per_op: bool,
}

impl Profiler for MarkProfiler {
    fn begin_op(&mut self, index: usize, _op: BuiltinOperator) {
        if self.per_op {
            mark(Label::OpBegin(index));
        }
    }

    fn end_op(&mut self, index: usize, _op: BuiltinOperator) {
        if self.per_op {
            mark(Label::OpEnd(index));
        }
    }
}

#[entry]
fn main() -> ! {
    stack::paint();
    let mut console = Console::open();
    let status = match run(&mut console) {
        Ok(()) => {
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
        cortex_m_rt_idle();
    }
}

/// Parks the core if the host did not end the program.
fn cortex_m_rt_idle() {
    core::hint::spin_loop();
}

/// Fills every model input from one input set (`a.bin,b.bin`).
fn fill_inputs(interpreter: &mut Interpreter<'_, '_>, set: &[u8]) -> Result<(), &'static str> {
    let mut files = set.split(|&b| b == b',');
    for k in 0..interpreter.input_count() {
        let path = files.next().ok_or("fewer input files than model inputs")?;
        let mut input = interpreter.input_mut(k).map_err(|_| "model input")?;
        host::read_exact(path, input.bytes_mut())?;
    }
    Ok(())
}

fn run(console: &mut Console) -> Result<(), &'static str> {
    console.str("board ").str(board::BOARD).end();
    let bytes = model_bytes();
    mark(Label::LoadBegin);
    let model = load(bytes).map_err(|_| "the model was rejected")?;
    mark(Label::LoadEnd);
    let resolver = resolver();
    // SAFETY: `main` runs once and this is the only reference to ARENA.
    let arena = unsafe { &mut (*addr_of_mut!(ARENA)).0 };
    mark(Label::NewBegin);
    let interpreter = interpreter(&model, &resolver, arena);
    mark(Label::NewEnd);
    let mut interpreter = match interpreter {
        Ok(interpreter) => interpreter,
        Err(microlite::Error::ArenaTooSmall { needed, .. }) => {
            console.str("arena_needed ").dec(needed as u32).end();
            return Err("the board's arena is too small for the model");
        }
        Err(_) => return Err("making the interpreter failed"),
    };
    console
        .str("arena_used_bytes ")
        .dec(interpreter.arena_used_bytes() as u32)
        .end();

    let mut line = [0u8; 1024];
    let line = host::command_line(&mut line).ok_or("no semihosting command line")?;
    let sets = || line.split(|&b| b == b' ').filter(|a| !a.is_empty()).skip(1);
    let first = sets().next().ok_or("no input files given")?;
    for (n, set) in sets().enumerate() {
        fill_inputs(&mut interpreter, set)?;
        mark(Label::InvokeBegin);
        let result = interpreter.invoke_profiled(&mut MarkProfiler { per_op: false });
        mark(Label::InvokeEnd);
        result.map_err(|_| "invoke failed")?;
        for k in 0..interpreter.output_count() {
            let output = interpreter.output(k).map_err(|_| "model output")?;
            console
                .str("output ")
                .dec(n as u32)
                .str(" ")
                .dec(k as u32)
                .str(" ")
                .hex(output.bytes())
                .end();
        }
    }
    fill_inputs(&mut interpreter, first)?;
    interpreter
        .invoke_profiled(&mut MarkProfiler { per_op: true })
        .map_err(|_| "profiled invoke failed")?;
    console
        .str("stack_bytes ")
        .dec(stack::high_water() as u32)
        .end();
    marks::report(console);
    Ok(())
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    // The library never panics; a panic here is a harness bug. Report it
    // without formatting anything.
    let mut console = Console::open();
    console.str("panic").end();
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m_rt_idle();
    }
}
