// Configurations that make a neuron degenerate are refused (a hard reset at or above the threshold; a decay 1/τ that
// float32 rounds to 0 or 1), and legitimate but suspicious ones go to the warning hook (a leak below float32
// resolution; a soft reset with a threshold <= 0). Boundaries derived from float32 by hand.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { setWarningHandler, SpikefnArgumentError, type SpikefnWarning } from '@spikefn/core';
import { ifNode } from '../src/if.js';
import { lifNode } from '../src/lif.js';
import { plifNode, plifWeight } from '../src/plif.js';

const warnings: SpikefnWarning[] = [];
const previous = setWarningHandler((w) => warnings.push(w));
afterEach(() => {
  warnings.length = 0;
});
afterAll(() => {
  setWarningHandler(previous);
});

describe('degenerate neuron configurations', () => {
  it('a hard reset needs V_th > V_reset (compared in float32): otherwise every step fires on zero input', () => {
    expect(() => ifNode({ vThreshold: 0.5, vReset: 0.5 })).toThrow(SpikefnArgumentError);
    expect(() => ifNode({ vThreshold: 0.5, vReset: 0.5 })).toThrow(
      /ifNode: argument 'config.vThreshold' expected a number > config.vReset \(0.5\) in float32 for a hard reset/,
    );
    expect(() => lifNode({ vThreshold: -0.1 })).toThrow(/lifNode: argument 'config.vThreshold'/);
    // 0.1 and 0.1 + 1e-9 are different doubles but the same float32: the kernels could not tell them apart.
    expect(Math.fround(0.1)).toBe(Math.fround(0.1 + 1e-9));
    expect(() => ifNode({ vThreshold: 0.1 + 1e-9, vReset: 0.1 })).toThrow(/config.vThreshold/);
    expect(() => ifNode({ vThreshold: 0.1 + 1e-7, vReset: 0.1 })).not.toThrow();
    // A soft reset has no V_reset: any finite threshold is allowed, one <= 0 is warned about.
    expect(() => ifNode({ vThreshold: 0, vReset: null })).not.toThrow();
    expect(warnings.map((w) => [w.code, w.fn, w.argument])).toEqual([['soft-reset-threshold', 'ifNode', 'config.vThreshold']]);
  });

  it('1/τ must be strictly between 0 and 1 in float32', () => {
    // 1/(1 + 2⁻²⁵) = 1 − 2⁻²⁵ + 2⁻⁵⁰ − …: above the midpoint between 1 − 2⁻²⁴ and 1, so it rounds to 1.
    expect(Math.fround(1 / (1 + 2 ** -25))).toBe(1);
    expect(() => lifNode({ tau: 1 + 2 ** -25 })).toThrow(
      /lifNode: argument 'config.tau' expected a τ whose decay 1\/τ is strictly between 0 and 1 in float32 \(1\/τ rounds to 1: the membrane would not leak\)/,
    );
    // 1e-300 is below the smallest float32 subnormal (2⁻¹⁴⁹ ≈ 1.4e-45): it rounds to 0.
    expect(() => lifNode({ tau: 1e300 })).toThrow(/1\/τ rounds to 0: the neuron would never charge/);
    expect(() => plifNode({ tau: 1e300 })).toThrow(/plifNode: argument 'config.tau'/);
    expect(() => plifWeight(1e300)).toThrow(/plifWeight: argument 'tau'/);
    expect(warnings).toEqual([]);
  });

  it('a leak below float32 resolution (1 − 1/τ rounds to 1) is a warning, not an error', () => {
    // τ = 2²⁴: 1 − 2⁻²⁴ is a float32 (the spacing below 1 is 2⁻²⁴): no warning. τ = 2²⁶: 1 − 2⁻²⁶ rounds to 1.
    lifNode({ tau: 2 ** 24 });
    expect(warnings).toEqual([]);
    lifNode({ tau: 2 ** 26 });
    expect(warnings.map((w) => [w.code, w.fn, w.argument])).toEqual([['decay-invisible', 'lifNode', 'config.tau']]);
    expect(warnings[0]?.message).toMatch(/^lifNode: argument 'config.tau' is 67108864: 1 − 1\/τ rounds to 1 in float32/);
  });
});
