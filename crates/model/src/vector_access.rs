//! Bounds-checked access to flatbuffer vectors.

/// Element `index` of an optional flatbuffer vector, or `None` if the vector
/// is absent or too short (`flatbuffers::Vector::get` asserts instead).
pub(crate) fn vector_get<'a, T: flatbuffers::Follow<'a> + 'a>(
    vector: Option<flatbuffers::Vector<'a, T>>,
    index: usize,
) -> Option<T::Inner> {
    let v = vector?;
    (index < v.len()).then(|| v.get(index))
}
