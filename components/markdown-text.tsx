import type { ReactNode } from "react";
import { parseInline, type InlineToken } from "@/components/markdown-inline";
import { cn } from "@/lib/utils";

type Block =
  | { kind: "heading"; text: string }
  | { kind: "list"; items: string[] }
  | { kind: "code"; text: string }
  | { kind: "paragraph"; text: string };

/** Splits markdown-ish text into headings, bullet lists, code fences and paragraphs. Text only, never HTML. */
export function parseBlocks(source: string): Block[] {
  const blocks: Block[] = [];
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  let para: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (para.length) blocks.push({ kind: "paragraph", text: para.join("\n") });
    if (list.length) blocks.push({ kind: "list", items: list });
    para = [];
    list = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
      blocks.push({ kind: "code", text: code.join("\n") });
      continue;
    }
    const heading = /^\s{0,3}#{1,6}\s+(.*)$/.exec(line);
    const item = /^\s*(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (line.trim() === "") flush();
    else if (heading) {
      flush();
      blocks.push({ kind: "heading", text: heading[1].replace(/\s#+\s*$/, "") });
    } else if (item) {
      if (para.length) flush();
      list.push(item[1]);
    } else {
      if (list.length) flush();
      para.push(line.trim());
    }
  }
  flush();
  return blocks;
}

/** Text with every case-insensitive occurrence of `needle` marked. */
function Highlighted({ text, needle }: { text: string; needle?: string }) {
  if (!needle) return <>{text}</>;
  const lower = text.toLowerCase();
  const n = needle.toLowerCase();
  const parts: ReactNode[] = [];
  let at = 0;
  for (let i = lower.indexOf(n); i >= 0; i = lower.indexOf(n, i + n.length)) {
    if (i > at) parts.push(text.slice(at, i));
    parts.push(
      <mark key={i} className="rounded-sm bg-warning/25 px-0.5 text-foreground">
        {text.slice(i, i + n.length)}
      </mark>,
    );
    at = i + n.length;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

function Inline({ tokens, needle }: { tokens: InlineToken[]; needle?: string }) {
  return (
    <>
      {tokens.map((t, i) => {
        switch (t.kind) {
          case "text":
            return <Highlighted key={i} text={t.text} needle={needle} />;
          case "strong":
            return (
              <strong key={i} className="font-semibold text-foreground">
                <Inline tokens={t.children} needle={needle} />
              </strong>
            );
          case "em":
            return (
              <em key={i}>
                <Inline tokens={t.children} needle={needle} />
              </em>
            );
          case "code":
            return (
              <code key={i} className="rounded bg-muted px-1 py-0.5 font-mono text-[0.8125em]">
                <Highlighted text={t.text} needle={needle} />
              </code>
            );
          case "link":
            return (
              <a key={i} href={t.href} rel="nofollow ugc noopener noreferrer" target="_blank" className="text-primary underline underline-offset-2 hover:no-underline">
                <Inline tokens={t.children} needle={needle} />
              </a>
            );
        }
      })}
    </>
  );
}

/**
 * One piece of user text (a record) with its inline markdown rendered: bold, italics, code, safe links; a leading
 * heading marker on a line is dropped. Never HTML: React escapes every character of the source.
 */
export function MarkdownInline({ source, needle }: { source: string; needle?: string }) {
  const text = source.replace(/\r\n?/g, "\n").replace(/^[ \t]{0,3}#{1,6}[ \t]+/gm, "");
  return <Inline tokens={parseInline(text)} needle={needle} />;
}

/**
 * Renders user-supplied markdown safely: headings, lists, code blocks and paragraphs with bold, italics, code and
 * http(s) links (rel="nofollow ugc"). Nothing is interpreted as HTML: React escapes the text, and a `javascript:`
 * link stays text.
 */
export function MarkdownText({ source, className }: { source: string; className?: string }) {
  const blocks = parseBlocks(source);
  return (
    <div className={cn("space-y-3 text-sm leading-relaxed text-foreground/90", className)}>
      {blocks.map((b, i) => {
        switch (b.kind) {
          case "heading":
            return (
              <h3 key={i} className="pt-2 text-sm font-semibold text-foreground">
                <Inline tokens={parseInline(b.text)} />
              </h3>
            );
          case "list":
            return (
              <ul key={i} className="list-disc space-y-1 pl-5 marker:text-muted-foreground">
                {b.items.map((it, j) => (
                  <li key={j}><Inline tokens={parseInline(it)} /></li>
                ))}
              </ul>
            );
          case "code":
            return (
              <pre key={i} className="overflow-x-auto rounded-lg bg-muted p-3 font-mono text-xs">
                {b.text}
              </pre>
            );
          default:
            return (
              <p key={i} className="whitespace-pre-line">
                <Inline tokens={parseInline(b.text)} />
              </p>
            );
        }
      })}
    </div>
  );
}
