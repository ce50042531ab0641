import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPublicClient,
  defineChain,
  http,
  numberToHex,
  parseEther,
  verifyMessage,
  verifyTypedData,
  type Address,
  type Chain,
  type Hex,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { createConfig, type Config } from "wagmi";
import {
  connect,
  disconnect,
  getAccount,
  getConnectorClient,
  sendTransaction,
  signMessage,
  signTypedData,
  waitForTransactionReceipt,
} from "wagmi/actions";
import { ANVIL_CHAIN_ID, ANVIL_MNEMONIC, startAnvil, type Anvil } from "@/lib/chain/anvil";
import { DEV_WALLET_ID, devWalletConnector, reviveTypedData, type DevWalletProperties } from "./dev-wallet";
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from "@/lib/chain/eip3009";

const devAddress = (i: number) => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }).address;

// An EIP-3009 authorization, the shape x402 clients sign.
const authorization = (from: Address, to: Address) =>
  ({
    domain: { name: "Open", version: "1", chainId: ANVIL_CHAIN_ID, verifyingContract: devAddress(9) },
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: "TransferWithAuthorization",
    message: {
      from,
      to,
      value: 10n ** 18n + 1n,
      validAfter: 0n,
      validBefore: 2n ** 48n,
      nonce: `0x${"ab".repeat(32)}` as Hex,
    },
  }) as const;

describe("dev wallet connector", () => {
  let node: Anvil;
  let chain: Chain;
  let config: Config;

  beforeAll(async () => {
    node = await startAnvil();
    chain = defineChain({
      id: ANVIL_CHAIN_ID,
      name: "Anvil",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [node.rpcUrl] } },
    });
    config = createConfig({
      chains: [chain],
      connectors: [devWalletConnector({ mnemonic: ANVIL_MNEMONIC, accounts: 5 })],
      transports: { [chain.id]: http(node.rpcUrl) },
      multiInjectedProviderDiscovery: false,
    });
  });

  afterAll(async () => {
    await node?.stop();
  });

  it("connects with dev account #0 and signs transactions locally (raw tx to the RPC)", async () => {
    const [connector] = config.connectors;
    expect(connector.id).toBe(DEV_WALLET_ID);
    const result = await connect(config, { connector });
    expect(result.accounts[0]).toBe(devAddress(0));
    expect(result.chainId).toBe(ANVIL_CHAIN_ID);

    const to = devAddress(7);
    const client = createPublicClient({ chain, transport: http(node.rpcUrl) });
    const before = await client.getBalance({ address: to });
    const hash = await sendTransaction(config, { to, value: parseEther("1.5") });
    const receipt = await waitForTransactionReceipt(config, { hash });
    expect(receipt.status).toBe("success");
    expect(receipt.from.toLowerCase()).toBe(devAddress(0).toLowerCase());
    expect((await client.getBalance({ address: to })) - before).toBe(parseEther("1.5"));
  });

  it("signs messages and EIP-712 typed data that verify against the account", async () => {
    const address = getAccount(config).address!;
    const message = "ledgerline";
    const sig = await signMessage(config, { message });
    expect(await verifyMessage({ address, message, signature: sig })).toBe(true);

    const typed = authorization(address, devAddress(3));
    const typedSig = await signTypedData(config, typed);
    expect(await verifyTypedData({ address, ...typed, signature: typedSig })).toBe(true);
  });

  it("serves the same signatures through its EIP-1193 provider (JSON typed data, hex tx fields)", async () => {
    const [connector] = config.connectors;
    const provider = (await connector.getProvider()) as { request(a: { method: string; params?: unknown }): Promise<unknown> };
    const address = getAccount(config).address!;
    expect(await provider.request({ method: "eth_accounts" })).toEqual([address]);
    expect(await provider.request({ method: "eth_chainId" })).toBe(numberToHex(ANVIL_CHAIN_ID));

    const typed = authorization(address, devAddress(4));
    const json = JSON.stringify(
      { ...typed, types: { EIP712Domain: [{ name: "name", type: "string" }, { name: "version", type: "string" }, { name: "chainId", type: "uint256" }, { name: "verifyingContract", type: "address" }], ...typed.types } },
      (_k, v) => (typeof v === "bigint" ? v.toString() : v),
    );
    const sig = (await provider.request({ method: "eth_signTypedData_v4", params: [address, json] })) as Hex;
    expect(await verifyTypedData({ address, ...typed, signature: sig })).toBe(true);

    const hash = (await provider.request({
      method: "eth_sendTransaction",
      params: [{ from: address, to: devAddress(6), value: numberToHex(parseEther("0.25")) }],
    })) as Hex;
    expect((await waitForTransactionReceipt(config, { hash })).status).toBe("success");

    await expect(
      provider.request({ method: "personal_sign", params: ["0x1234", devAddress(8)] }),
    ).rejects.toThrow(/does not hold/);
  });

  it("switches the active dev account and reports it to wagmi", async () => {
    const [connector] = config.connectors;
    const dev = connector as unknown as DevWalletProperties;
    expect(dev.listAccounts()).toEqual([0, 1, 2, 3, 4].map(devAddress));
    dev.selectAccount(2);
    // wagmi applies the connector's change event synchronously.
    expect(getAccount(config).address).toBe(devAddress(2));
    const client = await getConnectorClient(config);
    expect(client.account.address).toBe(devAddress(2));
    const hash = await sendTransaction(config, { to: devAddress(0), value: 1n });
    expect((await waitForTransactionReceipt(config, { hash })).from.toLowerCase()).toBe(devAddress(2).toLowerCase());
    expect(() => dev.selectAccount(5)).toThrow(RangeError);
    await disconnect(config);
    expect(getAccount(config).status).toBe("disconnected");
  });

  it("revives JSON typed data integers as bigints", () => {
    const revived = reviveTypedData(
      JSON.stringify({
        domain: { chainId: "0x7a69" },
        types: { EIP712Domain: [], M: [{ name: "xs", type: "uint256[]" }, { name: "s", type: "string" }] },
        primaryType: "M",
        message: { xs: ["1", "0x10"], s: "12" },
      }),
    );
    expect(revived.domain.chainId).toBe(31337);
    expect(revived.types).not.toHaveProperty("EIP712Domain");
    expect(revived.message).toEqual({ xs: [1n, 16n], s: "12" });
  });
});
