// @rungpt/sdk-assemblyscript as an npm dependency: `import { … } from "@rungpt/sdk-assemblyscript"`.
// asc 0.28 resolves a package import to `node_modules/<package>/index.ts` (it does not read
// `ascMain` or `main`), so this file sits at the package root and re-exports the SDK.
export * from "./assembly/index";
