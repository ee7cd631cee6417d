/**
 * cloud-identity: reads the environment's `CLOUD` variable (set by the repository stack from
 * the stack files' `cloud`) and writes each field as a step output for the setup action's
 * login steps. Exit 0: read. 2: the variable is malformed (the message names the field).
 */
import { setOutput } from "./lib/actions";
import { run } from "./lib/cli";
import { parseCloudVariable } from "../stacks/cloud";

const HELP = `usage: CLOUD='<json>' cloud-identity

exit codes: 0 read, 2 malformed`;

async function main(): Promise<number> {
  const fields = parseCloudVariable(process.env.CLOUD ?? "");
  for (const [k, v] of Object.entries(fields)) setOutput(k, v);
  console.log(
    `cloud: ${fields.provider}, identity ${fields.identity}${fields.cluster ? `, cluster ${fields.cluster}` : ""}${fields.registry ? `, registry ${fields.registry}` : ""}`,
  );
  return await Promise.resolve(0);
}

if (require.main === module) run(main, HELP);
