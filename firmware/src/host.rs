//! Talking to the host over semihosting without `core::fmt` (so the
//! harness adds little flash of its own): raw text output, decimal and hex
//! numbers, the command line and file reads.

use cortex_m_semihosting::{hio, nr, syscall1};

/// Text output to the host's stdout.
pub struct Console {
    stream: Option<hio::HostStream>,
}

impl Console {
    /// Opens the host's stdout (output is dropped if that fails).
    pub fn open() -> Self {
        Self {
            stream: hio::hstdout().ok(),
        }
    }

    /// Writes `bytes` as they are.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        if let Some(stream) = self.stream.as_mut() {
            let _ = stream.write_all(bytes);
        }
        self
    }

    /// Writes `s`.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// Writes `n` in decimal.
    pub fn dec(&mut self, mut n: u32) -> &mut Self {
        let mut digits = [0u8; 10];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.bytes(&digits[at..])
    }

    /// Writes `bytes` as lower-case hex, two digits each.
    pub fn hex(&mut self, bytes: &[u8]) -> &mut Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut chunk = [0u8; 64];
        for group in bytes.chunks(chunk.len() / 2) {
            for (i, b) in group.iter().enumerate() {
                chunk[2 * i] = DIGITS[usize::from(b >> 4)];
                chunk[2 * i + 1] = DIGITS[usize::from(b & 15)];
            }
            self.bytes(&chunk[..2 * group.len()]);
        }
        self
    }

    /// Ends the line.
    pub fn end(&mut self) {
        self.bytes(b"\n");
    }
}

/// Issues semihosting call `op` with the argument block `args`.
fn call(op: usize, args: &mut [usize]) -> isize {
    // SAFETY: `args` is the argument block the operation expects (its length
    // is checked by each caller) and lives across the call; the host writes
    // only into it and into the buffers it points to, which the callers own.
    unsafe { syscall1(op, args.as_mut_ptr() as usize) as isize }
}

/// The command line QEMU passes (`-semihosting-config arg=...`), in `buf`.
pub fn command_line(buf: &mut [u8]) -> Option<&[u8]> {
    let mut args = [buf.as_mut_ptr() as usize, buf.len()];
    if call(nr::GET_CMDLINE, &mut args) != 0 {
        return None;
    }
    buf.get(..args[1])
}

/// Reads the host file `path` into `buf`, which it must fill exactly.
pub fn read_exact(path: &[u8], buf: &mut [u8]) -> Result<(), &'static str> {
    // The path must be NUL-terminated for the host.
    let mut name = [0u8; 256];
    let name = name
        .get_mut(..path.len() + 1)
        .ok_or("input path too long")?;
    name[..path.len()].copy_from_slice(path);
    name[path.len()] = 0;
    let mut open = [name.as_ptr() as usize, nr::open::R_BINARY, path.len()];
    let handle = call(nr::OPEN, &mut open);
    if handle < 0 {
        return Err("cannot open an input file");
    }
    let mut flen = [handle as usize];
    let len = call(nr::FLEN, &mut flen);
    let mut read = [handle as usize, buf.as_mut_ptr() as usize, buf.len()];
    let not_read = call(nr::READ, &mut read);
    let mut close = [handle as usize];
    call(nr::CLOSE, &mut close);
    if len != buf.len() as isize {
        return Err("input file size differs from the model's input bytes");
    }
    if not_read != 0 {
        return Err("short read of an input file");
    }
    Ok(())
}
