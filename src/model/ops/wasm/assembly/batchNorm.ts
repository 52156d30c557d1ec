// BatchNorm over rows, x [rows, cols]: each column normalised by its statistics over the rows.
// Everything is float64, one column per f64x2 lane (two float32 loaded and widened at a time, the
// last column of an odd width on its own), each column's sums taken over the rows in order: the
// same operations in the same order as the JS loops (../../cpu/batchNorm.ts), so the two agree
// bit for bit. Per-column float64 sums live in scratch the caller passes (no allocation here).

/** Two float32 at p widened to float64. */
function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Two float64 rounded to float32 and stored at p. */
function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** Byte offset of float64 column c in a scratch row. */
function f64At(c: i32): usize {
  return (<usize>c) << 3;
}

/** Byte offset of float32 column c in a row. */
function f32At(c: i32): usize {
  return (<usize>c) << 2;
}

/**
 * Per column: mean (f64 at `mean`) and 1/sqrt(variance + eps) (f64 at `rstd`), two-pass; the
 * biased variance as float32 at `variance` unless it is 0.
 */
function columnStats(
  x: usize,
  rows: i32,
  cols: i32,
  mean: usize,
  rstd: usize,
  variance: usize,
  eps: f64,
): void {
  const pairs = cols & ~1;
  const rowBytes = (<usize>cols) << 2;
  memory.fill(mean, 0, f64At(cols));
  memory.fill(rstd, 0, f64At(cols));
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * rowBytes;
    for (let c = 0; c < pairs; c += 2) {
      const at = mean + f64At(c);
      v128.store(at, f64x2.add(v128.load(at), load2(row + f32At(c))));
    }
    if (pairs < cols) {
      const at = mean + f64At(pairs);
      store<f64>(at, load<f64>(at) + <f64>load<f32>(row + f32At(pairs)));
    }
  }
  const n = <f64>rows;
  for (let c = 0; c < cols; c++) store<f64>(mean + f64At(c), load<f64>(mean + f64At(c)) / n);
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * rowBytes;
    for (let c = 0; c < pairs; c += 2) {
      const at = rstd + f64At(c);
      const d = f64x2.sub(load2(row + f32At(c)), v128.load(mean + f64At(c)));
      v128.store(at, f64x2.add(v128.load(at), f64x2.mul(d, d)));
    }
    if (pairs < cols) {
      const at = rstd + f64At(pairs);
      const d = <f64>load<f32>(row + f32At(pairs)) - load<f64>(mean + f64At(pairs));
      store<f64>(at, load<f64>(at) + d * d);
    }
  }
  for (let c = 0; c < cols; c++) {
    const v = load<f64>(rstd + f64At(c)) / n;
    if (variance !== 0) store<f32>(variance + f32At(c), <f32>v);
    store<f64>(rstd + f64At(c), 1.0 / Math.sqrt(v + eps));
  }
}

/**
 * y = (x − mean)·rstd·gamma + beta per column, with the mean and biased variance (float32) out;
 * `stats` is 2·cols doubles of scratch; eps is the float32 the reference adds.
 */
export function batchNormForward(
  x: usize,
  gamma: usize,
  beta: usize,
  y: usize,
  meanOut: usize,
  varianceOut: usize,
  stats: usize,
  rows: i32,
  cols: i32,
  eps: f32,
): void {
  const mean = stats;
  const rstd = stats + f64At(cols);
  columnStats(x, rows, cols, mean, rstd, varianceOut, <f64>eps);
  for (let c = 0; c < cols; c++) store<f32>(meanOut + f32At(c), <f32>load<f64>(mean + f64At(c)));
  const pairs = cols & ~1;
  const rowBytes = (<usize>cols) << 2;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * rowBytes;
    const out = y + <usize>r * rowBytes;
    for (let c = 0; c < pairs; c += 2) {
      const xhat = f64x2.mul(
        f64x2.sub(load2(row + f32At(c)), v128.load(mean + f64At(c))),
        v128.load(rstd + f64At(c)),
      );
      store2(out + f32At(c), f64x2.add(f64x2.mul(xhat, load2(gamma + f32At(c))), load2(beta + f32At(c))));
    }
    if (pairs < cols) {
      const xhat =
        (<f64>load<f32>(row + f32At(pairs)) - load<f64>(mean + f64At(pairs))) *
        load<f64>(rstd + f64At(pairs));
      const v = xhat * <f64>load<f32>(gamma + f32At(pairs)) + <f64>load<f32>(beta + f32At(pairs));
      store<f32>(out + f32At(pairs), <f32>v);
    }
  }
}

/**
 * With x̂ = (x − mean)·rstd per column: dbeta = Σ dy, dgamma = Σ dy·x̂ over rows and
 * dx = gamma·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)); `stats` is 5·cols doubles of scratch.
 */
export function batchNormBackward(
  x: usize,
  gamma: usize,
  dy: usize,
  dx: usize,
  dgamma: usize,
  dbeta: usize,
  stats: usize,
  rows: i32,
  cols: i32,
  eps: f32,
): void {
  const mean = stats;
  const rstd = stats + f64At(cols);
  const sumDy = stats + f64At(2 * cols);
  const sumDyX = stats + f64At(3 * cols);
  const scale = stats + f64At(4 * cols);
  columnStats(x, rows, cols, mean, rstd, 0, <f64>eps);
  memory.fill(sumDy, 0, f64At(2 * cols));
  const pairs = cols & ~1;
  const rowBytes = (<usize>cols) << 2;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * rowBytes;
    const up = dy + <usize>r * rowBytes;
    for (let c = 0; c < pairs; c += 2) {
      const at = f64At(c);
      const g = load2(up + f32At(c));
      const xhat = f64x2.mul(f64x2.sub(load2(row + f32At(c)), v128.load(mean + at)), v128.load(rstd + at));
      v128.store(sumDy + at, f64x2.add(v128.load(sumDy + at), g));
      v128.store(sumDyX + at, f64x2.add(v128.load(sumDyX + at), f64x2.mul(g, xhat)));
    }
    if (pairs < cols) {
      const at = f64At(pairs);
      const g = <f64>load<f32>(up + f32At(pairs));
      const xhat = (<f64>load<f32>(row + f32At(pairs)) - load<f64>(mean + at)) * load<f64>(rstd + at);
      store<f64>(sumDy + at, load<f64>(sumDy + at) + g);
      store<f64>(sumDyX + at, load<f64>(sumDyX + at) + g * xhat);
    }
  }
  const n = <f64>rows;
  for (let c = 0; c < cols; c++) {
    const at = f64At(c);
    store<f32>(dgamma + f32At(c), <f32>load<f64>(sumDyX + at));
    store<f32>(dbeta + f32At(c), <f32>load<f64>(sumDy + at));
    store<f64>(scale + at, <f64>load<f32>(gamma + f32At(c)) * load<f64>(rstd + at));
    store<f64>(sumDy + at, load<f64>(sumDy + at) / n);
    store<f64>(sumDyX + at, load<f64>(sumDyX + at) / n);
  }
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * rowBytes;
    const up = dy + <usize>r * rowBytes;
    const out = dx + <usize>r * rowBytes;
    for (let c = 0; c < pairs; c += 2) {
      const at = f64At(c);
      const xhat = f64x2.mul(f64x2.sub(load2(row + f32At(c)), v128.load(mean + at)), v128.load(rstd + at));
      const centered = f64x2.sub(load2(up + f32At(c)), v128.load(sumDy + at));
      const v = f64x2.mul(
        v128.load(scale + at),
        f64x2.sub(centered, f64x2.mul(xhat, v128.load(sumDyX + at))),
      );
      store2(out + f32At(c), v);
    }
    if (pairs < cols) {
      const at = f64At(pairs);
      const xhat = (<f64>load<f32>(row + f32At(pairs)) - load<f64>(mean + at)) * load<f64>(rstd + at);
      const centered = <f64>load<f32>(up + f32At(pairs)) - load<f64>(sumDy + at);
      store<f32>(
        out + f32At(pairs),
        <f32>(load<f64>(scale + at) * (centered - xhat * load<f64>(sumDyX + at))),
      );
    }
  }
}
