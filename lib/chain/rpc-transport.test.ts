/**
 * The node:http transport against viem's own (undici fetch), call for call: same answers from a real anvil, and the
 * same error classes for a revert (with its data), an unknown method, a refused connection, a server error, a
 * silent server (timeout); an oversized answer is refused while it arrives.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createPublicClient, http as viemHttp, type Hex, type PublicClient, type Transport } from "viem";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startAnvil, type Anvil } from "./anvil";
import { rpcTransport } from "./rpc-transport";

let anvil: Anvil;
let odd: http.Server;
let oddUrl: string;
const REVERTS = "0x00000000000000000000000000000000000000aa";

beforeAll(async () => {
  anvil = await startAnvil();
  // PUSH4 deadbeef, MSTORE at 0, REVERT(28, 4): reverts with the data 0xdeadbeef.
  await createPublicClient({ transport: viemHttp(anvil.rpcUrl) }).request({ method: "anvil_setCode", params: [REVERTS, "0x63deadbeef6000526004601cfd"] } as never);
  // A server that answers by path: a 500 in text, silence, or 11 MB.
  odd = http.createServer((req, res) => {
    req.resume();
    if (req.url === "/error") res.writeHead(500, { "content-type": "text/plain" }).end("upstream broke");
    else if (req.url === "/huge") res.writeHead(200, { "content-type": "application/json" }).end(`{"jsonrpc":"2.0","id":1,"result":"${"a".repeat(11 * 2 ** 20)}"}`);
    // "/silent": never answers.
  });
  await new Promise<void>((resolve) => odd.listen(0, "127.0.0.1", resolve));
  oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
});
afterAll(async () => {
  odd?.closeAllConnections();
  await new Promise((resolve) => odd?.close(resolve));
  await anvil?.stop();
});

const clients = (url: string, opts: { timeout?: number; batch?: boolean } = {}) =>
  [viemHttp(url, { retryCount: 0, ...opts }), rpcTransport(url, { retryCount: 0, ...opts })].map(
    (transport: Transport) => createPublicClient({ chain: foundry, transport }) as PublicClient,
  );

/** What a caller can tell apart: the error's class, its RPC code and its revert data, or the value. */
async function outcome(p: Promise<unknown>) {
  try {
    return { value: await p };
  } catch (err) {
    const e = err as { name: string; walk: (fn?: (e: unknown) => boolean) => unknown };
    const rpc = e.walk?.((x) => typeof (x as { code?: unknown }).code === "number") as { code?: number; name?: string } | undefined;
    const data = e.walk?.((x) => typeof (x as { data?: unknown }).data === "string") as { data?: Hex } | undefined;
    return { error: e.name, cause: rpc?.name, code: rpc?.code, data: data?.data };
  }
}

describe("the node:http JSON-RPC transport", () => {
  it("answers every call as viem's own transport does, batched or not", async () => {
    for (const batch of [false, true]) {
      const [ours, theirs] = clients(anvil.rpcUrl, { batch }).reverse();
      const calls = (c: PublicClient) =>
        Promise.all([c.getChainId(), c.getBlockNumber({ cacheTime: 0 }), c.getBalance({ address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" }), c.getBlock({ blockNumber: 0n }), c.getCode({ address: REVERTS })]);
      expect(await calls(ours)).toEqual(await calls(theirs));
    }
  });

  it("fails as viem's own transport does: a revert with its data, an unknown method, a refused connection, a server error, a timeout", async () => {
    const cases: [string, (c: PublicClient) => Promise<unknown>, { timeout?: number }?][] = [
      [anvil.rpcUrl, (c) => c.call({ to: REVERTS, data: "0x" })],
      [anvil.rpcUrl, (c) => c.request({ method: "no_such_method" } as never)],
      [`http://127.0.0.1:${await freePort()}`, (c) => c.getBlockNumber({ cacheTime: 0 })],
      [`${oddUrl}/error`, (c) => c.getBlockNumber({ cacheTime: 0 })],
      [`${oddUrl}/silent`, (c) => c.getBlockNumber({ cacheTime: 0 }), { timeout: 200 }],
    ];
    for (const [url, call, opts] of cases) {
      const [theirs, ours] = clients(url, opts);
      const expected = await outcome(call(theirs));
      expect(expected.error, url).toBeDefined();
      expect(await outcome(call(ours)), url).toEqual(expected);
    }
    const [, ours] = clients(anvil.rpcUrl);
    expect((await outcome(ours.call({ to: REVERTS, data: "0x" }))).data).toBe("0xdeadbeef");
  });

  it("refuses an answer larger than viem's body limit while it arrives", async () => {
    const [, ours] = clients(`${oddUrl}/huge`);
    await expect(ours.getBlockNumber({ cacheTime: 0 })).rejects.toThrow(/larger than 10485760 bytes/);
  });
});
