// A plain-JavaScript reference of SpikingJelly 0.0.0.0.8's rnn.py equations, written from the equations (not from
// spikefn's code), on dual numbers: each value carries its derivative along one direction (forward-mode AD), with
// Θ's derivative replaced by the surrogate's g' as SpikingJelly's backward does. Arrays, loops and float64 only.

/** A value and its directional derivative. */
export type Dual = { readonly v: number; readonly d: number };
/** A constant. */
export const dual = (v: number, d = 0): Dual => ({ v, d });
const add = (a: Dual, b: Dual): Dual => ({ v: a.v + b.v, d: a.d + b.d });
const sub = (a: Dual, b: Dual): Dual => ({ v: a.v - b.v, d: a.d - b.d });
const mul = (a: Dual, b: Dual): Dual => ({ v: a.v * b.v, d: a.d * b.v + a.v * b.d });

/** A surrogate: primitive g and derivative g'. */
export type RefSurrogate = { readonly g: (u: number) => number; readonly dg: (u: number) => number };

/** Erf surrogate, α: g'(u) = α/√π·e^{−α²u²} (g itself is not needed for spiking cells). */
export const refErf = (alpha: number): RefSurrogate => ({
  g: () => {
    throw new Error('refErf: no primitive in the reference (use refSigmoid for non-spiking cells)');
  },
  dg: (u) => (alpha / Math.sqrt(Math.PI)) * Math.exp(-alpha * alpha * u * u),
});

/** Sigmoid surrogate, α: g(u) = 1/(1 + e^{−αu}), g'(u) = α·g(u)·(1 − g(u)). */
export const refSigmoid = (alpha: number): RefSurrogate => {
  const g = (u: number): number => 1 / (1 + Math.exp(-alpha * u));
  return { g, dg: (u) => alpha * g(u) * (1 - g(u)) };
};

/** Θ(u) forward (Θ(0) = 1) with g' backward when spiking; g(u) otherwise. */
export const theta =
  (s: RefSurrogate, spiking: boolean) =>
  (u: Dual): Dual =>
    spiking ? { v: u.v >= 0 ? 1 : 0, d: s.dg(u.v) * u.d } : { v: s.g(u.v), d: s.dg(u.v) * u.d };

/** One cell's params: W_ih [G·H][in], W_hh [G·H][H], b_ih, b_hh [G·H] (or none). */
export type RefCell = { readonly wih: Dual[][]; readonly whh: Dual[][]; readonly bih?: Dual[]; readonly bhh?: Dual[] };

/** W·x + b for one sample. */
function linear(w: Dual[][], x: Dual[], b: Dual[] | undefined): Dual[] {
  return w.map((row, r) => {
    let acc = b === undefined ? dual(0) : (b[r] as Dual);
    row.forEach((wj, j) => {
      acc = add(acc, mul(wj, x[j] as Dual));
    });
    return acc;
  });
}

/** The state of one cell for one sample. */
export type RefState = { h: Dual[]; c?: Dual[] };
/** A cell step for one sample. */
export type RefStep = (p: RefCell, s: RefState, x: Dual[]) => RefState;

/** SpikingLSTMCell: [i,f,g,o] = Θ(W_ih x + b_ih + W_hh h + b_hh), c' = c·f + i·g, h' = c'·o. */
export const lstmRef =
  (s1: RefSurrogate, s2: RefSurrogate, spiking: boolean): RefStep =>
  (p, st, x) => {
    const H = st.h.length;
    const a = linear(p.wih, x, p.bih);
    const b = linear(p.whh, st.h, p.bhh);
    const z = a.map((ai, r) => add(ai, b[r] as Dual));
    const t1 = theta(s1, spiking);
    const t2 = theta(s2, spiking);
    const c: Dual[] = [];
    const h: Dual[] = [];
    for (let j = 0; j < H; j++) {
      const i = t1(z[j] as Dual);
      const f = t1(z[H + j] as Dual);
      const g = t2(z[2 * H + j] as Dual);
      const o = t1(z[3 * H + j] as Dual);
      const cj = add(mul((st.c as Dual[])[j] as Dual, f), mul(i, g));
      c.push(cj);
      h.push(mul(cj, o));
    }
    return { h, c };
  };

/** SpikingGRUCell: r, z = Θ(a + b), n = Θ(a_n + r·b_n), h' = (1 − z)·n + z·h. */
export const gruRef =
  (s1: RefSurrogate, s2: RefSurrogate, spiking: boolean): RefStep =>
  (p, st, x) => {
    const H = st.h.length;
    const a = linear(p.wih, x, p.bih);
    const b = linear(p.whh, st.h, p.bhh);
    const t1 = theta(s1, spiking);
    const t2 = theta(s2, spiking);
    const h: Dual[] = [];
    for (let j = 0; j < H; j++) {
      const r = t1(add(a[j] as Dual, b[j] as Dual));
      const z = t1(add(a[H + j] as Dual, b[H + j] as Dual));
      const n = t2(add(a[2 * H + j] as Dual, mul(r, b[2 * H + j] as Dual)));
      h.push(add(mul(sub(dual(1), z), n), mul(z, st.h[j] as Dual)));
    }
    return { h };
  };

/** SpikingVanillaRNNCell: h' = Θ(W_ih x + b_ih + W_hh h + b_hh). */
export const vanillaRef =
  (s: RefSurrogate, spiking: boolean): RefStep =>
  (p, st, x) => {
    const a = linear(p.wih, x, p.bih);
    const b = linear(p.whh, st.h, p.bhh);
    const t = theta(s, spiking);
    return { h: a.map((ai, r) => t(add(ai, b[r] as Dual))) };
  };

/** Zeros of a cell state. */
export const zeroState = (H: number, lstm: boolean): RefState => {
  const z = (): Dual[] => Array.from({ length: H }, () => dual(0));
  return lstm ? { h: z(), c: z() } : { h: z() };
};

/** A cell over a sequence x[t][b][:] from per-sample states; returns h[t][b][:] and the final states. */
export function runCell(step: RefStep, p: RefCell, xs: Dual[][][], s0: RefState[]): { hs: Dual[][][]; final: RefState[] } {
  let s = s0;
  const hs: Dual[][][] = [];
  for (const xt of xs) {
    s = xt.map((xb, b) => step(p, s[b] as RefState, xb));
    hs.push(s.map((sb) => sb.h));
  }
  return { hs, final: s };
}

/**
 * A unidirectional stack: layer l at step t reads the layer below at the same step ('same-step') or the step before
 * ('previous-step'), times `mask(l, t, b)` (dropout; all ones in eval). Returns y[t][b][:] = h_{L−1} and finals[l][b].
 */
export function runStack(
  step: RefStep,
  cells: RefCell[],
  xs: Dual[][][],
  s0: RefState[][],
  interLayer: 'same-step' | 'previous-step',
  mask: (l: number, t: number, b: number) => number[] = () => [],
): { ys: Dual[][][]; finals: RefState[][] } {
  let s = s0; // s[l][b]
  const ys: Dual[][][] = [];
  xs.forEach((xt, t) => {
    const next: RefState[][] = [];
    cells.forEach((p, l) => {
      next.push(
        xt.map((xb, b) => {
          let u = xb;
          if (l > 0) {
            const below = (interLayer === 'same-step' ? (next[l - 1] as RefState[]) : (s[l - 1] as RefState[]))[b] as RefState;
            const m = mask(l, t, b);
            u = below.h.map((v, j) => (m.length === 0 ? v : mul(v, dual(m[j] as number))));
          }
          return step(p, (s[l] as RefState[])[b] as RefState, u);
        }),
      );
    });
    s = next;
    ys.push((s[cells.length - 1] as RefState[]).map((sb) => sb.h));
  });
  return { ys, finals: s };
}

/** A bidirectional stack, layer by layer: y_l[t] = concat(forward h[t], reverse h[t]), layer l ≥ 1's input times `mask(l, t, b)`. finals[j][b], j = l or L + l. */
export function runBidirectional(
  step: RefStep,
  cells: RefCell[],
  reverse: RefCell[],
  xs: Dual[][][],
  s0: RefState[][],
  mask: (l: number, t: number, b: number) => number[] = () => [],
): { ys: Dual[][][]; finals: RefState[][] } {
  const L = cells.length;
  const finals: RefState[][] = new Array(2 * L);
  let u = xs;
  for (let l = 0; l < L; l++) {
    if (l > 0)
      u = u.map((ut, t) =>
        ut.map((ub, b) => {
          const m = mask(l, t, b);
          return m.length === 0 ? ub : ub.map((v, j) => mul(v, dual(m[j] as number)));
        }),
      );
    const f = runCell(step, cells[l] as RefCell, u, s0[l] as RefState[]);
    const r = runCell(step, reverse[l] as RefCell, [...u].reverse(), s0[L + l] as RefState[]);
    finals[l] = f.final;
    finals[L + l] = r.final;
    const T = u.length;
    u = f.hs.map((ft, t) => ft.map((fb, b) => [...fb, ...((r.hs[T - 1 - t] as Dual[][])[b] as Dual[])]));
  }
  return { ys: u, finals };
}
