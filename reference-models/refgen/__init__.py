"""Reference-model generator: Keras models → .tflite (real converter) → TFLM goldens."""
