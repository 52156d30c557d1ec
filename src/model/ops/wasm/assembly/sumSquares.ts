// The sum of squares of one float32 tensor, in the order and precision of the reference on wasm:
// each square rounded to float32 (tfjs's Square), added in index order to a float32 accumulator
// (tfjs-wasm's Sum is a plain C++ float loop). One dependent chain of adds, so it cannot take
// lanes without changing the bits; compiled, it still runs several times faster than the JS loop,
// whose Math.fround round trips lengthen every link of the chain.

export function sumSquares(x: usize, n: i32): f32 {
  let sum: f32 = 0;
  const end = x + ((<usize>n) << 2);
  for (let at = x; at < end; at += 4) {
    const v = load<f32>(at);
    sum += v * v;
  }
  return sum;
}
