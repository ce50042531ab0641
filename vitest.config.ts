import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import path from "node:path";

/**
 * The files that take a minute or more, started first. Vitest orders by last run's durations when it has them and
 * by file size when it does not (a clean clone, as in CI), which started the longest files last and left one worker
 * idle while they finished.
 */
const LONGEST_FIRST = [
  "lib/indexer/crash.test.ts",
  "lib/indexer/journal.test.ts",
  "lib/factory/factory.test.ts",
  "lib/inference/workload.test.ts",
  "lib/indexer/reorg.test.ts",
  "contracts/test/abi-fresh.test.ts",
  "lib/inference/batch-conservation.test.ts",
  "contracts/test/invariants.test.ts",
];

class LongestFirst extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.indexOf(path.relative(import.meta.dirname, f.moduleId).split(path.sep).join("/"));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "e2e/**", ".next/**", ".data/**"],
    pool: "forks",
    // One process per worker for all its files: module loading was a fifth of the run (146 s of 533 s in CI).
    // vitest.setup.ts gives each file the environment a fresh worker has; stubs and spies are undone after each test.
    isolate: false,
    setupFiles: ["./vitest.setup.ts"],
    unstubGlobals: true,
    unstubEnvs: true,
    restoreMocks: true,
    // 2-core machine: each file may start its own anvil; keep parallelism low.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    sequence: { sequencer: LongestFirst },
  },
});
