/**
 * The call page's look: plain CSS and an inline SVG favicon (a speech bubble in Talk's blue), kept
 * apart from the markup in pages.ts.
 */
export const FAVICON_LINK =
  '<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0082c9"/><path d="M8 9h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-9l-5 4v-4H8a2 2 0 0 1-2-2v-9a2 2 0 0 1 2-2z" fill="#fff"/></svg>',
  ) +
  '">';

export const CALL_PAGE_CSS = `
:root { color-scheme: light; --blue: #0082c9; --ink: #222; --muted: #6b6b6b; --line: #dde3ea;
  --bg: #f3f6f9; --ok: #2d7b41; --warn: #a66800; --bad: #c9302c; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--bg); }
#spreed-call, .body-login-container { max-width: 1040px; margin: 0 auto; padding: 24px 16px; }
header.call-head { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
header.call-head h1 { font-size: 22px; margin: 0; flex: 1; }
#call-state { padding: 4px 12px; border-radius: 999px; font-weight: 600; font-size: 13px;
  background: #e4e8ee; color: var(--muted); }
#call-state[data-state="connecting"], #call-state[data-state="reconnecting"] {
  background: #fff3d6; color: var(--warn); }
#call-state[data-state="inCall"] { background: #e0efff; color: var(--blue); }
#call-state[data-state="connected"] { background: #e1f3e5; color: var(--ok); }
#call-state[data-state="failed"] { background: #fde3e2; color: var(--bad); }
p.lead { color: var(--muted); margin: 6px 0 16px; }
.controls { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-bottom: 16px; }
.controls label { color: var(--muted); }
input { font: inherit; padding: 7px 10px; border: 1px solid var(--line); border-radius: 8px;
  background: #fff; }
button { font: inherit; font-weight: 600; padding: 7px 16px; border-radius: 8px;
  border: 1px solid var(--line); background: #fff; color: var(--ink); cursor: pointer; }
button.primary { background: var(--blue); border-color: var(--blue); color: #fff; }
button.danger { color: var(--bad); }
button[aria-pressed="true"] { background: var(--bad); border-color: var(--bad); color: #fff; }
button:disabled { opacity: .45; cursor: default; }
.grid { display: grid; grid-template-columns: 300px 1fr; gap: 16px; }
@media (max-width: 720px) { .grid { grid-template-columns: 1fr; } }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 14px; }
.panel h2 { font-size: 14px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
  margin: 0 0 10px; }
#call-participants { list-style: none; margin: 0; padding: 0; }
#call-participants li { display: flex; align-items: center; gap: 10px; padding: 6px 0;
  border-bottom: 1px solid #f0f2f5; }
#call-participants li:last-child { border-bottom: 0; }
.avatar { width: 32px; height: 32px; border-radius: 50%; background: var(--blue); color: #fff;
  display: grid; place-items: center; font-weight: 700; flex: none; transition: box-shadow .15s; }
li.speaking .avatar { box-shadow: 0 0 0 3px #7cc7f0; }
.who { flex: 1; min-width: 0; }
.who .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.who .detail { font-size: 12px; color: var(--muted); }
li.failed .detail { color: var(--bad); }
li.muted .detail::after { content: " · muted"; }
#call-chat { display: flex; flex-direction: column; min-height: 320px; }
#chat-messages { list-style: none; margin: 0 0 10px; padding: 0; flex: 1; overflow-y: auto;
  max-height: 360px; }
#chat-messages li { padding: 4px 0; }
#chat-messages .time { color: var(--muted); font-size: 12px; margin-right: 6px; }
#chat-messages .author { font-weight: 600; margin-right: 6px; }
#chat-messages li.system { color: var(--muted); font-style: italic; }
#chat-form { display: flex; gap: 8px; }
#chat-input { flex: 1; }
.empty { color: var(--muted); font-style: italic; }
details { margin-top: 16px; }
#call-log { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px;
  font-size: 12px; max-height: 220px; overflow: auto; white-space: pre-wrap; }
.body-login-container h2, #call-error { color: var(--bad); }
`;
