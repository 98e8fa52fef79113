/** What the demo page exposes as `window.spikefnDemo` (read by the browser tests). @category example */
import type { Verdict } from './verdict.js';

/** The page's state after the latest classification. */
export type DemoState = {
  ready: boolean;
  busy: boolean;
  backend: string;
  runs: number;
  predicted: number | undefined;
  rates: number[];
  /** Spike marks drawn per raster (`lif1`, `lif2`, `output`). */
  rasterSpikes: Record<string, number>;
  /** The page's reading of the rates (named class or "not sure", see `verdict.ts`); undefined before a run and after Clear. */
  verdict: Verdict | undefined;
  /** The prediction panel's headline: a class name, `'not sure'`, or `''` before a run and after Clear. */
  shown: string;
  error: string | undefined;
};

/** The test hook: `window.spikefnDemo`. */
export type DemoApi = {
  readonly state: DemoState;
  useBackend(name: string): Promise<void>;
  /**
   * Shows a 28×28 image (784 values in [0, 1]) on the pad and classifies it with `key(seed)` (default: the page's
   * next seed); resolves to the predicted class (the top rate, lowest class on ties), the output firing rates and the
   * prediction panel's headline; undefined if a newer run or Clear took over.
   */
  classifyImage(pixels: number[], seed?: number): Promise<{ predicted: number; rates: number[]; shown: string } | undefined>;
  samples(): { label: number; pixels: number[] }[];
  /** Sets how long each time step of a run stays on screen (as `?stepMs=`), e.g. to catch a run while it unfolds. */
  setStepMs(ms: number): void;
};

declare global {
  interface Window {
    spikefnDemo?: DemoApi;
  }
}
