/**
 * The credential map, proven: every workflow job, the environment it runs in, every
 * credential it holds and what those reach (transitively, through every stack config they
 * can decrypt), from the workflows as committed and the contracts the repository stack
 * creates the environments from. The rule: a pull request reaches only what previews own.
 * Each job's reach is written out below, so any widening fails here by name.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "./mocks";
import { beyondPreviews, environmentContracts, EnvironmentContract, PREVIEWS, pullRequestCredentials, reachOf, secretNames } from "../stacks/access";
import { committedContracts, credentialMap, describeReach, readWorkflows, secureKeys } from "../scripts/lib/credential-map";
import { documents, placement, sections, withTables } from "../scripts/docs";

const { model, contracts } = committedContracts(ROOT);
const map = credentialMap(ROOT);
const contract = (name: string) => contracts.find((c) => c.name === name)!;

/** What each job reaches, by owner, access and the services that give it. A change here is a change to the trust boundary: review it as one. */
const EXPECTED: Record<string, string> = {
  "ci test": "",
  "ci app": "",
  "deploy gate": "",
  "deploy schedules": "",
  "deploy environments": "",
  // A Sentry organization token (the narrowest Sentry has) writes every stack's releases.
  "deploy dev": "dev: write (doppler, kubernetes, neon, pulumi, registry, sentry); prod: write (registry, sentry)",
  "promote plan": "prod: read (doppler, kubernetes, pulumi), write (neon)",
  "promote deploy": "dev: write (sentry); prod: write (doppler, kubernetes, neon, pulumi, sentry)",
  "drift environments": "",
  "drift drift (dev-read)": "dev: read (doppler, kubernetes, pulumi), write (neon)",
  "drift drift (production-read)": "prod: read (doppler, kubernetes, pulumi), write (neon)",
  "preview no-preview": "",
  "preview up": "pr-*: write (doppler, kubernetes, neon, pulumi, registry)",
  "preview comment": "",
  "preview destroy": "pr-*: write (doppler, kubernetes, neon, pulumi)",
  "repository apply":
    "dev: write (doppler, kubernetes, neon, pulumi, registry, sentry); github: write (pulumi), admin (github); pr-*: write (doppler, kubernetes, neon, pulumi); prod: write (doppler, kubernetes, neon, pulumi, registry, sentry)",
  "sweep sweep": "pr-*: write (doppler, kubernetes, neon, pulumi)",
};

describe("the credential map", () => {
  it("lists every job, and each reaches exactly what is written down for it", () => {
    assert.deepEqual(map.map((j) => `${j.workflow} ${j.job}`).sort(), Object.keys(EXPECTED).sort(), "a job was added or removed: say what it reaches");
    for (const j of map) assert.equal(describeReach(j.reach), EXPECTED[`${j.workflow} ${j.job}`], `${j.workflow} ${j.job}`);
  });

  it("lets a pull request reach only what previews own, however the branch edits its workflows", () => {
    const open = contracts.filter((c) => c.branches === "any");
    assert.deepEqual(
      open.map((c) => [c.name, c.reviewed]),
      [["preview", false]],
      "the only environment a branch can use",
    );
    const reach = reachOf(contracts, pullRequestCredentials(model, contracts), (s) => secureKeys(ROOT)[s] ?? []);
    assert.deepEqual(beyondPreviews(reach), []);
    assert.ok(
      reach.some((g) => g.service === "kubernetes" && g.owners.includes(PREVIEWS)),
      "it does reach the previews' own resources",
    );
    for (const j of map.filter((x) => x.triggers.includes("pull_request"))) assert.deepEqual(beyondPreviews(j.reach), [], `${j.workflow} ${j.job}`);
  });

  it("catches the ways a pull request used to reach further (the rule fails on each)", () => {
    const secure = (s: string): string[] => (s === "dev" ? ["nextjs-infra:registryPassword", "nextjs-infra:neonApiKey"] : []);
    // Before: a `dev-plan` environment open to branches could read dev, whose config held other environments' keys.
    const devPlan: EnvironmentContract = {
      name: "dev-plan",
      purpose: "",
      branches: "any",
      reviewed: false,
      stack: "dev",
      credentials: [{ name: "PULUMI", kind: "oidc", is: "", grants: [{ service: "pulumi", resource: "stack dev", access: "read", owners: ["dev"] }] }],
    };
    const withPlan = [...contracts, devPlan];
    const owners = (cs: EnvironmentContract[], keys = secure) =>
      [...new Set(beyondPreviews(reachOf(cs, pullRequestCredentials(model, cs), keys)).flatMap((g) => g.owners))].filter((o) => o !== PREVIEWS).sort();
    assert.deepEqual(owners(withPlan), ["dev", "prod"], "dev's registry token also writes what prod promotes");
    // Before: previews and dev in one Neon project (one key reaches every branch of its project).
    const shared = environmentContracts({ ...model, preview: { ...model.preview, neonProjectId: model.stacks.find((s) => s.stack === "dev")!.neonProjectId } });
    assert.deepEqual(owners(shared), ["dev"]);
    // Before: a repository-admin token in an environment open to branches.
    const leaky = contracts.map((c) =>
      c.name === "preview"
        ? { ...c, credentials: [...c.credentials, ...contract("repository-admin").credentials.filter((x) => x.name === "ADMIN_APP_PRIVATE_KEY")] }
        : c,
    );
    assert.deepEqual(owners(leaky), ["github"]);
    // And the one that must never happen: production's environment opened to branches.
    const open = contracts.map((c) => (c.name === "production" ? { ...c, branches: "any" as const, reviewed: false } : c));
    assert.deepEqual(owners(open), ["dev", "prod"], "production's own credentials, and through its Sentry token dev's releases");
  });

  it("keeps the read-only environments read-only, but for Neon's project key (Neon has no read-only keys)", () => {
    const read = contracts.filter((c) => c.name.endsWith("-read"));
    assert.deepEqual(read.map((c) => c.name).sort(), ["dev-read", "production-read"]);
    for (const c of read) {
      const writes = reachOf(contracts, c.credentials).filter((g) => g.access !== "read");
      assert.deepEqual([...new Set(writes.map((g) => g.service))], ["neon"], c.name);
    }
  });

  it("gives each environment exactly the secrets its jobs read, and every job only its environment's", () => {
    const workflows = readWorkflows(ROOT);
    const used = new Map<string, Set<string>>();
    for (const j of map) {
      if (!j.environment) {
        assert.deepEqual(j.secrets, [], `${j.workflow} ${j.job} reads a secret outside an environment (a repository secret)`);
        continue;
      }
      const c = contract(j.environment);
      assert.ok(c, `${j.workflow} ${j.job} uses ${j.environment}, which the repository stack does not create`);
      assert.deepEqual(
        j.secrets.filter((s) => !secretNames(c).includes(s)),
        [],
        `${j.workflow} ${j.job} reads secrets ${j.environment} does not hold`,
      );
      for (const s of j.secrets) used.set(c.name, (used.get(c.name) ?? new Set()).add(s));
    }
    for (const c of contracts) {
      const unused = c.credentials.filter((x) => x.kind === "secret" && !x.optional && !used.get(c.name)?.has(x.name)).map((x) => x.name);
      assert.deepEqual(unused, [], `${c.name} holds credentials no job reads`);
    }
    assert.ok(Object.keys(workflows).length >= 6);
    // Plain variables too: each one an environment holds is read by one of its jobs.
    for (const c of contracts.filter((x) => x.variables)) {
      const jobs = map.filter((j) => j.environment === c.name).map((j) => JSON.stringify(workflows[`${j.workflow}.yml`].jobs[j.job.replace(/ \(.*\)$/, "")]));
      for (const v of Object.keys(c.variables!))
        assert.ok(
          jobs.some((t) => t.includes(`vars.${v}`)),
          `${c.name} holds ${v}, which no job reads`,
        );
    }
  });

  it("runs main-only environments from main-only triggers, and the reviewed ones only where a person must approve", () => {
    for (const j of map.filter((x) => x.environment)) {
      const c = contract(j.environment!);
      if (c.branches === "main") assert.ok(!j.triggers.includes("pull_request"), `${j.workflow} ${j.job}: a pull request would fail on ${c.name}`);
    }
    const reviewed = map.filter((j) => j.environment && contract(j.environment).reviewed).map((j) => `${j.workflow} ${j.job}`);
    assert.deepEqual(reviewed.sort(), ["promote deploy", "repository apply"]);
    assert.deepEqual(
      contracts
        .filter((c) => c.reviewed)
        .map((c) => c.name)
        .sort(),
      ["production", "repository-admin"],
    );
  });

  it("holds no credential in any committed app stack file: whoever reads one decrypts nothing", () => {
    const secure = secureKeys(ROOT);
    for (const stack of ["dev", "prod", "local"]) assert.deepEqual(secure[stack], [], stack);
  });

  it("makes code owners review everything that decides who can reach what, and names the github stack's reviewers", () => {
    const owners = fs.readFileSync(path.join(ROOT, ".github", "CODEOWNERS"), "utf8");
    const rules = owners
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"))
      .map((l) => l.trim().split(/\s+/));
    const covered = (file: string) =>
      rules.some(([pattern]) =>
        pattern.endsWith("/") ? `/${file}`.startsWith(pattern) : new RegExp(`^${pattern.replace(/\./g, "\\.").replace(/\*/g, "[^/]*")}$`).test(`/${file}`),
      );
    for (const f of [
      ".github/workflows/deploy.yml",
      ".github/actions/setup/action.yml",
      ".github/CODEOWNERS",
      "Pulumi.prod.yaml",
      "Pulumi.github.yaml",
      "Pulumi.yaml",
      "policy/data.ts",
      "stacks/access.ts",
      "scripts/deploy.ts",
      "components/repository-protection.ts",
      ".ci/run",
      "package-lock.json",
    ]) {
      assert.ok(covered(f), `${f} has no code owner`);
    }
    const github = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.github.yaml"), "utf8")) as {
      config: Record<string, { repository: string; reviewers: { teams: string[] } }>;
    };
    const g = github.config["nextjs-infra:github"];
    const team = `@${g.repository.split("/")[0]}/${g.reviewers.teams[0]}`;
    assert.ok(
      rules.every(([, ...who]) => who.includes(team)),
      `every rule names ${team}`,
    );
  });

  it("is what docs/credentials.md shows (regenerate with npm run docs), each generated table in one document", () => {
    for (const [name, files] of Object.entries(placement())) assert.equal(files.length, 1, `${name}: ${files.join(", ")}`);
    assert.deepEqual(placement().credentials, ["docs/credentials.md"]);
    const generated = sections();
    for (const file of documents()) {
      const text = fs.readFileSync(file, "utf8");
      assert.equal(withTables(text, generated), text, `${path.relative(ROOT, file)} is stale: run npm run docs`);
    }
  });
});
