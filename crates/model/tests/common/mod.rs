//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod builder;

use std::path::{Path, PathBuf};

/// `/work/shared/models` relative to this crate (`../shared/models` from the
/// workspace root).
pub fn shared_models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models")
}

/// `reference-models/` of the workspace.
pub fn reference_models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference-models")
}

/// All `.tflite` files in the shared model directory, sorted; `None` (after
/// printing why) when the directory is absent.
pub fn shared_models() -> Option<Vec<PathBuf>> {
    let dir = shared_models_dir();
    if !dir.is_dir() {
        println!("skipping: ../shared/models not found ({})", dir.display());
        return None;
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tflite"))
        .collect();
    out.sort();
    Some(out)
}

/// Every `.tflite` file under `reference-models/` (recursively), sorted.
pub fn reference_models() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "tflite") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&reference_models_dir(), &mut out);
    out.sort();
    out
}

/// The shared models followed by the reference models, read into aligned
/// memory; `None` (after printing why) when the shared directory is absent.
/// Files that vanish between listing and reading (a generator rewriting
/// `reference-models/`) are skipped with a note.
pub fn all_model_files() -> Option<Vec<(PathBuf, Aligned)>> {
    let mut paths = shared_models()?;
    paths.extend(reference_models());
    let mut out = Vec::new();
    for path in paths {
        match std::fs::read(&path) {
            Ok(bytes) => out.push((path, Aligned::new(&bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                println!("note: {} vanished while listing", path.display());
            }
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    Some(out)
}

/// A copy of some bytes placed at a 16-byte aligned address.
pub struct Aligned {
    storage: Vec<u8>,
    start: usize,
    len: usize,
}

impl Aligned {
    pub fn new(bytes: &[u8]) -> Self {
        let mut storage = vec![0u8; bytes.len() + 15];
        let window = microlite_model::aligned_window(&mut storage, bytes.len()).unwrap();
        window.copy_from_slice(bytes);
        let start = window.as_ptr().addr() - storage.as_ptr().addr();
        Self {
            storage,
            start,
            len: bytes.len(),
        }
    }

    pub fn read(path: &Path) -> Self {
        Self::new(&std::fs::read(path).unwrap())
    }

    pub fn bytes(&self) -> &[u8] {
        &self.storage[self.start..self.start + self.len]
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.storage[self.start..self.start + self.len]
    }

    /// The same bytes starting `skew` bytes after a 16-byte boundary.
    pub fn misaligned(bytes: &[u8], skew: usize) -> (Vec<u8>, usize) {
        let mut storage = vec![0u8; bytes.len() + 32];
        let start = storage.as_ptr().align_offset(16) + skew;
        storage[start..start + bytes.len()].copy_from_slice(bytes);
        (storage, start)
    }
}

/// Reads every fact of a verified model through the typed views and checks
/// the invariants verification promises. Returns a count of visited items so
/// callers can assert that something was visited.
pub fn walk(model: &microlite_model::Model<'_>) -> usize {
    let mut visited = 0;
    let _ = (model.version(), model.description(), model.buffer_count());
    let _ = model.metadata_names().count();
    for name in model.metadata_names() {
        let _ = model.metadata(name);
    }
    assert!(model.subgraph_count() >= 1);
    assert_eq!(model.main_subgraph().index(), 0);
    for sg in model.subgraphs() {
        let _ = (sg.name(), format!("{sg:?}"));
        let n = sg.tensor_count();
        for list in [sg.inputs(), sg.outputs()] {
            for k in 0..list.len() {
                let t = list.get(k).expect("subgraph io index is present");
                assert!(t < n);
            }
        }
        for tensor in sg.tensors() {
            visited += 1;
            let _ = (tensor.name(), tensor.is_variable(), format!("{tensor:?}"));
            let shape = tensor.shape();
            assert_eq!(shape.iter().count(), shape.rank());
            let count = shape
                .iter()
                .try_fold(1usize, |a, d| a.checked_mul(d))
                .unwrap();
            assert_eq!(tensor.element_count(), count);
            if let Some(data) = tensor.data() {
                assert!(tensor.is_constant());
                if let Some(size) = tensor.byte_size() {
                    assert_eq!(data.len(), size);
                }
                let aligned = data.as_ptr().addr() % tensor.dtype().alignment() == 0;
                assert_eq!(tensor.data_is_aligned(), aligned);
            } else {
                assert!(!tensor.is_constant());
            }
            if let Some(q) = tensor.quantization() {
                assert!(!q.is_empty());
                for k in 0..q.len() {
                    assert!(q.scale(k).is_some() && q.zero_point(k).is_some());
                }
                assert!(q.scale(q.len()).is_none());
            }
        }
        for op in sg.operators() {
            visited += 1;
            let _ = (
                op.op_name(),
                op.version(),
                op.custom_code(),
                format!("{op:?}"),
            );
            assert!(op.opcode_index() < model.operator_code_count());
            for k in 0..op.input_count() {
                if let Some(t) = op.input(k) {
                    assert!(sg.tensor(t).is_some());
                }
            }
            for list in [op.outputs(), op.intermediates()] {
                assert_eq!(list.iter().count(), list.len());
                assert!(list.iter().all(|t| t < n));
            }
        }
        assert_eq!(sg.operators().count(), sg.operator_count());
    }
    visited
}
