/**
 * Evaluates index.ts once under the test mocks for one stack and prints how many
 * resources it registered. Run by bench/program.ts in a fresh process per sample, so
 * the figure includes what a `pulumi preview` start pays: loading and compiling the program.
 */
import { committedConfig, renderProgram, useMocks, valueOf } from "../test/mocks";

async function main(stack: string): Promise<void> {
  // The credentials the deployed profiles read (fakes: the mocks never call out).
  const secrets: Record<string, string> = stack === "local" ? {} : { neonApiKey: "bench-neon-key", "doppler:dopplerToken": "dp.pt.bench" };
  const mocks = (await useMocks(stack, committedConfig(stack), secrets)).withServiceInvokes();
  // What prod reads of its own last deployment: the digests it runs.
  mocks.deployed = { imageRef: `ghcr.io/acme/web@sha256:${"b".repeat(64)}`, migratorRef: `ghcr.io/acme/web@sha256:${"c".repeat(64)}` };
  const outputs = await renderProgram();
  await valueOf(outputs.namespace);
  await mocks.settle();
  process.stdout.write(`${mocks.registrations.length}\n`);
}

main(process.argv[2] ?? "local").catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
