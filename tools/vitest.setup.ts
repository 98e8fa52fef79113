// Every test file starts on the cpu backend (the reference), with tfjs's banners silenced.
import { beforeAll } from 'vitest';
import { setBackend } from '@spikefn/core/backend';

beforeAll(async () => {
  await setBackend(process.env['SPIKEFN_BACKEND'] ?? 'cpu');
});
