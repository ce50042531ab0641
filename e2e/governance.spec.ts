/**
 * Governance and disputes in the browser, on the shared stack with real time (the local chain's periods are
 * seconds: voting delay 1 s, voting period 30 s, timelock 5 s, challenge window 30 s; nothing moves the clock):
 * - the operator's wallet proposes a fee change from /governance, votes for it, queues and executes it, and the
 *   page follows it to "executed";
 * - a root poster named by governance posts a self-crediting root, a contributor disputes it, governance upholds the
 *   dispute (and names the demo operator root poster again), and /operators shows the slash.
 */
import { expect, test, type Page } from "@playwright/test";
import { inferenceMarketAbi, openTokenAbi } from "../contracts-abi";
import { devAccount } from "../lib/chain/anvil";
import { buildClaimsTree } from "../lib/chain/merkle";
import { governanceClient, runProposal } from "../lib/governance/actions";
import { resolveDisputeAction, setEpochParamsAction } from "../lib/governance/proposals";
import { stackChain } from "./chain";
import { connectDevWallet } from "./wallet";

const OPERATOR = 0;

const chain = stackChain;

/** Mines a block a second until the proposal card reaches `state`. */
async function untilState(page: Page, proposal: ReturnType<Page["locator"]>, state: string, mine: () => Promise<unknown>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while ((await proposal.getAttribute("data-state")) !== state) {
    if (Date.now() > deadline) throw new Error(`proposal did not reach ${state} (now ${await proposal.getAttribute("data-state")})`);
    await mine();
    await page.waitForTimeout(1_000);
  }
}

test("a fee proposal goes propose → vote → queue → execute from /governance", async ({ page }) => {
  test.setTimeout(180_000);
  const { client, mine, deployment } = chain();
  const market = { address: deployment.inferenceMarket, abi: inferenceMarketAbi } as const;
  await page.goto("/governance");
  await expect(page.getByTestId("proposals")).toBeVisible();
  // The demo seed's proposal is there, executed.
  await expect(page.locator('[data-testid="proposal"][data-state="executed"]').first()).toBeVisible();

  await connectDevWallet(page, page.getByTestId("governance-connect"), OPERATOR);
  // The seed delegated the operator's vOPEN to itself: its voting power shows.
  await expect.poll(async () => BigInt((await page.getByTestId("voting-power-votes").getAttribute("data-wei")) ?? "0"), { timeout: 15_000 }).toBeGreaterThan(0n);
  await page.getByTestId("propose-kind-fees").check();
  await page.getByTestId("propose-protocol-bps").fill("350");
  await page.getByTestId("propose-operator-bps").fill("1000");
  const title = `Protocol fee 3.5 % (e2e ${Date.now()})`;
  await page.getByTestId("propose-description").fill(title);
  await page.getByTestId("propose-submit").click();
  const proposal = page.locator('[data-testid="proposal"]').filter({ hasText: title });
  await expect(proposal).toBeVisible({ timeout: 30_000 });

  await untilState(page, proposal, "active", mine, 30_000);
  await proposal.getByTestId("vote-for").click();
  await expect.poll(async () => BigInt((await proposal.getByTestId("proposal-tally").getAttribute("data-for")) ?? "0"), { timeout: 15_000 }).toBeGreaterThan(0n);
  await expect(proposal.getByTestId("quorum-reached")).toHaveAttribute("data-value", "true", { timeout: 15_000 });

  await untilState(page, proposal, "succeeded", mine, 60_000);
  await proposal.getByTestId("queue-proposal").click();
  await untilState(page, proposal, "queued", mine, 30_000);
  await expect(proposal.getByTestId("execute-proposal")).toBeEnabled({ timeout: 30_000 });
  await proposal.getByTestId("execute-proposal").click();
  await untilState(page, proposal, "executed", mine, 30_000);
  expect(await client.readContract({ ...market, functionName: "protocolBps" })).toBe(350);
});

test("a self-crediting root is disputed, the dispute upheld by governance, and /operators shows the slash", async ({ page }) => {
  test.setTimeout(240_000);
  const { client, wallet, send, deployment } = chain();
  const market = { address: deployment.inferenceMarket, abi: inferenceMarketAbi } as const;
  const operator = devAccount(OPERATOR).address;
  const poster = devAccount(9);
  const gov = governanceClient({ publicClient: client, walletClient: wallet(OPERATOR), deployment });
  const p = await client.readContract({ ...market, functionName: "params" });
  const epochParams = (rootPoster: `0x${string}`) =>
    setEpochParamsAction(deployment.inferenceMarket, { challengeWindowSeconds: Number(p.challengeWindow), disputeBond: p.disputeBond, challengerRewardBps: p.challengerRewardBps, rootPoster });

  // Governance names another staked operator root poster (the demo operator keeps serving).
  await send(await wallet(OPERATOR).writeContract({ address: deployment.token, abi: openTokenAbi, functionName: "approve", args: [deployment.inferenceMarket, p.minStake] }));
  await send(await wallet(OPERATOR).writeContract({ ...market, functionName: "stake", args: [poster.address, p.minStake] }));
  await runProposal(gov, { actions: [epochParams(poster.address)], description: `Root poster ${poster.address} (e2e ${Date.now()})` });
  expect(await client.readContract({ ...market, functionName: "rootPoster" })).toBe(poster.address);

  // It posts a root naming itself the only leaf, for the tip's total; a contributor disputes it at once.
  const tipEpoch = await client.readContract({ ...market, functionName: "tipEpoch" });
  const tip = await client.readContract({ ...market, functionName: "getEpoch", args: [BigInt(tipEpoch)] });
  const stolen = tip.cumulativeTotal > 0n ? tip.cumulativeTotal : 1n;
  const bad = buildClaimsTree([{ account: poster.address, cumulativeAmount: stolen }]);
  const head = await client.getBlockNumber();
  const pool = await client.readContract({ ...market, functionName: "totalContributorPool" });
  await send(await wallet(9).writeContract({ ...market, functionName: "postEpoch", args: [bad.root, stolen, head, pool] }));
  const e = await client.readContract({ ...market, functionName: "epochCount" });
  await send(await wallet(5).writeContract({ address: deployment.token, abi: openTokenAbi, functionName: "approve", args: [deployment.inferenceMarket, p.disputeBond] }));
  await send(await wallet(5).writeContract({ ...market, functionName: "dispute", args: [e] }));

  // Governance upholds the dispute and names the demo operator root poster again.
  await runProposal(gov, { actions: [resolveDisputeAction(deployment.inferenceMarket, e, true), epochParams(operator)], description: `Uphold the dispute of epoch ${e} (e2e ${Date.now()})` });
  expect((await client.readContract({ ...market, functionName: "getEpoch", args: [BigInt(e)] })).status).toBe(4); // Discarded
  expect(await client.readContract({ ...market, functionName: "isOperator", args: [poster.address] })).toBe(false);

  // The page renders what the index holds: wait for the index to have the slash (the page's live stream only
  // carries events that arrive after it connected).
  await expect
    .poll(async () => ((await (await page.request.get(`/api/operators/${poster.address.toLowerCase()}`)).json()) as { slashCount?: number }).slashCount, { timeout: 30_000 })
    .toBe(1);
  await page.goto("/operators");
  const row = page.locator(`[data-testid="operator-row"][data-address="${poster.address.toLowerCase()}"]`);
  await expect(row.getByTestId("slash-count")).toHaveAttribute("data-value", "1", { timeout: 20_000 });
  await expect(row.getByTestId("dispute-count")).toHaveAttribute("data-upheld", "1");
  // The demo operator is untouched and still serves.
  const demo = page.locator(`[data-testid="operator-row"][data-address="${operator.toLowerCase()}"]`);
  await expect(demo.getByTestId("slash-count")).toHaveAttribute("data-value", "0");
});
