//! The arrays of a golden case folder (`reference-models/<suite>/<case>/`),
//! in either of its two layouts:
//!
//! - packed (what the generator writes): one `arrays.npz`, an uncompressed
//!   zip of `.npy` members named `input_<k>.npy`, `tensor_<t>.npy` and, for
//!   invokes i >= 1 of a stateful case, `invoke_<i>/input_<k>.npy`,
//!   `invoke_<i>/tensor_<t>.npy`;
//! - loose (cases not yet packed by `reference-models/pack_goldens.py`): one
//!   `.npy` file per array at those paths inside the case folder.
//!
//! A folder holding both layouts is refused (`tools/golden_arrays.py` is
//! the Python side of the same rules).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::npy_io::{self, NpyArray};

/// File name of the packed layout.
pub const PACKED: &str = "arrays.npz";

/// The arrays of one case folder.
pub struct CaseArrays {
    dir: PathBuf,
    /// Every member of `arrays.npz`, by name; `None` for the loose layout.
    packed: Option<BTreeMap<String, NpyArray>>,
}

impl CaseArrays {
    /// Open the case folder `dir`: reads `arrays.npz` whole when present,
    /// else reads the loose `.npy` files on demand.
    pub fn open(dir: &Path) -> Result<Self, String> {
        let npz = dir.join(PACKED);
        if !npz.exists() {
            return Ok(Self {
                dir: dir.to_path_buf(),
                packed: None,
            });
        }
        if let Some(loose) = loose_file(dir)? {
            return Err(format!(
                "{} has both {PACKED} and the loose {} (pack or delete one layout)",
                dir.display(),
                loose.display()
            ));
        }
        let file = File::open(&npz).map_err(|e| format!("cannot open {}: {e}", npz.display()))?;
        let mut archive = zip::ZipArchive::new(BufReader::new(file))
            .map_err(|e| format!("{} is not a zip archive: {e}", npz.display()))?;
        let mut members = BTreeMap::new();
        for i in 0..archive.len() {
            let member = archive
                .by_index(i)
                .map_err(|e| format!("{} member {i}: {e}", npz.display()))?;
            let name = member
                .name()
                .map_err(|e| format!("{} member {i}: {e}", npz.display()))?
                .to_string();
            let what = format!("{}:{name}", npz.display());
            let array = npy_io::read_from(member, &what)?;
            members.insert(name, array);
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            packed: Some(members),
        })
    }

    /// Whether the case holds the array `name` (e.g. `"invoke_1/tensor_4.npy"`).
    pub fn contains(&self, name: &str) -> bool {
        match &self.packed {
            Some(members) => members.contains_key(name),
            None => self.dir.join(name).is_file(),
        }
    }

    /// The array `name` (e.g. `"input_0.npy"`, `"invoke_1/tensor_4.npy"`).
    pub fn get(&self, name: &str) -> Result<NpyArray, String> {
        match &self.packed {
            Some(members) => members
                .get(name)
                .cloned()
                .ok_or_else(|| format!("{} has no member {name}", self.dir.join(PACKED).display())),
            None => npy_io::read(&self.dir.join(name)),
        }
    }

    /// The array `name` of invoke `invoke` (0: the case folder's own).
    pub fn get_for_invoke(&self, invoke: usize, name: &str) -> Result<NpyArray, String> {
        self.get(&member_name(invoke, name))
    }

    /// Whether invoke `invoke` has the array `name`.
    pub fn contains_for_invoke(&self, invoke: usize, name: &str) -> bool {
        self.contains(&member_name(invoke, name))
    }

    /// How many invokes the case records: 1 + the invokes i = 1, 2, ... in a
    /// row that have arrays (a stateful case's sequence on one interpreter).
    pub fn invokes(&self) -> usize {
        let mut n = 1;
        loop {
            let has = match &self.packed {
                Some(members) => {
                    let prefix = format!("invoke_{n}/");
                    members.keys().any(|k| k.starts_with(&prefix))
                }
                None => self.dir.join(format!("invoke_{n}")).is_dir(),
            };
            if !has {
                return n;
            }
            n += 1;
        }
    }

    /// The model inputs of invoke `invoke`, in order (`input_0.npy`,
    /// `input_1.npy`, ... while present).
    pub fn inputs(&self, invoke: usize) -> Result<Vec<NpyArray>, String> {
        (0..)
            .map(|k| format!("input_{k}.npy"))
            .take_while(|name| self.contains_for_invoke(invoke, name))
            .map(|name| self.get_for_invoke(invoke, &name))
            .collect()
    }
}

/// `name` of invoke `invoke`: the path inside the case folder (loose) or
/// the member name (packed).
fn member_name(invoke: usize, name: &str) -> String {
    if invoke == 0 {
        name.to_string()
    } else {
        format!("invoke_{invoke}/{name}")
    }
}

/// A loose-layout `.npy` file of `dir`, if there is one.
fn loose_file(dir: &Path) -> Result<Option<PathBuf>, String> {
    let listing = |d: &Path| -> Result<Vec<PathBuf>, String> {
        let entries = std::fs::read_dir(d).map_err(|e| format!("{}: {e}", d.display()))?;
        entries
            .map(|e| {
                e.map(|e| e.path())
                    .map_err(|e| format!("{}: {e}", d.display()))
            })
            .collect()
    };
    for path in listing(dir)? {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.extension().is_some_and(|e| e == "npy") {
            return Ok(Some(path));
        }
        if name.starts_with("invoke_") && path.is_dir() {
            if let Some(inner) = listing(&path)?
                .into_iter()
                .find(|p| p.extension().is_some_and(|e| e == "npy"))
            {
                return Ok(Some(inner));
            }
        }
    }
    Ok(None)
}

/// An array from a `.npy` file, or from a member of an `.npz` archive
/// written `ARCHIVE.npz:MEMBER` (`.npy` optional), e.g. a golden case's
/// `reference-models/models/mlp_int8/arrays.npz:input_0`.
pub fn read_array(spec: &Path) -> Result<NpyArray, String> {
    let text = spec.to_string_lossy();
    let Some((archive, member)) = text.rsplit_once(".npz:") else {
        return npy_io::read(spec);
    };
    let npz = PathBuf::from(format!("{archive}.npz"));
    let file = File::open(&npz).map_err(|e| format!("cannot open {}: {e}", npz.display()))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| format!("{} is not a zip archive: {e}", npz.display()))?;
    let name = if member.ends_with(".npy") {
        member.to_string()
    } else {
        format!("{member}.npy")
    };
    let entry = zip
        .by_name(&name)
        .map_err(|_| format!("{} has no member {name}", npz.display()))?;
    npy_io::read_from(entry, &format!("{}:{name}", npz.display()))
}
