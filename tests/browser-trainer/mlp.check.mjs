// Checks the browser trainer's math (src/EdgeTrain.Gateway/wwwroot/browser/mlp.js) with Node:
//   node tests/browser-trainer/mlp.check.mjs
// (a) gradient against central finite differences on a tiny network;
// (b) plain SGD on the shipped MNIST sample: [784, 64, 10], lr 0.1, batch 64, 600 steps on the first examples of
//     train-*.gz (8000 of a 10,000-example file; the shipped file has 8,004, so all but its last 2000), accuracy
//     on its last 2000 (> 0.85) and on t10k-*.gz, and the time of one batch's forward and backward.
// Exits non-zero when a check fails.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { accuracy, gradient, normalize, parameterCount, parseIdx, prng, shuffle } from '../../src/EdgeTrain.Gateway/wwwroot/browser/mlp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const failures = [];

function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

// PyTorch's nn.Linear default: weight and bias uniform(-1/sqrt(in), 1/sqrt(in))
function initParams(layers, random) {
  const params = new Float32Array(parameterCount(layers));
  let at = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const bound = 1 / Math.sqrt(layers[l]);
    const n = layers[l + 1] * layers[l] + layers[l + 1];
    for (let k = 0; k < n; k++) params[at++] = (random() * 2 - 1) * bound;
  }
  return params;
}

// ---- (a) finite differences ----------------------------------------------------------------------------
check(parameterCount([784, 64, 10]) === 64 * 784 + 64 + 10 * 64 + 10, 'parameterCount([784, 64, 10]) = 50890');

function gradientCheck(layers, rows, seed) {
  const random = prng(seed);
  const params = initParams(layers, random);
  const images = new Float32Array(rows * layers[0]).map(() => random() * 4 - 2);
  const classes = layers[layers.length - 1];
  const labels = new Uint8Array(rows).map((_, r) => r % classes);
  const { loss, grad } = gradient(params, layers, images, labels, rows);
  const grad0 = Float32Array.from(grad);
  const eps = 1e-3;
  let diff2 = 0;
  let norm2 = 0;
  let worst = 0;
  for (let k = 0; k < params.length; k++) {
    const keep = params[k];
    params[k] = keep + eps;
    const plus = gradient(params, layers, images, labels, rows).loss;
    params[k] = keep - eps;
    const minus = gradient(params, layers, images, labels, rows).loss;
    params[k] = keep;
    // the step actually taken in float32
    const numeric = (plus - minus) / (Math.fround(keep + eps) - Math.fround(keep - eps));
    diff2 += (numeric - grad0[k]) ** 2;
    norm2 += Math.max(numeric * numeric, grad0[k] * grad0[k]);
    worst = Math.max(worst, Math.abs(numeric - grad0[k]) / Math.max(Math.abs(numeric), Math.abs(grad0[k]), 1e-3));
  }
  const relative = Math.sqrt(diff2 / norm2);
  const name = `[${layers.join(',')}], ${rows} rows, ${params.length} parameters`;
  console.log(`gradient check ${name}: loss ${loss.toFixed(4)}, relative error ${relative.toExponential(2)} `
    + `(worst element ${worst.toExponential(2)}, |g - fd| / max(|g|, |fd|, 1e-3))`);
  check(Number.isFinite(loss) && loss > 0, `${name}: loss is finite and positive`);
  check(relative < 1e-2, `${name}: gradient matches central finite differences (relative error < 1e-2)`);
  check(worst < 1e-2, `${name}: every element matches (relative error < 1e-2)`);
}

gradientCheck([5, 4, 3], 6, 7);
// odd widths and rows, two hidden layers: the code's remainder paths and a ReLU between hidden layers
gradientCheck([7, 6, 5, 3], 5, 11);

// ---- (b) SGD on the MNIST sample -----------------------------------------------------------------------
{
  const folder = path.join(root, 'samples', 'data', 'mnist-10k');
  const images = parseIdx(gunzipSync(readFileSync(path.join(folder, 'train-images-idx3-ubyte.gz'))));
  const labels = parseIdx(gunzipSync(readFileSync(path.join(folder, 'train-labels-idx1-ubyte.gz'))));
  console.log(`mnist-10k: images ${images.dims.join('×')}, labels ${labels.dims.join('×')}`);
  check(images.dims.length === 3 && labels.dims.length === 1 && images.dims[0] === labels.dims[0], 'IDX dims of images and labels agree');
  const count = images.dims[0];
  const inputs = images.dims[1] * images.dims[2];
  const pixels = normalize(images.data);
  const layers = [inputs, 64, 10];
  const train = Math.min(8000, count - 2000);
  const test = count - train;
  const random = prng(42);
  const params = initParams(layers, random);
  const batch = 64;
  const steps = 600;
  const lr = 0.1;
  const order = Int32Array.from({ length: train }, (_, i) => i);
  const x = new Float32Array(batch * inputs);
  const y = new Uint8Array(batch);
  const grad = new Float32Array(params.length);
  let next = train;
  let lastLoss = NaN;
  const times = [];
  const losses = [];
  for (let step = 0; step < steps; step++) {
    if (next + batch > train) {
      shuffle(order, random);
      next = 0;
    }
    for (let r = 0; r < batch; r++) {
      const i = order[next++];
      x.set(pixels.subarray(i * inputs, (i + 1) * inputs), r * inputs);
      y[r] = labels.data[i];
    }
    const t0 = performance.now();
    const { loss } = gradient(params, layers, x, y, batch, grad);
    times.push(performance.now() - t0);
    for (let k = 0; k < params.length; k++) params[k] -= lr * grad[k];
    lastLoss = loss;
    if (step % 100 === 0 || step === steps - 1) losses.push(`${step}: ${loss.toFixed(3)}`);
  }
  console.log(`losses ${losses.join(', ')}`);
  const testImages = pixels.subarray(train * inputs, count * inputs);
  const testLabels = labels.data.subarray(train, count);
  const acc = accuracy(params, layers, testImages, testLabels, test);
  const trainAcc = accuracy(params, layers, pixels.subarray(0, train * inputs), labels.data.subarray(0, train), train);
  console.log(`SGD [${layers.join(',')}], lr ${lr}, batch ${batch}, ${steps} steps on ${train} examples: last loss ${lastLoss.toFixed(3)}, `
    + `train accuracy ${trainAcc.toFixed(4)}, held-out accuracy ${acc.toFixed(4)} (${test} examples)`);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const median = Float64Array.from(times).sort()[times.length >> 1];
  console.log(`forward + backward of a batch of ${batch}: ${median.toFixed(2)} ms median, ${mean.toFixed(2)} ms mean of ${steps} (the first ones before the JIT)`);
  check(acc > 0.85, 'held-out accuracy > 0.85');

  // and on the sample's own test files (t10k: 1,996 images the training never saw)
  const t10kImages = parseIdx(gunzipSync(readFileSync(path.join(folder, 't10k-images-idx3-ubyte.gz'))));
  const t10kLabels = parseIdx(gunzipSync(readFileSync(path.join(folder, 't10k-labels-idx1-ubyte.gz'))));
  const t10k = accuracy(params, layers, normalize(t10kImages.data), t10kLabels.data, t10kLabels.dims[0]);
  console.log(`accuracy on t10k (${t10kLabels.dims[0]} examples): ${t10k.toFixed(4)}`);
  check(t10k > 0.85, 't10k accuracy > 0.85');
}

if (failures.length > 0) {
  console.log(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('all checks passed');
