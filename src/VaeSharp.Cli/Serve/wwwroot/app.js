// The latent-space explorer: builds the page for the one or two models the server names, and wires every view.
import { LatentModel, mapPlane, lerp, slerp, Rng } from './vae.js';
import { MapView, paintImage, paintGrid, palette, canvasBytes } from './views.js';

const SLIDER_LIMIT = 32;
const STRIP_STEPS = 10;
const SAMPLE_COUNT = 40, SAMPLE_COLUMNS = 10;
const PAD_SCALE = 10;
const MANIFOLD_STEPS = 12;

// ----- small DOM helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'style') Object.assign(el.style, v); // CSSOM, which the page's content security policy allows (style attributes it does not)
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
  return el;
}

const subscript = n => String(n).replace(/\d/g, d => '₀₁₂₃₄₅₆₇₈₉'[d]);
const fmt = (x, d = 2) => (x < 0 ? '−' : '') + Math.abs(x).toFixed(d);

/** Calls fn once per animation frame at most, with the latest arguments. */
function throttled(fn) {
  let pending = null;
  return (...args) => {
    const first = pending === null;
    pending = args;
    if (first) requestAnimationFrame(() => { const a = pending; pending = null; fn(...a); });
  };
}

async function fetchOk(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}

// ----- one model: its data and state

class Panel {
  constructor(index, info, model, test, images) {
    this.index = index;
    this.info = info;
    this.model = model;
    this.test = test;
    this.images = images;
    const J = model.latent;
    if (test.latent !== J) throw new Error(`${info.name}: test.json has latent size ${test.latent}, the model ${J}`);
    if (images.length !== test.count * model.inputSize) throw new Error(`${info.name}: test-images.bin has ${images.length} bytes, expected ${test.count * model.inputSize}`);
    this.mu = Float64Array.from(test.mu);
    this.plane = mapPlane(this.mu, test.count, J);
    this.points = new Float64Array(2 * test.count);
    for (let i = 0; i < test.count; i++) {
      const [u, v] = this.plane.project(this.mu.subarray(i * J, (i + 1) * J));
      this.points[2 * i] = u;
      this.points[2 * i + 1] = v;
    }
    // Slider ranges cover the prior's ±3 and every test mean; above 32 dimensions, the 32 of largest variance get sliders.
    this.lo = new Float64Array(J).fill(-3);
    this.hi = new Float64Array(J).fill(3);
    for (let i = 0; i < test.count; i++)
      for (let j = 0; j < J; j++) {
        const m = this.mu[i * J + j];
        this.lo[j] = Math.min(this.lo[j], Math.floor(m * 2) / 2);
        this.hi[j] = Math.max(this.hi[j], Math.ceil(m * 2) / 2);
      }
    const order = [...Array(J).keys()].sort((a, b) => this.plane.variance[b] - this.plane.variance[a]);
    this.sliderDims = J <= SLIDER_LIMIT ? [...Array(J).keys()] : order.slice(0, SLIDER_LIMIT);
    this.z = new Float64Array(J);
    this.shown = null; // the decoded pixels on the main canvas
    this.el = {};
  }

  get J() { return this.model.latent; }
  get name() { return this.info.name; }

  testImage(i) {
    const D = this.model.inputSize;
    return Float32Array.from(this.images.subarray(i * D, (i + 1) * D), b => b / 255);
  }

  testMu(i) { return this.mu.slice(i * this.J, (i + 1) * this.J); }

  label(i) {
    const l = this.test.labels?.[i];
    if (l === undefined) return '';
    return this.test.class_names?.[l] ?? String(l);
  }

  describeProjection() {
    const p = this.plane, n = this.test.count;
    const means = this.model.deterministic ? 'codes f(x)' : 'means μ(x)';
    if (p.kind === 'latent')
      return this.J === 1 ? `Horizontal: z₁ (a one-dimensional latent space). ${n} test ${means}.`
        : `Axes: z₁ → and z₂ ↑, the latent space itself. ${n} test ${means}, coloured by label.`;
    const terms = axis => [...axis.keys()].sort((a, b) => Math.abs(axis[b]) - Math.abs(axis[a])).slice(0, 3)
      .map((j, k) => `${k === 0 ? (axis[j] < 0 ? '−' : '') : (axis[j] < 0 ? ' − ' : ' + ')}${Math.abs(axis[j]).toFixed(2)} z${subscript(j + 1)}`).join('') + ' …';
    return `PCA of the ${n} test ${means} (J = ${this.J}): horizontal PC1 (${(100 * p.explained[0]).toFixed(1)}% of their variance), ` +
      `vertical PC2 (${(100 * p.explained[1]).toFixed(1)}%). The map decodes z = m̄ + u·PC1 + v·PC2. PC1 ≈ ${terms(p.axes[0])}; PC2 ≈ ${terms(p.axes[1])}.`;
  }
}

// ----- the page

class Explorer {
  constructor(panels, root) {
    this.panels = panels;
    this.root = root;
    this.pair = { a: 0, b: 0, next: 'a' };
    this.t = 0.5;
    this.playing = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    this.mode = 'linear';
    this.seed = 1n;
    this.drawnPixels = null;
    this.drawnResults = [];
    const first = panels[0];
    // Default pair: the first test image, and the first after it with another label.
    const labels = first.test.labels;
    this.pair.b = labels ? Math.max(1, labels.findIndex(l => l !== labels[0])) : Math.min(1, first.test.count - 1);
    this.pair.b = Math.min(this.pair.b, first.test.count - 1);
  }

  build() {
    const two = this.panels.length > 1;
    document.body.classList.toggle('two-models', two);
    const header = document.querySelector('#models');
    header.replaceChildren(...this.panels.map((p, k) => h('div', { class: `chip model-${k + 1}` },
      h('strong', { text: p.name }), h('span', { text: `${p.model.kind.toUpperCase()} · ${p.model.describe()}` }),
      h('span', { text: `${p.test.dataset} · epoch ${p.model.manifest?.training?.epoch ?? '?'}` }))));
    this.root.replaceChildren(
      this.buildExplore(two), this.buildDraw(two), this.buildInterpolation(two), this.buildSamples(two));
    for (const p of this.panels) this.setZ(p, p.z);
    this.drawSamples();
    this.updatePair();
    this.encodeDrawing();
    this.loop();
  }

  section(id, title, lede, ...content) {
    return h('section', { id, class: 'view', 'aria-labelledby': id + '-title' },
      h('div', { class: 'view-head' }, h('h2', { id: id + '-title', text: title }), lede ? h('p', { class: 'lede', text: lede }) : null),
      ...content);
  }

  cardHead(p, extra) {
    return h('header', { class: 'card-head' },
      h('span', { class: `dot model-${p.index + 1}`, 'aria-hidden': 'true' }),
      h('h3', { text: p.name }), h('span', { class: 'tag', text: `J = ${p.J}` }), extra ?? null);
  }

  // ----- latent map + sliders

  buildExplore(two) {
    const cards = this.panels.map(p => {
      const map = h('canvas', {
        class: 'map', tabindex: '0', role: 'img',
        'aria-label': `Latent map of ${p.name}: test images by label. Arrow keys move the cursor (Shift: faster), Enter picks the nearest test image for interpolation.`,
      });
      const decoded = h('canvas', { class: 'decoded pixelated', role: 'img', 'aria-label': `Image decoded from the current z by ${p.name}` });
      const caption = h('div', { class: 'decoded-caption' }, h('span', { class: 'mode', text: 'current z' }), h('span', { class: 'zinfo' }));
      const sliders = h('div', { class: 'sliders', role: 'group', 'aria-label': `Latent coordinates of ${p.name}` });
      p.el.sliders = [];
      for (const j of p.sliderDims) {
        const id = `z-${p.index}-${j}`;
        const input = h('input', {
          type: 'range', id, min: p.lo[j], max: p.hi[j], step: '0.05', value: '0',
          oninput: e => { const z = Float64Array.from(p.z); z[j] = +e.target.value; this.setZ(p, z, 'slider'); },
        });
        const out = h('output', { for: id, text: '0.00' });
        sliders.append(h('div', { class: 'slider-row' }, h('label', { for: id, text: `z${subscript(j + 1)}` }), input, out));
        p.el.sliders.push({ j, input, out });
      }
      const legend = h('div', { class: 'legend', 'aria-hidden': 'true' });
      const classCount = p.test.class_count || 0;
      for (let l = 0; l < classCount; l++)
        legend.append(h('span', { class: 'key' }, h('i', { style: { background: palette[l % palette.length] } }), p.test.class_names?.[l] ?? String(l)));
      const buttons = h('div', { class: 'buttons' },
        h('button', { type: 'button', text: 'z = 0', title: 'Centre of the prior', onclick: () => this.setZ(p, new Float64Array(p.J)) }),
        h('button', {
          type: 'button', text: 'Random z', title: 'A draw from the prior N(0, I)',
          onclick: () => { const z = new Float32Array(p.J); new Rng(BigInt(Math.floor(Math.random() * 2 ** 32))).fillNormal(z); this.setZ(p, Float64Array.from(z)); },
        }));
      const more = p.J > SLIDER_LIMIT
        ? h('p', { class: 'note', text: `Sliders for the ${SLIDER_LIMIT} of ${p.J} dimensions with the largest variance over the test means; the others keep the value the map gave them.` })
        : null;
      const manifold = h('canvas', {
        class: 'manifold pixelated', role: 'img',
        'aria-label': `${p.name}: images decoded on a ${MANIFOLD_STEPS}×${MANIFOLD_STEPS} grid over the area the map shows; click one to move z there`,
      });
      const card = h('article', { class: `card explore-card model-${p.index + 1}` },
        this.cardHead(p),
        h('div', { class: 'explore-body' },
          h('figure', { class: 'map-figure' }, map, legend, h('figcaption', { class: 'projection', text: p.describeProjection() })),
          h('div', { class: 'decoder' },
            h('div', { class: 'decoded-frame' }, decoded, caption), buttons, sliders, more,
            h('figure', { class: 'manifold-figure' }, manifold,
              h('figcaption', { class: 'small', text: `The map's area decoded on a ${MANIFOLD_STEPS}×${MANIFOLD_STEPS} grid (the learned manifold${p.J > 2 ? ' on the PCA plane' : ''}). Click a tile to go there.` })))));
      p.el.map = map; p.el.decoded = decoded; p.el.caption = caption; p.el.manifold = manifold;
      const decodeHover = throttled(uv => this.preview(p, uv));
      manifold.addEventListener('click', e => {
        const r = manifold.getBoundingClientRect();
        const c = Math.min(MANIFOLD_STEPS - 1, Math.floor((e.clientX - r.left) / r.width * MANIFOLD_STEPS));
        const k = Math.min(MANIFOLD_STEPS - 1, Math.floor((e.clientY - r.top) / r.height * MANIFOLD_STEPS));
        this.setZ(p, p.manifoldZ[k * MANIFOLD_STEPS + c]);
      });
      p.mapView = new MapView(map, {
        points: p.points, labels: p.test.labels, colors: palette,
        axisNames: p.plane.kind === 'pca' ? ['PC1', 'PC2'] : ['z₁', 'z₂'],
        onHover: uv => decodeHover(uv),
        onDrag: uv => this.setZ(p, p.plane.lift(uv[0], uv[1]), 'map'),
        onPick: i => this.pick(i),
      });
      this.paintManifold(p);
      return card;
    });
    return this.section('explore', 'Latent map & sliders',
      'Hover over the map to decode any point, press and drag to move z, click a test image to pick it for interpolation. Sliders set each latent coordinate.',
      h('div', { class: `cols ${two ? 'two' : 'one'}` }, cards));
  }

  /** Decodes a grid of z over the area the map shows (top row: largest v), the way `vae manifold` tiles the 2-D latent space. */
  paintManifold(p) {
    // The map shows a square (equal scale on both axes) around the points' bounding box: decode that square.
    const b = p.mapView.range, n = MANIFOLD_STEPS;
    const side = Math.max(b.maxU - b.minU, b.maxV - b.minV), cu = (b.minU + b.maxU) / 2, cv = (b.minV + b.maxV) / 2;
    const r = { minU: cu - side / 2, maxU: cu + side / 2, minV: cv - side / 2, maxV: cv + side / 2 };
    p.manifoldZ = [];
    const images = [];
    for (let k = 0; k < n; k++)
      for (let c = 0; c < n; c++) {
        const u = r.minU + (c + 0.5) / n * (r.maxU - r.minU), v = r.maxV - (k + 0.5) / n * (r.maxV - r.minV);
        const z = p.plane.lift(u, v);
        p.manifoldZ.push(z);
        images.push(p.model.decode(z));
      }
    paintGrid(p.el.manifold, images, p.model.width, p.model.height, n, 0);
  }

  setZ(p, z, source) {
    p.z = Float64Array.from(z);
    const focused = document.activeElement;
    for (const s of p.el.sliders) {
      const text = fmt(p.z[s.j]);
      if (text === s.text) continue; // DOM writes only where the shown value changes
      s.text = text;
      if (source !== 'slider' || focused !== s.input) s.input.valueAsNumber = p.z[s.j];
      s.out.textContent = text;
      s.input.setAttribute('aria-valuetext', text);
    }
    p.mapView.overlay.current = p.plane.project(p.z);
    p.mapView.render();
    this.paintDecoded(p, p.z, 'current z');
  }

  paintDecoded(p, z, mode) {
    const x = p.model.decode(z);
    p.shown = { z: Float64Array.from(z), x };
    paintImage(p.el.decoded, x, p.model.width, p.model.height);
    p.el.caption.querySelector('.mode').textContent = mode;
    const [u, v] = p.plane.project(z);
    p.el.caption.querySelector('.zinfo').textContent = p.J <= 3
      ? `z = (${Array.from(z, c => fmt(c)).join(', ')})`
      : `map (${fmt(u)}, ${fmt(v)})`;
  }

  preview(p, uv) {
    if (uv) {
      p.mapView.overlay.hover = uv;
      this.paintDecoded(p, p.plane.lift(uv[0], uv[1]), 'hover');
    } else {
      p.mapView.overlay.hover = null;
      this.paintDecoded(p, p.z, 'current z');
    }
    p.mapView.render();
  }

  // ----- drawing pad

  buildDraw(two) {
    const m = this.panels[0].model;
    const W = m.width, H = m.height;
    const pad = h('canvas', {
      class: 'pad', width: W * PAD_SCALE, height: H * PAD_SCALE, role: 'img',
      'aria-label': 'Drawing pad: draw with the mouse, a finger or a pen. Keyboard: use “Copy test image A” to load a digit.',
    });
    const input = h('canvas', { class: 'pad-input pixelated', role: 'img', 'aria-label': 'The pixels the encoders see' });
    const centre = h('input', { type: 'checkbox', id: 'centre', checked: true, onchange: () => this.encodeDrawing() });
    const tools = h('div', { class: 'buttons' },
      h('button', { type: 'button', id: 'clear', text: 'Clear', onclick: () => { this.clearPad(); this.encodeDrawing(); } }),
      h('button', { type: 'button', id: 'copy-a', text: 'Copy test image A', onclick: () => this.copyToPad(this.pair.a) }),
      h('label', { class: 'check', for: 'centre' }, centre, ' Centre and scale like MNIST'));
    this.padEl = pad; this.padInput = input; this.centreEl = centre;
    this.ink = pad.getContext('2d', { willReadFrequently: true });
    this.clearPad();
    this.bindPad(pad);
    const padCard = h('article', { class: 'card pad-card' },
      h('header', { class: 'card-head' }, h('h3', { text: 'Your drawing' })),
      h('div', { class: 'pad-body' }, h('div', { class: 'pad-frame' }, pad),
        h('div', { class: 'pad-side' }, h('div', { class: 'pad-input-frame' }, input, h('span', { class: 'small', text: `encoder input, ${W}×${H}` })), tools)));
    const results = this.panels.map(p => {
      const map = h('canvas', { class: 'map mini', role: 'img', 'aria-label': `${p.name}: where the drawing lands on the latent map, with its σ ellipse` });
      const recon = h('canvas', { class: 'recon pixelated', role: 'img', 'aria-label': `Reconstruction of the drawing by ${p.name}` });
      const chart = h('canvas', { class: 'mu-chart', role: 'img', 'aria-label': `μ and σ of each latent dimension for the drawing` });
      const text = h('p', { class: 'mu-text', 'aria-live': 'polite' });
      p.el.drawMap = new MapView(map, { points: p.points, labels: p.test.labels, colors: palette, axisNames: p.plane.kind === 'pca' ? ['PC1', 'PC2'] : ['z₁', 'z₂'] });
      p.el.recon = recon; p.el.muChart = chart; p.el.muText = text;
      return h('article', { class: `card draw-card model-${p.index + 1}` }, this.cardHead(p),
        h('div', { class: 'draw-body' }, map,
          h('div', { class: 'draw-side' }, h('div', { class: 'recon-frame' }, recon, h('span', { class: 'small', text: 'reconstruction, decoded from μ' })), chart, text)));
    });
    return this.section('draw', 'Draw & encode',
      'Draw a digit: each model encodes it as you draw, shows μ with its 1σ and 2σ ellipse on its map, and decodes μ beside it.',
      h('div', { class: `draw-layout ${two ? 'two' : 'one'}` }, padCard, results));
  }

  clearPad() {
    this.ink.fillStyle = '#000';
    this.ink.fillRect(0, 0, this.padEl.width, this.padEl.height);
  }

  bindPad(pad) {
    let last = null;
    const pos = e => {
      const r = pad.getBoundingClientRect();
      return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
    };
    const encode = throttled(() => this.encodeDrawing());
    const stroke = (from, to) => {
      const c = this.ink;
      c.strokeStyle = '#fff'; c.fillStyle = '#fff';
      c.lineWidth = 2.8 * PAD_SCALE; c.lineCap = 'round'; c.lineJoin = 'round';
      c.beginPath(); c.moveTo(...from); c.lineTo(...to); c.stroke();
    };
    pad.addEventListener('pointerdown', e => {
      if (e.button !== 0) return;
      pad.setPointerCapture(e.pointerId);
      last = pos(e);
      stroke(last, last);
      encode();
      e.preventDefault();
    });
    pad.addEventListener('pointermove', e => {
      if (!last) return;
      const p = pos(e);
      stroke(last, p);
      last = p;
      encode();
    });
    const end = () => { if (last) { last = null; this.encodeDrawing(); } };
    pad.addEventListener('pointerup', end);
    pad.addEventListener('pointercancel', end);
  }

  copyToPad(i) {
    const p = this.panels[0];
    const x = p.testImage(i);
    const W = p.model.width, H = p.model.height;
    const img = this.ink.createImageData(W * PAD_SCALE, H * PAD_SCALE);
    for (let y = 0; y < H * PAD_SCALE; y++)
      for (let xx = 0; xx < W * PAD_SCALE; xx++) {
        const b = Math.round(255 * x[Math.floor(y / PAD_SCALE) * W + Math.floor(xx / PAD_SCALE)]), o = 4 * (y * W * PAD_SCALE + xx);
        img.data[o] = img.data[o + 1] = img.data[o + 2] = b;
        img.data[o + 3] = 255;
      }
    this.ink.putImageData(img, 0, 0);
    this.encodeDrawing();
  }

  /** The pad as the encoder's input: area-averaged to W × H, optionally scaled into a 20/28 box and centred by mass as MNIST was. */
  padPixels() {
    const p = this.panels[0].model;
    const W = p.width, H = p.height, S = PAD_SCALE;
    let source = this.padEl;
    const data = () => source.getContext('2d', { willReadFrequently: true }).getImageData(0, 0, W * S, H * S).data;
    let ink = data();
    if (this.centreEl.checked) {
      let minX = Infinity, maxX = -1, minY = Infinity, maxY = -1;
      for (let y = 0; y < H * S; y++)
        for (let x = 0; x < W * S; x++)
          if (ink[4 * (y * W * S + x)] > 0) { minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
      if (maxX >= 0) {
        const bw = maxX - minX + 1, bh = maxY - minY + 1;
        const box = (20 / 28) * Math.min(W, H) * S, scale = box / Math.max(bw, bh);
        const tmp = document.createElement('canvas');
        tmp.width = W * S; tmp.height = H * S;
        const c = tmp.getContext('2d', { willReadFrequently: true });
        c.fillStyle = '#000'; c.fillRect(0, 0, tmp.width, tmp.height);
        c.imageSmoothingQuality = 'high';
        c.drawImage(this.padEl, minX, minY, bw, bh, (tmp.width - bw * scale) / 2, (tmp.height - bh * scale) / 2, bw * scale, bh * scale);
        source = tmp;
        ink = data();
      }
    }
    let x = new Float32Array(W * H);
    for (let y = 0; y < H; y++)
      for (let xx = 0; xx < W; xx++) {
        let s = 0;
        for (let dy = 0; dy < S; dy++) for (let dx = 0; dx < S; dx++) s += ink[4 * ((y * S + dy) * W * S + xx * S + dx)];
        x[y * W + xx] = Math.round(s / (S * S)) / 255; // whole grey levels, like the data sets' bytes
      }
    if (this.centreEl.checked) {
      let m = 0, cx = 0, cy = 0;
      for (let y = 0; y < H; y++) for (let xx = 0; xx < W; xx++) { const v = x[y * W + xx]; m += v; cx += v * (xx + 0.5); cy += v * (y + 0.5); }
      if (m > 0) {
        const dx = Math.round(W / 2 - cx / m), dy = Math.round(H / 2 - cy / m);
        const shifted = new Float32Array(W * H);
        for (let y = 0; y < H; y++)
          for (let xx = 0; xx < W; xx++) {
            const sy = y - dy, sx = xx - dx;
            if (sy >= 0 && sy < H && sx >= 0 && sx < W) shifted[y * W + xx] = x[sy * W + sx];
          }
        x = shifted;
      }
    }
    return x;
  }

  encodeDrawing() {
    const x = this.padPixels();
    this.drawnPixels = x;
    const first = this.panels[0].model;
    paintImage(this.padInput, x, first.width, first.height);
    const empty = !x.some(v => v > 0);
    this.drawnResults = this.panels.map(p => {
      if (p.model.inputSize !== x.length) {
        p.el.muText.textContent = `This model takes ${p.model.width}×${p.model.height} images; the pad is ${first.width}×${first.height}.`;
        return null;
      }
      const r = p.model.encode(x);
      const recon = p.model.decode(r.mu);
      paintImage(p.el.recon, recon, p.model.width, p.model.height);
      const ellipse = { center: p.plane.project(r.mu), cov: p.plane.projectCovariance(r.sigma) };
      for (const view of [p.el.drawMap, p.mapView]) {
        view.overlay.ellipse = empty ? null : ellipse;
        view.render();
      }
      this.paintMuChart(p, empty ? null : r);
      const meanSigma = r.sigma.reduce((a, b) => a + b, 0) / p.J;
      p.el.muText.textContent = empty ? 'Draw something to encode it.'
        : p.model.deterministic ? `Deterministic encoder (σ = 0). ${p.J <= 4 ? 'z = (' + Array.from(r.mu, v => fmt(v)).join(', ') + ')' : ''}`
          : `${p.J <= 4 ? 'μ = (' + Array.from(r.mu, v => fmt(v)).join(', ') + '), ' : ''}mean σ = ${meanSigma.toFixed(3)}`;
      return { mu: Array.from(r.mu), sigma: Array.from(r.sigma), recon: Array.from(recon) };
    });
  }

  paintMuChart(p, r) {
    const c = p.el.muChart;
    const dims = p.sliderDims;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth || 240, hgt = c.clientHeight || 90;
    c.width = Math.round(w * dpr); c.height = Math.round(hgt * dpr);
    const ctx = c.getContext('2d');
    ctx.scale(dpr, dpr);
    ctx.clearRect(0, 0, w, hgt);
    const range = 3.5, mid = hgt / 2, sy = (hgt / 2 - 6) / range;
    const bw = w / dims.length;
    ctx.strokeStyle = 'rgba(200,210,225,0.25)'; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(0, mid + 0.5); ctx.lineTo(w, mid + 0.5); ctx.stroke();
    if (!r) return;
    dims.forEach((j, k) => {
      const m = Math.max(-range, Math.min(range, r.mu[j])), s = r.sigma[j];
      const x = k * bw + bw / 2;
      ctx.fillStyle = 'rgba(177, 151, 252, 0.85)';
      ctx.fillRect(x - Math.max(1, bw * 0.3), Math.min(mid, mid - m * sy), Math.max(2, bw * 0.6), Math.abs(m * sy));
      if (s > 0) {
        ctx.strokeStyle = 'rgba(255,255,255,0.8)';
        ctx.beginPath();
        ctx.moveTo(x, mid - Math.max(-range, Math.min(range, m - s)) * sy);
        ctx.lineTo(x, mid - Math.max(-range, Math.min(range, m + s)) * sy);
        ctx.stroke();
      }
    });
  }

  // ----- interpolation

  buildInterpolation(two) {
    const first = this.panels[0];
    const count = first.test.count;
    const number = (id, key) => h('input', {
      type: 'number', id, min: 0, max: count - 1, step: 1, value: this.pair[key], class: 'index',
      onchange: e => { const v = Math.max(0, Math.min(count - 1, Math.round(+e.target.value || 0))); this.pair[key] = v; this.updatePair(); },
    });
    this.thumbA = h('canvas', { class: 'thumb pixelated', role: 'img', 'aria-label': 'Test image A' });
    this.thumbB = h('canvas', { class: 'thumb pixelated', role: 'img', 'aria-label': 'Test image B' });
    this.inputA = number('pick-a', 'a');
    this.inputB = number('pick-b', 'b');
    this.tInput = h('input', { type: 'range', id: 'interp-t', min: 0, max: 1, step: 0.01, value: this.t, oninput: e => { this.setPlaying(false); this.t = +e.target.value; this.paintAnimation(); } });
    this.tOut = h('output', { for: 'interp-t', text: this.t.toFixed(2) });
    this.playButton = h('button', { type: 'button', id: 'play', 'aria-pressed': String(this.playing), onclick: () => this.setPlaying(!this.playing) });
    const mode = (value, label) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name: 'interp-mode', value, checked: this.mode === value, onchange: () => { this.mode = value; this.paintAnimation(); this.updatePaths(); } }), label);
    const controls = h('div', { class: 'card interp-controls' },
      h('div', { class: 'pick' }, h('span', { class: 'pill a', text: 'A' }), this.thumbA, h('label', { for: 'pick-a', text: 'test image' }), this.inputA, h('span', { class: 'label-a small' })),
      h('div', { class: 'pick' }, h('span', { class: 'pill b', text: 'B' }), this.thumbB, h('label', { for: 'pick-b', text: 'test image' }), this.inputB, h('span', { class: 'label-b small' })),
      h('button', { type: 'button', text: 'Swap', onclick: () => { [this.pair.a, this.pair.b] = [this.pair.b, this.pair.a]; this.updatePair(); } }),
      h('button', {
        type: 'button', text: 'Random pair', onclick: () => {
          this.pair.a = Math.floor(Math.random() * count);
          do this.pair.b = Math.floor(Math.random() * count); while (count > 1 && this.pair.b === this.pair.a);
          this.updatePair();
        },
      }),
      h('div', { class: 'anim-controls' }, this.playButton,
        h('label', { for: 'interp-t', text: 't' }), this.tInput, this.tOut,
        h('fieldset', { class: 'modes' }, h('legend', { class: 'sr-only', text: 'Animation path' }), mode('linear', 'linear'), mode('spherical', 'spherical'))));
    this.setPlaying(this.playing);
    const cards = this.panels.map(p => {
      const map = h('canvas', { class: 'map mini', tabindex: '0', role: 'img', 'aria-label': `${p.name}: pick A and B (alternating) by clicking test images; arrows and Enter work too` });
      p.el.interpMap = new MapView(map, {
        points: p.points, labels: p.test.labels, colors: palette, axisNames: p.plane.kind === 'pca' ? ['PC1', 'PC2'] : ['z₁', 'z₂'],
        onPick: i => this.pick(i), onDrag: uv => { p.el.interpMap.overlay.current = uv; p.el.interpMap.render(); },
      });
      p.el.stripLinear = h('canvas', { class: 'strip pixelated', role: 'img', 'aria-label': 'Linear interpolation from A to B' });
      p.el.stripSpherical = h('canvas', { class: 'strip pixelated', role: 'img', 'aria-label': 'Spherical interpolation from A to B' });
      p.el.anim = h('canvas', { class: 'anim pixelated', role: 'img', 'aria-label': 'Interpolation animation' });
      return h('article', { class: `card interp-card model-${p.index + 1}` }, this.cardHead(p),
        h('div', { class: 'interp-body' }, map,
          h('div', { class: 'interp-side' },
            h('div', { class: 'strip-row' }, h('span', { class: 'strip-label', text: 'linear' }), p.el.stripLinear),
            h('div', { class: 'strip-row' }, h('span', { class: 'strip-label', text: 'spherical' }), p.el.stripSpherical),
            h('div', { class: 'anim-frame' }, p.el.anim))));
    });
    return this.section('interp', 'Interpolate',
      'Between the encoder means of two test images: linearly, and along the great circle (spherical). The end frames are the two images’ reconstructions.',
      controls, h('div', { class: `cols ${two ? 'two' : 'one'}` }, cards));
  }

  setPlaying(on) {
    this.playing = on;
    this.playButton.setAttribute('aria-pressed', String(on));
    this.playButton.textContent = on ? 'Pause' : 'Play';
    this.playStart = performance.now() - Math.acos(1 - 2 * this.t) / (2 * Math.PI) * 3000;
  }

  pick(i) {
    this.pair[this.pair.next] = i;
    this.pair.next = this.pair.next === 'a' ? 'b' : 'a';
    this.updatePair();
  }

  interpolation(p, kind, t) {
    const a = p.testMu(this.pair.a), b = p.testMu(this.pair.b);
    return kind === 'spherical' ? slerp(a, b, t) : lerp(a, b, t);
  }

  updatePair() {
    const first = this.panels[0];
    this.inputA.value = this.pair.a;
    this.inputB.value = this.pair.b;
    paintImage(this.thumbA, first.testImage(this.pair.a), first.model.width, first.model.height);
    paintImage(this.thumbB, first.testImage(this.pair.b), first.model.width, first.model.height);
    document.querySelector('.label-a').textContent = first.label(this.pair.a) ? `label ${first.label(this.pair.a)}` : '';
    document.querySelector('.label-b').textContent = first.label(this.pair.b) ? `label ${first.label(this.pair.b)}` : '';
    for (const p of this.panels) {
      const frames = kind => Array.from({ length: STRIP_STEPS }, (_, k) => p.model.decode(this.interpolation(p, kind, k / (STRIP_STEPS - 1))));
      p.strips = { linear: frames('linear'), spherical: frames('spherical') };
      paintGrid(p.el.stripLinear, p.strips.linear, p.model.width, p.model.height, STRIP_STEPS, 2);
      paintGrid(p.el.stripSpherical, p.strips.spherical, p.model.width, p.model.height, STRIP_STEPS, 2);
      for (const view of [p.mapView, p.el.interpMap]) { view.overlay.a = this.pair.a; view.overlay.b = this.pair.b; }
      p.mapView.render();
    }
    this.updatePaths();
    this.paintAnimation();
  }

  updatePaths() {
    for (const p of this.panels) {
      const path = kind => Array.from({ length: 33 }, (_, k) => p.plane.project(this.interpolation(p, kind, k / 32)));
      p.el.interpMap.overlay.paths = [
        { points: path('linear'), color: this.mode === 'linear' ? '#ffffff' : 'rgba(255,255,255,0.35)', dash: [5, 4] },
        { points: path('spherical'), color: this.mode === 'spherical' ? '#ffffff' : 'rgba(255,255,255,0.35)' },
      ];
      p.el.interpMap.render();
    }
  }

  paintAnimation() {
    this.tInput.value = this.t;
    this.tOut.textContent = this.t.toFixed(2);
    for (const p of this.panels) {
      const z = this.interpolation(p, this.mode, this.t);
      paintImage(p.el.anim, p.model.decode(z), p.model.width, p.model.height);
      p.el.interpMap.overlay.marker = p.plane.project(z);
      p.el.interpMap.render();
    }
  }

  loop() {
    const tick = now => {
      if (this.playing) {
        const phase = ((now - this.playStart) % 3000) / 3000;
        this.t = Math.round((1 - Math.cos(2 * Math.PI * phase)) / 2 * 1000) / 1000;
        this.paintAnimation();
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  // ----- prior samples

  buildSamples(two) {
    this.seedInput = h('input', {
      type: 'number', id: 'seed', min: 0, step: 1, value: String(this.seed), class: 'index',
      onchange: e => { try { this.seed = BigInt.asUintN(64, BigInt(e.target.value || '0')); } catch { this.seed = 0n; } this.drawSamples(); },
    });
    this.commandEl = h('code', { class: 'command' });
    const controls = h('div', { class: 'card sample-controls' },
      h('label', { for: 'seed', text: 'Seed' }), this.seedInput,
      h('button', { type: 'button', id: 'resample', text: 'New samples', onclick: () => { this.seed = BigInt.asUintN(64, this.seed + 1n); this.drawSamples(); } }),
      this.commandEl);
    const cards = this.panels.map(p => {
      p.el.samples = h('canvas', { class: 'samples pixelated', role: 'img', 'aria-label': `${SAMPLE_COUNT} images decoded by ${p.name} from z ~ N(0, I)` });
      return h('article', { class: `card sample-card model-${p.index + 1}` }, this.cardHead(p), p.el.samples);
    });
    return this.section('samples', 'Prior samples', `z ~ N(0, I), decoded: ${SAMPLE_COUNT} draws from a seeded generator.`,
      controls, h('div', { class: `cols ${two ? 'two' : 'one'}` }, cards));
  }

  drawSamples() {
    this.seedInput.value = String(this.seed);
    this.commandEl.textContent = `the first ${SAMPLE_COUNT} of: vae sample --model ${this.panels[0].name} --seed ${this.seed}`;
    for (const p of this.panels) {
      const z = new Float32Array(SAMPLE_COUNT * p.J);
      new Rng(this.seed).fillNormal(z);
      p.sampleZ = z;
      const images = Array.from({ length: SAMPLE_COUNT }, (_, k) => p.model.decode(z.subarray(k * p.J, (k + 1) * p.J)));
      paintGrid(p.el.samples, images, p.model.width, p.model.height, SAMPLE_COLUMNS, 2);
    }
  }
}

// ----- start

function hooks(app) {
  // For tests and the curious: the page's own computations, callable from the console.
  const P = k => app.panels[k];
  return {
    ready: true,
    models: app.panels.map(p => ({ name: p.name, kind: p.model.kind, latent: p.J, width: p.model.width, height: p.model.height, deterministic: p.model.deterministic })),
    decode: (k, z) => Array.from(P(k).model.decode(Float64Array.from(z))),
    encode: (k, x) => { const r = P(k).model.encode(Float32Array.from(x)); return { mu: Array.from(r.mu), sigma: Array.from(r.sigma) }; },
    setZ: (k, z) => app.setZ(P(k), Float64Array.from(z)),
    state: k => ({ z: Array.from(P(k).z), shown: P(k).shown && { z: Array.from(P(k).shown.z), x: Array.from(P(k).shown.x) }, plane: { kind: P(k).plane.kind, axes: P(k).plane.axes.map(a => Array.from(a)), mean: Array.from(P(k).plane.mean), explained: P(k).plane.explained } }),
    mapPoint: (k, i) => P(k).mapView.clientPoint(i),
    interpMapPoint: (k, i) => P(k).el.interpMap.clientPoint(i),
    drawn: () => ({ pixels: Array.from(app.drawnPixels), results: app.drawnResults }),
    pair: () => ({ a: app.pair.a, b: app.pair.b }),
    strips: k => ({ linear: P(k).strips.linear.map(x => Array.from(x)), spherical: P(k).strips.spherical.map(x => Array.from(x)) }),
    samples: k => ({ seed: String(app.seed), z: Array.from(P(k).sampleZ) }),
    pause: () => app.setPlaying(false),
    /** Times n decodes of model k, and n updates of its main view (decode + paint + map), `rounds` times; medians in ms. */
    bench: (k, n, rounds) => {
      const p = P(k);
      const rng = new Rng(7n);
      const zs = Array.from({ length: n }, () => Float64Array.from(rng.fillNormal(new Float32Array(p.J))));
      const out = new Float32Array(p.model.inputSize);
      for (const z of zs) p.model.decode(z, out); // warm-up: let the JIT optimize the loops
      const decode = [], frame = [], paint = [], map = [], sliders = [];
      for (let r = 0; r < rounds; r++) {
        let t = performance.now();
        for (const z of zs) p.model.decode(z, out);
        decode.push((performance.now() - t) / n);
        t = performance.now();
        for (const z of zs) app.setZ(p, z);
        frame.push((performance.now() - t) / n);
        t = performance.now();
        for (let i = 0; i < n; i++) paintImage(p.el.decoded, out, p.model.width, p.model.height);
        paint.push((performance.now() - t) / n);
        t = performance.now();
        for (let i = 0; i < n; i++) p.mapView.render();
        map.push((performance.now() - t) / n);
        t = performance.now();
        for (const z of zs) for (const s of p.el.sliders) { s.text = fmt(z[s.j]); s.input.valueAsNumber = z[s.j]; s.out.textContent = s.text; s.input.setAttribute('aria-valuetext', s.text); }
        sliders.push((performance.now() - t) / n);
      }
      const median = a => a.slice().sort((x, y) => x - y)[a.length >> 1];
      return {
        model: p.model.describe(), decodeMs: median(decode), viewMs: median(frame), paintMs: median(paint), mapMs: median(map), slidersMs: median(sliders),
        n, rounds, userAgent: navigator.userAgent,
      };
    },
    canvasBytes: selector => canvasBytes(document.querySelector(selector)),
  };
}

async function main() {
  const root = document.querySelector('#app');
  try {
    const { models } = await (await fetchOk('/models.json')).json();
    const panels = await Promise.all(models.map(async (info, k) => {
      const [model, test, images] = await Promise.all([
        LatentModel.load(info.base_url),
        fetchOk(info.base_url + 'test.json').then(r => r.json()),
        fetchOk(info.base_url + 'test-images.bin').then(r => r.arrayBuffer()).then(b => new Uint8Array(b)),
      ]);
      return new Panel(k, info, model, test, images);
    }));
    const app = new Explorer(panels, root);
    app.build();
    window.explorer = hooks(app);
  } catch (e) {
    root.replaceChildren(h('div', { class: 'error', role: 'alert' }, h('strong', { text: 'The explorer could not start: ' }), String(e.message ?? e)));
    throw e;
  }
}

main();
