"use client";

import { useEffect, useState, type ComponentType } from "react";

/** Runs `fn` once the page has loaded and the main thread is idle. */
export function afterLoadIdle(fn: () => void): () => void {
  let cancelled = false;
  let idle: number | undefined;
  const run = () => {
    if (cancelled) return;
    if (typeof window.requestIdleCallback === "function") idle = window.requestIdleCallback(fn, { timeout: 1500 });
    else idle = window.setTimeout(fn, 1);
  };
  if (document.readyState === "complete") run();
  else window.addEventListener("load", run, { once: true });
  return () => {
    cancelled = true;
    window.removeEventListener("load", run);
    if (idle !== undefined) (window.cancelIdleCallback ?? window.clearTimeout)(idle);
  };
}

/**
 * A heavy client widget kept out of the page's first load: `Fallback` (a skeleton of the same size) renders on the
 * server and until the page has loaded, then the widget's module is imported and takes its place.
 */
export function deferred<P extends object>(load: () => Promise<ComponentType<P>>, Fallback: ComponentType<P>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  function Deferred(props: P) {
    const [Widget, setWidget] = useState<ComponentType<P> | null>(() => loaded);
    useEffect(() => {
      if (Widget) return;
      let live = true;
      const cancel = afterLoadIdle(() => {
        load().then((component) => {
          loaded = component;
          if (live) setWidget(() => component);
        }, () => {});
      });
      return () => {
        live = false;
        cancel();
      };
    }, [Widget]);
    return Widget ? <Widget {...props} /> : <Fallback {...props} />;
  }
  return Deferred;
}
