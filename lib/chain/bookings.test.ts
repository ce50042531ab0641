import { describe, expect, it } from "vitest";
import { concat, encodeFunctionData, encodePacked, getAddress, keccak256, toHex, zeroAddress, zeroHash, type Hex } from "viem";
import { inferenceMarketAbi } from "../../contracts-abi";
import {
  BOOKING_GROUP_HEADER_SIZE,
  BOOKING_RECORD_SIZE,
  BookingCodecError,
  MAX_BOOKING_BYTES,
  bookedRows,
  bookingBatchOf,
  bookingResultHash,
  decodeBookings,
  encodeBookings,
  splitFees,
  type BookingChannel,
  type BookingGroup,
  type BookingRecord,
  type PackedBookingRecord,
} from "./bookings";

let seq = 0;
const hash = (): Hex => keccak256(toHex(`h${seq++}`));
const addr = (i: number) => getAddress(`0x${(i + 1).toString(16).padStart(40, "0")}`);
const channel = (over: Partial<BookingChannel> = {}): BookingChannel => ({ payer: addr(seq++), payerAuthorizer: zeroAddress, receiverAuthorizer: addr(7), withdrawDelay: 900, salt: hash(), ...over });
const record = (over: Partial<BookingRecord> = {}): BookingRecord => ({ modelId: 1n, requestHash: hash(), charged: 123_456_789n, outputHash: hash(), attributionHash: hash(), ...over });
/** What a batch carries of `g`: its records sorted, each with its two hashes as one resultHash. */
const packed = (g: BookingGroup): BookingGroup<PackedBookingRecord> => ({
  ...g,
  records: [...g.records]
    .sort((a, b) => (a.modelId !== b.modelId ? Number(a.modelId - b.modelId) : BigInt(a.requestHash) < BigInt(b.requestHash) ? -1 : 1))
    .map(({ outputHash, attributionHash, ...r }) => ({ ...r, resultHash: bookingResultHash(outputHash, attributionHash) })),
});

describe("booking batch codec", () => {
  it("packs a 99-byte group header and 80-byte records, in the contract's layout", () => {
    const c = channel({ payer: getAddress("0x00000000000000000000000000000000000000aa"), withdrawDelay: 0x0102 });
    const r = record({ modelId: 0x01020304n, charged: 5n });
    const data = encodeBookings([{ channel: c, records: [r] }]);
    expect((data.length - 2) / 2).toBe(BOOKING_GROUP_HEADER_SIZE + BOOKING_RECORD_SIZE);
    const at = (from: number, to: number) => data.slice(2 + from * 2, 2 + to * 2);
    expect(at(0, 20)).toBe("00000000000000000000000000000000000000aa");
    expect(at(60, 65)).toBe("0000000102");
    expect(at(65, 97)).toBe(c.salt.slice(2));
    expect(at(97, 99)).toBe("0001");
    expect(at(99, 103)).toBe("01020304");
    expect(at(103, 115)).toBe("000000000000000000000005");
    expect(at(115, 147)).toBe(r.requestHash.slice(2));
    // The answer's two hashes travel as one: keccak256(outputHash ‖ attributionHash), as Solidity's abi.encodePacked.
    const resultHash = keccak256(encodePacked(["bytes32", "bytes32"], [r.outputHash, r.attributionHash]));
    expect(bookingResultHash(r.outputHash, r.attributionHash)).toBe(resultHash);
    expect(at(147, 179)).toBe(resultHash.slice(2));
    expect(data.includes(r.outputHash.slice(2)) || data.includes(r.attributionHash.slice(2))).toBe(false);
  });

  it("binds the result hash to both hashes and their order", () => {
    const [o, a] = [hash(), hash()];
    expect(bookingResultHash(o, a)).toBe(keccak256(concat([o, a])));
    expect(bookingResultHash(a, o)).not.toBe(bookingResultHash(o, a));
    expect(bookingResultHash(o, hash())).not.toBe(bookingResultHash(o, a));
    expect(bookingResultHash(o.toUpperCase().replace("0X", "0x") as Hex, a)).toBe(bookingResultHash(o, a));
    expect(() => bookingResultHash("0x12", a)).toThrow(/outputHash is not 32 bytes/);
  });

  it("round-trips random batches (records sorted into (modelId, requestHash) order), including each field's extremes", () => {
    for (const n of [1, 2, 17, 250]) {
      const groups = [0, 1, 2].map(() => ({
        channel: channel(),
        records: Array.from({ length: n }, (_, i) => record({ modelId: BigInt(1 + ((i * 2654435761) % 7)), charged: (BigInt(i) * 10n ** 25n) % 2n ** 96n })),
      }));
      expect(decodeBookings(encodeBookings(groups))).toEqual(groups.map(packed));
    }
    const edge = [record({ modelId: 1n, charged: 0n, outputHash: zeroHash, attributionHash: zeroHash }), record({ modelId: 2n ** 32n - 1n, charged: 2n ** 96n - 1n })];
    const g = { channel: channel({ payer: getAddress("0xffffffffffffffffffffffffffffffffffffffff"), withdrawDelay: 2 ** 40 - 1 }), records: edge };
    expect(decodeBookings(encodeBookings([g]))).toEqual([packed(g)]);
  });

  it("refuses what the contract would refuse, and batches over the size limit", () => {
    const bad: [Partial<BookingRecord>, RegExp][] = [
      [{ modelId: 0n }, /modelId/],
      [{ modelId: 2n ** 32n }, /modelId/],
      [{ charged: -1n }, /uint96/],
      [{ charged: 2n ** 96n }, /uint96/],
      [{ requestHash: zeroHash }, /requestHash is zero/],
      [{ requestHash: "0x12" }, /32 bytes/],
      [{ outputHash: "0xzz" as never }, /outputHash is not 32 bytes/],
      [{ attributionHash: zeroHash.slice(0, -2) as Hex }, /attributionHash is not 32 bytes/],
    ];
    for (const [over, msg] of bad) expect(() => encodeBookings([{ channel: channel(), records: [record(over)] }])).toThrow(msg);
    expect(() => encodeBookings([])).toThrow(BookingCodecError);
    expect(() => encodeBookings([{ channel: channel(), records: [] }])).toThrow(/0 records/);
    expect(() => encodeBookings([{ channel: channel({ payer: "0x1234" as never }), records: [record()] }])).toThrow(/not an address/);
    expect(() => encodeBookings([{ channel: channel({ withdrawDelay: 2 ** 40 }), records: [record()] }])).toThrow(/uint40/);
    const twice = record();
    expect(() => encodeBookings([{ channel: channel(), records: [twice, { ...twice, charged: 1n }] }])).toThrow(/twice/);
    // The same hash on another model, or in another group, is another record.
    expect(() => encodeBookings([{ channel: channel(), records: [twice, { ...twice, modelId: 2n }] }, { channel: channel(), records: [twice] }])).not.toThrow();
    const n = Math.floor((MAX_BOOKING_BYTES - BOOKING_GROUP_HEADER_SIZE) / BOOKING_RECORD_SIZE);
    const big = { channel: channel(), records: Array.from({ length: n + 1 }, () => record()) };
    expect(() => encodeBookings([big])).toThrow(/limit/);
    expect((encodeBookings([{ ...big, records: big.records.slice(0, n) }]).length - 2) / 2).toBeLessThan(128 * 1024);
    expect(() => encodeBookings([{ channel: channel(), records: [record()] }], 100)).toThrow(/limit of 100/);
  });

  it("refuses to decode partial groups or records, or non-hex", () => {
    const data = encodeBookings([{ channel: channel(), records: [record(), record()] }]);
    expect(() => decodeBookings(data.slice(0, -2) as Hex)).toThrow(/cut short/);
    expect(() => decodeBookings(`${data}00`)).toThrow(/cut short/);
    expect(() => decodeBookings("0xzz")).toThrow(/hex/);
    expect(decodeBookings("0x")).toEqual([]);
  });

  it("takes the batch from a bookBatch transaction's input, and nothing else", () => {
    const data = encodeBookings([{ channel: channel(), records: [record()] }]);
    expect(bookingBatchOf(encodeFunctionData({ abi: inferenceMarketAbi, functionName: "bookBatch", args: [data] }))).toBe(data);
    expect(() => bookingBatchOf(encodeFunctionData({ abi: inferenceMarketAbi, functionName: "totalBooked" }))).toThrow(/not bookBatch/);
    expect(() => bookingBatchOf("0xdeadbeef")).toThrow(/not an InferenceMarket call/);
  });

  it("turns a batch into single-settle rows, payer from the channel, splits summing to the batch totals", () => {
    const a = channel();
    const b = channel();
    const groups = [
      { channel: a, records: [record({ modelId: 1n, charged: 999n }), record({ modelId: 2n, charged: 10n ** 18n + 7n })] },
      { channel: b, records: [record({ modelId: 1n, charged: 1n })] },
    ];
    const data = encodeBookings(groups);
    const builderBps = { 1: 1500, 2: 0 } as Record<string, number>;
    const totals = { total: 0n, protocolFee: 0n, operatorFee: 0n, builderFee: 0n, contributorPool: 0n };
    for (const r of groups.flatMap((g) => g.records)) {
      const s = splitFees(r.charged, 500, 1000, builderBps[r.modelId.toString()]);
      totals.total += r.charged;
      totals.protocolFee += s.protocolFee;
      totals.operatorFee += s.operatorFee;
      totals.builderFee += s.builderFee;
      totals.contributorPool += s.contributorPool;
    }
    const batch = { batchId: 4n, operator: addr(1), protocolTreasury: addr(2), protocolBps: 500, operatorBps: 1000, ...totals, batchHash: keccak256(data) };
    const models = [
      { batchId: 4n, modelId: 1n, builder: addr(3), builderBps: 1500 },
      { batchId: 4n, modelId: 2n, builder: addr(4), builderBps: 0 },
      { batchId: 3n, modelId: 2n, builder: addr(5), builderBps: 9000 }, // another batch: ignored
    ];
    const rows = bookedRows(batch, models, data);
    expect(rows.map((r) => [r.index, r.group, r.payer, r.builder, r.price])).toEqual([
      [0, 0, a.payer, addr(3), 999n],
      [1, 0, a.payer, addr(4), 10n ** 18n + 7n],
      [2, 1, b.payer, addr(3), 1n],
    ]);
    expect(rows[0]).toMatchObject({ protocolFee: 49n, operatorFee: 99n, builderFee: 149n, contributorPool: 702n, batchId: 4n });
    const first = groups[0].records[0];
    expect(rows[0].resultHash).toBe(bookingResultHash(first.outputHash, first.attributionHash));
    expect(() => bookedRows({ ...batch, protocolFee: batch.protocolFee + 1n }, models, data)).toThrow(/protocolFee/);
    expect(() => bookedRows(batch, models.slice(1), data)).toThrow(/no BookedModel for model 1/);
    expect(() => bookedRows(batch, models, encodeBookings([groups[1]]))).toThrow(/hash to/);
  });
});
