//! `micro_speech FRONTEND.tflite CLASSIFIER.tflite FILE.wav...`: TFLM's
//! micro_speech on microlite. The pipeline (`lib.rs`) uses no std and no
//! heap; this host runner only reads the files.
//!
//! ```text
//! cargo run -p microlite-example-micro-speech -- \
//!     ../shared/models/tflm/audio_preprocessor_int8.tflite \
//!     ../shared/models/micro_speech_quantized.tflite \
//!     ../shared/models/tflm/micro_speech_yes_1000ms.wav
//! ```

use std::process::ExitCode;

use microlite::{Arena, Interpreter, Model, OpResolver, Options};
use microlite_example_micro_speech::{best, pcm16_mono_16khz, MicroSpeech, LABELS};

/// 49 rows of 40 features.
const STACK: usize = 49 * 40;
/// A window starts every 20 ms (320 samples, 640 bytes).
const STRIDE_BYTES: usize = 320 * 2;

/// A model file in 16-byte aligned memory, and its length (a firmware would
/// keep it in flash with `include_bytes!` in an aligned static).
fn read_aligned(path: &str) -> Result<(Box<Arena<{ 64 * 1024 }>>, usize), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let mut buffer = Box::new(Arena::<{ 64 * 1024 }>::new());
    buffer
        .get_mut(..bytes.len())
        .ok_or(format!("{path}: larger than 64 KiB"))?
        .copy_from_slice(&bytes);
    Ok((buffer, bytes.len()))
}

fn run(args: &[String]) -> Result<(), String> {
    let [frontend_path, classifier_path, wavs @ ..] = args else {
        return Err("usage: micro_speech FRONTEND.tflite CLASSIFIER.tflite FILE.wav...".into());
    };
    let (frontend_file, frontend_len) = read_aligned(frontend_path)?;
    let (classifier_file, classifier_len) = read_aligned(classifier_path)?;
    let frontend_model =
        Model::from_bytes(&frontend_file[..frontend_len]).map_err(|e| e.to_string())?;
    let classifier_model =
        Model::from_bytes(&classifier_file[..classifier_len]).map_err(|e| e.to_string())?;

    let resolver = OpResolver::with_all();
    let mut frontend_arena = Box::new(Arena::<{ 32 * 1024 }>::new());
    let mut classifier_arena = Box::new(Arena::<{ 32 * 1024 }>::new());
    let frontend = Interpreter::new(
        &frontend_model,
        &resolver,
        &mut frontend_arena[..],
        Options::default(),
    )
    .map_err(|e| format!("{frontend_path}: {e}"))?;
    let classifier = Interpreter::new(
        &classifier_model,
        &resolver,
        &mut classifier_arena[..],
        Options::default(),
    )
    .map_err(|e| format!("{classifier_path}: {e}"))?;
    let mut speech = MicroSpeech::<STACK>::new(frontend, classifier).map_err(|e| e.to_string())?;
    let window_bytes = speech.window() * 2;

    for wav in wavs {
        let bytes = std::fs::read(wav).map_err(|e| format!("{wav}: {e}"))?;
        let samples = pcm16_mono_16khz(&bytes).map_err(|e| format!("{wav}: {e}"))?;
        speech.reset();
        let mut scores = None;
        let mut start = 0;
        while start + window_bytes <= samples.len() {
            let now = speech
                .push_window(&samples[start..start + window_bytes])
                .map_err(|e| format!("{wav}: {e}"))?;
            scores = Some(now);
            start += STRIDE_BYTES;
        }
        let scores = scores.ok_or(format!("{wav}: shorter than one window"))?;
        let k = best(&scores);
        println!("{wav}: {} ({:.2})", LABELS[k], scores[k]);
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
