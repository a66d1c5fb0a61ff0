// Drawing helpers for the explorer: images on canvases, and the interactive latent map.

/** Label colours, chosen to read on the dark background. */
export const palette = ['#5fa8ff', '#ffa94d', '#ff6b6b', '#63e6be', '#8ce99a', '#ffd43b', '#da77f2', '#f783ac', '#d8b48a', '#adb5bd',
  '#4dabf7', '#e8590c', '#c92a2a', '#0ca678', '#5c940d', '#f08c00', '#9c36b5', '#d6336c', '#a0785a', '#868e96'];

/** A pixel value in [0, 1] as a byte, exactly as the library's Image.ToByte (round half away from zero of the float32 product). */
export function toByte(v) {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  return Math.round(Math.fround(v * 255));
}

/** Paints one grey image (values in [0, 1], row-major w × h) into a canvas whose backing store is w × h. */
export function paintImage(canvas, pixels, w, h) {
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const b = toByte(pixels[i]);
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = b;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Paints images (each w × h) side by side in a grid of `columns`, with `pad` pixels of gap, into a canvas. */
export function paintGrid(canvas, images, w, h, columns, pad = 1, background = 24) {
  const rows = Math.ceil(images.length / columns);
  const width = columns * w + (columns - 1) * pad, height = rows * h + (rows - 1) * pad;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = background;
    img.data[4 * i + 3] = 255;
  }
  images.forEach((pixels, k) => {
    const x0 = (k % columns) * (w + pad), y0 = Math.floor(k / columns) * (h + pad);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const b = toByte(pixels[y * w + x]), o = 4 * ((y0 + y) * width + x0 + x);
        img.data[o] = img.data[o + 1] = img.data[o + 2] = b;
      }
  });
  ctx.putImageData(img, 0, 0);
}

/** The bytes (red channel) of a canvas, for tests and checks. */
export function canvasBytes(canvas) {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const out = new Array(canvas.width * canvas.height);
  for (let i = 0; i < out.length; i++) out[i] = data[4 * i];
  return out;
}

function niceStep(range, target) {
  const raw = range / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * The latent map: test-set points (u, v) on a canvas, coloured by label, with overlays (the current z, the point under the
 * pointer, an encoded drawing's μ and σ ellipse, interpolation endpoints and paths). Pointer: hover reports the plane point,
 * press-and-drag sets it, a click near a point picks that test image. Keyboard: arrows move the cursor, Enter picks.
 */
export class MapView {
  constructor(canvas, { points, labels, colors, onHover, onDrag, onPick, axisNames }) {
    this.canvas = canvas;
    this.points = points; // Float64Array count × 2
    this.count = points.length / 2;
    this.labels = labels;
    this.colors = colors;
    this.onHover = onHover;
    this.onDrag = onDrag;
    this.onPick = onPick;
    this.axisNames = axisNames ?? ['u', 'v'];
    this.overlay = { current: null, hover: null, ellipse: null, a: null, b: null, paths: [], marker: null, highlight: null };
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (let i = 0; i < this.count; i++) {
      const u = points[2 * i], v = points[2 * i + 1];
      minU = Math.min(minU, u); maxU = Math.max(maxU, u); minV = Math.min(minV, v); maxV = Math.max(maxV, v);
    }
    if (!(maxU > minU)) { minU -= 1; maxU += 1; }
    if (!(maxV > minV)) { minV -= 1; maxV += 1; }
    const padU = 0.08 * (maxU - minU), padV = 0.08 * (maxV - minV);
    this.range = { minU: minU - padU, maxU: maxU + padU, minV: minV - padV, maxV: maxV + padV };
    this.cache = null;
    this.size = null;
    this.bind();
    // The canvas's size is read here, not in every render: reading layout after the sliders changed would force a reflow per frame.
    new ResizeObserver(entries => {
      const r = entries[entries.length - 1].contentRect;
      this.size = { w: r.width, h: r.height };
      this.render();
    }).observe(canvas);
  }

  /** CSS-pixel geometry: scale (px per unit, equal on both axes) and offsets. */
  geometry() {
    if (!this.size) this.size = { w: this.canvas.clientWidth, h: this.canvas.clientHeight };
    const w = this.size.w || 300, h = this.size.h || 300;
    const r = this.range;
    const scale = Math.min(w / (r.maxU - r.minU), h / (r.maxV - r.minV));
    const cu = (r.minU + r.maxU) / 2, cv = (r.minV + r.maxV) / 2;
    return { w, h, scale, ox: w / 2 - cu * scale, oy: h / 2 + cv * scale };
  }

  toScreen(u, v) {
    const g = this.geometry();
    return [g.ox + u * g.scale, g.oy - v * g.scale];
  }

  toPlane(x, y) {
    const g = this.geometry();
    return [(x - g.ox) / g.scale, (g.oy - y) / g.scale];
  }

  /** The test point nearest to (x, y) in CSS pixels, if within maxDistance. */
  nearest(x, y, maxDistance = 10) {
    let best = -1, bestD = maxDistance * maxDistance;
    const g = this.geometry();
    for (let i = 0; i < this.count; i++) {
      const px = g.ox + this.points[2 * i] * g.scale, py = g.oy - this.points[2 * i + 1] * g.scale;
      const d = (px - x) ** 2 + (py - y) ** 2;
      if (d <= bestD) { bestD = d; best = i; }
    }
    return best;
  }

  /** Where test point i is, in client (viewport) coordinates. */
  clientPoint(i) {
    const rect = this.canvas.getBoundingClientRect();
    const [x, y] = this.toScreen(this.points[2 * i], this.points[2 * i + 1]);
    return { x: rect.left + x, y: rect.top + y };
  }

  bind() {
    const c = this.canvas;
    let down = null;
    const local = e => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    c.addEventListener('pointerdown', e => {
      if (e.button !== 0) return;
      c.setPointerCapture(e.pointerId);
      const [x, y] = local(e);
      down = { x, y, moved: false };
      this.onHover?.(null); // a hover preview still pending must not paint over the dragged z
      this.onDrag?.(this.toPlane(x, y));
      e.preventDefault();
    });
    c.addEventListener('pointermove', e => {
      const [x, y] = local(e);
      if (down) {
        if (Math.hypot(x - down.x, y - down.y) > 4) down.moved = true;
        this.onDrag?.(this.toPlane(x, y));
      } else this.onHover?.(this.toPlane(x, y));
    });
    const end = e => {
      if (!down) return;
      const [x, y] = local(e);
      if (!down.moved && this.onPick) {
        const i = this.nearest(x, y);
        if (i >= 0) this.onPick(i);
      }
      down = null;
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', () => { down = null; });
    c.addEventListener('pointerleave', () => { if (!down) this.onHover?.(null); });
    c.addEventListener('keydown', e => {
      const r = this.range;
      const step = (e.shiftKey ? 0.1 : 0.025) * Math.max(r.maxU - r.minU, r.maxV - r.minV);
      const cur = this.overlay.current ?? [(r.minU + r.maxU) / 2, (r.minV + r.maxV) / 2];
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (moves[e.key]) {
        this.onDrag?.([cur[0] + moves[e.key][0], cur[1] + moves[e.key][1]]);
        e.preventDefault();
      } else if ((e.key === 'Enter' || e.key === ' ') && this.onPick) {
        const [x, y] = this.toScreen(cur[0], cur[1]);
        const i = this.nearest(x, y, Infinity);
        if (i >= 0) this.onPick(i);
        e.preventDefault();
      }
    });
  }

  /** Draws the points once per size into an offscreen canvas. */
  pointsLayer(g, dpr) {
    const key = `${g.w}x${g.h}@${dpr}`;
    if (this.cache?.key === key) return this.cache.canvas;
    const layer = document.createElement('canvas');
    layer.width = Math.round(g.w * dpr);
    layer.height = Math.round(g.h * dpr);
    const ctx = layer.getContext('2d');
    ctx.scale(dpr, dpr);
    // grid and axes
    const r = this.range;
    const step = niceStep(Math.max(r.maxU - r.minU, r.maxV - r.minV), 6);
    ctx.lineWidth = 1;
    ctx.font = '10px ui-monospace, SFMono-Regular, Menlo, monospace';
    ctx.fillStyle = 'rgba(200, 210, 225, 0.45)';
    const [u0, v0] = this.toPlane(0, g.h), [u1, v1] = this.toPlane(g.w, 0);
    for (let u = Math.ceil(u0 / step) * step; u <= u1; u += step) {
      const [x] = this.toScreen(u, 0);
      ctx.strokeStyle = Math.abs(u) < step / 2 ? 'rgba(200, 210, 225, 0.28)' : 'rgba(200, 210, 225, 0.08)';
      ctx.beginPath(); ctx.moveTo(x + 0.5, 0); ctx.lineTo(x + 0.5, g.h); ctx.stroke();
      ctx.fillText(+u.toFixed(6) + '', x + 3, g.h - 4);
    }
    for (let v = Math.ceil(v0 / step) * step; v <= v1; v += step) {
      const [, y] = this.toScreen(0, v);
      ctx.strokeStyle = Math.abs(v) < step / 2 ? 'rgba(200, 210, 225, 0.28)' : 'rgba(200, 210, 225, 0.08)';
      ctx.beginPath(); ctx.moveTo(0, y + 0.5); ctx.lineTo(g.w, y + 0.5); ctx.stroke();
      ctx.fillText(+v.toFixed(6) + '', 4, y - 3);
    }
    ctx.fillStyle = 'rgba(200, 210, 225, 0.7)';
    ctx.fillText(this.axisNames[0] + ' →', g.w - 62, g.h - 16);
    ctx.save(); ctx.translate(14, 52); ctx.rotate(-Math.PI / 2); ctx.fillText(this.axisNames[1] + ' →', 0, 0); ctx.restore();
    // points, by label
    const radius = Math.max(1.6, Math.min(3, g.w / 220));
    const byLabel = new Map();
    for (let i = 0; i < this.count; i++) {
      const l = this.labels ? this.labels[i] : 0;
      if (!byLabel.has(l)) byLabel.set(l, []);
      byLabel.get(l).push(i);
    }
    ctx.globalAlpha = 0.8;
    for (const [l, idx] of byLabel) {
      ctx.fillStyle = this.colors[l % this.colors.length];
      ctx.beginPath();
      for (const i of idx) {
        const [x, y] = this.toScreen(this.points[2 * i], this.points[2 * i + 1]);
        ctx.moveTo(x + radius, y);
        ctx.arc(x, y, radius, 0, 2 * Math.PI);
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    this.cache = { key, canvas: layer };
    return layer;
  }

  render() {
    const c = this.canvas;
    const g = this.geometry();
    const dpr = window.devicePixelRatio || 1;
    const W = Math.round(g.w * dpr), H = Math.round(g.h * dpr);
    if (c.width !== W) c.width = W;
    if (c.height !== H) c.height = H;
    const ctx = c.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, W, H);
    ctx.drawImage(this.pointsLayer(g, dpr), 0, 0);
    ctx.scale(dpr, dpr);
    const o = this.overlay;
    const ring = (u, v, r, color, width = 2) => {
      const [x, y] = this.toScreen(u, v);
      ctx.strokeStyle = color; ctx.lineWidth = width;
      ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.stroke();
    };
    for (const p of o.paths) {
      ctx.strokeStyle = p.color; ctx.lineWidth = 2; ctx.setLineDash(p.dash ?? []);
      ctx.beginPath();
      p.points.forEach(([u, v], k) => { const [x, y] = this.toScreen(u, v); if (k) ctx.lineTo(x, y); else ctx.moveTo(x, y); });
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (o.ellipse) {
      const [a, b, cc] = o.ellipse.cov;
      const mid = (a + cc) / 2, rad = Math.sqrt(((a - cc) / 2) ** 2 + b * b);
      const l1 = Math.max(0, mid + rad), l2 = Math.max(0, mid - rad);
      const theta = 0.5 * Math.atan2(2 * b, a - cc);
      const [x, y] = this.toScreen(...o.ellipse.center);
      for (const [k, alpha] of [[2, 0.35], [1, 0.95]]) {
        ctx.strokeStyle = `rgba(255, 255, 255, ${alpha})`;
        ctx.fillStyle = `rgba(255, 255, 255, ${alpha * 0.12})`;
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.ellipse(x, y, Math.max(1, k * Math.sqrt(l1) * g.scale), Math.max(1, k * Math.sqrt(l2) * g.scale), -theta, 0, 2 * Math.PI);
        ctx.fill(); ctx.stroke();
      }
      ctx.fillStyle = '#fff';
      ctx.beginPath(); ctx.arc(x, y, 3.5, 0, 2 * Math.PI); ctx.fill();
    }
    for (const [key, name, color] of [['a', 'A', '#ffd43b'], ['b', 'B', '#63e6be']]) {
      const i = o[key];
      if (i === null || i === undefined) continue;
      const u = this.points[2 * i], v = this.points[2 * i + 1];
      ring(u, v, 7, color, 2.5);
      const [x, y] = this.toScreen(u, v);
      ctx.font = 'bold 12px system-ui, sans-serif';
      ctx.fillStyle = color;
      ctx.fillText(name, x + 9, y - 8);
    }
    if (o.marker) ring(o.marker[0], o.marker[1], 5, '#fff', 2);
    if (o.hover) ring(o.hover[0], o.hover[1], 6, 'rgba(255, 255, 255, 0.55)', 1.5);
    if (o.current) {
      const [x, y] = this.toScreen(...o.current);
      ctx.strokeStyle = '#fff'; ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x - 12, y); ctx.lineTo(x - 4, y); ctx.moveTo(x + 4, y); ctx.lineTo(x + 12, y);
      ctx.moveTo(x, y - 12); ctx.lineTo(x, y - 4); ctx.moveTo(x, y + 4); ctx.lineTo(x, y + 12);
      ctx.stroke();
      ring(...o.current, 8, '#b197fc', 2.5);
    }
  }
}
