// VaeSharp in the browser: reads a model folder's model.safetensors and model.json and runs the encoder and decoder
// MLPs, so the explorer decodes while you drag, with no round trip to the server. No dependencies.
//
// Semantics follow src/VaeSharp/Models/Vae.cs and Layers/Activation.cs:
//   encoder: x → [encoder.hidden.i: Linear + activation]* → heads encoder.mu and encoder.logvar (a VAE), or a single
//            encoder.code head (a deterministic autoencoder: σ = 0);
//   decoder: z → [decoder.hidden.i: Linear + activation]* → decoder.logits (Bernoulli: pixel = sigmoid(logit)) or
//            decoder.mean (Gaussian: pixel = sigmoid(mean), except the linear autoencoder's, which is the output itself,
//            as in Models/Autoencoder.cs), clamped to [0, 1]; decoder.logvar is not needed for pictures.
// Every Linear is PyTorch's nn.Linear: weight [out × in], bias [out] (absent when architecture.bias is false),
// y = x·Wᵀ + b (docs/MODEL-FILES.md).

/** Parses a safetensors file (8-byte little-endian header length, JSON header, little-endian data). */
export function parseSafetensors(buffer) {
  if (!(buffer instanceof ArrayBuffer)) throw new TypeError('parseSafetensors expects an ArrayBuffer');
  if (buffer.byteLength < 8) throw new Error('safetensors: the file is shorter than 8 bytes');
  const view = new DataView(buffer);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(buffer.byteLength - 8)) throw new Error(`safetensors: header length ${n} runs past the end of the file`);
  const headerLength = Number(n);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(buffer, 8, headerLength));
  const header = JSON.parse(text);
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new Error('safetensors: the header is not a JSON object');
  const base = 8 + headerLength;
  const dataLength = buffer.byteLength - base;
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const tensors = new Map();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry ?? {};
    if (!Array.isArray(shape) || !shape.every(d => Number.isInteger(d) && d >= 0)) throw new Error(`safetensors: tensor '${name}' has a bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(o => Number.isInteger(o) && o >= 0) || offsets[0] > offsets[1])
      throw new Error(`safetensors: tensor '${name}' has bad data_offsets`);
    const count = shape.reduce((a, b) => a * b, 1);
    const [begin, end] = offsets;
    if (end > dataLength) throw new Error(`safetensors: tensor '${name}' runs past the end of the file`);
    let data;
    if (dtype === 'F32') {
      if (end - begin !== count * 4) throw new Error(`safetensors: tensor '${name}' has ${end - begin} bytes for ${count} F32 values`);
      if (littleEndian && (base + begin) % 4 === 0) data = new Float32Array(buffer, base + begin, count);
      else {
        data = new Float32Array(count);
        for (let i = 0; i < count; i++) data[i] = view.getFloat32(base + begin + 4 * i, true);
      }
    } else if (dtype === 'F64') {
      if (end - begin !== count * 8) throw new Error(`safetensors: tensor '${name}' has ${end - begin} bytes for ${count} F64 values`);
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(base + begin + 8 * i, true);
    } else {
      throw new Error(`safetensors: tensor '${name}' has dtype ${dtype}; the explorer reads F32 and F64`);
    }
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata: header.__metadata__ ?? {} };
}

/** Element-wise activations, as in Layers/Activation.cs. */
export const activations = {
  identity: v => v,
  tanh: Math.tanh,
  relu: v => (v > 0 ? v : 0),
  // Numerically stable log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|).
  softplus: v => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))),
  sigmoid: v => 1 / (1 + Math.exp(-v)),
};

const activationAliases = { linear: 'identity', none: 'identity' };

/** A dense layer y = x·Wᵀ + b with W [out × in] (PyTorch layout, as stored). */
export class Dense {
  constructor(name, weight, bias) {
    if (weight.shape.length !== 2) throw new Error(`${name}.weight should have 2 dimensions`);
    [this.outputs, this.inputs] = weight.shape;
    if (bias.shape.length !== 1 || bias.shape[0] !== this.outputs) throw new Error(`${name}.bias should have shape [${this.outputs}]`);
    this.name = name;
    this.w = weight.data;
    this.b = bias.data;
  }

  /** y[o] = b[o] + Σᵢ W[o, i]·x[i] for every output o, then f(y). */
  forward(x, y, f) {
    const { w, b, inputs, outputs } = this;
    const tail = inputs - (inputs % 4);
    for (let o = 0; o < outputs; o++) {
      // Four partial sums: independent additions the CPU can overlap (the order differs from the library's by rounding only).
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      const row = o * inputs;
      let i = 0;
      for (; i < tail; i += 4) {
        s0 += w[row + i] * x[i];
        s1 += w[row + i + 1] * x[i + 1];
        s2 += w[row + i + 2] * x[i + 2];
        s3 += w[row + i + 3] * x[i + 3];
      }
      for (; i < inputs; i++) s0 += w[row + i] * x[i];
      const s = b[o] + ((s0 + s1) + (s2 + s3));
      y[o] = f ? f(s) : s;
    }
    return y;
  }
}

function layer(tensors, name, hasBias) {
  const weight = tensors.get(name + '.weight');
  let bias = tensors.get(name + '.bias');
  if (!weight && !bias) return null;
  if (!weight) throw new Error(`model.safetensors: '${name}.bias' has no .weight`);
  if (hasBias && !bias) throw new Error(`model.safetensors: '${name}.bias' is missing`);
  if (!hasBias && bias) throw new Error(`model.safetensors: '${name}.bias' is there but model.json says the layers have no bias`);
  if (!bias) bias = { shape: [weight.shape[0]], data: new Float32Array(weight.shape[0]) };
  return new Dense(name, weight, bias);
}

function stack(tensors, prefix, hasBias) {
  const layers = [];
  for (let i = 0; ; i++) {
    const l = layer(tensors, `${prefix}.${i}`, hasBias);
    if (!l) return layers;
    layers.push(l);
  }
}

/**
 * A model folder in the browser: the architecture comes from model.json (architecture.model names the kind; a model
 * whose encoder has no logvar head is deterministic, σ = 0), the layers from the tensors' names and shapes.
 */
export class LatentModel {
  constructor(manifest, tensors) {
    const a = manifest?.architecture;
    if (!a) throw new Error('model.json has no architecture');
    this.kind = a.model ?? 'vae';
    this.inputSize = a.input_size;
    this.width = a.image_width;
    this.height = a.image_height;
    this.latent = a.latent;
    this.hidden = a.hidden ?? [];
    this.decoderKind = a.decoder ?? 'bernoulli';
    const act = activationAliases[a.activation] ?? a.activation ?? 'tanh';
    if (!(act in activations)) throw new Error(`model.json: unknown activation '${a.activation}'`);
    this.activationName = act;
    this.f = activations[act];
    if (!(this.width * this.height === this.inputSize)) throw new Error(`model.json: image ${this.width}×${this.height} does not match input size ${this.inputSize}`);

    const bias = a.bias !== false;
    this.encoderHidden = stack(tensors, 'encoder.hidden', bias);
    this.encoderMu = layer(tensors, 'encoder.mu', bias) ?? layer(tensors, 'encoder.code', bias);
    this.encoderLogVar = layer(tensors, 'encoder.logvar', bias);
    this.decoderHidden = stack(tensors, 'decoder.hidden', bias);
    this.decoderOut = layer(tensors, 'decoder.logits', bias) ?? layer(tensors, 'decoder.mean', bias);
    // Pixels are sigmoid(output), but for the linear autoencoder's Gaussian decoder, whose mean is the output itself.
    const identityOut = this.kind === 'linear-ae' && this.decoderKind === 'gaussian';
    this.outputTransform = identityOut ? v => Math.min(1, Math.max(0, v)) : v => Math.min(1, Math.max(0, 1 / (1 + Math.exp(-v))));
    if (!this.encoderMu) throw new Error('model.safetensors: no encoder head (encoder.mu or encoder.code)');
    if (!this.decoderOut) throw new Error('model.safetensors: no decoder head (decoder.logits or decoder.mean)');
    this.deterministic = this.encoderLogVar === null;

    // The layers must chain: D → … → J and J → … → D.
    const check = (layers, from, to, what) => {
      let width = from;
      for (const l of layers) {
        if (l.inputs !== width) throw new Error(`model.safetensors: ${l.name} takes ${l.inputs} inputs, expected ${width} (${what})`);
        width = l.outputs;
      }
      if (width !== to) throw new Error(`model.safetensors: the ${what} ends with ${width} outputs, expected ${to}`);
    };
    check([...this.encoderHidden, this.encoderMu], this.inputSize, this.latent, 'encoder');
    if (this.encoderLogVar) check([...this.encoderHidden, this.encoderLogVar], this.inputSize, this.latent, 'encoder log-variance head');
    check([...this.decoderHidden, this.decoderOut], this.latent, this.inputSize, 'decoder');

    // Scratch buffers, reused by every call (a decode allocates only its result).
    const widest = Math.max(...this.encoderHidden.map(l => l.outputs), ...this.decoderHidden.map(l => l.outputs), 1);
    this.scratch = [new Float64Array(widest), new Float64Array(widest)];
  }

  /** Builds a model from the two files' contents (model.json parsed, model.safetensors as an ArrayBuffer). */
  static fromFiles(manifest, weights) {
    return new LatentModel(manifest, parseSafetensors(weights).tensors);
  }

  /** Loads a model from the explorer's routes (baseUrl ends with '/'). */
  static async load(baseUrl) {
    const [manifest, weights] = await Promise.all([
      fetch(baseUrl + 'model.json').then(r => { if (!r.ok) throw new Error(`${baseUrl}model.json: ${r.status}`); return r.json(); }),
      fetch(baseUrl + 'model.safetensors').then(r => { if (!r.ok) throw new Error(`${baseUrl}model.safetensors: ${r.status}`); return r.arrayBuffer(); }),
    ]);
    const model = LatentModel.fromFiles(manifest, weights);
    model.manifest = manifest;
    return model;
  }

  runTrunk(layers, x) {
    let input = x, k = 0;
    for (const l of layers) {
      const out = this.scratch[k];
      l.forward(input, out, this.f);
      input = out;
      k ^= 1;
    }
    return input;
  }

  /** Encodes one image x (length D, values in [0, 1]): { mu, logVar, sigma } (Float64Array of J; logVar null if deterministic). */
  encode(x) {
    if (x.length !== this.inputSize) throw new Error(`encode: expected ${this.inputSize} pixels, got ${x.length}`);
    const h = this.runTrunk(this.encoderHidden, x);
    const mu = this.encoderMu.forward(h, new Float64Array(this.latent));
    let logVar = null;
    const sigma = new Float64Array(this.latent);
    if (this.encoderLogVar) {
      logVar = this.encoderLogVar.forward(h, new Float64Array(this.latent));
      for (let j = 0; j < this.latent; j++) sigma[j] = Math.exp(0.5 * logVar[j]);
    }
    return { mu, logVar, sigma };
  }

  /** Decodes one z (length J) into expected pixel values in [0, 1] (Float32Array of D), written into out when given. */
  decode(z, out) {
    if (z.length !== this.latent) throw new Error(`decode: expected ${this.latent} latent values, got ${z.length}`);
    const h = this.runTrunk(this.decoderHidden, z);
    return this.decoderOut.forward(h, out ?? new Float32Array(this.inputSize), this.outputTransform);
  }

  /** A short description: 784-500-20 tanh, Bernoulli decoder. */
  describe() {
    const widths = [this.inputSize, ...this.encoderHidden.map(l => l.outputs), this.latent].join('–');
    return `${widths} ${this.activationName}, ${this.decoderKind} decoder${this.deterministic ? ', deterministic' : ''}`;
  }
}

// ----- Random numbers: a port of src/VaeSharp/Numerics/Rng.cs (xoshiro256** seeded through SplitMix64, Box–Muller),
// so that the page's prior samples for a seed are `vae sample --seed S`'s. BigInt keeps the 64-bit arithmetic exact.
const M64 = (1n << 64n) - 1n;
const rotl = (x, k) => ((x << k) | (x >> (64n - k))) & M64;

export class Rng {
  constructor(seed) {
    let x = BigInt.asUintN(64, BigInt(seed));
    const next = () => {
      x = (x + 0x9E3779B97F4A7C15n) & M64;
      let z = x;
      z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & M64;
      z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & M64;
      return z ^ (z >> 31n);
    };
    this.s = [next(), next(), next(), next()];
  }

  nextUInt64() {
    const s = this.s;
    const result = (rotl((s[1] * 5n) & M64, 7n) * 9n) & M64;
    const t = (s[1] << 17n) & M64;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45n);
    return result;
  }

  /** Fills an array with N(0, 1) draws, two per 64 random bits, as Rng.FillNormal does (rounded to float32). */
  fillNormal(destination) {
    for (let i = 0; i < destination.length; i += 2) {
      const bits = this.nextUInt64();
      const u1 = (Number(bits >> 32n) + 1) * (1 / 4294967296);
      const u2 = Number(bits & 0xFFFFFFFFn) * (1 / 4294967296);
      const r = Math.sqrt(-2 * Math.log(u1));
      destination[i] = Math.fround(r * Math.cos(2 * Math.PI * u2));
      if (i + 1 < destination.length) destination[i + 1] = Math.fround(r * Math.sin(2 * Math.PI * u2));
    }
    return destination;
  }
}

// ----- Principal components of the test means, for maps of J > 2 latent spaces.

/**
 * Eigen-decomposition of a symmetric matrix (n × n, row-major) by cyclic Jacobi rotations. Written by hand: the page has
 * no numerics library, and n (the latent size) is small. Returns eigenvalues (descending) and unit eigenvectors (rows).
 */
export function symmetricEigen(matrix, n) {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) { // rotate columns p and q
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) { // rotate rows p and q
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) { // accumulate the eigenvectors as columns of v
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = [...Array(n).keys()].sort((i, j) => a[j * n + j] - a[i * n + i]);
  return {
    values: order.map(i => a[i * n + i]),
    vectors: order.map(i => Float64Array.from({ length: n }, (_, k) => v[k * n + i])),
  };
}

/**
 * The plane the latent map shows: for J = 2 the latent axes themselves; for J > 2 the first two principal components of
 * the means (rows of `means`, count × J), through their centroid. Each axis is given a sign so that its largest loading is
 * positive (deterministic output). project(z) → [u, v]; lift(u, v) → z on the plane.
 */
export function mapPlane(means, count, latent) {
  const mean = new Float64Array(latent);
  const variance = new Float64Array(latent);
  for (let r = 0; r < count; r++) for (let j = 0; j < latent; j++) mean[j] += means[r * latent + j] / count;
  for (let r = 0; r < count; r++) for (let j = 0; j < latent; j++) variance[j] += (means[r * latent + j] - mean[j]) ** 2 / Math.max(1, count - 1);
  const total = variance.reduce((a, b) => a + b, 0);
  let axes, explained, kind;
  if (latent <= 2) {
    kind = 'latent';
    axes = [...Array(2).keys()].map(k => Float64Array.from({ length: latent }, (_, j) => (j === k ? 1 : 0)));
    explained = axes.map((_, k) => (k < latent && total > 0 ? variance[k] / total : 0));
    mean.fill(0); // z₁, z₂ directly, origin at 0
  } else {
    kind = 'pca';
    const cov = new Float64Array(latent * latent);
    for (let r = 0; r < count; r++)
      for (let i = 0; i < latent; i++) {
        const di = means[r * latent + i] - mean[i];
        for (let j = 0; j < latent; j++) cov[i * latent + j] += di * (means[r * latent + j] - mean[j]) / Math.max(1, count - 1);
      }
    const { values, vectors } = symmetricEigen(cov, latent);
    axes = vectors.slice(0, 2).map(v => {
      let big = 0;
      for (let j = 0; j < latent; j++) if (Math.abs(v[j]) > Math.abs(v[big])) big = j;
      return v[big] < 0 ? v.map(x => -x) : v;
    });
    explained = values.slice(0, 2).map(l => (total > 0 ? l / total : 0));
  }
  const project = z => axes.map(a => { let s = 0; for (let j = 0; j < latent; j++) s += a[j] * (z[j] - mean[j]); return s; });
  const lift = (u, v) => Float64Array.from({ length: latent }, (_, j) => mean[j] + u * axes[0][j] + v * axes[1][j]);
  /** The 2 × 2 covariance of the projection of N(·, diag σ²): A diag(σ²) Aᵀ. */
  const projectCovariance = sigma => {
    const c = [0, 0, 0];
    for (let j = 0; j < latent; j++) {
      const s2 = sigma[j] * sigma[j];
      c[0] += axes[0][j] * axes[0][j] * s2;
      c[1] += axes[0][j] * axes[1][j] * s2;
      c[2] += axes[1][j] * axes[1][j] * s2;
    }
    return c;
  };
  return { kind, mean, axes, explained, variance, project, lift, projectCovariance };
}

// ----- Interpolation between two latent points.

/** Linear interpolation (1 − t)·a + t·b. */
export function lerp(a, b, t) {
  return Float64Array.from(a, (x, j) => (1 - t) * x + t * b[j]);
}

/**
 * Spherical interpolation: Shoemake's slerp formula applied to the latent vectors themselves, as White (2016, "Sampling
 * generative networks") suggests for latent spaces: sin((1 − t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b, Ω the angle between a and b.
 * Linear when the angle is tiny or a vector is 0. Exact at t = 0 and 1.
 */
export function slerp(a, b, t) {
  if (t <= 0) return Float64Array.from(a);
  if (t >= 1) return Float64Array.from(b);
  let dot = 0, na = 0, nb = 0;
  for (let j = 0; j < a.length; j++) { dot += a[j] * b[j]; na += a[j] * a[j]; nb += b[j] * b[j]; }
  na = Math.sqrt(na); nb = Math.sqrt(nb);
  if (na < 1e-12 || nb < 1e-12) return lerp(a, b, t);
  const cos = Math.min(1, Math.max(-1, dot / (na * nb)));
  const omega = Math.acos(cos);
  if (omega < 1e-6) return lerp(a, b, t);
  const s = Math.sin(omega);
  const wa = Math.sin((1 - t) * omega) / s, wb = Math.sin(t * omega) / s;
  return Float64Array.from(a, (x, j) => wa * x + wb * b[j]);
}
