/**
 * Tuning knobs of the fast kernels, shared and mutable so that tests can force
 * the multi-block and fallback code paths on small shapes, and benchmarks can
 * compare settings. The defaults were measured on a 2-core Node 20 machine.
 */
export const kernelTuning = {
  /**
   * Elements of the patch matrix per block on cpu: 2^17 floats (0.5 MiB)
   * keep a block in L2 while the JS matmul streams over it (the matmul alone,
   * 3x3 32->32 at batch 256: ~400 ms in blocks of 512 rows against
   * ~490–730 ms over the whole matrix).
   */
  cpuBlockElements: 1 << 17,
  /**
   * Elements per block on wasm (4 MiB of heap): few XNNPACK calls per kernel
   * (blocks of 1 to 64 MiB showed no consistent difference in noisy
   * measurements), and the wasm heap never shrinks, so blocks stay well below
   * the full matrix.
   */
  wasmBlockElements: 1 << 20,
  /**
   * On wasm, Conv2DBackpropInput with stride 1 runs as a flipped convolution
   * (the backend's XNNPACK Conv2D) when the conv has at least this many input
   * channels (the flipped conv's output depth); otherwise as matmul + col2im.
   * For 32->32 the flipped conv took ~65–80 ms of CPU against ~130–150 ms; for
   * 1->32 the two were within noise (~45–58 ms).
   */
  flippedConvMinChannels: 1,
  /**
   * On wasm, Conv2DBackpropFilter runs as a convolution of the transposed
   * input with dy as the filter (the backend's XNNPACK Conv2D) when the conv
   * has at least this many input channels and the sizes work out; otherwise as
   * im2col + BatchMatMul. For 3x3 32->32 at batch 256 the conv form took
   * ~90–120 ms of CPU against ~140–160 ms; for 1->32 on 28x28 im2col was
   * slightly ahead (~65–80 against ~80–95 ms).
   */
  wasmFilterConvMinChannels: 4,
  /**
   * MaxPoolGrad (cpu, wasm) of one-channel 2x2 windows with stride 2 inside the input (the pooling layer's
   * `[N·C, H, W, 1]` layout) runs an unrolled loop (same tie rule): [8192, 28, 28, 1] took ~60 → ~29 ms in a
   * training-step profile. false runs the general loop.
   */
  maxPoolGrad2x2: true,
  /**
   * On wasm, `conv2d` of `@spikefn/layers` with patches of more than 16 (`in·kh·kw`; the 32 → 32 conv) takes its
   * filter gradient itself, from its NCHW input and the NHWC dy (a rank-3 transpose each, then the same XNNPACK
   * convolution as `Conv2DBackpropFilter`), instead of `Conv2DBackpropFilter`, whose NHWC x → [C, H, W, N] transpose
   * moves single floats. false gives tfjs's gradient (the kernel) back.
   */
  layerFilterGradFromNchw: true,
  /**
   * On wasm with a shared heap, the stride-1 NCHW convolution kernels (`SpikefnConv2dNchw`, `SpikefnConv2dFilterGradNchw`)
   * run their event-driven forms (work in proportion to x's nonzeros) when at most this share of x is nonzero. For the
   * 3×3 32 → 32 conv at batch 256 on 14 × 14 they were measured as fast as the dense forms at about half nonzero (forward
   * 26 against 28 ms at 45 %, filter gradient 30 against 40 ms; 2 threads), hence 0.4. A negative value turns them off.
   */
  sparseConvMaxDensity: 0.4,
  /**
   * With kernel threads, the calling thread runs published parts itself whenever it has nothing to copy (so it never
   * waits for a worker that has not started). false leaves every part to the workers: tests use it to make sure the
   * workers' path runs.
   */
  callerRunsParts: true,
};
