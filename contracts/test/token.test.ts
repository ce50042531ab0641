import { afterAll, beforeAll, describe, expect, it } from "vitest";
import solc from "solc";
import {
  encodeAbiParameters,
  getAddress,
  hashTypedData,
  keccak256,
  parseSignature,
  toBytes,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { openTokenAbi } from "../../contracts-abi";
import {
  AUTHORIZATION_TYPES,
  FAUCET_MAX,
  OPEN,
  eventsOf,
  expectRevert,
  freshAuthorization,
  randomHash,
  setupLedgerline,
  signAuthorization,
  type Ledgerline,
} from "./fixture";

let ctx: Ledgerline;
let token: Address;

beforeAll(async () => {
  ctx = await setupLedgerline();
  token = ctx.deployment.token;
});
afterAll(async () => {
  await ctx?.stop();
});

function vrs(sig: Hex): { v: number; r: Hex; s: Hex } {
  const { r, s, yParity } = parseSignature(sig);
  return { v: yParity + 27, r, s };
}

/** A payer with OPEN but no ETH: EIP-3009 lets it pay without ever sending a transaction. */
async function gaslessPayer(amount = 1_000n * OPEN): Promise<LocalAccount> {
  const payer = privateKeyToAccount(generatePrivateKey());
  await ctx.fund(payer.address, amount);
  return payer;
}

describe("OpenToken basics", () => {
  it("is ERC20 Open/OPEN with 18 decimals and the EIP-712 domain Open/1", async () => {
    const t = ctx.read.token;
    expect(await t.read.name()).toBe("Open");
    expect(await t.read.symbol()).toBe("OPEN");
    expect(await t.read.decimals()).toBe(18);
    const [, name, version, chainId, verifyingContract] = await t.read.eip712Domain();
    expect({ name, version, chainId, verifyingContract }).toEqual({
      name: "Open",
      version: "1",
      chainId: 31337n,
      verifyingContract: token,
    });
  });

  it("uses the EIP-3009 typehashes of USDC", async () => {
    const t = ctx.read.token;
    expect(await t.read.TRANSFER_WITH_AUTHORIZATION_TYPEHASH()).toBe(
      keccak256(
        toBytes(
          "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)",
        ),
      ),
    );
    expect(await t.read.RECEIVE_WITH_AUTHORIZATION_TYPEHASH()).toBe(
      "0xd099cc98ef71107a616c4f0f941f04c322d8e254fe26b3c6668db87aae413de8",
    );
    expect(await t.read.CANCEL_AUTHORIZATION_TYPEHASH()).toBe(
      "0x158b0a9edf7a828aad02f63cd515c68ef2f50ba807396f6d12842833a1597429",
    );
  });

  it("faucet mints up to 100,000 OPEN per call, only on chain 31337", async () => {
    const before = await ctx.balanceOf(ctx.addr.eve);
    await ctx.send(ctx.as.eve.token.write.faucet([ctx.addr.eve, FAUCET_MAX]));
    expect(await ctx.balanceOf(ctx.addr.eve)).toBe(before + FAUCET_MAX);
    const [max] = (await expectRevert(
      ctx.as.eve.token.write.faucet([ctx.addr.eve, FAUCET_MAX + 1n]),
      "FaucetAmountTooLarge",
    ))!;
    expect(max).toBe(FAUCET_MAX);

    // On any other chain the faucet is off.
    await ctx.testClient.request({ method: "anvil_setChainId", params: [1] } as never);
    try {
      await expectRevert(
        ctx.publicClient.simulateContract({
          address: token,
          abi: openTokenAbi,
          functionName: "faucet",
          args: [ctx.addr.eve, 1n],
          account: ctx.addr.eve,
        }),
        "FaucetDisabled",
      );
    } finally {
      await ctx.testClient.request({ method: "anvil_setChainId", params: [31337] } as never);
    }
    expect(await ctx.publicClient.getChainId()).toBe(31337);
  });

  it("supports ERC-2612 permit", async () => {
    const owner = await gaslessPayer();
    const nonce = await ctx.read.token.read.nonces([owner.address]);
    const deadline = (await ctx.now()) + 3600n;
    const value = 5n * OPEN;
    const sig = await owner.signTypedData({
      domain: { name: "Open", version: "1", chainId: foundry.id, verifyingContract: token },
      types: {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      primaryType: "Permit",
      message: { owner: owner.address, spender: ctx.addr.bob, value, nonce, deadline },
    });
    const { v, r, s } = vrs(sig);
    await ctx.send(ctx.as.eve.token.write.permit([owner.address, ctx.addr.bob, value, deadline, v, r, s]));
    expect(await ctx.read.token.read.allowance([owner.address, ctx.addr.bob])).toBe(value);
  });
});

describe("EIP-3009 transferWithAuthorization", () => {
  it("moves funds with a v,r,s signature submitted by a relayer, once", async () => {
    const payer = await gaslessPayer();
    const auth = await freshAuthorization(ctx, payer.address, ctx.addr.bob, 7n * OPEN);
    const { v, r, s } = vrs(await signAuthorization(payer, token, auth));
    const bobBefore = await ctx.balanceOf(ctx.addr.bob);
    expect(await ctx.read.token.read.authorizationState([payer.address, auth.nonce])).toBe(false);

    const args = [auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce, v, r, s] as const;
    const receipt = await ctx.send(ctx.as.eve.token.write.transferWithAuthorization(args));
    const [used] = eventsOf(openTokenAbi, receipt, "AuthorizationUsed");
    expect(used.args).toEqual({ authorizer: payer.address, nonce: auth.nonce });
    expect(await ctx.balanceOf(ctx.addr.bob)).toBe(bobBefore + auth.value);
    expect(await ctx.balanceOf(payer.address)).toBe(1_000n * OPEN - auth.value);
    expect(await ctx.read.token.read.authorizationState([payer.address, auth.nonce])).toBe(true);

    await expectRevert(ctx.as.eve.token.write.transferWithAuthorization(args), "AuthorizationUsedAlready");
  });

  it("accepts the bytes-signature overload", async () => {
    const payer = await gaslessPayer();
    const auth = await freshAuthorization(ctx, payer.address, ctx.addr.carol, 3n * OPEN);
    const sig = await signAuthorization(payer, token, auth);
    const args = [auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig] as const;
    await ctx.send(ctx.as.eve.token.write.transferWithAuthorization(args));
    expect(await ctx.balanceOf(payer.address)).toBe(997n * OPEN);
    await expectRevert(ctx.as.eve.token.write.transferWithAuthorization(args), "AuthorizationUsedAlready");
  });

  it("refuses expired, not-yet-valid, wrongly signed and tampered authorizations", async () => {
    const payer = await gaslessPayer();
    const now = await ctx.now();
    const submit = async (auth: Awaited<ReturnType<typeof freshAuthorization>>, signer: LocalAccount = payer) => {
      const sig = await signAuthorization(signer, token, auth);
      return ctx.as.eve.token.write.transferWithAuthorization([
        auth.from,
        auth.to,
        auth.value,
        auth.validAfter,
        auth.validBefore,
        auth.nonce,
        sig,
      ]);
    };
    const base = () => freshAuthorization(ctx, payer.address, ctx.addr.bob, OPEN);

    await expectRevert(submit({ ...(await base()), validBefore: now - 10n, validAfter: 0n }), "AuthorizationExpired");
    await expectRevert(
      submit({ ...(await base()), validAfter: now + 3600n, validBefore: now + 7200n }),
      "AuthorizationNotYetValid",
    );
    const stranger = privateKeyToAccount(generatePrivateKey());
    await expectRevert(submit(await base(), stranger), "InvalidSignature");

    // Signed for one value, submitted with another.
    const auth = await base();
    const sig = await signAuthorization(payer, token, auth);
    await expectRevert(
      ctx.as.eve.token.write.transferWithAuthorization([
        auth.from,
        auth.to,
        auth.value * 2n,
        auth.validAfter,
        auth.validBefore,
        auth.nonce,
        sig,
      ]),
      "InvalidSignature",
    );
    // A ReceiveWithAuthorization signature is not a TransferWithAuthorization one.
    const recvSig = await signAuthorization(payer, token, auth, "ReceiveWithAuthorization");
    await expectRevert(
      ctx.as.eve.token.write.transferWithAuthorization([
        auth.from,
        auth.to,
        auth.value,
        auth.validAfter,
        auth.validBefore,
        auth.nonce,
        recvSig,
      ]),
      "InvalidSignature",
    );
    expect(await ctx.balanceOf(payer.address)).toBe(1_000n * OPEN);
  });

  it("cancelAuthorization burns the nonce", async () => {
    const payer = await gaslessPayer();
    const auth = await freshAuthorization(ctx, payer.address, ctx.addr.bob, OPEN);
    const cancelSig = await payer.signTypedData({
      domain: { name: "Open", version: "1", chainId: foundry.id, verifyingContract: token },
      types: AUTHORIZATION_TYPES,
      primaryType: "CancelAuthorization",
      message: { authorizer: payer.address, nonce: auth.nonce },
    });
    const receipt = await ctx.send(ctx.as.eve.token.write.cancelAuthorization([payer.address, auth.nonce, cancelSig]));
    expect(eventsOf(openTokenAbi, receipt, "AuthorizationCanceled")).toHaveLength(1);
    const sig = await signAuthorization(payer, token, auth);
    await expectRevert(
      ctx.as.eve.token.write.transferWithAuthorization([
        auth.from,
        auth.to,
        auth.value,
        auth.validAfter,
        auth.validBefore,
        auth.nonce,
        sig,
      ]),
      "AuthorizationUsedAlready",
    );
  });
});

describe("authorizationUse (what a used nonce did)", () => {
  it("records keccak256(abi.encode(to, value)) of the transfer, CANCELED for a cancel, zero while unused", async () => {
    const payer = await gaslessPayer();
    const auth = await freshAuthorization(ctx, payer.address, ctx.addr.carol, 6n * OPEN);
    expect(await ctx.read.token.read.authorizationUse([payer.address, auth.nonce])).toBe(
      "0x0000000000000000000000000000000000000000000000000000000000000000",
    );
    const sig = await signAuthorization(payer, token, auth);
    await ctx.send(
      ctx.as.eve.token.write.transferWithAuthorization([
        auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig,
      ]),
    );
    expect(await ctx.read.token.read.authorizationUse([payer.address, auth.nonce])).toBe(
      keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [ctx.addr.carol, 6n * OPEN])),
    );

    const nonce = randomHash();
    const cancelSig = await payer.signTypedData({
      domain: { name: "Open", version: "1", chainId: foundry.id, verifyingContract: token },
      types: AUTHORIZATION_TYPES,
      primaryType: "CancelAuthorization",
      message: { authorizer: payer.address, nonce },
    });
    await ctx.send(ctx.as.eve.token.write.cancelAuthorization([payer.address, nonce, cancelSig]));
    const canceled = await ctx.read.token.read.CANCELED();
    expect(canceled).toBe(keccak256(toBytes("CANCELED")));
    expect(await ctx.read.token.read.authorizationUse([payer.address, nonce])).toBe(canceled);
  });
});

describe("EIP-3009 receiveWithAuthorization", () => {
  it("pays when the payee submits and refuses anyone else", async () => {
    const payer = await gaslessPayer();
    const auth = await freshAuthorization(ctx, payer.address, ctx.addr.dave, 4n * OPEN);
    const sig = await signAuthorization(payer, token, auth, "ReceiveWithAuthorization");
    const args = [auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig] as const;
    const [caller, payee] = (await expectRevert(
      ctx.as.eve.token.write.receiveWithAuthorization(args),
      "CallerMustBePayee",
    ))!;
    expect([caller, payee]).toEqual([ctx.addr.eve, ctx.addr.dave]);

    const before = await ctx.balanceOf(ctx.addr.dave);
    await ctx.send(ctx.as.dave.token.write.receiveWithAuthorization(args));
    expect(await ctx.balanceOf(ctx.addr.dave)).toBe(before + auth.value);
    await expectRevert(ctx.as.dave.token.write.receiveWithAuthorization(args), "AuthorizationUsedAlready");

    // v,r,s overload; a TransferWithAuthorization signature is refused here.
    const auth2 = await freshAuthorization(ctx, payer.address, ctx.addr.dave, OPEN);
    const wrongKind = vrs(await signAuthorization(payer, token, auth2));
    const a2 = [auth2.from, auth2.to, auth2.value, auth2.validAfter, auth2.validBefore, auth2.nonce] as const;
    await expectRevert(
      ctx.as.dave.token.write.receiveWithAuthorization([...a2, wrongKind.v, wrongKind.r, wrongKind.s]),
      "InvalidSignature",
    );
    const right = vrs(await signAuthorization(payer, token, auth2, "ReceiveWithAuthorization"));
    await ctx.send(ctx.as.dave.token.write.receiveWithAuthorization([...a2, right.v, right.r, right.s]));
    expect(await ctx.balanceOf(payer.address)).toBe(995n * OPEN);
  });
});

describe("EIP-1271 smart-contract wallets", () => {
  // A minimal contract wallet: approves digests its owner registered.
  const source = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;
contract Mock1271 {
    address public immutable owner;
    mapping(bytes32 => bool) public approved;
    constructor(address owner_) { owner = owner_; }
    function approveHash(bytes32 digest) external { require(msg.sender == owner); approved[digest] = true; }
    function isValidSignature(bytes32 digest, bytes calldata) external view returns (bytes4) {
        return approved[digest] ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}`;

  it("pays from a contract wallet whose isValidSignature approves the digest", async () => {
    const out = JSON.parse(
      solc.compile(
        JSON.stringify({
          language: "Solidity",
          sources: { "Mock1271.sol": { content: source } },
          settings: { evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
        }),
      ),
    );
    const c = out.contracts["Mock1271.sol"].Mock1271 as { abi: Abi; evm: { bytecode: { object: string } } };
    const wallet = ctx.as.alice.wallet;
    const receipt = await ctx.send(
      wallet.deployContract({ abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, args: [ctx.addr.alice] }),
    );
    const scw = getAddress(receipt.contractAddress!);
    await ctx.fund(scw, 10n * OPEN);

    const auth = await freshAuthorization(ctx, scw, ctx.addr.bob, 2n * OPEN);
    const digest = hashTypedData({
      domain: { name: "Open", version: "1", chainId: foundry.id, verifyingContract: token },
      types: AUTHORIZATION_TYPES,
      primaryType: "TransferWithAuthorization",
      message: auth,
    });
    const args = [auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce, "0x01"] as const;
    await expectRevert(ctx.as.eve.token.write.transferWithAuthorization(args), "InvalidSignature");
    await ctx.send(
      wallet.writeContract({ address: scw, abi: c.abi, functionName: "approveHash", args: [digest] }),
    );
    await ctx.send(ctx.as.eve.token.write.transferWithAuthorization(args));
    expect(await ctx.balanceOf(scw)).toBe(8n * OPEN);
  });
});

describe("nonce independence", () => {
  it("nonces are per authorizer and random (not sequential)", async () => {
    const a = await gaslessPayer();
    const b = await gaslessPayer();
    const nonce = randomHash();
    for (const payer of [a, b]) {
      const auth = await freshAuthorization(ctx, payer.address, ctx.addr.bob, OPEN, { nonce });
      await ctx.send(
        ctx.as.eve.token.write.transferWithAuthorization([
          auth.from,
          auth.to,
          auth.value,
          auth.validAfter,
          auth.validBefore,
          auth.nonce,
          await signAuthorization(payer, token, auth),
        ]),
      );
    }
    expect(await ctx.read.token.read.authorizationState([a.address, nonce])).toBe(true);
    expect(await ctx.read.token.read.authorizationState([b.address, randomHash()])).toBe(false);
  });
});
