/**
 * Compiles contracts/*.sol with solc-js (offline) and writes typed ABI + bytecode modules to contracts-abi/.
 *
 *   npx tsx scripts/contracts-build.ts      (npm run contracts:build)
 *
 * Output is deterministic: same sources + same compiler → byte-identical files. contracts/test/abi-fresh.test.ts
 * compares the committed files with a fresh compile through {@link buildContracts}.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import solc from "solc";

const require = createRequire(import.meta.url);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CONTRACTS_DIR = path.join(ROOT, "contracts");
export const ABI_DIR = path.join(ROOT, "contracts-abi");

/** The deployable contracts that get a module in contracts-abi/. */
export const DEPLOYABLE = [
  "OpenToken",
  "DatanetRegistry",
  "ModelRegistry",
  "InferenceMarket",
  "OpenVotes",
  "LedgerlineTimelock",
  "LedgerlineGovernor",
  "X402BatchSettlement",
  "ERC3009DepositCollector",
  "Multicall3",
] as const;
type Deployable = (typeof DEPLOYABLE)[number];

/**
 * The Ledgerline contracts each one calls: their custom errors bubble up through its functions (a bond's
 * transferFrom reverting with ERC20InsufficientAllowance), so its generated ABI lists them too and viem
 * decodes such a revert by name with the contract's own ABI.
 */
export const CALLS: Record<Deployable, readonly Deployable[]> = {
  OpenToken: [],
  DatanetRegistry: ["OpenToken"],
  ModelRegistry: ["DatanetRegistry"],
  InferenceMarket: ["OpenToken", "ModelRegistry", "X402BatchSettlement"],
  OpenVotes: ["OpenToken"],
  LedgerlineTimelock: ["InferenceMarket", "DatanetRegistry"],
  LedgerlineGovernor: ["LedgerlineTimelock"],
  X402BatchSettlement: ["ERC3009DepositCollector", "OpenToken"],
  ERC3009DepositCollector: ["OpenToken"],
  Multicall3: [],
};

export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  viaIR: true,
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
} as const;

interface SolcError {
  severity: "error" | "warning" | "info";
  sourceLocation?: { file: string };
  type: string;
  formattedMessage?: string;
  message: string;
}

interface SolcOutput {
  errors?: SolcError[];
  contracts?: Record<string, Record<string, { abi: AbiItem[]; evm: { bytecode: { object: string } } }>>;
}

type AbiItem = { type: string; name?: string; inputs?: unknown[] } & Record<string, unknown>;

export interface CompiledContract {
  abi: AbiItem[];
  bytecode: `0x${string}`;
}

/** A contract name as a camelCase identifier: OpenToken → openToken, ERC3009DepositCollector → erc3009DepositCollector. */
function lowerFirst(s: string): string {
  const caps = /^[A-Z]+/.exec(s)?.[0] ?? "";
  // A leading acronym is lowered whole, except the capital that starts the next word ("ERCToken" → "ercToken").
  const n = caps.length > 1 && caps.length < s.length && /[a-z]/.test(s.charAt(caps.length)) ? caps.length - 1 : Math.max(caps.length, 1);
  return s.slice(0, n).toLowerCase() + s.slice(n);
}

/** Resolves `@openzeppelin/...` (and any other package import) from node_modules. */
function findImports(importPath: string): { contents: string } | { error: string } {
  try {
    if (importPath.startsWith("contracts/")) {
      return { contents: fs.readFileSync(path.join(ROOT, importPath), "utf8") };
    }
    return { contents: fs.readFileSync(require.resolve(importPath, { paths: [ROOT] }), "utf8") };
  } catch (e) {
    return { error: `cannot resolve import "${importPath}": ${(e as Error).message}` };
  }
}

/** Source files as solc source units: "contracts/<Name>.sol", sorted for determinism. */
function readSources(): Record<string, { content: string }> {
  const files = fs
    .readdirSync(CONTRACTS_DIR)
    .filter((f) => f.endsWith(".sol"))
    .sort();
  if (files.length === 0) throw new Error(`no .sol files in ${CONTRACTS_DIR}`);
  const sources: Record<string, { content: string }> = {};
  for (const f of files) sources[`contracts/${f}`] = { content: fs.readFileSync(path.join(CONTRACTS_DIR, f), "utf8") };
  return sources;
}

/** Compiles every contract in contracts/; throws with solc's messages on any compile error. */
export function compileContracts(): Record<string, CompiledContract> {
  const input = { language: "Solidity", sources: readSources(), settings: SOLC_SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new Error(
      `solc ${solc.version()} failed to compile contracts/:\n` +
        errors.map((e) => e.formattedMessage ?? `${e.type}: ${e.message}`).join("\n"),
    );
  }
  // Warnings in the OpenZeppelin sources are theirs to fix (e.g. a future keyword used as a name).
  const warnings = (output.errors ?? []).filter((e) => e.severity === "warning" && !e.sourceLocation?.file.startsWith("@openzeppelin/"));
  for (const w of warnings) console.warn(w.formattedMessage ?? w.message);

  const result: Record<string, CompiledContract> = {};
  for (const name of DEPLOYABLE) {
    const c = output.contracts?.[`contracts/${name}.sol`]?.[name];
    if (!c) throw new Error(`solc output has no contract ${name} (expected in contracts/${name}.sol)`);
    if (!c.evm.bytecode.object) throw new Error(`contract ${name} has no bytecode (abstract?)`);
    result[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  }
  return result;
}

const HEADER = (version: string) =>
  `// Generated by scripts/contracts-build.ts (solc ${version}) — do not edit. Run \`npm run contracts:build\`.\n`;

const errorSignature = (item: AbiItem) => `${item.name}(${JSON.stringify(item.inputs ?? [])})`;

/** The contracts a contract's calls can reach, transitively (itself excluded). */
function callees(name: Deployable, seen = new Set<Deployable>()): Deployable[] {
  for (const c of CALLS[name]) {
    if (seen.has(c) || c === name) continue;
    seen.add(c);
    callees(c, seen);
  }
  return [...seen];
}

/** A contract's ABI as solc gives it, followed by the custom errors of the contracts it calls that it lacks (sorted). */
function abiWithCalleeErrors(name: Deployable, compiled: Record<string, CompiledContract>): AbiItem[] {
  const own = compiled[name].abi;
  const known = new Set(own.filter((i) => i.type === "error").map(errorSignature));
  const extra = errorsAbi(compiled, callees(name)).filter((i) => !known.has(errorSignature(i)));
  return [...own, ...extra];
}

/** The custom errors of the given contracts, deduplicated by signature, sorted by it. */
function errorsAbi(compiled: Record<string, CompiledContract>, names: readonly Deployable[] = DEPLOYABLE): AbiItem[] {
  const seen = new Map<string, AbiItem>();
  for (const name of names) {
    for (const item of compiled[name].abi) {
      if (item.type !== "error") continue;
      const sig = errorSignature(item);
      if (!seen.has(sig)) seen.set(sig, item);
    }
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/** Compiles and renders contracts-abi/: filename → file content. Pure (writes nothing). */
export function buildContracts(): Record<string, string> {
  const compiled = compileContracts();
  const header = HEADER(solc.version());
  const files: Record<string, string> = {};
  const indexLines: string[] = [header];
  for (const name of DEPLOYABLE) {
    const id = lowerFirst(name);
    const { bytecode } = compiled[name];
    const abi = abiWithCalleeErrors(name, compiled);
    files[`${name}.ts`] =
      header +
      `\nexport const ${id}Abi = ${JSON.stringify(abi, null, 2)} as const;\n` +
      `\nexport const ${id}Bytecode = ${JSON.stringify(bytecode)} as const;\n`;
    indexLines.push(`export { ${id}Abi, ${id}Bytecode } from "./${name}";`);
  }
  files["errors.ts"] =
    header +
    `\n/** Every custom error of the Ledgerline contracts (decodes any Ledgerline revert, whichever contract it came from). */\n` +
    `export const ledgerlineErrorsAbi = ${JSON.stringify(errorsAbi(compiled), null, 2)} as const;\n`;
  indexLines.push(`export { ledgerlineErrorsAbi } from "./errors";`);
  files["index.ts"] = indexLines.join("\n") + "\n";
  return files;
}

/** Writes contracts-abi/ and removes generated-looking files that are no longer produced. */
export function writeContracts(files: Record<string, string> = buildContracts()): string[] {
  fs.mkdirSync(ABI_DIR, { recursive: true });
  for (const f of fs.readdirSync(ABI_DIR)) {
    if (f.endsWith(".ts") && !(f in files)) fs.rmSync(path.join(ABI_DIR, f));
  }
  const written: string[] = [];
  for (const [f, content] of Object.entries(files)) {
    const p = path.join(ABI_DIR, f);
    if (fs.existsSync(p) && fs.readFileSync(p, "utf8") === content) continue;
    fs.writeFileSync(p, content);
    written.push(f);
  }
  return written;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  try {
    const t0 = Date.now();
    const files = buildContracts();
    const written = writeContracts(files);
    console.log(
      `contracts-abi/: ${Object.keys(files).length} files (${written.length ? `updated ${written.join(", ")}` : "unchanged"}) in ${Date.now() - t0} ms`,
    );
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
