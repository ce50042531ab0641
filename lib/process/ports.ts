import net from "node:net";

/** Whether something already listens on host:port (we try to bind it, as the server will). */
export function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" || err.code === "EACCES" ? resolve(true) : reject(err)));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(false)));
  });
}
