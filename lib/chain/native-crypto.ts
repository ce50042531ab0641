/**
 * The hashing and signature recovery of this module graph's @noble copies moved to native code: keccak256's
 * permutation (./keccak.ts, the project's addon) and secp256k1 public-key recovery (./secp256k1.ts, libsecp256k1).
 * Same answers, a fraction of the CPU: together they were ≈ 30 % of the web server's main thread per paid call.
 *
 * Next compiles route handlers and instrumentation.ts as separate module copies, each with its own noble, so each
 * calls this: instrumentation at startup, the paid-inference path on load, the batch-settlement server when it
 * starts. Idempotent per copy; what does not load stays in JavaScript and the log says so once.
 */
import { installNativeKeccak } from "./keccak";
import { installNativeRecovery } from "./secp256k1";

export interface NativeCrypto {
  keccak: boolean;
  secp256k1: boolean;
}

let installed: Promise<NativeCrypto> | undefined;

export function installNativeCrypto(): Promise<NativeCrypto> {
  installed ??= (async () => {
    const state = { keccak: installNativeKeccak(), secp256k1: await installNativeRecovery() };
    if (!state.keccak || !state.secp256k1) {
      const { log } = await import("@/lib/ops/log");
      const js = [!state.keccak && "keccak256 (native/keccak not built: `npm run postinstall`)", !state.secp256k1 && "signature recovery (the secp256k1 package's addon did not load)"].filter(Boolean);
      log("crypto").warn(state, `running in JavaScript: ${js.join(", ")}; answers are the same, each paid call costs more CPU`);
    }
    return state;
  })();
  return installed;
}
