//! SELECT_V2 against the naive three-way broadcast: each output's
//! condition, x and y elements from its multi-index.

use microlite_kernels::select::{select, SelectShape};

use super::elementwise::shapes;
use super::{mismatch, Mismatch};
use crate::decisions::Decisions;
use crate::naive::elementwise::{broadcast_pairs, broadcast_shape};

pub(super) fn select_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let (x_dims, y_dims) = shapes(d);
    let Some(xy) = broadcast_shape(&x_dims, &y_dims) else {
        return Ok(());
    };
    // The condition: the output shape with some extents set to 1.
    let c_dims: Vec<usize> = xy
        .iter()
        .map(|&e| if d.one_in(3) { 1 } else { e })
        .collect();
    let Some(out_dims) = broadcast_shape(&c_dims, &xy) else {
        return Ok(());
    };
    let shape = match SelectShape::new(&c_dims, &x_dims, &y_dims, &out_dims) {
        Ok(shape) => shape,
        Err(e) => return mismatch("select", format!("{c_dims:?} {x_dims:?} {y_dims:?}: {e}")),
    };
    let count = |dims: &[usize]| dims.iter().product::<usize>();
    let condition: Vec<u8> = (0..count(&c_dims)).map(|_| d.u8() % 3).collect();
    let x: Vec<u16> = (0..count(&x_dims)).map(|_| d.u16()).collect();
    let y: Vec<u16> = (0..count(&y_dims)).map(|_| d.u16()).collect();
    let mut got = vec![0u16; count(&out_dims)];
    if let Err(e) = select(&shape, &condition, &x, &y, &mut got) {
        return mismatch("select", format!("refused matching lengths: {e}"));
    }
    let cx = broadcast_pairs(&out_dims, &c_dims, &x_dims);
    let cy = broadcast_pairs(&out_dims, &c_dims, &y_dims);
    for (k, (&(c, i), &(_, j))) in cx.iter().zip(&cy).enumerate() {
        let want = if condition[c] != 0 { x[i] } else { y[j] };
        if got[k] != want {
            return mismatch("select", format!("{c_dims:?} {x_dims:?} {y_dims:?} at {k}"));
        }
    }
    Ok(())
}
