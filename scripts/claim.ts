/**
 * `npm run claim -- <private key | anvil account index> [beneficiary]`: claims a contributor's payout
 * against the latest epoch. The proof comes from the running web app's
 * GET /api/accounts/{address}/claim (LEDGERLINE_URL, default http://127.0.0.1:3000); the chain from
 * getChainConfig() (RPC_URL, DEPLOYMENT_FILE). The key's account sends the transaction; the tokens go to
 * the beneficiary (default: that account). Exit code: 0 claimed or nothing to claim, 1 failed, 2 usage.
 */
import { formatUnits, getAddress, isAddress, type LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devAccount } from "../lib/chain/anvil";
import { publicClientFor } from "../lib/chain/clients";
import { getChainConfig } from "../lib/chain/config";
import { claimFor } from "../lib/settlement/claim";

const usage = () => {
  console.error("usage: npm run claim -- <private key (0x + 64 hex) | anvil account index> [beneficiary address]");
  process.exit(2);
};

async function main(): Promise<number> {
  const [who, forAddress] = process.argv.slice(2);
  if (!who || process.argv.length > 4) usage();
  if (forAddress !== undefined && !isAddress(forAddress, { strict: false })) usage();
  const cfg = getChainConfig();
  let account: LocalAccount;
  if (/^0x[0-9a-fA-F]{64}$/.test(who)) account = privateKeyToAccount(who as `0x${string}`);
  else if (/^[0-9]{1,3}$/.test(who)) {
    if (!cfg.isLocal) {
      console.error(`anvil account indexes exist only on the local chain; chain ${cfg.chainId} needs a private key`);
      return 2;
    }
    account = devAccount(Number(who));
  } else return usage();

  const baseUrl = process.env.LEDGERLINE_URL ?? "http://127.0.0.1:3000";
  const beneficiary = forAddress ? getAddress(forAddress) : account.address;
  console.log(`claiming for ${beneficiary}${beneficiary === account.address ? "" : ` (sent by ${account.address})`} · proof from ${baseUrl}`);
  const r = await claimFor({ baseUrl, account, beneficiary, publicClient: publicClientFor(cfg), deployment: cfg.deployment });
  if (!r.tx) {
    console.log(r.reason);
    return 0;
  }
  console.log(`claimed ${formatUnits(r.claimed, 18)} OPEN (${r.claimed} wei) in epoch ${r.epoch}`);
  console.log(`  cumulative ${r.cumulativeAmount} wei, now claimed in total ${r.totalClaimed} wei`);
  console.log(`  tx ${r.tx} (${r.gasUsed} gas, proof of ${r.proofLength} hashes)`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`claim failed: ${err.message.split("\n")[0]}`);
    process.exit(1);
  },
);
