/**
 * The HDF5 layout of a file, for comparing what spikefn writes with what the reference `nir` library wrote: every
 * group and dataset path with its HDF5 type class, size, string-ness, shape and filters (deflate level).
 */
import h5wasm from 'h5wasm';

let counter = 0;

/** `path → description` for every group and dataset of an HDF5 file. */
export async function layoutOf(bytes: Uint8Array): Promise<Record<string, string>> {
  const { FS } = await h5wasm.ready;
  const fs = FS as unknown as { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void };
  const path = `/layout-${++counter}.h5`;
  fs.writeFile(path, bytes);
  const file = new h5wasm.File(path, 'r');
  const out: Record<string, string> = {};
  const walk = (group: InstanceType<typeof h5wasm.Group>, prefix: string): void => {
    for (const name of group.keys()) {
      const child = group.get(name);
      const p = `${prefix}/${name}`;
      if (child instanceof h5wasm.Group) {
        out[p] = 'group';
        walk(child, p);
      } else if (child instanceof h5wasm.Dataset) {
        const m = child.metadata;
        const filters = child.filters.map((f) => `${f.name}(${f.cd_values.join(',')})`).join('+') || 'none';
        out[p] =
          `class ${m.type} size ${m.size}${m.vlen ? ' vlen' : ''}${m.cset === undefined ? '' : ` cset ${m.cset}`} shape [${(child.shape ?? []).join(', ')}] filters ${filters}`;
      }
    }
  };
  try {
    walk(file, '');
  } finally {
    file.close();
    fs.unlink(path);
  }
  return out;
}
