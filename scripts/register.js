// How the repository's own scripts, tests and benchmarks load TypeScript (`node -r
// ./scripts/register.js`; the npm scripts say `ts-node --swc`): ts-node with swc, which
// transpiles without type checking (`npm test` type-checks) in a fraction of TypeScript's
// time. `pulumi` run by hand keeps the language host's own ts-node setup, type-checked.
require("ts-node").register({ swc: true, project: require("path").join(__dirname, "..", "tsconfig.json") });
