/**
 * The project's compiled addons (native/<name>, built by `npm ci`'s postinstall with node-gyp), loaded by
 * path so bundlers leave them alone. `null` when the file is absent (a machine without a C toolchain):
 * each caller decides whether that is an error (mmap) or a slower fallback (sais).
 */
import fs from "node:fs";
import path from "node:path";
import { AttributionError } from "./errors";

const loaded = new Map<string, unknown>();

export type NativeAddonName = "mmap" | "sais" | "keccak";

export function nativeAddonPath(name: NativeAddonName): string {
  return path.join(process.env.LEDGERLINE_ROOT ?? process.cwd(), "native", name, "build", "Release", `${name}.node`);
}

export function nativeAddon<T>(name: NativeAddonName): T | null {
  if (loaded.has(name)) return loaded.get(name) as T | null;
  const file = nativeAddonPath(name);
  let value: T | null = null;
  if (fs.existsSync(file)) {
    const m = { exports: {} as T };
    process.dlopen(m, file);
    value = m.exports;
  }
  loaded.set(name, value);
  return value;
}

/** native/sais: the suffix sort (sais.c) and the long-LCP flags of the copy map (lcp.c). */
export interface SaisAddon {
  suffixArray(text: Int32Array | Uint32Array | Uint16Array, upper: number, sa: Int32Array): void;
  longLcpFlags(tokens: Uint16Array | Uint32Array, sa: Uint32Array, L: number, separator: number, flags: Uint8Array): void;
}

/** native/mmap: a byte range of a file mapped as an ArrayBuffer (private, read on touch). */
export interface MmapAddon {
  map(file: string, offset: number, length: number, random: boolean): ArrayBuffer;
}

/** The mmap addon, or an error saying how to build it (on-disk mode has no fallback). */
export function mmapAddon(): MmapAddon {
  const addon = nativeAddon<MmapAddon>("mmap");
  if (!addon) throw new AttributionError(`On-disk mode needs the mmap addon at ${nativeAddonPath("mmap")}; build it with \`npm run postinstall\` (node-gyp).`);
  return addon;
}
