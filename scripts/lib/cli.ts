/** Small shared CLI plumbing: argument parsing with help, and exit codes. */
import { parseArgs, ParseArgsConfig } from "util";

/** A usage error: printed with the help text, exit code 2. */
export class UsageError extends Error {}

/** Parses argv against options; `--help` returns undefined after printing `help`. */
export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T, help: string) {
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    if ((parsed.values as { help?: boolean }).help) {
      console.log(help);
      return undefined;
    }
    return parsed;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Runs a command's main, mapping errors to exit codes: 2 for usage and unexpected errors. */
export function run(main: () => Promise<number>, help: string): void {
  main()
    .then((code) => (process.exitCode = code))
    .catch((e: unknown) => {
      console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
      if (e instanceof UsageError) console.error(`\n${help}`);
      process.exitCode = 2;
    });
}
