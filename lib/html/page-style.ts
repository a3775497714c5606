/** The pages' style sheet, served from `{base}/assets/atommq.css`; readable at phone width and 1280×800. */
export const PAGE_STYLE = `:root { color-scheme: light dark; --fg: #1d232a; --muted: #5b6570; --line: #d5dbe1; --bg: #ffffff; --card: #f6f8fa; --accent: #0b5cad; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ec; --muted: #a3adb7; --line: #38414a; --bg: #14181c; --card: #1d2329; --accent: #6cb4ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 56rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1rem; border-bottom: 1px solid var(--line); }
header nav a { color: var(--muted); }
/* Feed names run to 128 characters with no break; let them wrap rather than widen a phone's page. */
header nav, .summary, th[scope="row"] { overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; margin: 0.4rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
h3 { font-size: 1rem; margin: 0; overflow-wrap: anywhere; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.summary { color: var(--muted); margin: 0 0 0.8rem; }
.messages { list-style: none; margin: 0; padding: 0; }
.message { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem 0.8rem; margin: 0 0 0.6rem; }
.message.deleted { color: var(--muted); font-style: italic; }
.meta { color: var(--muted); font-size: 0.85rem; margin: 0.1rem 0 0.3rem; display: flex; gap: 0.8rem; flex-wrap: wrap; }
.seq { font-variant-numeric: tabular-nums; font-weight: 600; }
.content pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font: 0.9rem/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.pager { display: flex; justify-content: space-between; gap: 1rem; margin: 0.8rem 0; }
#live-status { color: var(--muted); font-size: 0.9rem; }
form { display: grid; gap: 0.4rem; background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 0.8rem; margin-bottom: 2rem; }
label { font-weight: 600; }
input, textarea { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 0.4rem; width: 100%; }
textarea { min-height: 5rem; resize: vertical; }
button { justify-self: start; font: inherit; padding: 0.4rem 1.2rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
button[aria-disabled="true"] { opacity: 0.6; cursor: progress; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid var(--line); }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; }
form h2 { margin: 0 0 0.3rem; }
@media (max-width: 40rem) { h1 { font-size: 1.3rem; } th, td { padding: 0.4rem 0.3rem; } }
`;
