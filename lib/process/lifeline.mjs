/**
 * Preloaded into a Node child (`node --import lifeline.mjs …`) whose parent holds the other end of a pipe at
 * the fd named by LEDGERLINE_LIFELINE_FD. The pipe closes the moment the parent dies, by any signal, even
 * SIGKILL: the child then stops itself as if told to (SIGTERM, so its own shutdown runs), and exits for
 * good after a grace period. Plain JavaScript: it runs before any TypeScript loader.
 */
import net from "node:net";

const fd = Number(process.env.LEDGERLINE_LIFELINE_FD);
// Processes this one forks with the same execArgv (Next's build workers) have no such pipe.
delete process.env.LEDGERLINE_LIFELINE_FD;

if (Number.isInteger(fd) && fd > 2) {
  const graceMs = 10_000;
  const lifeline = new net.Socket({ fd, readable: true, writable: false });
  let cut = false;
  const onParentGone = () => {
    if (cut) return;
    cut = true;
    setTimeout(() => process.exit(1), graceMs).unref();
    process.kill(process.pid, "SIGTERM");
  };
  lifeline.on("end", onParentGone);
  lifeline.on("close", onParentGone);
  lifeline.on("error", onParentGone);
  lifeline.resume();
  // The pipe never keeps the process alive by itself.
  lifeline.unref();
}
