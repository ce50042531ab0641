/**
 * `node tether.mjs <command> [args…]`: runs a native program (anvil) that cannot watch its parent, and stops
 * it when the parent that spawned this tether dies, by any signal, even SIGKILL: fd 3 is a pipe whose other
 * end only that parent holds, so it reads end-of-file the moment the parent is gone. SIGTERM first (anvil
 * dumps its --state), SIGKILL after a grace period. Signals sent to the tether are passed on; it exits as
 * the program does. The parent spawns it detached, so a terminal's Ctrl-C reaches only the parent, which
 * stops the chain last.
 */
import { spawn } from "node:child_process";
import net from "node:net";
import os from "node:os";

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: node tether.mjs <command> [args…]");
  process.exit(2);
}
const graceMs = 5_000;
const child = spawn(command, args, { stdio: "inherit" });

let stopping = false;
function stop(signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  if (stopping) return;
  stopping = true;
  setTimeout(() => child.kill("SIGKILL"), graceMs).unref();
}
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => stop(signal));

child.on("error", (err) => {
  console.error(`${command}: ${err.message}`);
  process.exit(127);
});
child.on("exit", (code, signal) => {
  if (signal) {
    process.exitCode = 128 + (os.constants.signals[signal] ?? 0);
  } else {
    process.exitCode = code ?? 1;
  }
  process.exit();
});

try {
  const lifeline = new net.Socket({ fd: 3, readable: true, writable: false });
  const onParentGone = () => stop("SIGTERM");
  lifeline.on("end", onParentGone);
  lifeline.on("close", onParentGone);
  lifeline.on("error", onParentGone);
  lifeline.resume();
  lifeline.unref();
} catch {
  // No pipe at fd 3: run untethered (as plain `node tether.mjs anvil …` by hand).
}
