/**
 * `npm run bench:neon`: twenty pull requests opened at once, each preview creating its Neon
 * branch, compute, role and database in one project, against the strict fake (one operation
 * per project at a time, 423 to the rest, operations that take time), with the providers'
 * real retry policy. Prints when the last preview was ready and how many 423s the retries
 * absorbed; exits 1 if any preview failed, or took longer than the busy budget allows.
 * `QUICK=1` (CI) scales every duration down tenfold: the same contention, in seconds.
 */
import { FakeNeon } from "../test/neon/fake-neon";
import { BranchProvider, DatabaseProvider, DEFAULT_RETRY, EndpointProvider, NEON_PROVIDER_VERSION, NeonProviderBase, RoleProvider } from "../components/neon";

const PREVIEWS = Number(process.env.PREVIEWS ?? 20);
const SCALE = process.env.QUICK ? 0.1 : 1;
/** How long Neon takes for one operation here: a branch, a compute start, a config change. */
const OPERATION_MS = 1_000 * SCALE;
const retry = {
  ...DEFAULT_RETRY,
  baseDelayMs: DEFAULT_RETRY.baseDelayMs * SCALE,
  maxDelayMs: DEFAULT_RETRY.maxDelayMs * SCALE,
  pollIntervalMs: DEFAULT_RETRY.pollIntervalMs * SCALE,
  busyBudgetMs: DEFAULT_RETRY.busyBudgetMs * SCALE,
};
const v = NEON_PROVIDER_VERSION;

async function provider<T extends NeonProviderBase>(p: T, fake: FakeNeon, url: string): Promise<T> {
  p.retry = retry;
  const values: Record<string, string> = { neonApiKey: fake.apiKey, neonApiUrl: url };
  await p.configure({ config: { get: (k: string) => values[k] } });
  return p;
}

/** One preview, in the order the program's resources depend on each other. */
async function preview(pr: number, projectId: string, fake: FakeNeon, url: string): Promise<number> {
  const started = Date.now();
  const branch = await (
    await provider(new BranchProvider(), fake, url)
  ).create({ projectId, name: `preview/pr-${pr}`, protected: false, branchLimit: { plan: "scale", max: 5_000 }, providerVersion: v });
  const branchId = branch.id;
  const role = (await provider(new RoleProvider(), fake, url)).create({ projectId, branchId, name: "app", providerVersion: v });
  const endpoint = (await provider(new EndpointProvider(), fake, url)).create({
    projectId,
    branchId,
    minCu: 0.25,
    maxCu: 0.25,
    suspendTimeoutSeconds: 60,
    providerVersion: v,
  });
  await role;
  await (await provider(new DatabaseProvider(), fake, url)).create({ projectId, branchId, name: "app", ownerName: "app", providerVersion: v });
  await endpoint;
  return Date.now() - started;
}

async function main(): Promise<number> {
  const fake = new FakeNeon();
  fake.operationMs = OPERATION_MS;
  fake.pollsPerOperation = 1_000_000; // only time finishes an operation, as at Neon
  const url = await fake.start();
  try {
    const { projectId } = fake.seedProject("previews");
    const start = Date.now();
    const results = await Promise.allSettled(Array.from({ length: PREVIEWS }, (_, i) => preview(i + 1, projectId, fake, url)));
    const wall = Date.now() - start;
    const done = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failed = results.flatMap((r, i) => (r.status === "rejected" ? [`pr-${i + 1}: ${(r.reason as Error).message}`] : []));
    const busy = fake.log.filter((l) => l.status === 423).length;
    console.log(
      `${PREVIEWS} previews at once, one Neon project, ${OPERATION_MS} ms per operation, busy budget ${retry.busyBudgetMs / 1000} s${SCALE < 1 ? " (QUICK: durations / 10)" : ""}`,
    );
    console.log(`ready: ${done.length}/${PREVIEWS}; the first after ${(Math.min(...done) / 1000).toFixed(1)} s, the last after ${(wall / 1000).toFixed(1)} s`);
    console.log(`423s absorbed by retries: ${busy}; requests in all: ${fake.log.length}`);
    for (const f of failed) console.log(`FAILED ${f}`);
    if (fake.violations.length > 0) console.log(`spec violations: ${fake.violations.join("; ")}`);
    return failed.length === 0 && fake.violations.length === 0 && wall <= retry.busyBudgetMs ? 0 : 1;
  } finally {
    await fake.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
