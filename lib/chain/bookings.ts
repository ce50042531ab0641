/**
 * Packed records of `InferenceMarket.bookBatch` (issue 16: batched settlement of batch-settlement inferences).
 *
 * One record is RECORD_SIZE = 136 bytes, big-endian, records concatenated with no header:
 *
 *   [0, 20)    payer            address (≠ 0)
 *   [20, 24)   modelId          uint32 (≥ 1)
 *   [24, 56)   requestHash      bytes32 (≠ 0; booked once per payer)
 *   [56, 72)   charged          uint128, wei
 *   [72, 104)  outputHash       bytes32
 *   [104, 136) attributionHash  bytes32
 *
 * The contract books no per-record event: one `InferencesBooked` carries the records verbatim with the batch's fee
 * bps, and one `BookedModel` per run of records on the same model carries that model's builder and builderBps.
 * {@link bookedRows} turns them into the rows a single settle's `InferenceSettled` gives (same split, to the wei).
 */
import { getAddress, isAddress, type Address, type Hex } from "viem";

export const BOOKING_RECORD_SIZE = 136;

/**
 * Records per `bookBatch` transaction at most: 900 records are 122,400 bytes of calldata, under geth's 128 KiB
 * transaction-size limit (a larger transaction is dropped by the mempool), and ~25M gas at the measured ~27.5k gas a
 * record, inside a 30M-gas block.
 */
export const MAX_BOOKING_RECORDS = 900;

const MAX_MODEL_ID = 2n ** 32n - 1n;
const MAX_CHARGED = 2n ** 128n - 1n;
const BPS = 10_000n;
const ZERO_HASH = `0x${"0".repeat(64)}`;

export interface BookingRecord {
  payer: Address;
  modelId: bigint;
  requestHash: Hex;
  /** Wei charged for the inference (what the payer's voucher paid for it). */
  charged: bigint;
  outputHash: Hex;
  attributionHash: Hex;
}

export class BookingCodecError extends RangeError {
  override name = "BookingCodecError";
}

const HASH_RE = /^0x[0-9a-fA-F]{64}$/;

function hex(value: bigint, bytes: number): string {
  return value.toString(16).padStart(bytes * 2, "0");
}

function checkHash(what: string, i: number, h: string, nonZero: boolean): string {
  if (!HASH_RE.test(h)) throw new BookingCodecError(`record ${i}: ${what} is not 32 bytes of hex: ${h}`);
  if (nonZero && h === ZERO_HASH) throw new BookingCodecError(`record ${i}: ${what} is zero`);
  return h.slice(2).toLowerCase();
}

/**
 * Packs `records` for `bookBatch` after checking what the contract would refuse (zero payer or request hash, a
 * model id outside uint32 or 0, a charge outside uint128, a request hash twice for one payer) and the size limits
 * (1 to {@link MAX_BOOKING_RECORDS} records; `max` lowers the cap).
 */
export function encodeBookings(records: readonly BookingRecord[], max = MAX_BOOKING_RECORDS): Hex {
  if (records.length === 0) throw new BookingCodecError("no records to book");
  if (records.length > max) throw new BookingCodecError(`${records.length} records exceed the batch limit of ${max}`);
  const seen = new Set<string>();
  const parts: string[] = ["0x"];
  records.forEach((r, i) => {
    if (!isAddress(r.payer, { strict: false })) throw new BookingCodecError(`record ${i}: payer is not an address: ${r.payer}`);
    const payer = r.payer.slice(2).toLowerCase();
    if (/^0+$/.test(payer)) throw new BookingCodecError(`record ${i}: payer is the zero address`);
    if (typeof r.modelId !== "bigint" || r.modelId < 1n || r.modelId > MAX_MODEL_ID) {
      throw new BookingCodecError(`record ${i}: modelId ${r.modelId} is outside 1..2^32-1`);
    }
    if (typeof r.charged !== "bigint" || r.charged < 0n || r.charged > MAX_CHARGED) {
      throw new BookingCodecError(`record ${i}: charged ${r.charged} is outside uint128`);
    }
    const requestHash = checkHash("requestHash", i, r.requestHash, true);
    const key = `${payer}:${requestHash}`;
    if (seen.has(key)) throw new BookingCodecError(`record ${i}: payer 0x${payer} books request ${r.requestHash} twice`);
    seen.add(key);
    parts.push(
      payer,
      hex(r.modelId, 4),
      requestHash,
      hex(r.charged, 16),
      checkHash("outputHash", i, r.outputHash, false),
      checkHash("attributionHash", i, r.attributionHash, false),
    );
  });
  return parts.join("") as Hex;
}

/** Unpacks `bookBatch` records (as sent, or from `InferencesBooked.records`); throws on a partial record. */
export function decodeBookings(data: Hex): BookingRecord[] {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(data)) throw new BookingCodecError("records are not hex bytes");
  const bytes = (data.length - 2) / 2;
  if (bytes % BOOKING_RECORD_SIZE !== 0) {
    throw new BookingCodecError(`${bytes} bytes are not a whole number of ${BOOKING_RECORD_SIZE}-byte records`);
  }
  const out: BookingRecord[] = [];
  for (let at = 2; at < data.length; at += BOOKING_RECORD_SIZE * 2) {
    const field = (from: number, to: number) => data.slice(at + from * 2, at + to * 2);
    out.push({
      payer: getAddress(`0x${field(0, 20)}`),
      modelId: BigInt(`0x${field(20, 24)}`),
      requestHash: `0x${field(24, 56).toLowerCase()}`,
      charged: BigInt(`0x${field(56, 72)}`),
      outputHash: `0x${field(72, 104).toLowerCase()}`,
      attributionHash: `0x${field(104, 136).toLowerCase()}`,
    });
  }
  return out;
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
  records: Hex;
}

/** `BookedModel` arguments, as viem decodes them. */
export interface BookedModelArgs {
  batchId: bigint;
  modelId: bigint;
  builder: Address;
  builderBps: number;
}

/** One booked inference with its split: the fields of a single settle's `InferenceSettled`, plus where it was booked. */
export interface BookedRow extends BookingRecord {
  batchId: bigint;
  /** Position of the record in its batch. */
  index: number;
  operator: Address;
  builder: Address;
  protocolTreasury: Address;
  price: bigint;
  protocolFee: bigint;
  operatorFee: bigint;
  builderFee: bigint;
  contributorPool: bigint;
}

/**
 * The ledger rows of one booked batch: its `InferencesBooked` and the `BookedModel` events of the same batch (same
 * transaction). Checks that every record's model is named and that the rows sum to the event's totals.
 */
export function bookedRows(batch: InferencesBookedArgs, models: readonly BookedModelArgs[]): BookedRow[] {
  const byModel = new Map<bigint, BookedModelArgs>();
  for (const m of models) if (m.batchId === batch.batchId) byModel.set(m.modelId, m);
  const sums = { price: 0n, protocolFee: 0n, operatorFee: 0n, builderFee: 0n, contributorPool: 0n };
  const rows = decodeBookings(batch.records).map((r, index): BookedRow => {
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
      index,
      operator: batch.operator,
      builder: m.builder,
      protocolTreasury: batch.protocolTreasury,
      price: r.charged,
      ...split,
    };
  });
  const want = { price: batch.total, protocolFee: batch.protocolFee, operatorFee: batch.operatorFee, builderFee: batch.builderFee, contributorPool: batch.contributorPool };
  for (const k of Object.keys(want) as (keyof typeof want)[]) {
    if (sums[k] !== want[k]) throw new BookingCodecError(`batch ${batch.batchId}: rows sum ${k} to ${sums[k]}, the event says ${want[k]}`);
  }
  return rows;
}
