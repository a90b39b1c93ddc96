//! `microlite listen`: WAV input checks, and TFLM's micro_speech test on the
//! shared models (yes -> "yes", no -> "no", silence and noise ->
//! "silence"; tools/micro_speech_check.py compares every window's scores
//! with the TFLM wheel in CI).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use microlite_cli::listen::read_wav;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("microlite-listen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn write_wav(path: &Path, spec: hound::WavSpec, samples: usize) {
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for k in 0..samples {
        match spec.sample_format {
            hound::SampleFormat::Int if spec.bits_per_sample == 16 => {
                writer.write_sample((k % 100) as i16).unwrap();
            }
            hound::SampleFormat::Int => writer.write_sample((k % 100) as i32).unwrap(),
            hound::SampleFormat::Float => writer.write_sample(k as f32 / 1e4).unwrap(),
        }
    }
    writer.finalize().unwrap();
}

fn spec(channels: u16, sample_rate: u32, bits: u16, format: hound::SampleFormat) -> hound::WavSpec {
    hound::WavSpec {
        channels,
        sample_rate,
        bits_per_sample: bits,
        sample_format: format,
    }
}

#[test]
fn reads_16_khz_mono_pcm16() {
    let path = scratch("ok.wav");
    write_wav(&path, spec(1, 16000, 16, hound::SampleFormat::Int), 1000);
    let samples = read_wav(&path, 16000).unwrap();
    assert_eq!(samples.len(), 1000);
    assert_eq!(samples[123], 23);
}

#[test]
fn any_other_format_is_refused_saying_what_it_is() {
    let cases = [
        (
            "stereo.wav",
            spec(2, 16000, 16, hound::SampleFormat::Int),
            "2 channel(s)",
        ),
        (
            "rate.wav",
            spec(1, 8000, 16, hound::SampleFormat::Int),
            "8000 Hz",
        ),
        (
            "pcm24.wav",
            spec(1, 16000, 24, hound::SampleFormat::Int),
            "24-bit",
        ),
        (
            "float.wav",
            spec(1, 16000, 32, hound::SampleFormat::Float),
            "32-bit float",
        ),
    ];
    for (name, spec, says) in cases {
        let path = scratch(name);
        write_wav(&path, spec, 100);
        let error = read_wav(&path, 16000).unwrap_err();
        assert!(
            error.contains("16000 Hz mono 16-bit integer PCM"),
            "{error}"
        );
        assert!(error.contains(says), "{name}: {error}");
    }
    let not_wav = scratch("not.wav");
    std::fs::write(&not_wav, b"RIFF-nonsense").unwrap();
    let error = read_wav(&not_wav, 16000).unwrap_err();
    assert!(error.contains("not.wav"), "{error}");
}

#[test]
fn micro_speech_labels_the_four_test_clips_as_tflm_does() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models");
    let frontend = shared.join("tflm/audio_preprocessor_int8.tflite");
    let model = shared.join("micro_speech_quantized.tflite");
    if !frontend.exists() || !model.exists() {
        println!(
            "skipping: {} not found (../shared/models absent)",
            frontend.display()
        );
        return;
    }
    let labels = scratch("labels.txt");
    std::fs::write(&labels, "silence\nunknown\nyes\nno\n").unwrap();
    for (clip, want) in [
        ("yes", "yes"),
        ("no", "no"),
        ("silence", "silence"),
        ("noise", "silence"),
    ] {
        let wav = shared.join(format!("tflm/micro_speech_{clip}_1000ms.wav"));
        let out = Command::new(env!("CARGO_BIN_EXE_microlite"))
            .arg("listen")
            .arg("--frontend")
            .arg(&frontend)
            .arg("--model")
            .arg(&model)
            .arg("--labels")
            .arg(&labels)
            .arg(&wav)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{clip}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // 49 windows of 30 ms every 20 ms in one second, then the label.
        assert_eq!(
            stdout.lines().filter(|l| l.starts_with("frame ")).count(),
            49
        );
        let last = stdout.lines().last().unwrap();
        let label = last
            .rsplit(": ")
            .next()
            .and_then(|tail| tail.split(" (").next());
        assert_eq!(label, Some(want), "{clip}: {last}");
    }
}
