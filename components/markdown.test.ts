/**
 * Records and Datanet descriptions are strangers' text: their markdown is rendered, their HTML never is.
 * Rendered with react-dom/server exactly as the server components render them.
 */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { inlinePlainText, parseInline, safeHref } from "./markdown-inline";
import { MarkdownInline, MarkdownText } from "./markdown-text";

const block = (source: string) => renderToStaticMarkup(createElement(MarkdownText, { source }));
const inline = (source: string, needle?: string) => renderToStaticMarkup(createElement(MarkdownInline, { source, needle }));

describe("markdown rendering", () => {
  it("renders bold, italics, code and links instead of showing the markers", () => {
    const html = inline("**tiger**: large feline of _forests_ in `Asia`, see [WordNet](https://wordnet.princeton.edu/)");
    expect(html).toContain('<strong class="font-semibold text-foreground">tiger</strong>');
    expect(html).toContain("<em>forests</em>");
    expect(html).toMatch(/<code[^>]*>Asia<\/code>/);
    expect(html).toMatch(/<a href="https:\/\/wordnet\.princeton\.edu\/" rel="nofollow ugc noopener noreferrer" target="_blank"[^>]*>WordNet<\/a>/);
    expect(html).not.toContain("**");
    const doc = block("# Glossary\n\n- **cat**: a feline\n- *dog*: a canine\n\nPlain `x` text.");
    expect(doc).toContain("<h3");
    expect(doc).toMatch(/<li><strong[^>]*>cat<\/strong>: a feline<\/li>/);
    expect(doc).toMatch(/<li><em>dog<\/em>: a canine<\/li>/);
  });

  it("never injects HTML: tags, attributes and script URLs stay text", () => {
    const attacks = [
      "<script>alert(1)</script>",
      '<img src=x onerror="alert(1)">',
      "[click](javascript:alert(1))",
      "[click](JaVaScRiPt:alert(1))",
      "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
      "![pic](https://evil.example/track.png)",
      '**<iframe src="https://evil.example">**',
      '[<b>bold</b>](https://ok.example/"onmouseover="alert(1))',
      "```\n</pre><script>alert(1)</script>\n```",
    ];
    for (const a of attacks) {
      for (const html of [block(a), inline(a), inline(a, "script")]) {
        expect(html, a).not.toMatch(/<(script|img|iframe|b)[\s>]/i);
        expect(html, a).not.toMatch(/href="(?!https?:\/\/)/i);
        expect(html, a).not.toMatch(/\son\w+="/i);
      }
    }
    expect(inline("<script>alert(1)</script>")).toBe("&lt;script&gt;alert(1)&lt;/script&gt;");
    // An image is its alt text: no remote load from user content.
    expect(inline("![pic](https://evil.example/track.png)")).toBe("pic");
    // An unsafe link keeps its label as text.
    expect(inline("[click](javascript:alert(1))")).toBe("click");
  });

  it("accepts only absolute http(s) and mailto targets", () => {
    expect(safeHref("https://example.org/a?b=1")).toBe("https://example.org/a?b=1");
    expect(safeHref("mailto:a@example.org")).toBe("mailto:a@example.org");
    for (const bad of ["javascript:alert(1)", " javascript:alert(1)", "data:text/html,x", "//evil.example", "/relative", "vbscript:x", "http://"]) {
      expect(safeHref(bad), bad).toBeNull();
    }
  });

  it("leaves unmatched markers and snake_case words alone, and highlights search hits inside formatting", () => {
    expect(inlinePlainText(parseInline("a * b and snake_case_name and 2*3*4"))).toBe("a * b and snake_case_name and 2*3*4");
    expect(inline("a **tiger** here", "tig")).toContain('<strong class="font-semibold text-foreground"><mark class="rounded-sm bg-warning/25 px-0.5 text-foreground">tig</mark>er</strong>');
    expect(inlinePlainText(parseInline("\\*not em\\*"))).toBe("*not em*");
  });
});
