import { describe, expect, it } from "vitest";
import { getAddress, keccak256, toHex, zeroAddress, zeroHash, type Hex } from "viem";
import {
  BOOKING_RECORD_SIZE,
  BookingCodecError,
  MAX_BOOKING_RECORDS,
  bookedRows,
  decodeBookings,
  encodeBookings,
  splitFees,
  type BookingRecord,
} from "./bookings";

let seq = 0;
const hash = (): Hex => keccak256(toHex(`h${seq++}`));
const payer = (i: number) => getAddress(`0x${(i + 1).toString(16).padStart(40, "0")}`);

function record(over: Partial<BookingRecord> = {}): BookingRecord {
  return { payer: payer(seq), modelId: 1n, requestHash: hash(), charged: 123_456_789n, outputHash: hash(), attributionHash: hash(), ...over };
}

describe("booking records codec", () => {
  it("packs 136 bytes a record, in the contract's layout", () => {
    const r = record({ payer: getAddress("0x00000000000000000000000000000000000000aa"), modelId: 0x01020304n, charged: 5n });
    const data = encodeBookings([r]);
    expect((data.length - 2) / 2).toBe(BOOKING_RECORD_SIZE);
    expect(data.slice(2, 42)).toBe("00000000000000000000000000000000000000aa");
    expect(data.slice(42, 50)).toBe("01020304");
    expect(data.slice(50, 114)).toBe(r.requestHash.slice(2));
    expect(data.slice(114, 146)).toBe("00000000000000000000000000000005");
    expect(data.slice(146, 210)).toBe(r.outputHash.slice(2));
    expect(data.slice(210)).toBe(r.attributionHash.slice(2));
  });

  it("round-trips random batches, including the extremes of each field", () => {
    for (const n of [1, 2, 17, 250]) {
      const records = Array.from({ length: n }, (_, i) =>
        record({
          payer: payer(i * 7919),
          modelId: BigInt(1 + ((i * 2654435761) % 0xffffffff)),
          charged: (BigInt(i) * 10n ** 30n) % 2n ** 128n,
        }),
      );
      expect(decodeBookings(encodeBookings(records))).toEqual(records);
    }
    const edge = [
      record({ modelId: 1n, charged: 0n, outputHash: zeroHash, attributionHash: zeroHash }),
      record({ payer: getAddress("0xffffffffffffffffffffffffffffffffffffffff"), modelId: 2n ** 32n - 1n, charged: 2n ** 128n - 1n }),
    ];
    expect(decodeBookings(encodeBookings(edge))).toEqual(edge);
  });

  it("refuses what the contract would refuse, and batches outside the size limits", () => {
    const bad: [Partial<BookingRecord>, RegExp][] = [
      [{ payer: zeroAddress }, /zero address/],
      [{ payer: "0x1234" as never }, /not an address/],
      [{ modelId: 0n }, /modelId/],
      [{ modelId: 2n ** 32n }, /modelId/],
      [{ charged: -1n }, /uint128/],
      [{ charged: 2n ** 128n }, /uint128/],
      [{ requestHash: zeroHash }, /requestHash is zero/],
      [{ requestHash: "0x12" }, /32 bytes/],
      [{ outputHash: "0xzz" as never }, /32 bytes/],
    ];
    for (const [over, msg] of bad) expect(() => encodeBookings([record(over)])).toThrow(msg);
    expect(() => encodeBookings([])).toThrow(BookingCodecError);
    const twice = record();
    expect(() => encodeBookings([twice, { ...twice, charged: 1n }])).toThrow(/twice/);
    // The same hash for two payers is two requests.
    expect(() => encodeBookings([twice, { ...twice, payer: payer(999_999) }])).not.toThrow();
    const many = Array.from({ length: MAX_BOOKING_RECORDS + 1 }, () => record());
    expect(() => encodeBookings(many)).toThrow(/limit/);
    expect((encodeBookings(many.slice(0, MAX_BOOKING_RECORDS)).length - 2) / 2).toBeLessThan(128 * 1024);
    expect(() => encodeBookings(many.slice(0, 3), 2)).toThrow(/limit of 2/);
  });

  it("refuses to decode partial records or non-hex", () => {
    const data = encodeBookings([record(), record()]);
    expect(() => decodeBookings(data.slice(0, -2) as Hex)).toThrow(/whole number/);
    expect(() => decodeBookings(`${data}00`)).toThrow(/whole number/);
    expect(() => decodeBookings("0xzz")).toThrow(/hex/);
    expect(decodeBookings("0x")).toEqual([]);
  });

  it("turns a batch's events into single-settle rows whose splits sum to the batch totals", () => {
    const records = [record({ modelId: 1n, charged: 999n }), record({ modelId: 2n, charged: 10n ** 18n + 7n }), record({ modelId: 1n, charged: 1n })];
    const builderBps = { 1: 1500, 2: 0 } as Record<string, number>;
    const totals = { total: 0n, protocolFee: 0n, operatorFee: 0n, builderFee: 0n, contributorPool: 0n };
    for (const r of records) {
      const s = splitFees(r.charged, 500, 1000, builderBps[r.modelId.toString()]);
      totals.total += r.charged;
      totals.protocolFee += s.protocolFee;
      totals.operatorFee += s.operatorFee;
      totals.builderFee += s.builderFee;
      totals.contributorPool += s.contributorPool;
      expect(s.protocolFee + s.operatorFee + s.builderFee + s.contributorPool).toBe(r.charged);
    }
    const batch = { batchId: 4n, operator: payer(1), protocolTreasury: payer(2), protocolBps: 500, operatorBps: 1000, ...totals, records: encodeBookings(records) };
    const models = [
      { batchId: 4n, modelId: 1n, builder: payer(3), builderBps: 1500 },
      { batchId: 4n, modelId: 2n, builder: payer(4), builderBps: 0 },
      { batchId: 3n, modelId: 2n, builder: payer(5), builderBps: 9000 }, // another batch: ignored
    ];
    const rows = bookedRows(batch, models);
    expect(rows.map((r) => [r.index, r.builder, r.price])).toEqual([
      [0, payer(3), 999n],
      [1, payer(4), 10n ** 18n + 7n],
      [2, payer(3), 1n],
    ]);
    expect(rows[0]).toMatchObject({ protocolFee: 49n, operatorFee: 99n, builderFee: 149n, contributorPool: 702n, batchId: 4n });
    expect(() => bookedRows({ ...batch, protocolFee: batch.protocolFee + 1n }, models)).toThrow(/protocolFee/);
    expect(() => bookedRows(batch, models.slice(1))).toThrow(/no BookedModel for model 1/);
  });
});
