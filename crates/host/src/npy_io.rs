//! Reading model inputs from and writing tensors to `.npy` files.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::Path;

use microlite::model::TensorType;
use npyz::WriterBuilder;

/// An array read from a `.npy` file: its dtype, shape and raw little-endian bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    /// Element type.
    pub dtype: TensorType,
    /// Shape.
    pub shape: Vec<usize>,
    /// Elements as little-endian bytes.
    pub bytes: Vec<u8>,
}

fn dtype_of_typestr(s: &str) -> Option<TensorType> {
    // npy type strings: byte order char then kind and size, e.g. "<f4", "|i1".
    let body = s.trim_start_matches(['<', '|', '=']);
    Some(match body {
        "i1" => TensorType::Int8,
        "u1" => TensorType::UInt8,
        "i2" => TensorType::Int16,
        "u2" => TensorType::UInt16,
        "i4" => TensorType::Int32,
        "u4" => TensorType::UInt32,
        "i8" => TensorType::Int64,
        "u8" => TensorType::UInt64,
        "f4" => TensorType::Float32,
        "f8" => TensorType::Float64,
        "b1" => TensorType::Bool,
        _ => return None,
    })
}

fn bytes_of<T: npyz::Deserialize + bytemuck::Pod>(
    npy: npyz::NpyFile<impl Read>,
) -> Result<Vec<u8>, String> {
    let values: Vec<T> = npy.into_vec().map_err(|e| e.to_string())?;
    Ok(bytemuck::cast_slice(&values).to_vec())
}

/// Read a `.npy` file of a dtype microlite supports.
pub fn read(path: &Path) -> Result<NpyArray, String> {
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    read_from(BufReader::new(file), &path.display().to_string())
}

/// Read `.npy` data of a dtype microlite supports from `reader` (e.g. a
/// member of an `.npz` archive); `what` names it in errors.
pub fn read_from<R: Read>(reader: R, what: &str) -> Result<NpyArray, String> {
    let npy = npyz::NpyFile::new(reader).map_err(|e| format!("{what} is not a .npy file: {e}"))?;
    if npy.order() != npyz::Order::C {
        return Err(format!("{what}: Fortran-order arrays are not supported"));
    }
    let typestr = match npy.dtype() {
        npyz::DType::Plain(ts) => ts.to_string(),
        other => return Err(format!("{what}: unsupported dtype {}", other.descr())),
    };
    if typestr.starts_with('>') {
        return Err(format!("{what}: big-endian arrays are not supported"));
    }
    let dtype =
        dtype_of_typestr(&typestr).ok_or_else(|| format!("{what}: unsupported dtype {typestr}"))?;
    let shape = npy.shape().iter().map(|&d| d as usize).collect();
    let bytes = match dtype {
        TensorType::Int8 => bytes_of::<i8>(npy),
        TensorType::UInt8 => bytes_of::<u8>(npy),
        TensorType::Bool => npy
            .into_vec::<bool>()
            .map(|values| values.into_iter().map(u8::from).collect())
            .map_err(|e| e.to_string()),
        TensorType::Int16 => bytes_of::<i16>(npy),
        TensorType::UInt16 => bytes_of::<u16>(npy),
        TensorType::Int32 => bytes_of::<i32>(npy),
        TensorType::UInt32 => bytes_of::<u32>(npy),
        TensorType::Int64 => bytes_of::<i64>(npy),
        TensorType::UInt64 => bytes_of::<u64>(npy),
        TensorType::Float32 => bytes_of::<f32>(npy),
        TensorType::Float64 => bytes_of::<f64>(npy),
        _ => Err(format!("unsupported dtype {typestr}")),
    }
    .map_err(|e| format!("{what}: {e}"))?;
    Ok(NpyArray {
        dtype,
        shape,
        bytes,
    })
}

fn write_as<T: npyz::AutoSerialize + bytemuck::Pod>(
    path: &Path,
    shape: &[u64],
    bytes: &[u8],
) -> Result<(), String> {
    let values: Vec<T> = bytes
        .chunks_exact(std::mem::size_of::<T>())
        .map(bytemuck::pod_read_unaligned)
        .collect();
    let file = File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(BufWriter::new(file))
        .begin_nd()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    writer
        .extend(values)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    writer
        .finish()
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Bool bytes (non-zero: true) as a `|b1` array.
fn write_bools(path: &Path, shape: &[u64], bytes: &[u8]) -> Result<(), String> {
    let file = File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(BufWriter::new(file))
        .begin_nd()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    writer
        .extend(bytes.iter().map(|&b| b != 0))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    writer
        .finish()
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Write a tensor's bytes as a `.npy` file of its dtype and shape.
pub fn write(path: &Path, dtype: TensorType, shape: &[usize], bytes: &[u8]) -> Result<(), String> {
    let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    match dtype {
        TensorType::Int8 => write_as::<i8>(path, &shape, bytes),
        TensorType::UInt8 => write_as::<u8>(path, &shape, bytes),
        TensorType::Bool => write_bools(path, &shape, bytes),
        TensorType::Int16 => write_as::<i16>(path, &shape, bytes),
        TensorType::UInt16 => write_as::<u16>(path, &shape, bytes),
        TensorType::Int32 => write_as::<i32>(path, &shape, bytes),
        TensorType::UInt32 => write_as::<u32>(path, &shape, bytes),
        TensorType::Int64 => write_as::<i64>(path, &shape, bytes),
        TensorType::UInt64 => write_as::<u64>(path, &shape, bytes),
        TensorType::Float32 => write_as::<f32>(path, &shape, bytes),
        TensorType::Float64 => write_as::<f64>(path, &shape, bytes),
        other => Err(format!("cannot write dtype {} as .npy", other.name())),
    }
}
