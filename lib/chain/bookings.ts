/**
 * Packed batches of `InferenceMarket.bookBatch` (issue 16: batched settlement of batch-settlement inferences).
 *
 * A batch is channel groups concatenated, big-endian, packed. A group names one batch-settlement channel paying the
 * market in the market token by the rest of its config (the contract fills in `receiver = market`, `token = market
 * token` and derives the channel id itself), then its records:
 *
 *   group header, BOOKING_GROUP_HEADER_SIZE = 99 bytes
 *     [0, 20)    payer               address (every record's payer)
 *     [20, 40)   payerAuthorizer     address
 *     [40, 60)   receiverAuthorizer  address
 *     [60, 65)   withdrawDelay       uint40
 *     [65, 97)   salt                bytes32
 *     [97, 99)   count               uint16 (≥ 1)
 *   record, BOOKING_RECORD_SIZE = 80 bytes
 *     [0, 4)     modelId             uint32 (≥ 1)
 *     [4, 16)    charged             uint96, wei
 *     [16, 48)   requestHash         bytes32 (≠ 0)
 *     [48, 80)   resultHash          bytes32: {@link bookingResultHash}(outputHash, attributionHash)
 *
 * The contract never reads the answer's two hashes, so a record carries one hash of both: 32 calldata bytes fewer a
 * record, and a large batch pays the EIP-7623 calldata floor. The indexer and Verify check the stored answer and
 * attribution record against `resultHash`.
 *
 * In a group the records are strictly increasing in (modelId, requestHash): {@link encodeBookings} sorts them. The
 * contract books a group only while the channel's booked total stays within what its vouchers paid (`totalClaimed`).
 *
 * The contract books no per-record event: one `InferencesBooked` carries the batch's totals, fee bps and `batchHash`
 * (keccak256 of the batch), and one `BookedModel` per model carries that model's builder and builderBps. The records
 * are in the transaction's calldata: {@link bookingBatchOf} takes them from the transaction input and
 * {@link bookedRows} checks them against `batchHash` and turns them into the rows a single settle's
 * `InferenceSettled` gives (same split, to the wei).
 */
import { concat, decodeFunctionData, getAddress, hashTypedData, isAddress, keccak256, type Address, type Hex } from "viem";
import { inferenceMarketAbi } from "../../contracts-abi";
import { BATCH_SETTLEMENT_EIP712 } from "./batch-settlement";

export const BOOKING_GROUP_HEADER_SIZE = 99;
export const BOOKING_RECORD_SIZE = 80;

/**
 * Bytes per `bookBatch` batch at most: under geth's 128 KiB transaction-size limit (a larger transaction is dropped by
 * the mempool) with room for the ABI head and the transaction envelope. 1,000 records from 100 channels are 89,900
 * bytes.
 */
export const MAX_BOOKING_BYTES = 126_000;

const MAX_MODEL_ID = 2n ** 32n - 1n;
/** charged is a uint96: 2^96 wei ≈ 7.9e10 OPEN, 79× the whole supply. */
const MAX_CHARGED = 2n ** 96n - 1n;
const MAX_GROUP_RECORDS = 0xffff;
const MAX_UINT40 = 2 ** 40 - 1;
const BPS = 10_000n;
const ZERO_HASH = `0x${"0".repeat(64)}`;

/** A batch-settlement channel paying the market in its token: its ChannelConfig without receiver and token. */
export interface BookingChannel {
  payer: Address;
  payerAuthorizer: Address;
  receiverAuthorizer: Address;
  withdrawDelay: number;
  salt: Hex;
}

/** A record to book: {@link encodeBookings} packs its two hashes as one {@link bookingResultHash}. */
export interface BookingRecord {
  modelId: bigint;
  requestHash: Hex;
  /** Wei charged for the inference (what the payer's voucher paid for it). */
  charged: bigint;
  outputHash: Hex;
  attributionHash: Hex;
}

/** A record as a batch carries it ({@link decodeBookings}). */
export interface PackedBookingRecord {
  modelId: bigint;
  requestHash: Hex;
  charged: bigint;
  /** {@link bookingResultHash} of the answer's outputHash and attributionHash. */
  resultHash: Hex;
}

/** One channel's records in a batch. */
export interface BookingGroup<R = BookingRecord> {
  channel: BookingChannel;
  records: readonly R[];
}

export class BookingCodecError extends RangeError {
  override name = "BookingCodecError";
}

const HASH_RE = /^0x[0-9a-fA-F]{64}$/;

function hex(value: bigint | number, bytes: number): string {
  return value.toString(16).padStart(bytes * 2, "0");
}

function checkHash(what: string, h: string, nonZero: boolean): string {
  if (!HASH_RE.test(h)) throw new BookingCodecError(`${what} is not 32 bytes of hex: ${h}`);
  if (nonZero && h === ZERO_HASH) throw new BookingCodecError(`${what} is zero`);
  return h.slice(2).toLowerCase();
}

/**
 * What a booked record commits to: keccak256(outputHash ‖ attributionHash), the two 32-byte hashes packed
 * (abi.encodePacked). The booker, the indexer and Verify all compute it here.
 */
export function bookingResultHash(outputHash: Hex, attributionHash: Hex): Hex {
  checkHash("outputHash", outputHash, false);
  checkHash("attributionHash", attributionHash, false);
  return keccak256(concat([outputHash, attributionHash]));
}

function checkAddress(what: string, a: string): string {
  if (!isAddress(a, { strict: false })) throw new BookingCodecError(`${what} is not an address: ${a}`);
  return a.slice(2).toLowerCase();
}

/** The contract's order of records in a group: modelId, then requestHash (as a number). */
function compareRecords(a: Pick<BookingRecord, "modelId" | "requestHash">, b: Pick<BookingRecord, "modelId" | "requestHash">): number {
  if (a.modelId !== b.modelId) return a.modelId < b.modelId ? -1 : 1;
  const x = BigInt(a.requestHash);
  const y = BigInt(b.requestHash);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Packs `groups` for `bookBatch` after checking what the contract would refuse (a group with no record or more than
 * 65,535, a model id outside 1..2^32-1, a charge outside uint96, a zero request hash, a request hash twice on one
 * model in a group) and the size limit ({@link MAX_BOOKING_BYTES}; `maxBytes` lowers it). Sorts each group's
 * records into the contract's (modelId, requestHash) order.
 */
export function encodeBookings(groups: readonly BookingGroup[], maxBytes = MAX_BOOKING_BYTES): Hex {
  if (groups.length === 0) throw new BookingCodecError("no records to book");
  const size = groups.reduce((a, g) => a + BOOKING_GROUP_HEADER_SIZE + g.records.length * BOOKING_RECORD_SIZE, 0);
  if (size > maxBytes) throw new BookingCodecError(`${size} bytes exceed the batch limit of ${maxBytes}`);
  const parts: string[] = ["0x"];
  groups.forEach((g, gi) => {
    const c = g.channel;
    const n = g.records.length;
    if (n === 0 || n > MAX_GROUP_RECORDS) throw new BookingCodecError(`group ${gi}: ${n} records, not 1..${MAX_GROUP_RECORDS}`);
    if (!Number.isInteger(c.withdrawDelay) || c.withdrawDelay < 0 || c.withdrawDelay > MAX_UINT40) {
      throw new BookingCodecError(`group ${gi}: withdrawDelay ${c.withdrawDelay} is outside uint40`);
    }
    parts.push(
      checkAddress(`group ${gi}: payer`, c.payer),
      checkAddress(`group ${gi}: payerAuthorizer`, c.payerAuthorizer),
      checkAddress(`group ${gi}: receiverAuthorizer`, c.receiverAuthorizer),
      hex(c.withdrawDelay, 5),
      checkHash(`group ${gi}: salt`, c.salt, false),
      hex(n, 2),
    );
    const sorted = [...g.records].sort(compareRecords);
    sorted.forEach((r, i) => {
      const at = `group ${gi}, model ${r.modelId}, request ${r.requestHash}`;
      if (typeof r.modelId !== "bigint" || r.modelId < 1n || r.modelId > MAX_MODEL_ID) {
        throw new BookingCodecError(`${at}: modelId is outside 1..2^32-1`);
      }
      if (typeof r.charged !== "bigint" || r.charged < 0n || r.charged > MAX_CHARGED) {
        throw new BookingCodecError(`${at}: charged ${r.charged} is outside uint96`);
      }
      const requestHash = checkHash(`${at}: requestHash`, r.requestHash, true);
      if (i > 0 && compareRecords(sorted[i - 1], r) === 0) throw new BookingCodecError(`${at}: booked twice in one group`);
      checkHash(`${at}: outputHash`, r.outputHash, false);
      checkHash(`${at}: attributionHash`, r.attributionHash, false);
      parts.push(hex(r.modelId, 4), hex(r.charged, 12), requestHash, bookingResultHash(r.outputHash, r.attributionHash).slice(2));
    });
  });
  return parts.join("") as Hex;
}

/** Unpacks a `bookBatch` batch (as sent, or from `InferencesBooked.batch`); throws on a partial group or record. */
export function decodeBookings(data: Hex): BookingGroup<PackedBookingRecord>[] {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(data)) throw new BookingCodecError("batch is not hex bytes");
  const bytes = (data.length - 2) / 2;
  const field = (from: number, to: number) => data.slice(2 + from * 2, 2 + to * 2);
  const out: BookingGroup<PackedBookingRecord>[] = [];
  for (let at = 0; at < bytes; ) {
    if (at + BOOKING_GROUP_HEADER_SIZE > bytes) throw new BookingCodecError(`group at byte ${at} is cut short`);
    const count = Number.parseInt(field(at + 97, at + 99), 16);
    const end = at + BOOKING_GROUP_HEADER_SIZE + count * BOOKING_RECORD_SIZE;
    if (count === 0 || end > bytes) throw new BookingCodecError(`group at byte ${at} is cut short or empty`);
    const channel: BookingChannel = {
      payer: getAddress(`0x${field(at, at + 20)}`),
      payerAuthorizer: getAddress(`0x${field(at + 20, at + 40)}`),
      receiverAuthorizer: getAddress(`0x${field(at + 40, at + 60)}`),
      withdrawDelay: Number.parseInt(field(at + 60, at + 65), 16),
      salt: `0x${field(at + 65, at + 97).toLowerCase()}`,
    };
    const records: PackedBookingRecord[] = [];
    for (let r = at + BOOKING_GROUP_HEADER_SIZE; r < end; r += BOOKING_RECORD_SIZE) {
      records.push({
        modelId: BigInt(`0x${field(r, r + 4)}`),
        charged: BigInt(`0x${field(r + 4, r + 16)}`),
        requestHash: `0x${field(r + 16, r + 48).toLowerCase()}`,
        resultHash: `0x${field(r + 48, r + 80).toLowerCase()}`,
      });
    }
    out.push({ channel, records });
    at = end;
  }
  return out;
}

/**
 * The request id an attribution record names for a batch-settled inference (it has no on-chain request id): its
 * request hash read as a decimal integer. Written by the server, checked by the indexer and by Verify.
 */
export const batchRecordRequestId = (requestHash: Hex | string): bigint => BigInt(requestHash);

/**
 * The read model's request id of a booked inference (it has no on-chain request id): 2^48 + batchId·2^16 + index,
 * above any id the market's request counter reaches and within JavaScript's safe integers for 2^37 batches. A batch
 * has at most ~17,000 records (its calldata fits a block), so `index` < 2^16.
 */
export const BOOKED_REQUEST_ID_BASE = 2 ** 48;
export function bookedRequestId(batchId: bigint, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 16) throw new BookingCodecError(`record ${index} of batch ${batchId} is outside 0..65535`);
  const id = BigInt(BOOKED_REQUEST_ID_BASE) + batchId * 65_536n + BigInt(index);
  if (batchId < 1n || id > BigInt(Number.MAX_SAFE_INTEGER)) throw new BookingCodecError(`batch ${batchId} is outside the read model's id range`);
  return Number(id);
}

/** Where the channels of a market's batches live: the id the settlement contract gives a {@link BookingChannel}. */
export interface BookingDomain {
  chainId: number;
  settlement: Address;
  market: Address;
  token: Address;
}

/** The settlement contract's `getChannelId` of `channel` paying `market` in `token` (InferenceMarket.bookingChannelId). */
export function bookingChannelId(channel: BookingChannel, d: BookingDomain): Hex {
  return hashTypedData({
    domain: { ...BATCH_SETTLEMENT_EIP712, chainId: d.chainId, verifyingContract: d.settlement },
    types: {
      ChannelConfig: [
        { name: "payer", type: "address" },
        { name: "payerAuthorizer", type: "address" },
        { name: "receiver", type: "address" },
        { name: "receiverAuthorizer", type: "address" },
        { name: "token", type: "address" },
        { name: "withdrawDelay", type: "uint40" },
        { name: "salt", type: "bytes32" },
      ],
    },
    primaryType: "ChannelConfig",
    message: { ...channel, receiver: d.market, token: d.token },
  });
}

/** InferenceMarket.splitFees: floor shares of protocol, operator and builder; the contributor pool takes the rest. */
export function splitFees(price: bigint, protocolBps: number, operatorBps: number, builderBps: number) {
  const protocolFee = (price * BigInt(protocolBps)) / BPS;
  const operatorFee = (price * BigInt(operatorBps)) / BPS;
  const builderFee = (price * BigInt(builderBps)) / BPS;
  return { protocolFee, operatorFee, builderFee, contributorPool: price - protocolFee - operatorFee - builderFee };
}

/** `InferencesBooked` arguments, as viem decodes them. */
export interface InferencesBookedArgs {
  batchId: bigint;
  operator: Address;
  protocolTreasury: Address;
  protocolBps: number;
  operatorBps: number;
  total: bigint;
  protocolFee: bigint;
  operatorFee: bigint;
  builderFee: bigint;
  contributorPool: bigint;
  /** keccak256 of the batch booked (the `batch` argument of the `bookBatch` call). */
  batchHash: Hex;
}

/** `BookedModel` arguments, as viem decodes them. */
export interface BookedModelArgs {
  batchId: bigint;
  modelId: bigint;
  builder: Address;
  builderBps: number;
}

/** One booked inference with its split: the fields of a single settle's `InferenceSettled`, plus where it was booked. */
export interface BookedRow extends PackedBookingRecord {
  batchId: bigint;
  /** Position of the record in its batch (over all groups). */
  index: number;
  /** Position of its channel group in the batch. */
  group: number;
  /** The channel's payer: who paid for the inference. */
  payer: Address;
  channel: BookingChannel;
  operator: Address;
  builder: Address;
  builderBps: number;
  protocolTreasury: Address;
  price: bigint;
  protocolFee: bigint;
  operatorFee: bigint;
  builderFee: bigint;
  contributorPool: bigint;
}

/**
 * The batch a `bookBatch` transaction booked, from its input (`eth_getTransactionByHash(...).input`). The operator
 * calls `bookBatch` directly; a transaction that reached it through another contract (a multisig, a multicall) has
 * another input, and throws here: its batch must come from a call trace.
 */
export function bookingBatchOf(input: Hex): Hex {
  let decoded;
  try {
    decoded = decodeFunctionData({ abi: inferenceMarketAbi, data: input });
  } catch {
    throw new BookingCodecError("the transaction input is not an InferenceMarket call");
  }
  if (decoded.functionName !== "bookBatch") throw new BookingCodecError(`the transaction calls ${decoded.functionName}, not bookBatch`);
  return decoded.args[0];
}

/**
 * The ledger rows of one booked batch: its `InferencesBooked` and the `BookedModel` events of the same batch (same
 * transaction), and `data`, the batch booked ({@link bookingBatchOf} of the transaction's input). Checks that `data`
 * is the batch the event hashed, that every record's model is named and that the rows sum to the event's totals, to
 * the wei.
 */
export function bookedRows(batch: InferencesBookedArgs, models: readonly BookedModelArgs[], data: Hex): BookedRow[] {
  if (keccak256(data) !== batch.batchHash) {
    throw new BookingCodecError(`batch ${batch.batchId}: the records given hash to ${keccak256(data)}, the event says ${batch.batchHash}`);
  }
  const byModel = new Map<bigint, BookedModelArgs>();
  for (const m of models) if (m.batchId === batch.batchId) byModel.set(m.modelId, m);
  const sums = { price: 0n, protocolFee: 0n, operatorFee: 0n, builderFee: 0n, contributorPool: 0n };
  let index = 0;
  const rows = decodeBookings(data).flatMap((g, group) =>
    g.records.map((r): BookedRow => {
      const m = byModel.get(r.modelId);
      if (!m) throw new BookingCodecError(`batch ${batch.batchId}: no BookedModel for model ${r.modelId}`);
      const split = splitFees(r.charged, batch.protocolBps, batch.operatorBps, m.builderBps);
      sums.price += r.charged;
      sums.protocolFee += split.protocolFee;
      sums.operatorFee += split.operatorFee;
      sums.builderFee += split.builderFee;
      sums.contributorPool += split.contributorPool;
      return {
        ...r,
        batchId: batch.batchId,
        index: index++,
        group,
        payer: g.channel.payer,
        channel: g.channel,
        operator: batch.operator,
        builder: m.builder,
        builderBps: m.builderBps,
        protocolTreasury: batch.protocolTreasury,
        price: r.charged,
        ...split,
      };
    }),
  );
  const want = { price: batch.total, protocolFee: batch.protocolFee, operatorFee: batch.operatorFee, builderFee: batch.builderFee, contributorPool: batch.contributorPool };
  for (const k of Object.keys(want) as (keyof typeof want)[]) {
    if (sums[k] !== want[k]) throw new BookingCodecError(`batch ${batch.batchId}: rows sum ${k} to ${sums[k]}, the event says ${want[k]}`);
  }
  return rows;
}
