// A linear layer's bias gradient: the column sums of dy [rows, cols], each column summed in
// float32 over rows in order (what tfjs-wasm's Sum over axis 0 computes after its transpose, so
// the two agree bit for bit), four columns per lane group; `out` is the accumulator.

export function biasGrad(dy: usize, out: usize, rows: i32, cols: i32): void {
  const whole = cols & ~3;
  memory.fill(out, 0, (<usize>cols) << 2);
  for (let r = 0; r < rows; r++) {
    const row = dy + ((<usize>r * <usize>cols) << 2);
    for (let c = 0; c < whole; c += 4) {
      const at = (<usize>c) << 2;
      v128.store(out + at, f32x4.add(v128.load(out + at), v128.load(row + at)));
    }
    for (let c = whole; c < cols; c++) {
      const at = (<usize>c) << 2;
      store<f32>(out + at, load<f32>(out + at) + load<f32>(row + at));
    }
  }
}
