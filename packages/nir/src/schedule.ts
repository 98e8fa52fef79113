/**
 * The order in which a graph's nodes run within one time step, and which edges carry the previous step's value
 * (the fixtures' README, "Graphs"; NIRTorch's interpreter does the same):
 *
 * - `depth(n)` is the fewest edges from the Input node;
 * - an edge `u → v` is **delayed** when it closes a cycle (`v` reaches `u`) and `depth(v) ≤ depth(u)`; it delivers
 *   `u`'s output of step `t − 1` (zeros at `t = 0`). Every other edge is instantaneous (step `t`);
 * - nodes run in a topological order of the instantaneous edges, ties broken by depth, then name. (The
 *   instantaneous edges have no cycle: along one, depth strictly increases.)
 *
 * @category graphs
 */
import { SpikefnArgumentError } from '@spikefn/core';

/** One incoming edge of a node. @category graphs */
export type Incoming = {
  /** The source node. */
  readonly source: string;
  /** Whether the edge carries the source's output of the previous step. */
  readonly delayed: boolean;
};

/** A graph's schedule within one step. @category graphs */
export type Schedule = {
  /** The Input node's name. */
  readonly input: string;
  /** The Output node's name. */
  readonly output: string;
  /** Every node, in evaluation order (the Input node first). */
  readonly order: readonly string[];
  /** Each node's incoming edges, in edge order. */
  readonly incoming: { readonly [name: string]: readonly Incoming[] };
  /** The delayed edges, `[source, target]`, in edge order. */
  readonly delayed: readonly (readonly [string, string])[];
  /** The nodes whose output a delayed edge carries (their previous output is state). */
  readonly delayedSources: readonly string[];
  /** The node names from Input to Output when the graph is one path with no other edge; else `undefined`. */
  readonly chain?: readonly string[];
  /** Each node's depth. */
  readonly depth: { readonly [name: string]: number };
};

/** Schedules a graph of typed nodes. Throws a `SpikefnArgumentError` (from `fn`) for a graph it cannot run. @category graphs */
export function schedule(
  fn: string,
  nodes: { readonly [name: string]: { readonly type: string } },
  edges: readonly (readonly [string, string])[],
): Schedule {
  const names = Object.keys(nodes);
  const bad = (arg: string, expected: string, got: string): never => {
    throw new SpikefnArgumentError(fn, arg, expected, got);
  };
  if (!Array.isArray(edges)) bad('graph.edges', 'an array of [source, target] pairs', String(edges));
  edges.forEach((e, i) => {
    if (!Array.isArray(e) || e.length !== 2 || !(e[0] in nodes) || !(e[1] in nodes))
      bad(`graph.edges[${i}]`, 'a [source, target] pair of node names of the graph', JSON.stringify(e));
  });
  const ofType = (t: string) => names.filter((n) => nodes[n]?.type === t);
  const inputs = ofType('Input');
  const outputs = ofType('Output');
  if (inputs.length !== 1)
    bad('graph.nodes', 'exactly one Input node (a spikefn layer takes one input)', `${inputs.length}: [${inputs.join(', ')}]`);
  if (outputs.length !== 1)
    bad('graph.nodes', 'exactly one Output node (a spikefn layer returns one output)', `${outputs.length}: [${outputs.join(', ')}]`);
  const input = inputs[0] as string;
  const output = outputs[0] as string;
  const succ = new Map<string, string[]>(names.map((n) => [n, []]));
  edges.forEach(([s, d], i) => {
    if (d === input) bad(`graph.edges[${i}]`, `no edge into the Input node '${input}'`, JSON.stringify([s, d]));
    if (s === output) bad(`graph.edges[${i}]`, `no edge out of the Output node '${output}'`, JSON.stringify([s, d]));
    succ.get(s)?.push(d);
  });

  const depth: Record<string, number> = { [input]: 0 };
  const queue = [input];
  while (queue.length > 0) {
    const u = queue.shift() as string;
    for (const v of succ.get(u) ?? []) {
      if (depth[v] === undefined) {
        depth[v] = (depth[u] as number) + 1;
        queue.push(v);
      }
    }
  }
  const unreachable = names.filter((n) => depth[n] === undefined);
  if (unreachable.length > 0)
    bad('graph', `every node reachable from the Input node '${input}'`, `unreachable: [${unreachable.join(', ')}]`);

  const reach = new Map<string, Set<string>>();
  const reachable = (from: string): Set<string> => {
    const known = reach.get(from);
    if (known !== undefined) return known;
    const seen = new Set<string>();
    const stack = [...(succ.get(from) ?? [])];
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...(succ.get(n) ?? []));
    }
    reach.set(from, seen);
    return seen;
  };
  const isDelayed = ([u, v]: readonly [string, string]): boolean => reachable(v).has(u) && (depth[v] as number) <= (depth[u] as number);

  const incoming: Record<string, Incoming[]> = Object.fromEntries(names.map((n) => [n, []]));
  const delayed: Array<readonly [string, string]> = [];
  const indegree: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const instSucc = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const e of edges) {
    const d = isDelayed(e);
    incoming[e[1]]?.push({ source: e[0], delayed: d });
    if (d) delayed.push(e);
    else {
      indegree[e[1]] = (indegree[e[1]] as number) + 1;
      instSucc.get(e[0])?.push(e[1]);
    }
  }
  const byDepthThenName = (a: string, b: string): number => (depth[a] as number) - (depth[b] as number) || (a < b ? -1 : a > b ? 1 : 0);
  const ready = names.filter((n) => indegree[n] === 0).sort(byDepthThenName);
  const order: string[] = [];
  while (ready.length > 0) {
    const n = ready.shift() as string;
    order.push(n);
    for (const v of instSucc.get(n) ?? []) {
      indegree[v] = (indegree[v] as number) - 1;
      if (indegree[v] === 0) {
        ready.push(v);
        ready.sort(byDepthThenName);
      }
    }
  }
  if (order.length !== names.length) bad('graph.edges', 'no cycle without a delayed edge', 'a cycle');
  if (order[0] !== input) bad('graph', `every node but the Input '${input}' fed by an edge`, `'${order[0]}' has no incoming edge`);

  const delayedSources = [...new Set(delayed.map(([s]) => s))];
  const isChain =
    delayed.length === 0 &&
    edges.length === names.length - 1 &&
    order.every((n, i) => i === 0 || (incoming[n]?.length === 1 && incoming[n]?.[0]?.source === order[i - 1])) &&
    order[order.length - 1] === output;
  return { input, output, order, incoming, delayed, delayedSources, depth, ...(isChain ? { chain: order } : {}) };
}
