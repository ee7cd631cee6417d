/**
 * environments [--root <dir>]: the delivery plan of the committed stack files (which stacks
 * build, which promote and in what order, which are checked for drift), as JSON on stdout
 * and as step outputs (`source`, `builds`, `promotions`, `drift`, `rollback`) in GitHub Actions.
 * Exit 0: planned. 2: error (no source or no production stack).
 */
import { setOutput } from "./lib/actions";
import { parse, run } from "./lib/cli";
import { deliveryPlan, planOutputs } from "./lib/environments";
import { PROJECT_DIR } from "./lib/workspace";

const HELP = `usage: environments [--root <dir>]

  --root  the project directory (default: this repository)

exit codes: 0 planned, 2 error`;

function main(): Promise<number> {
  const parsed = parse(process.argv.slice(2), { root: { type: "string" } }, HELP);
  if (!parsed) return Promise.resolve(0);
  const plan = deliveryPlan(parsed.values.root ?? PROJECT_DIR);
  for (const [key, value] of Object.entries(planOutputs(plan))) setOutput(key, JSON.stringify(value));
  console.log(JSON.stringify(plan, null, 2));
  return Promise.resolve(0);
}

if (require.main === module) run(main, HELP);
