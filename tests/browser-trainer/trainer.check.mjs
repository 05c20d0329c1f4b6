// Runs the trainer page's logic (src/EdgeTrain.Gateway/wwwroot/browser/trainer.js) in Node against a simulated
// gateway (a fake WebSocket, DOM and fetch in this process), to check its side of the /browser/ws protocol:
//   node tests/browser-trainer/trainer.check.mjs
// hello → welcome → start → pull/model/update rounds (the simulated gateway applies the gradients with SGD, and
// the model it ends with must classify t10k) → a start again (partitions changed) while a round is in flight →
// stop → close and reconnect (back-off) → start → refused (no reconnect). Exits non-zero when a check fails.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { accuracy, normalize, parameterCount, parseIdx, prng } from '../../src/EdgeTrain.Gateway/wwwroot/browser/mlp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sample = path.join(root, 'samples', 'data', 'mnist-10k');
const failures = [];
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition, what, ms = 20_000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

// ---- a browser, as much of it as the page uses ------------------------------------------------------------
const elements = new Map();
function element(id) {
  if (!elements.has(id)) {
    elements.set(id, { id, textContent: '', hidden: id === 'files' || id === 'message', disabled: false, files: [], addEventListener() {} });
  }
  return elements.get(id);
}
const text = (id) => element(id).textContent;
globalThis.document = { getElementById: element };
globalThis.window = globalThis;
globalThis.addEventListener = () => {};
const store = new Map();
globalThis.localStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, String(v)) };
Object.defineProperty(globalThis, 'location', {
  value: new URL('https://gateway.test:9113/browser/?id=browser-tab-1&data=/browser/sample/mnist-10k/&token=TOKEN'),
});
const fetched = [];
globalThis.fetch = async (url) => {
  fetched.push(url);
  const match = /^\/browser\/sample\/mnist-10k\/([\w.-]+)$/.exec(url);
  if (!match) return new Response('no', { status: 404, statusText: 'Not Found' });
  return new Response(readFileSync(path.join(sample, match[1])));
};

// the gateway end of the page's WebSocket
const sockets = [];
class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 3;
  constructor(url) {
    this.url = url;
    this.readyState = FakeSocket.CONNECTING;
    this.listeners = {};
    this.sent = []; // what the page sent: strings and ArrayBuffer/typed arrays
    this.inbox = []; // the same, for the simulated gateway to take
    sockets.push(this);
    setImmediate(() => {
      this.readyState = FakeSocket.OPEN;
      this.fire('open', {});
    });
  }
  addEventListener(type, listener) {
    (this.listeners[type] ??= []).push(listener);
  }
  fire(type, event) {
    for (const listener of this.listeners[type] ?? []) listener(event);
  }
  send(data) {
    if (this.readyState !== FakeSocket.OPEN) throw new Error('send on a socket that is not open');
    // the browser copies what is sent
    const copy = typeof data === 'string' ? data : new Uint8Array(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength).slice().buffer;
    this.sent.push(copy);
    this.inbox.push(copy);
  }
  // gateway → page, in order, each in a task of its own
  deliver(data) {
    setImmediate(() => {
      if (this.readyState === FakeSocket.OPEN) this.fire('message', { data });
    });
  }
  json(message) {
    this.deliver(JSON.stringify(message));
  }
  close(reason = '') {
    setImmediate(() => {
      this.readyState = FakeSocket.CLOSED;
      this.fire('close', { code: 1000, reason });
    });
  }
  async take() {
    await until(() => this.inbox.length > 0, 'a message from the page');
    return this.inbox.shift();
  }
  async takeJson(type) {
    const data = await this.take();
    if (typeof data !== 'string') throw new Error(`expected a ${type} message, found a binary one`);
    const message = JSON.parse(data);
    if (message.type !== type) throw new Error(`expected a ${type} message, found ${data}`);
    return message;
  }
}
globalThis.WebSocket = FakeSocket;

// ---- the simulated gateway ----------------------------------------------------------------------------------
const layers = [784, 64, 10];
const total = parameterCount(layers);
const random = prng(3);
const model = new Float32Array(total);
{
  let at = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const bound = 1 / Math.sqrt(layers[l]);
    for (let k = 0; k < layers[l + 1] * (layers[l] + 1); k++) model[at++] = (random() * 2 - 1) * bound;
  }
}
let version = 0;
let bytesToPage = 0;
let bytesFromPage = 0;
function toPage(socket, message) {
  const data = JSON.stringify(message);
  bytesToPage += Buffer.byteLength(data);
  socket.deliver(data);
}
function modelToPage(socket, job) {
  toPage(socket, { type: 'model', job, versions: [version, version] });
  const copy = model.slice().buffer;
  bytesToPage += copy.byteLength;
  socket.deliver(copy);
}
function counted(data) {
  bytesFromPage += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  return data;
}
async function takeJson(socket, type) {
  const message = await socket.takeJson(type);
  counted(JSON.stringify(message)); // the page sends JSON.stringify's text: the same bytes
  return message;
}
// one round: the page's pull, the model, its update; SGD with lr 0.1 here
async function round(socket, job) {
  await takeJson(socket, 'pull');
  modelToPage(socket, job);
  const update = await takeJson(socket, 'update');
  const gradient = counted(await socket.take());
  if (typeof gradient === 'string') throw new Error(`expected the gradient, found ${gradient}`);
  if (gradient.byteLength !== total * 4) throw new Error(`a gradient of ${gradient.byteLength} bytes`);
  if (update.job !== job || JSON.stringify(update.versions) !== JSON.stringify([version, version])) {
    throw new Error(`an update of ${JSON.stringify(update)}`);
  }
  const g = new Float32Array(gradient);
  for (let k = 0; k < total; k++) model[k] -= 0.1 * g[k];
  version++;
  return update;
}

const start = { type: 'start', job: 'j1', layers, batchSize: 64, assigned: [1], partitions: 2, seed: 1234, totalFloats: total };

// ---- the run ------------------------------------------------------------------------------------------------
await import('../../src/EdgeTrain.Gateway/wwwroot/browser/trainer.js');
await until(() => sockets.length === 1, 'the page to connect');
let socket = sockets[0];
check(socket.url === 'wss://gateway.test:9113/browser/ws', `the page connects to ${socket.url}`);
check(JSON.stringify(fetched) === JSON.stringify(['/browser/sample/mnist-10k/train-images-idx3-ubyte.gz', '/browser/sample/mnist-10k/train-labels-idx1-ubyte.gz']),
  `it loads the sample first: ${fetched.join(', ')}`);
check(text('examples') === '8004', `before a start it shows every example loaded (${text('examples')})`);
const hello = await takeJson(socket, 'hello');
check(hello.device === 'browser-tab-1' && hello.token === 'TOKEN', `hello ${JSON.stringify(hello)}`);
toPage(socket, { type: 'welcome', address: 'device://browser-tab-1' });
toPage(socket, start);

const rounds = 300;
let lastLoss = NaN;
let fullBatches = 0;
const t0 = performance.now();
for (let r = 0; r < rounds; r++) {
  const update = await round(socket, 'j1');
  if (update.samples === 64 && Number.isFinite(update.loss)) fullBatches++;
  lastLoss = update.loss;
}
check(fullBatches === rounds, `${rounds} updates, each of 64 samples with a finite loss (${fullBatches})`);
const perRound = (performance.now() - t0) / rounds;
await sleep(20);
check(text('address') === 'device://browser-tab-1', `address ${text('address')}`);
check(text('status') === 'training job j1', `status "${text('status')}"`);
check(text('examples') === '4002', `examples of partition 1 of 2: ${text('examples')}`);
check(text('samples') === String(rounds * 64), `samples ${text('samples')}`);
check(text('contributions') === String(rounds), `contributions ${text('contributions')}`);
check(text('loss') === lastLoss.toFixed(3), `loss ${text('loss')}`);
check(text('bytes-sent') === String(bytesFromPage), `bytes sent ${text('bytes-sent')} (gateway counted ${bytesFromPage})`);
check(text('bytes-received') === String(bytesToPage), `bytes received ${text('bytes-received')} (gateway counted ${bytesToPage})`);
const t10kImages = parseIdx(gunzipSync(readFileSync(path.join(sample, 't10k-images-idx3-ubyte.gz'))));
const t10kLabels = parseIdx(gunzipSync(readFileSync(path.join(sample, 't10k-labels-idx1-ubyte.gz'))));
const acc = accuracy(model, layers, normalize(t10kImages.data), t10kLabels.data, t10kLabels.dims[0]);
console.log(`${rounds} rounds through the page (${perRound.toFixed(2)} ms a round in this process), last loss ${lastLoss.toFixed(3)}, t10k accuracy of the gateway's model ${acc.toFixed(4)}`);
check(acc > 0.85, 'the model the page trained classifies t10k (> 0.85)');

// a start of the same job while a round is in flight (its partitions changed): no second pull
await takeJson(socket, 'pull');
toPage(socket, { ...start, assigned: [0, 1] });
await sleep(50);
check(socket.inbox.length === 0, 'a start again while a pull is in flight sends no second pull');
check(text('examples') === '8004', `examples of partitions 0 and 1 of 2: ${text('examples')}`);
modelToPage(socket, 'j1');
const update = await takeJson(socket, 'update');
counted(await socket.take());
check(update.samples === 64, 'the round in flight carries on');
version++;

// stop: no more pulls
await takeJson(socket, 'pull');
toPage(socket, { type: 'stop', job: 'j1' });
await sleep(20);
modelToPage(socket, 'j1'); // the answer to the last pull, after the stop: dropped
await sleep(50);
check(text('status') === 'stopped: job j1', `status "${text('status')}"`);
check(socket.inbox.length === 0, 'after a stop the page sends nothing');
toPage(socket, { type: 'error', reason: 'job j2: a browser trains MLP jobs only, not Cnn' });
await sleep(20);
check(text('message') === 'error: job j2: a browser trains MLP jobs only, not Cnn' && !element('message').hidden, `error shown: ${text('message')}`);

// the connection ends: reconnect after 1 s, hello again, counters kept
const samplesBefore = text('samples');
socket.close();
await sleep(50);
check(/reconnecting in 1 s/.test(text('status')), `status "${text('status')}"`);
await until(() => sockets.length === 2, 'a reconnect', 3000);
socket = sockets[1];
const hello2 = await takeJson(socket, 'hello');
check(hello2.device === 'browser-tab-1', 'hello again with the same device id');
check(text('samples') === samplesBefore, 'the counters survive a reconnect');
toPage(socket, { type: 'welcome', address: 'device://browser-tab-1' });
toPage(socket, { ...start, job: 'j3', assigned: [0] });
await round(socket, 'j3');
await sleep(20);
check(text('status') === 'training job j3', `status "${text('status')}"`);
check(text('samples') === String(Number(samplesBefore) + 64), `samples ${text('samples')}`);

// a job the page's data does not fit: refused on the page, nothing sent
await takeJson(socket, 'pull');
toPage(socket, { ...start, job: 'j4', layers: [100, 10], totalFloats: 1010 });
await sleep(30);
check(/^cannot train job j4: /.test(text('status')), `status "${text('status')}"`);

// refused: shown, and no reconnect
socket.close();
await until(() => sockets.length === 3, 'a second reconnect', 4000);
socket = sockets[2];
await takeJson(socket, 'hello');
toPage(socket, { type: 'refused', reason: 'the page\'s join token is refused: expired' });
socket.close('refused');
await sleep(2500);
check(text('status') === 'refused: the page\'s join token is refused: expired', `status "${text('status')}"`);
check(sockets.length === 3, 'no reconnect after a refusal');

if (failures.length > 0) {
  console.log(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('all checks passed');
process.exit(0); // the page's interval timer keeps Node alive
