"use client";

import { createContext, useCallback, useContext, useMemo, useSyncExternalStore, type ReactNode } from "react";
import { THEME_STORAGE_KEY, THEMES, type ResolvedTheme, type ThemeChoice } from "./theme-constants";

interface ThemeState {
  /** What the reader chose: follow the system, or a fixed palette. */
  theme: ThemeChoice;
  /** The palette in effect ("system" resolved through prefers-color-scheme). */
  resolvedTheme: ResolvedTheme;
  setTheme(theme: ThemeChoice): void;
}

const ThemeContext = createContext<ThemeState | null>(null);

const listeners = new Set<() => void>();
/** Applies the palette to <html> (imperatively, like the head script) and re-renders the readers. */
const notify = () => {
  const dark = readSnapshot().endsWith(":dark");
  document.documentElement.classList.toggle("dark", dark);
  document.documentElement.style.colorScheme = dark ? "dark" : "light";
  listeners.forEach((l) => l());
};

function subscribe(listener: () => void) {
  listeners.add(listener);
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  const onStorage = (e: StorageEvent) => e.key === THEME_STORAGE_KEY && notify();
  media.addEventListener("change", notify);
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    media.removeEventListener("change", notify);
    window.removeEventListener("storage", onStorage);
  };
}

function readChoice(): ThemeChoice {
  try {
    const stored = localStorage.getItem(THEME_STORAGE_KEY);
    return (THEMES as readonly string[]).includes(stored ?? "") ? (stored as ThemeChoice) : "system";
  } catch {
    return "system";
  }
}

const readSnapshot = (): string => {
  const choice = readChoice();
  const dark = choice === "dark" || (choice === "system" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  return `${choice}:${dark ? "dark" : "light"}`;
};

/** The server does not know the reader's theme; the inline head script has already painted the right one. */
const serverSnapshot = () => "system:light";

export function ThemeProvider({ children }: { children: ReactNode }) {
  const snapshot = useSyncExternalStore(subscribe, readSnapshot, serverSnapshot);
  const [theme, resolvedTheme] = snapshot.split(":") as [ThemeChoice, ResolvedTheme];

  const setTheme = useCallback((next: ThemeChoice) => {
    try {
      if (next === "system") localStorage.removeItem(THEME_STORAGE_KEY);
      else localStorage.setItem(THEME_STORAGE_KEY, next);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
    notify();
  }, []);

  const value = useMemo(() => ({ theme, resolvedTheme, setTheme }), [theme, resolvedTheme, setTheme]);
  return <ThemeContext.Provider value={value}>{children}</ThemeContext.Provider>;
}

export function useTheme(): ThemeState {
  const state = useContext(ThemeContext);
  if (!state) throw new Error("useTheme must be used inside <ThemeProvider>");
  return state;
}
