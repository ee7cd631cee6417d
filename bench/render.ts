/**
 * Evaluates index.ts once under the test mocks for one stack and prints how many
 * resources it registered. Run by bench/program.ts in a fresh process per sample, so
 * the figure includes what a `pulumi preview` start pays: loading and compiling the program.
 */
import { committedConfig, renderProgram, useMocks, valueOf } from "../test/mocks";

async function main(stack: string): Promise<void> {
  const mocks = await useMocks(stack, committedConfig(stack), { databaseUrl: "postgresql://bench:bench@localhost/bench" });
  const outputs = await renderProgram();
  await valueOf(outputs.namespace);
  await mocks.settle();
  process.stdout.write(`${mocks.registrations.length}\n`);
}

main(process.argv[2] ?? "local").catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
