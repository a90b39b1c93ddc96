"""The arrays of a golden case folder (reference-models/<suite>/<case>/), in either layout.

Packed (what the generator writes): `arrays.npz`, one uncompressed zip whose
members are .npy files named by their path in the loose layout: `input_<k>.npy`,
`tensor_<t>.npy` (invoke 0) and `invoke_<i>/input_<k>.npy`, `invoke_<i>/tensor_<t>.npy`.
`np.load(case_dir / "arrays.npz")["invoke_1/tensor_4"]` reads one array.

Loose (older cases, and branches not yet packed): one .npy file per array
at those paths. `pack_case` turns a loose case into a packed one; the readers
accept both. One file per case instead of one per array saves a filesystem
block per array (reference-models/ must stay under 30 MB by `du`).

Packed files are byte-reproducible: members in a fixed order (invoke, then
inputs by position, then tensors by index), fixed timestamps, no compression.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np

PACKED = "arrays.npz"
_MEMBER = re.compile(r"^(?:invoke_(\d+)/)?(input|tensor)_(\d+)\.npy$")
_EPOCH = (1980, 1, 1, 0, 0, 0)


def member_key(name: str) -> tuple[int, int, int]:
    """Sort key of a member name; ValueError for a name outside the layout."""
    match = _MEMBER.match(name)
    if not match:
        raise ValueError(f"not a golden array name: {name!r}")
    invoke, kind, index = match.groups()
    return (int(invoke or 0), 0 if kind == "input" else 1, int(index))


def loose_files(case_dir: Path) -> dict[str, Path]:
    """The loose-layout .npy files of a case, by member name."""
    files = {}
    for path in case_dir.glob("*.npy"):
        files[path.name] = path
    for path in case_dir.glob("invoke_*/*.npy"):
        files[f"{path.parent.name}/{path.name}"] = path
    return files


def load_case_arrays(case_dir: Path) -> dict[str, np.ndarray]:
    """Every array of a case by member name (e.g. "invoke_1/tensor_4.npy"), from
    arrays.npz when present, else from the loose files; a case with both fails."""
    packed = case_dir / PACKED
    loose = loose_files(case_dir)
    if packed.exists():
        if loose:
            raise ValueError(f"{case_dir} has both {PACKED} and loose {sorted(loose)[0]}")
        arrays = {}
        with zipfile.ZipFile(packed) as archive:
            for name in archive.namelist():
                member_key(name)
                with archive.open(name) as member:
                    arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
        return arrays
    return {name: np.load(path, allow_pickle=False) for name, path in loose.items()}


def write_case_arrays(case_dir: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write `arrays` (by member name) as case_dir/arrays.npz; returns its path."""
    path = case_dir / PACKED
    names = sorted(arrays, key=member_key)  # a name outside the layout fails here
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in names:
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue(), compress_type=zipfile.ZIP_STORED)
    return path


def pack_case(case_dir: Path) -> bool:
    """Turn a loose-layout case into the packed one (the arrays read back equal
    before the loose files go); False when there was nothing to pack."""
    loose = loose_files(case_dir)
    if not loose:
        return False
    if (case_dir / PACKED).exists():
        raise ValueError(f"{case_dir} has both {PACKED} and loose {sorted(loose)[0]}")
    arrays = {name: np.load(path, allow_pickle=False) for name, path in loose.items()}
    write_case_arrays(case_dir, arrays)
    back = load_case_arrays_packed(case_dir)
    if back.keys() != arrays.keys() or not all(
        back[n].dtype == arrays[n].dtype
        and back[n].shape == arrays[n].shape
        and np.array_equal(back[n], arrays[n])
        for n in arrays
    ):
        (case_dir / PACKED).unlink()
        raise ValueError(f"{case_dir}: {PACKED} does not read back equal; loose files kept")
    for path in loose.values():
        path.unlink()
    for invoke_dir in case_dir.glob("invoke_*"):
        if invoke_dir.is_dir():
            invoke_dir.rmdir()
    return True


def load_case_arrays_packed(case_dir: Path) -> dict[str, np.ndarray]:
    """The arrays of case_dir/arrays.npz, read with numpy's own np.load."""
    with np.load(case_dir / PACKED, allow_pickle=False) as npz:
        return {f"{name}.npy": npz[name] for name in npz.files}
