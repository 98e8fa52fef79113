/**
 * Command-line flags of the MNIST example (`pnpm start -- --epochs 1 ...`). Unknown flags and bad values are errors
 * that name the flag. `--help` prints this list.
 *
 * @category examples
 */

/** Parsed options. @category examples */
export type Options = {
  readonly epochs: number;
  readonly batchSize: number;
  readonly timeSteps: number;
  readonly lr: number;
  readonly seed: number;
  readonly backend: string;
  readonly out: string;
  readonly resume: string | undefined;
  readonly evalOnly: boolean;
  readonly encoding: 'direct' | 'poisson';
  readonly loss: 'mse' | 'ce' | 'tet';
  readonly channels: readonly [number, number];
  readonly trainSize: number;
  readonly testSize: number;
  readonly help: boolean;
};

/** The defaults: chosen so that a 2-core machine without a GPU trains to ≥ 97 % in under 5 minutes. @category examples */
export const DEFAULTS: Options = {
  epochs: 2,
  batchSize: 32,
  timeSteps: 4,
  lr: 0.003,
  seed: 0,
  backend: 'wasm',
  out: 'out/mnist',
  resume: undefined,
  evalOnly: false,
  encoding: 'direct',
  loss: 'mse',
  channels: [16, 32],
  trainSize: 8000,
  testSize: 2000,
  help: false,
};

export const USAGE = `Usage: pnpm start -- [flags]
  --epochs N          training epochs (default ${DEFAULTS.epochs})
  --batch-size N      mini-batch size (default ${DEFAULTS.batchSize})
  --time-steps N      simulation steps T per digit (default ${DEFAULTS.timeSteps})
  --lr X              Adam's initial learning rate, cosine-decayed to 0 (default ${DEFAULTS.lr})
  --seed N            the one seed every key derives from (default ${DEFAULTS.seed})
  --backend NAME      wasm (default: fastest here, measured) or cpu (the reference; much slower)
  --out DIR           output folder (default ${DEFAULTS.out})
  --resume FILE       continue training from a checkpoint (its config wins over flags, except --epochs)
  --eval-only         evaluate a checkpoint (--resume FILE, or DIR/checkpoint.spikefn) and write the plots
  --encoding E        direct (default) or poisson
  --loss L            mse (firing rate vs one-hot, default), ce (cross-entropy on the rate) or tet
  --channels C1,C2    conv channels (default ${DEFAULTS.channels.join(',')})
  --train-size N      training digits of the 10,000 (default ${DEFAULTS.trainSize})
  --test-size N       held-out digits (default ${DEFAULTS.testSize})`;

const int = (flag: string, v: string | undefined, min: number): number => {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min) throw new Error(`${flag} expects an integer >= ${min}, got ${v ?? 'nothing'}`);
  return n;
};

/** Parses `argv` (without node and the script). A leading `--` (from `pnpm start -- ...`) is skipped. @category examples */
export function parseArgs(argv: readonly string[]): Options {
  const o: { -readonly [K in keyof Options]: Options[K] } = { ...DEFAULTS };
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const [flag, inline] = a.includes('=') ? (a.split(/=(.*)/s, 2) as [string, string]) : [a, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case '--epochs':
        o.epochs = int(flag, value(), 0);
        break;
      case '--batch-size':
        o.batchSize = int(flag, value(), 2);
        break;
      case '--time-steps':
        o.timeSteps = int(flag, value(), 1);
        break;
      case '--seed':
        o.seed = int(flag, value(), 0);
        break;
      case '--train-size':
        o.trainSize = int(flag, value(), 2);
        break;
      case '--test-size':
        o.testSize = int(flag, value(), 1);
        break;
      case '--lr': {
        const v = value();
        o.lr = Number(v);
        if (!(o.lr > 0)) throw new Error(`--lr expects a number > 0, got ${v ?? 'nothing'}`);
        break;
      }
      case '--backend':
        o.backend = value() ?? '';
        break;
      case '--out':
        o.out = value() ?? '';
        break;
      case '--resume':
        o.resume = value();
        break;
      case '--eval-only':
        o.evalOnly = true;
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      case '--encoding': {
        const v = value();
        if (v !== 'direct' && v !== 'poisson') throw new Error(`--encoding expects direct or poisson, got ${v ?? 'nothing'}`);
        o.encoding = v;
        break;
      }
      case '--loss': {
        const v = value();
        if (v !== 'mse' && v !== 'ce' && v !== 'tet') throw new Error(`--loss expects mse, ce or tet, got ${v ?? 'nothing'}`);
        o.loss = v;
        break;
      }
      case '--channels': {
        const v = value() ?? '';
        const cs = v.split(',').map(Number);
        if (cs.length !== 2 || cs.some((c) => !Number.isInteger(c) || c < 1))
          throw new Error(`--channels expects two integers like 16,32, got ${v}`);
        o.channels = [cs[0] as number, cs[1] as number];
        break;
      }
      default:
        throw new Error(`unknown flag ${a}\n${USAGE}`);
    }
  }
  if (o.trainSize + o.testSize > 10_000)
    throw new Error(`--train-size + --test-size must be at most 10000 (the digits in the mnist package), got ${o.trainSize + o.testSize}`);
  return o;
}
