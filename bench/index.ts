/**
 * `npm run bench`: the three figures the README's performance table holds. Postgres figures need
 * TEST_DATABASE_URL (CI and the dev machine have one on 127.0.0.1:5432).
 */
import os from "node:os";
import { benchAttribution } from "./attribution";
import { benchBackfill } from "./backfill";
import { benchBackfillCompare } from "./backfill-compare";
import { benchCrypto } from "./crypto";
import { benchInference } from "./inference";
import { benchLiveLag } from "./live-lag";
import { benchNextToken } from "./next-token";
import { benchRoutes } from "./routes";
import { benchRpc } from "./rpc";
import { benchScale } from "./scale";
import { benchDisk } from "./scale-disk";
import { benchServeDisk } from "./serve-disk";
import { benchWeb } from "./web";

const only = process.argv[2];
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`);
if (!only || only === "backfill") await benchBackfill();
if (!only || only === "routes") await benchRoutes();
if (!only || only === "live") await benchLiveLag();
if (!only || only === "attribution") await benchAttribution();
if (!only || only === "nexttoken") await benchNextToken();
if (!only || only === "crypto") await benchCrypto();
if (!only || only === "rpc") await benchRpc();
if (!only || only === "inference") await benchInference();
if (!only || only === "web") await benchWeb();
// Not in the default run (minutes, and gigabytes at larger --tokens): `npm run bench -- scale [--tokens N]`.
if (only === "scale") await benchScale();
// On-disk mode, streamed sharded build: `npm run bench -- disk [--tokens N] [--shard-tokens M] [--memory]` (≥ 1e9 tokens: ~1 h).
if (only === "disk") await benchDisk();
// One model served by the catalog in memory vs on disk (ON_DISK_MODELS): `npm run bench -- serve-disk [--tokens N]`.
if (only === "serve-disk") await benchServeDisk();
// Checkouts side by side (e.g. main and a branch): `npm run bench -- backfill-compare <dir> <dir>`.
if (only === "backfill-compare") await benchBackfillCompare(process.argv.slice(3));
