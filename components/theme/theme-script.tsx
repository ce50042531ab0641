import { THEME_STORAGE_KEY } from "./theme-constants";

/**
 * Sets the theme class before the first paint (a blocking inline script in <head>), so a dark-mode reader never
 * sees a flash of the light palette. The same rule runs again in the client store (theme-provider.tsx).
 */
const script = `(function(){try{var t=localStorage.getItem(${JSON.stringify(THEME_STORAGE_KEY)});var d=t==="dark"||(t!=="light"&&matchMedia("(prefers-color-scheme: dark)").matches);var e=document.documentElement;e.classList.toggle("dark",d);e.style.colorScheme=d?"dark":"light";}catch(_){}})()`;

export function ThemeScript() {
  return <script dangerouslySetInnerHTML={{ __html: script }} />;
}
