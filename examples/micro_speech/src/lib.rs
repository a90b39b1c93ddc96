//! TFLM's micro_speech pipeline on microlite, without std or a heap: what a
//! microcontroller runs. An audio front-end model (TFLM's
//! `audio_preprocessor_int8.tflite`: 480 int16 samples, 30 ms at 16 kHz, in;
//! 40 int8 features out) turns each window into a feature row; rows fill a
//! stack of `ROWS` (49 = one second at a 20 ms stride) that the classifier
//! (`micro_speech_quantized.tflite`) reads after every window. The front
//! end keeps noise estimates across invokes; [`MicroSpeech::reset`] starts a
//! new recording, as TFLM's `evaluate.py` does per file.
//!
//! `src/main.rs` runs it on WAV files; the same code builds for
//! `thumbv7em-none-eabihf`.
#![no_std]

use microlite::{Error, Interpreter, TensorType};

/// The label of each classifier output, in order (TFLM's
/// `micro_model_settings.h`).
pub const LABELS: [&str; 4] = ["silence", "unknown", "yes", "no"];

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum PipelineError {
    /// An interpreter failed.
    Interpreter(Error),
    /// A model's tensors are not what the pipeline needs.
    Shape(&'static str),
    /// The file is not a 16 kHz mono 16-bit PCM WAV.
    Wav(&'static str),
}

impl From<Error> for PipelineError {
    fn from(e: Error) -> Self {
        Self::Interpreter(e)
    }
}

impl core::fmt::Display for PipelineError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Interpreter(e) => write!(f, "{e}"),
            Self::Shape(what) | Self::Wav(what) => f.write_str(what),
        }
    }
}

impl core::error::Error for PipelineError {}

/// The sample bytes (little-endian int16) of a RIFF/WAVE file, which must
/// be 16 kHz mono 16-bit PCM.
pub fn pcm16_mono_16khz(wav: &[u8]) -> Result<&[u8], PipelineError> {
    let bad = PipelineError::Wav;
    if wav.get(0..4) != Some(b"RIFF") || wav.get(8..12) != Some(b"WAVE") {
        return Err(bad("not a RIFF/WAVE file"));
    }
    let u16_at = |at: usize| {
        wav.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        wav.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut at = 12usize;
    let mut format_ok = false;
    while let (Some(id), Some(len)) = (wav.get(at..at + 4), u32_at(at + 4)) {
        let body = at + 8;
        let len = len as usize;
        match id {
            b"fmt " => {
                let pcm = u16_at(body) == Some(1);
                let mono = u16_at(body + 2) == Some(1);
                let rate = u32_at(body + 4) == Some(16_000);
                let bits = u16_at(body + 14) == Some(16);
                if !(pcm && mono && rate && bits) {
                    return Err(bad("not 16 kHz mono 16-bit PCM"));
                }
                format_ok = true;
            }
            b"data" if format_ok => {
                let data = wav.get(body..).ok_or(bad("data chunk beyond the file"))?;
                let len = len.min(data.len()) & !1;
                return data.get(..len).ok_or(bad("data chunk"));
            }
            b"data" => return Err(bad("data before the fmt chunk")),
            _ => {}
        }
        at = body.saturating_add(len).saturating_add(len & 1);
    }
    Err(bad("no data chunk"))
}

/// The front end and the classifier with their feature stack of `STACK`
/// int8 elements (`ROWS` rows of the front end's output).
pub struct MicroSpeech<'a, 'm, const STACK: usize> {
    frontend: Interpreter<'a, 'm>,
    classifier: Interpreter<'a, 'm>,
    stack: [i8; STACK],
    row: usize,
    filled: usize,
    scale: f32,
    zero_point: f32,
}

impl<'a, 'm, const STACK: usize> MicroSpeech<'a, 'm, STACK> {
    /// The pipeline over two interpreters: the front end takes int16
    /// samples and gives int8 feature rows; the classifier takes `STACK`
    /// int8 features and gives int8 scores, one per [`LABELS`] entry.
    pub fn new(
        frontend: Interpreter<'a, 'm>,
        classifier: Interpreter<'a, 'm>,
    ) -> Result<Self, PipelineError> {
        let shape = PipelineError::Shape;
        if frontend.input(0)?.info().dtype() != TensorType::Int16 {
            return Err(shape("the front end must take int16 samples"));
        }
        let features = frontend.output(0)?;
        if features.info().dtype() != TensorType::Int8 {
            return Err(shape("the front end must give int8 features"));
        }
        let row = features.bytes().len();
        let input = classifier.input(0)?;
        if input.info().dtype() != TensorType::Int8 || input.bytes().len() != STACK {
            return Err(shape("the classifier must take STACK int8 features"));
        }
        if row == 0 || !STACK.is_multiple_of(row) {
            return Err(shape("the stack is not a whole number of feature rows"));
        }
        let scores = classifier.output(0)?;
        let info = scores.info();
        if info.dtype() != TensorType::Int8 || scores.bytes().len() != LABELS.len() {
            return Err(shape("the classifier must give one int8 score per label"));
        }
        let scale = info.scale().unwrap_or(1.0);
        let zero_point = info.zero_point().unwrap_or(0) as f32;
        Ok(Self {
            frontend,
            classifier,
            stack: [0; STACK],
            row,
            filled: 0,
            scale,
            zero_point,
        })
    }

    /// Samples per window (the front end's input).
    pub fn window(&self) -> usize {
        self.frontend.input(0).map_or(0, |t| t.bytes().len() / 2)
    }

    /// Start a new recording: the front end's state reset, the stack
    /// zeroed.
    pub fn reset(&mut self) {
        self.frontend.reset_state();
        self.stack = [0; STACK];
        self.filled = 0;
    }

    /// Run one window of little-endian int16 sample bytes through the
    /// front end, add its row to the stack (sliding it once full) and run
    /// the classifier: its dequantized scores.
    pub fn push_window(&mut self, samples: &[u8]) -> Result<[f32; 4], PipelineError> {
        {
            let mut input = self.frontend.input_mut(0)?;
            let input = input.as_slice_mut::<i16>()?;
            if samples.len() != input.len() * 2 {
                return Err(PipelineError::Shape("a window is the front end's input"));
            }
            for (x, b) in input.iter_mut().zip(samples.chunks_exact(2)) {
                *x = i16::from_le_bytes([b[0], b[1]]);
            }
        }
        self.frontend.invoke()?;
        let rows = STACK / self.row;
        let at = if self.filled < rows {
            self.filled += 1;
            self.filled - 1
        } else {
            self.stack.copy_within(self.row.., 0);
            rows - 1
        };
        let features = self.frontend.output(0)?;
        let features = features.as_slice::<i8>()?;
        let target = self
            .stack
            .get_mut(at * self.row..(at + 1) * self.row)
            .ok_or(PipelineError::Shape("feature row"))?;
        target.copy_from_slice(features);
        self.classifier.input_mut(0)?.copy_from(&self.stack[..])?;
        self.classifier.invoke()?;
        let out = self.classifier.output(0)?;
        let mut scores = [0f32; 4];
        for (s, q) in scores.iter_mut().zip(out.as_slice::<i8>()?) {
            *s = self.scale * (f32::from(*q) - self.zero_point);
        }
        Ok(scores)
    }
}

/// The index of the highest score (the first on ties).
pub fn best(scores: &[f32; 4]) -> usize {
    let mut best = 0;
    for (k, s) in scores.iter().enumerate() {
        if *s > scores[best] {
            best = k;
        }
    }
    best
}
