/** What the demo page exposes as `window.spikefnDemo` (read by the browser tests). @category example */

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
  error: string | undefined;
};

export type DemoApi = {
  readonly state: DemoState;
  useBackend(name: string): Promise<void>;
  /**
   * Shows a 28×28 image (784 values in [0, 1]) on the pad and classifies it with `key(seed)` (default: the page's
   * next seed); resolves to the predicted class and the output firing rates.
   */
  classifyImage(pixels: number[], seed?: number): Promise<{ predicted: number; rates: number[] } | undefined>;
  samples(): { label: number; pixels: number[] }[];
};

declare global {
  interface Window {
    spikefnDemo?: DemoApi;
  }
}
