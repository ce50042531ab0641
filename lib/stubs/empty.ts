// Stand-in for optional Node-only dependencies of wallet SDKs (see next.config.ts `turbopack.resolveAlias`).
const empty = {};
export default empty;
