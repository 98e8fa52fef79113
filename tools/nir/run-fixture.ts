/**
 * Runs one NIR fixture: reads `NAME.nir` with `readNir`, checks the graph against `NAME.json` (node types,
 * parameters exactly, edges), imports it with `fromNir` at the fixture's `dt`, runs it on the inputs and compares
 * the graph output, every node's output and every state (`v`, `i`, `v_pre_reset`) at every step, spikes exactly.
 * Anything the runner does not understand (another format, an unknown expected value, a non-zero initial state)
 * fails the fixture: nothing is skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@spikefn/core/tf';
import { evalCtx, key, runSequence, treeDispose, type Tree } from '@spikefn/core';
import { fromNir, readNir, traceNir, type NirGraph, type NirValue } from '@spikefn/nir';
import { expectClose, flat, shapeOf, type Nested, type Tol } from './compare.js';

/** The fixture JSON (`spikefn-nir-fixture/1`), the fields the runner reads. */
export type NirFixture = {
  readonly format: string;
  readonly fixture: string;
  readonly dt: number;
  readonly graph: {
    readonly nodes: {
      readonly [name: string]: {
        readonly type: string;
        readonly params: { readonly [k: string]: Nested | string };
        readonly param_dtypes?: { readonly [k: string]: string };
        readonly input_type?: readonly number[];
        readonly output_type?: readonly number[];
      };
    };
    readonly edges: readonly (readonly [string, string])[];
    readonly input_nodes: readonly string[];
    readonly output_nodes: readonly string[];
    readonly delayed_edges: readonly (readonly [string, string])[];
  };
  readonly inputs: { readonly [node: string]: Nested };
  readonly initial_state?: { readonly [node: string]: { readonly [what: string]: number } };
  readonly expected: {
    readonly outputs: { readonly [node: string]: Nested };
    readonly nodes: { readonly [node: string]: { readonly [what: string]: Nested } };
  };
  readonly tolerance?: { readonly states_atol?: number; readonly states_rtol?: number };
};

/** The outcome of one fixture. */
export type FixtureReport = {
  readonly name: string;
  readonly passed: boolean;
  readonly checks: number;
  readonly failures: readonly string[];
};

/** Node types whose output is spikes (compared exactly). */
const SPIKING = new Set(['LIF', 'IF', 'CubaLIF', 'Threshold']);
/** The per-node values a fixture may expect. */
const KNOWN_VALUES = new Set(['output', 'v', 'i', 'v_pre_reset', 'buffer']);

/** Reads a fixture's JSON, or throws saying why it is not one. */
export function loadFixture(dir: string, name: string): NirFixture {
  const path = join(dir, `${name}.json`);
  if (!existsSync(path)) throw new Error(`${name}.json is missing (every NAME.nir needs its NAME.json)`);
  const raw = JSON.parse(readFileSync(path, 'utf8')) as NirFixture;
  if (raw.format !== 'spikefn-nir-fixture/1') throw new Error(`${name}.json: format '${String(raw.format)}', want 'spikefn-nir-fixture/1'`);
  return raw;
}

/** The bytes of a fixture's `.nir` file. */
export function fixtureBytes(dir: string, name: string): Uint8Array {
  const path = join(dir, `${name}.nir`);
  if (!existsSync(path)) throw new Error(`${name}.nir is missing (every NAME.json needs its NAME.nir)`);
  return new Uint8Array(readFileSync(path));
}

const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** Checks a graph read from a file against the fixture's graph: names, types, parameters (exactly) and edges. */
export function checkGraph(f: NirFixture, graph: NirGraph, fail: (msg: string) => void): number {
  let checks = 0;
  const want = f.graph.nodes;
  const gotNames = Object.keys(graph.nodes).sort();
  const wantNames = Object.keys(want).sort();
  if (gotNames.join(',') !== wantNames.join(',')) fail(`nodes [${gotNames.join(', ')}], want [${wantNames.join(', ')}]`);
  for (const [name, w] of Object.entries(want)) {
    const g = graph.nodes[name];
    if (g === undefined) continue;
    checks++;
    if (g.type !== w.type) fail(`node ${name}: type '${g.type}', want '${w.type}'`);
    const gotKeys = Object.keys(g.params).sort();
    const wantKeys = Object.keys(w.params).sort();
    if (gotKeys.join(',') !== wantKeys.join(',')) fail(`node ${name}: params [${gotKeys.join(', ')}], want [${wantKeys.join(', ')}]`);
    for (const [k, wv] of Object.entries(w.params)) {
      const gv: NirValue | undefined = g.params[k];
      if (gv === undefined) continue;
      checks++;
      const dtype = w.param_dtypes?.[k];
      if (typeof wv === 'string') {
        if (gv !== wv) fail(`node ${name}.${k}: ${JSON.stringify(gv)}, want '${wv}'`);
        continue;
      }
      if (typeof gv === 'string') {
        fail(`node ${name}.${k}: '${gv}', want numbers`);
        continue;
      }
      if (dtype !== undefined && dtype !== 'string' && gv.dtype !== dtype) fail(`node ${name}.${k}: dtype ${gv.dtype}, want ${dtype}`);
      if (!same(gv.shape, shapeOf(wv))) fail(`node ${name}.${k}: shape [${gv.shape.join(', ')}], want [${shapeOf(wv).join(', ')}]`);
      else if (!same(gv.data, flat(wv))) fail(`node ${name}.${k}: values differ from the fixture's (exact comparison)`);
    }
  }
  const ge = graph.edges.map(([s, d]) => `${s}->${d}`).join(', ');
  const we = f.graph.edges.map(([s, d]) => `${s}->${d}`).join(', ');
  checks++;
  if (ge !== we) fail(`edges [${ge}], want [${we}]`);
  return checks;
}

/**
 * Runs one fixture of `dir` (the `.nir` file's bytes may be given instead, e.g. a file exported by spikefn).
 * Leaves `tf.memory().numTensors` unchanged.
 */
export async function runFixture(dir: string, name: string, options: { readonly nirBytes?: Uint8Array } = {}): Promise<FixtureReport> {
  const failures: string[] = [];
  const fail = (msg: string): void => {
    failures.push(msg);
  };
  let checks = 0;
  try {
    const f = loadFixture(dir, name);
    const graph = await readNir(options.nirBytes ?? fixtureBytes(dir, name));
    checks += checkGraph(f, graph, fail);
    checks += simulate(f, graph, fail);
  } catch (e) {
    fail((e as Error).message);
  }
  return { name, passed: failures.length === 0 && checks > 0, checks, failures };
}

/** Imports the graph at the fixture's `dt`, runs it and compares every expected value. Returns the number of checks. */
function simulate(f: NirFixture, graph: NirGraph, fail: (msg: string) => void): number {
  let checks = 0;
  const before = tf.memory().numTensors;
  const net = fromNir(graph, { dt: f.dt });
  const plan = net.nir.schedule;
  const types = Object.fromEntries(Object.entries(graph.nodes).map(([n, node]) => [n, node.type]));
  if (f.graph.input_nodes.length !== 1 || f.graph.input_nodes[0] !== plan.input)
    fail(`input nodes [${f.graph.input_nodes.join(', ')}], the import found '${plan.input}'`);
  if (f.graph.output_nodes.length !== 1 || f.graph.output_nodes[0] !== plan.output)
    fail(`output nodes [${f.graph.output_nodes.join(', ')}], the import found '${plan.output}'`);
  const delayed = (es: readonly (readonly [string, string])[]) =>
    es
      .map(([s, d]) => `${s}->${d}`)
      .sort()
      .join(', ');
  checks++;
  if (delayed(plan.delayed) !== delayed(f.graph.delayed_edges))
    fail(`delayed edges [${delayed(plan.delayed)}], want [${delayed(f.graph.delayed_edges)}]`);
  for (const [node, vars] of Object.entries(f.initial_state ?? {}))
    for (const [what, v] of Object.entries(vars))
      if (v !== 0) fail(`initial state ${node}.${what} = ${v}: spikefn starts every state at 0`);

  const inputWant = f.inputs[plan.input];
  if (inputWant === undefined) {
    fail(`no input for the Input node '${plan.input}'`);
    return checks;
  }
  const atol = f.tolerance?.states_atol ?? 1e-5;
  const rtol = f.tolerance?.states_rtol ?? 1e-4;
  const values: Tol = [atol, rtol];
  const exact: Tol = [0, 0];
  const tolFor = (node: string): Tol => {
    if (SPIKING.has(types[node] ?? '')) return exact;
    const srcs = plan.incoming[node] ?? [];
    return types[node] === 'Output' && srcs.length > 0 && srcs.every((e) => SPIKING.has(types[e.source] ?? '')) ? exact : values;
  };
  const check = (label: string, body: () => void): void => {
    checks++;
    try {
      body();
    } catch (e) {
      fail(`${label}: ${(e as Error).message}`);
    }
  };

  const xs = tf.tensor(flat(inputWant), shapeOf(inputWant), 'float32');
  const params = net.init(key(0));
  try {
    // The layer itself (a `sequential` chain, or the graph runner), as a user runs it.
    const s0 = net.initialState(params, xs.shape.slice(1), key(1));
    const [sT, ys] = runSequence(net, params, s0, xs, evalCtx(key(2)));
    for (const [out, want] of Object.entries(f.expected.outputs)) {
      if (out !== plan.output) {
        fail(`expected output of '${out}', which is not the Output node '${plan.output}'`);
        continue;
      }
      check(`output ${out}`, () => expectClose(`output ${out}`, ys, want, tolFor(out)));
    }
    treeDispose([s0, sT, ys] as unknown as Tree);

    // Every node, on the graph runner.
    const trace = traceNir(net, params, xs, key(3));
    for (const [node, spec] of Object.entries(f.graph.nodes)) {
      const got = trace.outputs[node];
      if (spec.output_type !== undefined && got !== undefined)
        check(`${node} output type`, () => {
          if (!same(got.shape.slice(2), spec.output_type as number[]))
            throw new Error(`shape [${got.shape.slice(2).join(', ')}] per sample, nir infers [${spec.output_type?.join(', ')}]`);
        });
    }
    for (const [node, expected] of Object.entries(f.expected.nodes)) {
      for (const [what, want] of Object.entries(expected)) {
        if (!KNOWN_VALUES.has(what)) {
          fail(`${node}.${what}: an expected value the runner does not know`);
          continue;
        }
        const got = what === 'output' ? trace.outputs[node] : trace.states[node]?.[what];
        if (got === undefined) {
          fail(`${node}.${what}: spikefn has no such value for node '${node}' (${types[node] ?? 'missing'})`);
          continue;
        }
        check(`${node}.${what}`, () => expectClose(`${node}.${what}`, got, want, what === 'output' ? tolFor(node) : values));
      }
    }
    treeDispose([trace.output, trace.outputs, trace.states] as unknown as Tree);
  } finally {
    treeDispose([xs, params] as unknown as Tree);
  }
  const leaked = tf.memory().numTensors - before;
  checks++;
  if (leaked !== 0) fail(`${leaked} tensors leaked`);
  return checks;
}

/** One line per fixture: `lif: passed (41 checks)` or `lif: failed: …`. */
export const formatReport = (r: FixtureReport): string =>
  r.passed
    ? `${r.name}: passed (${r.checks} checks)`
    : `${r.name}: failed (${r.failures.length} of ${r.checks} checks): ${r.failures[0] ?? 'no checks ran'}`;
