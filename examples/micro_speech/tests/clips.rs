//! The example on TFLM's micro_speech test clips: yes -> "yes", no -> "no",
//! silence and noise -> "silence" (TFLM's micro_speech_test expectations).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

#[test]
fn labels_the_four_test_clips_as_tflm_does() {
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
    for (clip, want) in [
        ("yes", "yes"),
        ("no", "no"),
        ("silence", "silence"),
        ("noise", "silence"),
    ] {
        let wav = shared.join(format!("tflm/micro_speech_{clip}_1000ms.wav"));
        let out = Command::new(env!("CARGO_BIN_EXE_micro_speech"))
            .arg(&frontend)
            .arg(&model)
            .arg(&wav)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{clip}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let label = stdout
            .trim()
            .rsplit(": ")
            .next()
            .and_then(|tail| tail.split(" (").next());
        assert_eq!(label, Some(want), "{clip}: {stdout}");
    }
}
