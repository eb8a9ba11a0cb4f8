import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * The command-line tools' one way to read their arguments: `--help` prints the usage and exits 0;
 * a bad argument, or `fail(message)`, prints the message and the usage on stderr and exits 2
 * (`fail(message, 1)`: a refusal, without the usage).
 */
const HELP = { type: 'boolean', short: 'h' } as const;

/** Declared with this type (`const fail: Fail = cli.fail`) so that TypeScript knows it ends the process. */
export type Fail = (message: string, code?: number) => never;

type Options = NonNullable<ParseArgsConfig['options']>;
type Config<O extends Options> = {
  options: O & { help: typeof HELP };
  allowPositionals: boolean;
  strict: true;
};

/** What the tool was given: its options, its positionals, and the way to refuse them. */
export interface CliArgs<O extends Options> {
  values: ReturnType<typeof parseArgs<Config<O>>>['values'];
  positionals: string[];
  fail: Fail;
}

export function cliArgs<O extends Options>(
  tool: string,
  usage: string,
  options: O,
  allowPositionals = false,
): CliArgs<O> {
  const fail: Fail = (message, code = 2) => {
    process.stderr.write(`${tool}: ${message}\n${code === 2 ? `${usage}\n` : ''}`);
    process.exit(code);
  };
  const config: Config<O> = {
    options: { ...options, help: HELP } as O & { help: typeof HELP },
    allowPositionals,
    strict: true,
  };
  let parsed: ReturnType<typeof parseArgs<Config<O>>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    return fail((err as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return { values: parsed.values, positionals: parsed.positionals, fail };
}
