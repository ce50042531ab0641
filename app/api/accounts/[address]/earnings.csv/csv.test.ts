import { describe, expect, it } from "vitest";
import { csvCell } from "./csv";

describe("earnings CSV cells", () => {
  it("quotes per RFC 4180", () => {
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell(null)).toBe("");
    expect(csvCell(42)).toBe("42");
  });

  it("neutralises text a spreadsheet would run as a formula (a hostile model or Datanet name)", () => {
    for (const name of ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]) {
      const cell = csvCell(name);
      expect(cell.replace(/^"/, "").startsWith("'")).toBe(true);
    }
    expect(csvCell("=1,2")).toBe(`"'=1,2"`);
    expect(csvCell("Animals")).toBe("Animals");
    expect(csvCell(-5)).toBe("-5");
  });
});
