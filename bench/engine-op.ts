/** One engine operation on the real program's `local` stack of a prepared project; prints its wall time in ms. */
import { localStack } from "../test/engine/harness";

async function main(op: string, workDir: string): Promise<void> {
  const stack = await localStack(workDir);
  const start = process.hrtime.bigint();
  if (op === "up") await stack.up();
  else if (op === "preview") await stack.preview();
  else if (op === "destroy") await stack.destroy();
  else throw new Error(`unknown operation ${op}`);
  process.stdout.write(`${Number(process.hrtime.bigint() - start) / 1e6}\n`);
}

main(process.argv[2], process.argv[3]).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
