// The math of the browser trainer: IDX files, MNIST normalisation, and an MLP (Linear, ReLU, ..., Linear,
// softmax cross-entropy) with its mean gradient over a batch. Pure: no DOM, usable as a browser ES module and
// from Node. Parameters are one flat Float32Array in PyTorch's order: for each linear layer, its weight
// [out, in] row-major, then its bias [out].

const MEAN = 0.1307;
const DEVIATION = 0.3081;

/**
 * An IDX file (of unsigned bytes): magic 0x00000803 for images, 0x00000801 for labels (0x08: unsigned byte,
 * then the number of dimensions), big-endian int32 sizes after it, then the data.
 * @param {ArrayBuffer|ArrayBufferView} buffer
 * @returns {{dims: number[], data: Uint8Array}}
 */
export function parseIdx(buffer) {
  const bytes = ArrayBuffer.isView(buffer)
    ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    : new Uint8Array(buffer);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error('not an IDX file (its first two bytes are not zero)');
  }
  if (bytes[2] !== 0x08) {
    throw new Error(`an IDX file of type 0x${bytes[2].toString(16)}; only unsigned bytes (0x08) are read`);
  }
  const count = bytes[3];
  if (count < 1 || bytes.length < 4 + 4 * count) {
    throw new Error(`an IDX file with ${count} dimensions and only ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = [];
  let size = 1;
  for (let d = 0; d < count; d++) {
    const n = view.getInt32(4 + 4 * d, false);
    if (n < 0) {
      throw new Error(`an IDX file with a negative size (${n})`);
    }
    dims.push(n);
    size *= n;
  }
  const start = 4 + 4 * count;
  if (bytes.length - start < size) {
    throw new Error(`an IDX file of ${dims.join('×')} holds only ${bytes.length - start} bytes of data`);
  }
  return { dims, data: bytes.subarray(start, start + size) };
}

/**
 * Pixels as the cluster's trainers see them: (p / 255 − 0.1307) / 0.3081.
 * @param {Uint8Array} pixels
 * @returns {Float32Array}
 */
export function normalize(pixels) {
  const out = new Float32Array(pixels.length);
  // a table of the 256 values, so that every pixel is one look-up
  const table = new Float32Array(256);
  for (let p = 0; p < 256; p++) {
    table[p] = (p / 255 - MEAN) / DEVIATION;
  }
  for (let i = 0; i < pixels.length; i++) {
    out[i] = table[pixels[i]];
  }
  return out;
}

/**
 * The number of floats of an MLP of these widths (inputs, hidden..., classes).
 * @param {number[]} layers
 */
export function parameterCount(layers) {
  checkLayers(layers);
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    total += layers[l + 1] * layers[l] + layers[l + 1];
  }
  return total;
}

function checkLayers(layers) {
  if (!Array.isArray(layers) || layers.length < 2 || !layers.every((w) => Number.isInteger(w) && w > 0)) {
    throw new Error(`layers must be two or more positive widths, not ${JSON.stringify(layers)}`);
  }
}

// per layer l (0-based, from layers[l] to layers[l + 1]): where its weight and its bias start in the flat vector
function offsets(layers) {
  const weights = [];
  const biases = [];
  let at = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    weights.push(at);
    at += layers[l + 1] * layers[l];
    biases.push(at);
    at += layers[l + 1];
  }
  return { weights, biases, total: at };
}

// buffers kept between calls (one set per shape): the activations of every layer after the input and their
// gradients, for up to `capacity` rows
let space = null;

function workspace(layers, rows) {
  const key = layers.join(',');
  if (space === null || space.key !== key || space.capacity < rows) {
    const capacity = Math.max(rows, space !== null && space.key === key ? space.capacity : 0);
    const acts = [null];
    const deltas = [null];
    for (let l = 1; l < layers.length; l++) {
      acts.push(new Float32Array(capacity * layers[l]));
      deltas.push(new Float32Array(capacity * layers[l]));
    }
    space = { key, capacity, acts, deltas, live: new Int32Array(capacity), ...offsets(layers) };
  }
  return space;
}

function checkInputs(params, layers, images, labels, rows) {
  const total = parameterCount(layers);
  if (params.length !== total) {
    throw new Error(`${params.length} parameters; layers ${layers.join('-')} have ${total}`);
  }
  if (!Number.isInteger(rows) || rows < 1) {
    throw new Error(`rows must be a positive integer, not ${rows}`);
  }
  if (images.length < rows * layers[0]) {
    throw new Error(`${images.length} inputs for ${rows} rows of ${layers[0]}`);
  }
  if (labels !== null && labels.length < rows) {
    throw new Error(`${labels.length} labels for ${rows} rows`);
  }
}

// one output of a linear layer (and its ReLU): bias + weight row · input row
function unit(params, wo, bias, input, x0, nIn, relu) {
  let s = 0;
  for (let i = 0; i < nIn; i++) {
    s += params[wo + i] * input[x0 + i];
  }
  s += bias;
  return relu && s < 0 ? 0 : s;
}

// the forward pass of `rows` rows (rows ≤ ws.capacity): ws.acts[l] holds layer l's output after its ReLU (the
// last one: the logits)
function forward(params, layers, images, rows, ws) {
  const last = layers.length - 1;
  let input = images;
  for (let l = 0; l < last; l++) {
    const nIn = layers[l];
    const nOut = layers[l + 1];
    const w0 = ws.weights[l];
    const b0 = ws.biases[l];
    const out = ws.acts[l + 1];
    const relu = l + 1 < last;
    let r = 0;
    // two rows and four outputs at a time: every weight read serves two rows, every input four outputs
    for (; r + 1 < rows; r += 2) {
      const x0 = r * nIn;
      const x1 = x0 + nIn;
      const z0 = r * nOut;
      const z1 = z0 + nOut;
      let o = 0;
      for (; o + 3 < nOut; o += 4) {
        const wa = w0 + o * nIn;
        const wb = wa + nIn;
        const wc = wb + nIn;
        const wd = wc + nIn;
        let sa0 = 0;
        let sb0 = 0;
        let sc0 = 0;
        let sd0 = 0;
        let sa1 = 0;
        let sb1 = 0;
        let sc1 = 0;
        let sd1 = 0;
        for (let i = 0; i < nIn; i++) {
          const u = input[x0 + i];
          const v = input[x1 + i];
          const pa = params[wa + i];
          const pb = params[wb + i];
          const pc = params[wc + i];
          const pd = params[wd + i];
          sa0 += pa * u;
          sb0 += pb * u;
          sc0 += pc * u;
          sd0 += pd * u;
          sa1 += pa * v;
          sb1 += pb * v;
          sc1 += pc * v;
          sd1 += pd * v;
        }
        const ba = params[b0 + o];
        const bb = params[b0 + o + 1];
        const bc = params[b0 + o + 2];
        const bd = params[b0 + o + 3];
        sa0 += ba;
        sb0 += bb;
        sc0 += bc;
        sd0 += bd;
        sa1 += ba;
        sb1 += bb;
        sc1 += bc;
        sd1 += bd;
        out[z0 + o] = relu && sa0 < 0 ? 0 : sa0;
        out[z0 + o + 1] = relu && sb0 < 0 ? 0 : sb0;
        out[z0 + o + 2] = relu && sc0 < 0 ? 0 : sc0;
        out[z0 + o + 3] = relu && sd0 < 0 ? 0 : sd0;
        out[z1 + o] = relu && sa1 < 0 ? 0 : sa1;
        out[z1 + o + 1] = relu && sb1 < 0 ? 0 : sb1;
        out[z1 + o + 2] = relu && sc1 < 0 ? 0 : sc1;
        out[z1 + o + 3] = relu && sd1 < 0 ? 0 : sd1;
      }
      for (; o < nOut; o++) {
        out[z0 + o] = unit(params, w0 + o * nIn, params[b0 + o], input, x0, nIn, relu);
        out[z1 + o] = unit(params, w0 + o * nIn, params[b0 + o], input, x1, nIn, relu);
      }
    }
    for (; r < rows; r++) {
      for (let o = 0; o < nOut; o++) {
        out[r * nOut + o] = unit(params, w0 + o * nIn, params[b0 + o], input, r * nIn, nIn, relu);
      }
    }
    input = out;
  }
}

/**
 * The mean softmax cross-entropy of `rows` examples and its gradient with respect to every parameter.
 * @param {Float32Array} params flat, PyTorch's order
 * @param {number[]} layers e.g. [784, 64, 10]
 * @param {Float32Array} images rows × layers[0], row-major
 * @param {Uint8Array} labels rows class indices
 * @param {number} rows
 * @param {Float32Array} [out] where to write the gradient (a new array when omitted)
 * @returns {{loss: number, grad: Float32Array}}
 */
export function gradient(params, layers, images, labels, rows, out) {
  checkInputs(params, layers, images, labels, rows);
  const ws = workspace(layers, rows);
  const grad = out ?? new Float32Array(ws.total);
  if (grad.length !== ws.total) {
    throw new Error(`a gradient buffer of ${grad.length} floats for ${ws.total} parameters`);
  }
  grad.fill(0);
  forward(params, layers, images, rows, ws);

  // softmax cross-entropy, and its gradient with respect to the logits (already divided by rows: the mean)
  const last = layers.length - 1;
  const classes = layers[last];
  const logits = ws.acts[last];
  const top = ws.deltas[last];
  const scale = 1 / rows;
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const z0 = r * classes;
    const label = labels[r];
    if (!(label < classes)) {
      throw new Error(`label ${label} of row ${r}; the model has ${classes} classes`);
    }
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      if (logits[z0 + c] > max) max = logits[z0 + c];
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(logits[z0 + c] - max);
      top[z0 + c] = e;
      sum += e;
    }
    loss += Math.log(sum) + max - logits[z0 + label];
    const inverse = 1 / sum;
    for (let c = 0; c < classes; c++) {
      top[z0 + c] = (top[z0 + c] * inverse - (c === label ? 1 : 0)) * scale;
    }
  }
  loss *= scale;

  // backwards through the layers: weight and bias gradients, and the gradient of the layer's input (through
  // the ReLU that made it) unless it is the images
  for (let l = last - 1; l >= 0; l--) {
    const nIn = layers[l];
    const nOut = layers[l + 1];
    const w0 = ws.weights[l];
    const b0 = ws.biases[l];
    const delta = ws.deltas[l + 1];
    const input = l === 0 ? images : ws.acts[l];
    // a weight row at a time (it stays in the cache), four rows of the batch at a time; rows whose ReLU was
    // off (a gradient of exactly zero) are skipped
    const live = ws.live;
    for (let o = 0; o < nOut; o++) {
      let n = 0;
      let bias = 0;
      for (let r = 0; r < rows; r++) {
        const g = delta[r * nOut + o];
        if (g !== 0) {
          live[n++] = r;
          bias += g;
        }
      }
      grad[b0 + o] = bias;
      const wo = w0 + o * nIn;
      let k = 0;
      for (; k + 3 < n; k += 4) {
        const ra = live[k];
        const rb = live[k + 1];
        const rc = live[k + 2];
        const rd = live[k + 3];
        const ga = delta[ra * nOut + o];
        const gb = delta[rb * nOut + o];
        const gc = delta[rc * nOut + o];
        const gd = delta[rd * nOut + o];
        const xa = ra * nIn;
        const xb = rb * nIn;
        const xc = rc * nIn;
        const xd = rd * nIn;
        for (let i = 0; i < nIn; i++) {
          grad[wo + i] += ga * input[xa + i] + gb * input[xb + i] + gc * input[xc + i] + gd * input[xd + i];
        }
      }
      for (; k < n; k++) {
        const r = live[k];
        const g = delta[r * nOut + o];
        const x0 = r * nIn;
        for (let i = 0; i < nIn; i++) {
          grad[wo + i] += g * input[x0 + i];
        }
      }
    }
    if (l === 0) break;
    const below = ws.deltas[l];
    for (let r = 0; r < rows; r++) {
      const x0 = r * nIn;
      const d0 = r * nOut;
      below.fill(0, x0, x0 + nIn);
      for (let o = 0; o < nOut; o++) {
        const g = delta[d0 + o];
        if (g === 0) continue;
        const wo = w0 + o * nIn;
        for (let i = 0; i < nIn; i++) {
          below[x0 + i] += g * params[wo + i];
        }
      }
      // ReLU: the gradient passes where its output was positive (PyTorch: zero at zero)
      for (let i = 0; i < nIn; i++) {
        if (input[x0 + i] <= 0) below[x0 + i] = 0;
      }
    }
  }
  return { loss, grad };
}

/**
 * The share of `rows` examples whose largest logit is their label.
 * @returns {number} in [0, 1]
 */
export function accuracy(params, layers, images, labels, rows) {
  checkInputs(params, layers, images, labels, rows);
  const chunk = Math.min(rows, 256);
  const ws = workspace(layers, chunk);
  const inputs = layers[0];
  const classes = layers[layers.length - 1];
  const logits = ws.acts[layers.length - 1];
  let correct = 0;
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    forward(params, layers, images.subarray(start * inputs, (start + n) * inputs), n, ws);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let c = 1; c < classes; c++) {
        if (logits[r * classes + c] > logits[r * classes + best]) best = c;
      }
      if (best === labels[start + r]) correct++;
    }
  }
  return correct / rows;
}

/**
 * A small seeded PRNG (mulberry32): a function of no arguments that returns floats in [0, 1).
 * @param {number} seed any number; its low 32 bits and the 32 above them are mixed in
 */
export function prng(seed) {
  const value = Number(seed) || 0;
  let state = (value >>> 0) ^ Math.imul(Math.floor(value / 4294967296) >>> 0, 0x9e3779b1);
  return function next() {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Shuffles `items` in place (Fisher–Yates) with `random` (e.g. from prng).
 * @template T
 * @param {T[]|Int32Array|Uint32Array} items
 * @param {() => number} random
 */
export function shuffle(items, random) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}
