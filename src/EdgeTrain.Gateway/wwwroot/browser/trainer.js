// The volunteer trainer page: loads MNIST-shaped data into this tab (the sample named by ?data=, or the user's
// own files), connects to the gateway's WebSocket (/browser/ws) as device ID, and for the job it is given pulls
// the model, computes one batch's gradient (mlp.js) and sends it, round after round. The data never leaves the
// tab: only gradients (and counters) are sent.
//
// Protocol: JSON text frames; a binary frame of raw little-endian float32 right after the JSON that announces
// it ("model" from the gateway, "update" from the page).
import { gradient, normalize, parameterCount, parseIdx, prng, shuffle } from './mlp.js';

const DEVICE_KEY = 'edgetrain-device-id';
const MAX_BACKOFF_SECONDS = 30;
// a round whose model has not come after this long is asked for again (the gateway ignores a pull while its
// own round for the job is in flight, so this never makes two rounds)
const PULL_RETRY_MS = 30_000;

const query = new URLSearchParams(location.search);
const token = query.get('token') ?? '';
const dataPrefix = (query.get('data') ?? '').replace(/\/+$/, '');
const deviceId = query.get('id') || storedDeviceId();
const utf8 = new TextEncoder();
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const state = {
  data: null, // { images: Float32Array, labels: Uint8Array, count, inputs }
  socket: null,
  refused: false,
  backoff: 1,
  job: null, // the job being trained (see makeJob)
  awaiting: null, // { job, since }: the pull of the round in flight
  modelHeader: null, // a "model" message whose binary frame comes next
  samples: 0,
  contributions: 0,
  loss: null,
  bytesSent: 0,
  bytesReceived: 0,
};

function $(id) {
  return document.getElementById(id);
}

function storedDeviceId() {
  const make = () => {
    const bytes = crypto.getRandomValues(new Uint8Array(6));
    return 'browser-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  };
  try {
    let id = localStorage.getItem(DEVICE_KEY);
    if (!id) {
      id = make();
      localStorage.setItem(DEVICE_KEY, id);
    }
    return id;
  } catch {
    return make(); // storage is off: an id for this visit only
  }
}

// ---- what the page shows --------------------------------------------------------------------------------

function setText(id, text) {
  const element = $(id);
  if (element !== null && element.textContent !== text) {
    element.textContent = text;
  }
}

function setStatus(text) {
  setText('status', text);
}

function showMessage(text) {
  const element = $('message');
  if (element === null) return;
  element.textContent = text;
  element.hidden = text === '';
}

function render() {
  const examples = state.job !== null ? state.job.indices.length : state.data !== null ? state.data.count : 0;
  setText('examples', String(examples));
  setText('samples', String(state.samples));
  setText('loss', state.loss === null ? '' : state.loss.toFixed(3));
  setText('contributions', String(state.contributions));
  setText('bytes-sent', String(state.bytesSent));
  setText('bytes-received', String(state.bytesReceived));
}

// ---- data ---------------------------------------------------------------------------------------------

async function gunzipIfNeeded(buffer) {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    return buffer;
  }
  if (typeof DecompressionStream === 'undefined') {
    throw new Error('this browser cannot gunzip (no DecompressionStream): pick the uncompressed IDX files');
  }
  const stream = new Blob([buffer]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

async function fetchBytes(url) {
  const response = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
  if (!response.ok) {
    throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  }
  return response.arrayBuffer();
}

// images and labels (IDX, gzipped or not) into the page's data set
async function load(imagesBuffer, labelsBuffer) {
  const images = parseIdx(await gunzipIfNeeded(imagesBuffer));
  const labels = parseIdx(await gunzipIfNeeded(labelsBuffer));
  if (images.dims.length < 2) {
    throw new Error(`the images file has dimensions ${images.dims.join('×')}; expected count × rows × columns`);
  }
  if (labels.dims.length !== 1) {
    throw new Error(`the labels file has dimensions ${labels.dims.join('×')}; expected one`);
  }
  if (images.dims[0] !== labels.dims[0]) {
    throw new Error(`${images.dims[0]} images but ${labels.dims[0]} labels`);
  }
  const count = images.dims[0];
  const inputs = images.dims.slice(1).reduce((a, b) => a * b, 1);
  let maxLabel = 0;
  for (let i = 0; i < count; i++) {
    if (labels.data[i] > maxLabel) maxLabel = labels.data[i];
  }
  state.data = { images: normalize(images.data), labels: labels.data, count, inputs, maxLabel };
  render();
}

async function loadSample() {
  setStatus('loading data');
  const [images, labels] = await Promise.all([
    fetchBytes(`${dataPrefix}/train-images-idx3-ubyte.gz`),
    fetchBytes(`${dataPrefix}/train-labels-idx1-ubyte.gz`),
  ]);
  await load(images, labels);
  setText('source', dataPrefix);
}

async function loadLocalFiles() {
  const imagesFile = $('images-file').files[0];
  const labelsFile = $('labels-file').files[0];
  if (!imagesFile || !labelsFile) {
    throw new Error('pick an images file and a labels file');
  }
  setStatus('loading data');
  await load(await imagesFile.arrayBuffer(), await labelsFile.arrayBuffer());
  setText('source', `${imagesFile.name}, ${labelsFile.name} (your files)`);
}

// ---- the connection -------------------------------------------------------------------------------------

function sendJson(message) {
  const text = JSON.stringify(message);
  state.socket.send(text);
  state.bytesSent += utf8.encode(text).length;
}

function sendFloats(values) {
  const bytes = littleEndian ? values : swap32(values);
  state.socket.send(bytes);
  state.bytesSent += bytes.byteLength;
}

// float32 between this machine's byte order and the wire's little-endian one (a copy)
function swap32(values) {
  const source = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const copy = new Uint8Array(source.length);
  for (let i = 0; i < source.length; i += 4) {
    copy[i] = source[i + 3];
    copy[i + 1] = source[i + 2];
    copy[i + 2] = source[i + 1];
    copy[i + 3] = source[i];
  }
  return new Float32Array(copy.buffer);
}

function open() {
  return state.socket !== null && state.socket.readyState === WebSocket.OPEN;
}

function connect() {
  setStatus('connecting');
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/browser/ws`);
  socket.binaryType = 'arraybuffer';
  state.socket = socket;
  socket.addEventListener('open', () => {
    sendJson({ type: 'hello', device: deviceId, token });
    render();
  });
  socket.addEventListener('message', (event) => {
    if (socket !== state.socket) return;
    try {
      if (typeof event.data === 'string') {
        state.bytesReceived += utf8.encode(event.data).length;
        onText(event.data);
      } else {
        state.bytesReceived += event.data.byteLength;
        onBinary(event.data);
      }
    } catch (e) {
      showMessage(`error: ${e.message}`);
      console.error(e);
    }
    render();
  });
  socket.addEventListener('close', (event) => {
    if (socket !== state.socket) return;
    state.socket = null;
    // the gateway's session of this connection is gone, and its jobs with it: a new one gets a new start
    state.job = null;
    state.awaiting = null;
    state.modelHeader = null;
    render();
    if (state.refused) {
      return;
    }
    const seconds = state.backoff;
    state.backoff = Math.min(state.backoff * 2, MAX_BACKOFF_SECONDS);
    setStatus(`disconnected${event.reason ? ` (${event.reason})` : ''}; reconnecting in ${seconds} s`);
    setTimeout(connect, seconds * 1000);
  });
}

function onText(text) {
  const message = JSON.parse(text);
  if (state.modelHeader !== null) {
    // a model's binary frame did not follow its header: that round is lost, ask again
    const header = state.modelHeader;
    state.modelHeader = null;
    if (state.job !== null && header.job === state.job.id) {
      pull(state.job);
    }
  }
  switch (message.type) {
    case 'welcome':
      state.backoff = 1;
      setText('address', String(message.address ?? ''));
      setStatus('connected, waiting for a job');
      showMessage('');
      break;
    case 'refused':
      state.refused = true;
      setStatus(`refused: ${message.reason ?? ''}`);
      break;
    case 'start':
      onStart(message);
      break;
    case 'stop':
      onStop(message);
      break;
    case 'model':
      state.modelHeader = message;
      break;
    case 'error':
      showMessage(`error: ${message.reason ?? ''}`);
      break;
    default:
      break;
  }
}

function onBinary(buffer) {
  const header = state.modelHeader;
  state.modelHeader = null;
  if (header !== null) {
    onModel(header, buffer);
  }
}

// ---- training -----------------------------------------------------------------------------------------

// why the page cannot train this start's job; null: it can
function refusal(start, data) {
  const layers = start.layers;
  if (!Array.isArray(layers) || layers.length < 2 || !layers.every((w) => Number.isInteger(w) && w > 0)) {
    return `layers ${JSON.stringify(layers)} are not an MLP's widths`;
  }
  if (layers[0] !== data.inputs) {
    return `the model takes ${layers[0]} inputs; the loaded images have ${data.inputs}`;
  }
  if (data.maxLabel >= layers[layers.length - 1]) {
    return `the model has ${layers[layers.length - 1]} classes; the loaded labels go up to ${data.maxLabel}`;
  }
  if (!Number.isInteger(start.batchSize) || start.batchSize < 1) {
    return `batch size ${start.batchSize}`;
  }
  if (!Number.isInteger(start.partitions) || start.partitions < 1 || !Array.isArray(start.assigned)) {
    return `partitions ${start.partitions}, assigned ${JSON.stringify(start.assigned)}`;
  }
  if (start.totalFloats !== parameterCount(layers)) {
    return `a model of ${start.totalFloats} floats; layers ${layers.join('-')} have ${parameterCount(layers)}`;
  }
  return null;
}

function makeJob(start, data) {
  const assigned = new Set(start.assigned);
  const mine = [];
  for (let i = 0; i < data.count; i++) {
    if (assigned.has(i % start.partitions)) mine.push(i);
  }
  const indices = Int32Array.from(mine);
  const rows = Math.min(start.batchSize, Math.max(indices.length, 1));
  return {
    id: start.job,
    layers: start.layers,
    batchSize: start.batchSize,
    assigned: start.assigned,
    partitions: start.partitions,
    totalFloats: start.totalFloats,
    indices,
    order: Int32Array.from(indices),
    next: indices.length, // a new epoch at the first batch
    random: prng(start.seed),
    x: new Float32Array(rows * data.inputs),
    y: new Uint8Array(rows),
  };
}

function onStart(start) {
  if (state.data === null) {
    setStatus(`cannot train job ${start.job}: no data loaded`); // never: the page connects once it has its data
    return;
  }
  const reason = refusal(start, state.data);
  if (reason !== null) {
    state.job = null;
    state.awaiting = null;
    setStatus(`cannot train job ${start.job}: ${reason}`);
    return;
  }
  // the same job again (its partitions changed): a round in flight carries on with the new partitions
  const again = state.job !== null && state.job.id === start.job && state.awaiting !== null && state.awaiting.job === start.job;
  state.job = makeJob(start, state.data);
  if (state.job.indices.length === 0) {
    setStatus(`job ${start.job}: no examples in partitions ${start.assigned.join(', ')} of ${start.partitions}`);
    state.awaiting = null;
    return;
  }
  setStatus(`training job ${start.job}`);
  if (!again) {
    pull(state.job);
  }
}

function onStop(stop) {
  if (state.job !== null && state.job.id === stop.job) {
    state.job = null;
    state.awaiting = null;
  }
  setStatus(`stopped: job ${stop.job}`);
}

function pull(job) {
  if (!open()) return;
  state.awaiting = { job: job.id, since: performance.now() };
  sendJson({ type: 'pull', job: job.id });
}

// the next batch of the job's examples into job.x, job.y: full batches in an order shuffled every epoch (the
// few left at an epoch's end wait for a later epoch); the whole partition when it is smaller than a batch
function nextBatch(job, data) {
  const n = job.indices.length;
  const rows = Math.min(job.batchSize, n);
  if (job.next + rows > n) {
    shuffle(job.order, job.random);
    job.next = 0;
  }
  const inputs = data.inputs;
  for (let r = 0; r < rows; r++) {
    const i = job.order[job.next++];
    job.x.set(data.images.subarray(i * inputs, (i + 1) * inputs), r * inputs);
    job.y[r] = data.labels[i];
  }
  return rows;
}

async function onModel(header, buffer) {
  const job = state.job;
  if (job === null || header.job !== job.id) {
    return; // a model of a job that stopped
  }
  state.awaiting = null;
  if (buffer.byteLength !== job.totalFloats * 4) {
    state.job = null;
    setStatus(`stopped: job ${job.id} (a model of ${buffer.byteLength} bytes; expected ${job.totalFloats * 4})`);
    return;
  }
  const model = littleEndian ? new Float32Array(buffer) : swap32(new Float32Array(buffer));
  const rows = nextBatch(job, state.data);
  const { loss, grad } = gradient(model, job.layers, job.x, job.y, rows);
  if (Number.isFinite(loss) && open()) {
    sendJson({ type: 'update', job: job.id, versions: header.versions, samples: rows, loss });
    sendFloats(grad);
    state.samples += rows;
    state.contributions += 1;
    state.loss = loss;
  } else if (!Number.isFinite(loss)) {
    showMessage(`job ${job.id}: a batch's loss is ${loss}; its gradient is not sent`);
  }
  render();
  await yieldToPage();
  if (state.job === job && state.awaiting === null) {
    pull(job);
  }
}

// lets the page (and other messages) run between rounds; a message channel rather than setTimeout, which a
// browser slows down to once a second or less in a tab in the background
const channel = new MessageChannel();
const yielded = [];
channel.port1.onmessage = () => yielded.shift()?.();
function yieldToPage() {
  return new Promise((resolve) => {
    yielded.push(resolve);
    channel.port2.postMessage(null);
  });
}

setInterval(() => {
  const { job, awaiting } = state;
  if (job !== null && awaiting !== null && awaiting.job === job.id && performance.now() - awaiting.since > PULL_RETRY_MS) {
    pull(job);
  }
}, 5_000);

// ---- start ----------------------------------------------------------------------------------------------

// the page connects once it has its data: a tab without data is no trainer
function begin() {
  render();
  connect();
}

function main() {
  setText('device', deviceId);
  render();
  window.addEventListener('unhandledrejection', (event) => {
    showMessage(`error: ${event.reason?.message ?? event.reason}`);
  });
  if (dataPrefix !== '') {
    loadSample().then(begin, (e) => {
      setStatus('no data');
      showMessage(`error: ${e.message}`);
    });
    return;
  }
  $('files').hidden = false;
  setStatus('pick your data');
  const button = $('start');
  button.addEventListener('click', () => {
    button.disabled = true;
    showMessage('');
    loadLocalFiles().then(
      () => {
        $('files').hidden = true;
        begin();
      },
      (e) => {
        button.disabled = false;
        setStatus('pick your data');
        showMessage(`error: ${e.message}`);
      });
  });
}

main();
