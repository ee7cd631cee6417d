/**
 * The program's layers, read from its imports: `index.ts` → `stacks/` (settings) →
 * `components/`, never back up, and no module that imports itself through others. Tooling
 * (`scripts/`, `policy/`) sits on top and nothing in the program imports it.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "./mocks";

/** Every TypeScript file under a folder, relative to the repository. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

/** A file's relative imports (type-only ones and re-exports included), resolved to files. */
export function importsOf(file: string, source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((i) => i.fileName)
    .filter((name) => name.startsWith("."))
    .map((name) => {
      const base = path.normalize(path.join(path.dirname(file), name));
      return [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(path.join(ROOT, f))) ?? base;
    });
}

/** The layer of a file: a file may import its own layer or lower ones. */
export function layerOf(file: string): number {
  if (file.startsWith("components/")) return 1;
  if (file.startsWith("stacks/")) return 2;
  if (file === "index.ts") return 3;
  if (file.startsWith("policy/") || file.startsWith("scripts/") || file.startsWith("bench/")) return 4;
  return 5;
}

/** Strongly connected groups of more than one module: import cycles. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Imports that go up a layer, as `from -> to`. */
export function upwardImports(graph: Map<string, string[]>): string[] {
  return [...graph].flatMap(([from, deps]) => deps.filter((to) => layerOf(to) > layerOf(from) && layerOf(from) < 4).map((to) => `${from} -> ${to}`));
}

/** Fallbacks too plain to be a setting's default: "nothing", zero, "no limit". */
const NOT_A_DEFAULT = new Set(['""', "0", "-1", "[]", "false", "true"]);

/** Every literal a `??` falls back to, or a parameter defaults to, with where. */
export function fallbacks(file: string, source: string): { value: string; at: string }[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: { value: string; at: string }[] = [];
  const literal = (n: ts.Node) => ts.isStringLiteral(n) || ts.isNumericLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n);
  const visit = (n: ts.Node) => {
    const value =
      ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken && literal(n.right)
        ? n.right
        : ts.isParameter(n) && n.initializer && literal(n.initializer)
          ? n.initializer
          : undefined;
    if (value && !NOT_A_DEFAULT.has(value.getText()))
      found.push({ value: value.getText(), at: `${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}` });
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/** Literal defaults written in more than one file: each should be one named constant both read. */
export function defaultsDeclaredTwice(sources: Map<string, string>): string[] {
  const byValue = new Map<string, string[]>();
  for (const [file, source] of sources) for (const f of fallbacks(file, source)) byValue.set(f.value, [...(byValue.get(f.value) ?? []), f.at]);
  return [...byValue].filter(([, at]) => new Set(at.map((a) => a.split(":")[0])).size > 1).map(([value, at]) => `${value}: ${at.join(", ")}`);
}

describe("architecture: one direction of imports", () => {
  const files = ["index.ts", ...filesUnder("components"), ...filesUnder("stacks"), ...filesUnder("policy"), ...filesUnder("scripts")];
  const graph = new Map(files.map((f) => [f, importsOf(f, fs.readFileSync(path.join(ROOT, f), "utf8"))]));

  it("reads every module of the program and its tooling", () => {
    assert.ok(files.length > 60, `${files.length} files`);
    assert.ok(graph.get("index.ts")!.includes("stacks/index.ts"), "index.ts imports the settings");
    assert.ok([...graph.values()].flat().some((d) => d.startsWith("components/")));
  });

  it("never imports up: components know nothing of settings, settings nothing of the program or its tooling", () => {
    assert.deepEqual(upwardImports(graph), []);
  });

  it("has no import cycles, type-only imports included", () => {
    assert.deepEqual(cycles(graph), []);
  });

  it("declares each default once: no literal fallback is written in two files of the program", () => {
    const program = files.filter((f) => layerOf(f) <= 3);
    assert.deepEqual(defaultsDeclaredTwice(new Map(program.map((f) => [f, fs.readFileSync(path.join(ROOT, f), "utf8")]))), []);
  });

  it("catches what it is there to catch", () => {
    const twice = new Map([
      ["components/neon/project.ts", 'const r = args.regionId ?? "aws-us-east-2";\nconst s = args.name ?? "";'],
      ["stacks/app.ts", 'const r = n.regionId ?? "aws-us-east-2";\nfunction f(size = 0) {}'],
      ["stacks/keys.ts", "function g(retention = 21600) { return x ?? 21600; }"],
    ]);
    assert.deepEqual(defaultsDeclaredTwice(twice), ['"aws-us-east-2": components/neon/project.ts:1, stacks/app.ts:1']);
    assert.deepEqual(
      fallbacks("stacks/keys.ts", twice.get("stacks/keys.ts")!).map((f) => f.value),
      ["21600", "21600"],
      "parameter defaults count too",
    );
    const bad = new Map([
      ["components/a.ts", ["stacks/b.ts"]],
      ["stacks/b.ts", ["stacks/c.ts"]],
      ["stacks/c.ts", ["stacks/b.ts", "components/a.ts"]],
    ]);
    assert.deepEqual(upwardImports(bad), ["components/a.ts -> stacks/b.ts"]);
    assert.deepEqual(cycles(bad), [["components/a.ts", "stacks/b.ts", "stacks/c.ts"]]);
    assert.deepEqual(importsOf("components/x.ts", 'import type { A } from "../stacks/types";\nexport { B } from "./neon";\nimport "@pulumi/pulumi";'), [
      "stacks/types.ts",
      "components/neon/index.ts",
    ]);
  });
});
