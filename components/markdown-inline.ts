/**
 * Inline markdown (bold, italics, code, links) parsed into tokens that components/markdown-text.tsx renders
 * as React elements. Nothing is ever interpreted as HTML: `<script>` in a record is text, and only http(s)
 * and mailto links become links (a `javascript:` or `data:` target stays text).
 */
export type InlineToken =
  | { kind: "text"; text: string }
  | { kind: "strong"; children: InlineToken[] }
  | { kind: "em"; children: InlineToken[] }
  | { kind: "code"; text: string }
  | { kind: "link"; href: string; children: InlineToken[] };

/** The link targets that become clickable: absolute http(s) and mailto URLs, nothing else. */
export function safeHref(raw: string): string | null {
  const href = raw.trim();
  if (!/^(https?:\/\/|mailto:)/i.test(href)) return null;
  try {
    const u = new URL(href);
    return ["http:", "https:", "mailto:"].includes(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
}

const MAX_DEPTH = 4;

/** Parses one paragraph's inline markdown. Unmatched markers stay as text. */
export function parseInline(source: string, depth = 0): InlineToken[] {
  const out: InlineToken[] = [];
  let text = "";
  const pushText = () => {
    if (text) out.push({ kind: "text", text });
    text = "";
  };
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    let m: RegExpExecArray | null;
    if (rest[0] === "\\" && rest.length > 1 && /[\\`*_[\]()#!<>-]/.test(rest[1])) {
      text += rest[1];
      i += 2;
    } else if ((m = /^`([^`\n]+)`/.exec(rest))) {
      pushText();
      out.push({ kind: "code", text: m[1] });
      i += m[0].length;
    } else if (depth < MAX_DEPTH && (m = /^!?\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)(?:\s+"[^"]*")?\)/.exec(rest))) {
      pushText();
      const href = safeHref(m[2]);
      const label = parseInline(m[1], depth + 1);
      // An image is shown as its alt text (no remote loads from user content); an unsafe target as plain text.
      if (rest[0] === "!" || !href) out.push(...label);
      else out.push({ kind: "link", href, children: label });
      i += m[0].length;
    } else if (depth < MAX_DEPTH && (m = /^(\*\*|__)(?=\S)([\s\S]+?\S)\1/.exec(rest))) {
      pushText();
      out.push({ kind: "strong", children: parseInline(m[2], depth + 1) });
      i += m[0].length;
    } else if (depth < MAX_DEPTH && (m = /^(\*|_)(?=[^\s*_])([\s\S]*?[^\s\\])\1(?![*_\w])/.exec(rest)) && (m[1] === "*" || !/\w$/.test(text))) {
      pushText();
      out.push({ kind: "em", children: parseInline(m[2], depth + 1) });
      i += m[0].length;
    } else {
      text += rest[0];
      i += 1;
    }
  }
  pushText();
  return out;
}

/** The text a reader sees, markers removed (for titles, search and previews). */
export function inlinePlainText(tokens: InlineToken[]): string {
  return tokens.map((t) => ("text" in t ? t.text : inlinePlainText(t.children))).join("");
}
