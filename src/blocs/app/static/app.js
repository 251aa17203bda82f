// blocs scenario explorer: plain ES module, no dependency, no eval, no inline handlers.
// The page edits a scenario document (the TOML tables as JSON); every edit is sent to
// /api/solve with a new sequence number; the newest answer is drawn, older ones dropped.

import { setupCoalitions } from "./coalitions.js";
import { setupCompare } from "./compare.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const CLIENT = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random())).slice(0, 36);
const COLORS = ["#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7",
  "#d1e5f0", "#92c5de", "#4393c3", "#2166ac", "#053061"];
const NO_DATA = "#d0d0d0";
const RETALIATION_RULES = ["mirror", "optimal", "best_response", "none"];
const OPS = ["rate", "add", "multiply", "cap", "floor"];

const state = {
  meta: null, doc: null, seq: 0, drawn: 0, result: null, column: "welfare_pct",
  pinned: null, shapes: {},
};
// Read by the browser tests: the last drawn edit and when it was drawn.
window.blocs = { drawn: 0, drawnAt: 0, sentAt: {}, answeredAt: {}, serverMs: {}, errors: 0, scheduled: false };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function getJSON(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

async function postJSON(url, body) {
  return fetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body) });
}

// ---------------------------------------------------------------- data and presets

// Uploaded tables: the document names them ({flows, countries}); the page calls them "upload".
function dataName() {
  const d = state.doc && state.doc.scenario && state.doc.scenario.data;
  return d && typeof d === "object" ? "upload" : d || "world2023";
}

function uploadRef() { return state.upload && dataName() === "upload" ? { upload: state.upload.id } : {}; }

const MAX_UPLOAD = 4 * 1024 * 1024;

async function useUpload() {
  const box = document.querySelector('[data-error-for="upload"]');
  box.textContent = "";
  const flows = $("up-flows").files[0], countries = $("up-countries").files[0];
  if (!flows) { box.textContent = "choose the flows table (a CSV file)"; return; }
  const size = flows.size + (countries ? countries.size : 0);
  if (size > MAX_UPLOAD) { box.textContent = `${(size / 2 ** 20).toFixed(1)} MB is over the app's limit of 4 MB; run data this large with the command line`; return; }
  const body = { flows: { name: flows.name, text: await flows.text() } };
  if (countries) body.countries = { name: countries.name, text: await countries.text() };
  const r = await postJSON("/api/upload", body);
  const out = await r.json();
  if (out.status !== "ok") { box.textContent = out.message; return; }
  state.upload = out;
  state.meta.data.upload = { model: out.model, countries: out.countries, options: out.options };
  state.doc = { scenario: { name: "my-data", data: out.data }, tariffs: [], retaliation: [] };
  state.pinned = null;
  $("selected").replaceChildren("Click a country to pin its numbers.");
  document.querySelectorAll("#map .pinned").forEach((n) => n.classList.remove("pinned"));
  renderControls();
  solve();
}

function fillPresets() {
  const sel = $("preset"), other = $("compare-preset");
  sel.replaceChildren(el("option", { value: "", text: "(nothing: no rule)" }));
  other.replaceChildren(el("option", { value: "", text: "(a built-in)" }));
  for (const s of state.meta.scenarios) {
    if (s.data !== $("data").value) continue; // (no built-in runs on uploaded data)
    sel.append(el("option", { value: s.name, text: s.name, title: s.description }));
    other.append(el("option", { value: s.name, text: s.name, title: s.description }));
  }
}

// Country codes of a group (the scenario's or a built-in); [] for a country code.
function groupMembers(code) {
  const own = (state.doc && state.doc.groups) || {};
  if (own[code]) return own[code].flatMap((c) => (c === code ? [] : [c, ...groupMembers(c)]));
  const g = state.meta.groups.find((x) => x.code === code);
  return g ? g.members : [];
}

// What A was when pinned: the scenario's name and its tariff rules' rates.
function pinLabel() {
  const rates = (state.doc.tariffs || []).map((r) => r.rate).filter((r) => typeof r === "number");
  return rates.length ? `${state.doc.scenario.name} at ${rates.map((r) => `${+(100 * r).toFixed(2)} %`).join(", ")}` : state.doc.scenario.name;
}

function fillPlaces() {
  const list = $("places");
  const items = [];
  for (const g of Object.keys(state.doc.groups || {})) items.push([g, "scenario group"]);
  for (const g of state.meta.groups) items.push([g.code, `group of ${g.members.length}`]);
  items.push(["ALL", "every country"]);
  for (const c of state.meta.data[dataName()].countries) items.push([c.code, c.name]);
  list.replaceChildren(...items.map(([code, name]) => el("option", { value: code, label: `${code} — ${name}` }, `${name}`)));
}

function countryName(code) {
  const c = state.meta.data[dataName()].countries.find((x) => x.code === code);
  return c ? c.name : code;
}

async function loadPreset(name) {
  if (name) {
    state.doc = await getJSON(`/api/scenario/${encodeURIComponent(name)}`);
  } else {
    state.doc = { scenario: { name: "my-scenario", data: $("data").value }, tariffs: [], retaliation: [] };
  }
  state.doc.scenario.data = state.doc.scenario.data || "world2023";
  renderControls();
  if (state.coalitions) state.coalitions.render();
  solve();
}

function showTab(name) {
  const co = name === "coalition";
  $("scenario-controls").hidden = co;
  $("results").hidden = co;
  $("coalition-controls").hidden = !co;
  $("coalition-results").hidden = !co;
  for (const [id, on] of [["tab-scenario", !co], ["tab-coalition", co]]) {
    $(id).classList.toggle("active", on);
    $(id).setAttribute("aria-pressed", String(on));
  }
}

// ---------------------------------------------------------------- controls

function picker(label, list, where, onChange) {
  const box = el("div", { class: "picker", "data-where": where });
  box.append(el("span", { class: "label", text: label }));
  const draw = () => {
    box.querySelectorAll(".chip").forEach((c) => c.remove());
    for (const code of list) {
      const chip = el("span", { class: "chip", title: countryName(code), "data-code": code }, code,
        el("button", { type: "button", "aria-label": `remove ${code}`, text: "×", onclick: () => {
          list.splice(list.indexOf(code), 1); draw(); onChange();
        } }));
      box.insertBefore(chip, input);
    }
  };
  const input = el("input", { list: "places", placeholder: "add: name or code", "aria-label": `${label}: add a country or group` });
  input.addEventListener("change", () => {
    const v = input.value.trim();
    input.value = "";
    if (!v) return;
    const code = resolvePlace(v);
    if (!list.includes(code)) list.push(code);
    draw(); onChange();
  });
  box.append(input);
  draw();
  return box;
}

function resolvePlace(text) {
  const up = text.toUpperCase();
  const data = state.meta.data[dataName()];
  if (data.countries.some((c) => c.code === up)) return up;
  const byName = data.countries.find((c) => c.name.toLowerCase() === text.toLowerCase());
  if (byName) return byName.code;
  const groups = [...Object.keys(state.doc.groups || {}), ...state.meta.groups.map((g) => g.code)];
  return groups.find((g) => g.toUpperCase() === up) || text; // the library says what is wrong
}

function errorBox(where) { return el("div", { class: "error", "data-error-for": where }); }

function tariffCard(rule, k) {
  const where = `tariffs[${k}]`;
  const card = el("div", { class: "card", "data-where": where });
  card.append(el("div", { class: "head" }, `tariff rule ${k + 1}`,
    el("button", { type: "button", class: "small", text: "remove", onclick: () => {
      state.doc.tariffs.splice(k, 1); renderControls(); solve();
    } })));
  card.append(picker("importers", rule.importers, `${where}.importers`, solve));
  card.append(picker("exporters", rule.exporters, `${where}.exporters`, solve));
  const op = OPS.find((o) => rule[o] !== undefined && rule[o] !== null) || "rate";
  if (op === "rate" && typeof rule.rate === "string") {
    card.append(el("div", { class: "note", text: `rate = ${rule.rate} (a rate the library computes)` }));
  } else {
    if (rule[op] === undefined) rule[op] = 0;
    const pct = op === "multiply" ? 1 : 100;
    const range = el("input", { type: "range", min: op === "multiply" ? "0.1" : "0", max: op === "multiply" ? "3" : "200",
      step: op === "multiply" ? "0.01" : "1", value: String(rule[op] * pct), "aria-label": `${op} of tariff rule ${k + 1}`, "data-testid": `rate-${k}` });
    const num = el("input", { type: "number", step: "any", value: String(+(rule[op] * pct).toFixed(4)), "aria-label": `${op} of tariff rule ${k + 1} (number)` });
    const set = (v, from) => {
      rule[op] = v / pct;
      if (from !== range) range.value = String(v);
      if (from !== num) num.value = String(v);
      solve();
    };
    range.addEventListener("input", () => set(Number(range.value), range));
    num.addEventListener("input", () => { if (num.value !== "" && isFinite(Number(num.value))) set(Number(num.value), num); });
    card.append(el("div", { class: "rate" }, el("span", { class: "label", text: op === "multiply" ? "× (1+t)" : `${op} %` }), range, num));
  }
  const rest = ["except_importers", "except_exporters", "sectors"].filter((x) => rule[x] && rule[x].length);
  for (const x of rest) card.append(el("div", { class: "note", text: `${x}: ${rule[x].join(", ")}` }));
  card.append(errorBox(where));
  return card;
}

function retaliationCard(rule, k) {
  const where = `retaliation[${k}]`;
  const card = el("div", { class: "card", "data-where": where });
  card.append(el("div", { class: "head" }, `retaliation rule ${k + 1}`,
    el("button", { type: "button", class: "small", text: "remove", onclick: () => {
      state.doc.retaliation.splice(k, 1); renderControls(); solve();
    } })));
  card.append(picker("by", rule.by, `${where}.by`, solve));
  card.append(picker("against", rule.against, `${where}.against`, solve));
  const sel = el("select", { "aria-label": `rule of retaliation ${k + 1}` },
    ...RETALIATION_RULES.map((r) => el("option", { value: r, text: r })));
  sel.value = rule.rule || "mirror";
  sel.addEventListener("change", () => { rule.rule = sel.value; solve(); });
  card.append(el("div", { class: "rate" }, el("span", { class: "label", text: "response" }), sel));
  card.append(errorBox(where));
  return card;
}

function optionFields() {
  const box = $("options");
  box.replaceChildren();
  const doc = state.doc;
  doc.model = doc.model || {};
  const spec = state.meta.data[dataName()].options;
  for (const [key, o] of Object.entries(spec)) {
    const where = `model.${key}`;
    let input;
    if (o.choices) {
      input = el("select", { "aria-label": key }, ...o.choices.map((c) => el("option", { value: c, text: c })));
      input.value = doc.model[key] ?? o.default;
      input.addEventListener("change", () => { doc.model[key] = input.value; solve(); });
    } else {
      input = el("input", { type: "number", step: "0.5", value: String(doc.model[key] ?? o.default), "aria-label": key });
      input.addEventListener("input", () => {
        if (input.value === "") delete doc.model[key]; else doc.model[key] = Number(input.value);
        solve();
      });
    }
    const field = el("div", { class: "field", "data-where": where, title: o.description || "" },
      el("span", { text: key.replace(/_/g, " ") }), input);
    box.append(field, errorBox(where));
  }
}

function renderControls() {
  const doc = state.doc;
  doc.tariffs = doc.tariffs || [];
  doc.retaliation = doc.retaliation || [];
  $("description").textContent = doc.scenario.description || "";
  fillPlaces();
  $("tariffs").replaceChildren(...doc.tariffs.map(tariffCard));
  $("retaliation").replaceChildren(...doc.retaliation.map(retaliationCard));
  optionFields();
  const other = ["us_tariffs", "retaliation_in_force", "agreements", "trade_costs"].filter((k) => doc[k] && (Array.isArray(doc[k]) ? doc[k].length : true));
  $("other").textContent = other.length ? `Also in this scenario (kept, edit in the TOML): ${other.join(", ")}.` : "";
}

// ---------------------------------------------------------------- solving

let timer = null;
function solve() {
  // One request per animation frame at most; the server drops edits a newer one replaced.
  if (timer) return;
  window.blocs.scheduled = true; // an edit not yet sent (read by the tests)
  timer = requestAnimationFrame(() => { timer = null; window.blocs.scheduled = false; send(); });
}

async function send() {
  const seq = ++state.seq;
  window.blocs.sentAt[seq] = performance.now();
  setStatus("busy", "solving…");
  let out;
  try {
    const r = await postJSON("/api/solve", { client: CLIENT, seq, scenario: state.doc, ...uploadRef() });
    out = await r.json();
    window.blocs.answeredAt[seq] = performance.now();
    window.blocs.serverMs[seq] = out.server_ms;
  } catch (e) {
    if (seq === state.seq) setStatus("failed", `the server did not answer (${e.message})`);
    return;
  }
  if (out.status === "superseded" || seq < state.drawn || seq !== state.seq && out.status !== "ok") return;
  if (out.status === "error") { showError(out); setStatus("failed", "not solved: see the message"); return; }
  clearErrors();
  state.result = out;
  state.drawn = seq;
  draw();
  requestAnimationFrame(() => { window.blocs.drawn = seq; window.blocs.drawnAt = performance.now(); });
  const s = out.solver;
  setStatus(s.status === "converged" ? "ok" : "failed",
    `${out.model}: solver ${s.status} in ${s.iterations} Newton steps, max residual ${s.max_residual}, ${s.seconds.toFixed(3)} s` +
    ` (server ${Math.round(out.server_ms)} ms, round trip ${Math.round(window.blocs.answeredAt[seq] - window.blocs.sentAt[seq])} ms)`);
}

function setStatus(kind, text) { const s = $("status"); s.className = kind; s.textContent = text; }

function clearErrors() {
  document.querySelectorAll("[data-error-for]").forEach((e) => { e.textContent = ""; });
  document.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
  $("global-error").hidden = true;
}

function showError(out) {
  clearErrors();
  window.blocs.errors += 1;
  // The longest control key that starts the error's key: tariffs[0].rate -> tariffs[0].
  let best = null;
  for (const node of document.querySelectorAll("[data-error-for]")) {
    const w = node.dataset.errorFor;
    if (out.where && (out.where === w || out.where.startsWith(w + ".") || out.where.startsWith(w + "["))
        && (!best || w.length > best.dataset.errorFor.length)) best = node;
  }
  if (best) {
    best.textContent = out.message;
    const ctl = document.querySelector(`[data-where="${CSS.escape(best.dataset.errorFor)}"]`);
    if (ctl) ctl.classList.add("invalid");
  } else {
    $("global-error").textContent = out.message;
    $("global-error").hidden = false;
  }
}

// ---------------------------------------------------------------- results

function color(v, vmax) {
  if (v === null || v === undefined || !isFinite(v)) return NO_DATA;
  const x = Math.max(-1, Math.min(1, v / vmax));
  const pos = (x + 1) / 2 * (COLORS.length - 1);
  const i = Math.min(COLORS.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = COLORS[i], b = COLORS[i + 1];
  const ch = (h, k) => parseInt(h.slice(1 + 2 * k, 3 + 2 * k), 16);
  const mix = [0, 1, 2].map((k) => Math.round(ch(a, k) + (ch(b, k) - ch(a, k)) * f));
  return `rgb(${mix.join(",")})`;
}

function scale(values) {
  const abs = values.filter((v) => v !== null && isFinite(v)).map(Math.abs).sort((a, b) => a - b);
  if (!abs.length) return 1;
  const q = abs[Math.floor(0.95 * (abs.length - 1))];
  return Math.max(q, 0.1);
}

function draw() {
  const out = state.result;
  const col = state.column;
  const sel = $("column");
  if (sel.options.length !== out.columns.length) {
    sel.replaceChildren(...out.columns.map((c) => el("option", { value: c.key, text: c.title })));
    if (!out.columns.some((c) => c.key === col)) state.column = out.columns[0].key;
    sel.value = state.column;
  }
  const vals = Object.values(out.countries).map((c) => c.values[col]);
  const vmax = scale(vals);
  for (const [code, shapes] of Object.entries(state.shapes)) {
    const c = out.countries[code];
    const fill = color(c ? c.values[col] : null, vmax);
    for (const s of shapes) s.setAttribute("fill", fill);
  }
  const title = out.columns.find((c) => c.key === col).title;
  $("legend").replaceChildren(`${(-vmax).toFixed(1)} %`, ...[-1, -0.5, 0, 0.5, 1].map((x) => el("i")), `+${vmax.toFixed(1)} %`);
  $("legend").querySelectorAll("i").forEach((node, k) => { node.style.background = color([-1, -0.5, 0, 0.5, 1][k] * vmax, vmax); });
  drawBars(out, col, title);
  drawGroups(out);
  if (state.pinned) pin(state.pinned);
  if (state.compare) state.compare.update();
}

function drawBars(out, col, title) {
  $("bars-title").textContent = `${title}, % change: the 8 highest and 8 lowest`;
  const rows = Object.entries(out.countries).filter(([, c]) => c.values[col] !== null)
    .sort((a, b) => b[1].values[col] - a[1].values[col]);
  const pick = rows.length > 16 ? [...rows.slice(0, 8), ...rows.slice(-8)] : rows;
  const vmax = Math.max(...pick.map(([, c]) => Math.abs(c.values[col])), 1e-9);
  $("bars").replaceChildren(...pick.map(([code, c]) => {
    const v = c.values[col];
    const w = Math.abs(v) / vmax * 50;
    const fill = el("div", { class: "fill" });
    fill.style.width = `${w}%`;
    fill.style.left = v >= 0 ? "50%" : `${50 - w}%`;
    fill.style.background = v >= 0 ? "#4393c3" : "#d6604d";
    return el("div", { class: "bar", "data-code": code },
      el("span", { class: "name", title: c.name, text: `${code} ${c.name}` }),
      el("div", { class: "track" }, el("div", { class: "axis" }), fill),
      el("span", { class: "num", text: c.text[col] }));
  }));
}

function drawGroups(out) {
  const head = el("tr", {}, el("th", { text: "" }), ...out.columns.map((c) => el("th", { text: c.title })));
  const rows = out.groups.map((g) => el("tr", { "data-row": g.name },
    el("td", { text: g.members > 1 ? `${g.name} (${g.members})` : g.name }),
    ...out.columns.map((c) => el("td", { text: g.text[c.key], "data-col": c.key,
      class: g.values[c.key] < 0 ? "neg" : g.values[c.key] > 0 ? "pos" : "" }))));
  $("groups").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
}

function details(code) {
  const c = state.result && state.result.countries[code];
  const name = c ? c.name : (state.shapes[code] && state.shapes[code][0].dataset.name) || code;
  const box = el("div", {}, el("b", { text: `${name} (${code})` }));
  if (!c) { box.append(el("div", { text: "not in the data" })); return box; }
  for (const col of state.result.columns) {
    box.append(el("div", { "data-col": col.key }, `${col.title}: `, el("span", { class: "v", text: c.text[col.key] }), " %"));
  }
  return box;
}

function pin(code) {
  state.pinned = code;
  document.querySelectorAll("#map .pinned").forEach((n) => n.classList.remove("pinned"));
  (state.shapes[code] || []).forEach((n) => n.classList.add("pinned"));
  $("selected").replaceChildren(details(code));
  $("selected").dataset.code = code;
}

async function buildMap() {
  const m = await getJSON("/api/map");
  const svg = $("map");
  svg.setAttribute("viewBox", m.viewBox.join(" "));
  svg.append(Object.assign(document.createElementNS(SVG, "path"), {}));
  svg.lastChild.setAttribute("d", m.outline);
  svg.lastChild.setAttribute("class", "outline");
  const add = (code, name, node) => {
    node.setAttribute("class", "country");
    node.setAttribute("fill", NO_DATA);
    node.dataset.iso = code;
    node.dataset.name = name;
    (state.shapes[code] = state.shapes[code] || []).push(node);
    svg.append(node);
  };
  const area = (d) => d.length; // longer outlines first, so enclosed countries stay on top
  for (const [code, c] of Object.entries(m.countries).sort((a, b) => area(b[1].d) - area(a[1].d))) {
    const p = document.createElementNS(SVG, "path");
    p.setAttribute("d", c.d);
    add(code, c.name, p);
  }
  for (const [code, c] of Object.entries(m.points)) {
    const p = document.createElementNS(SVG, "circle");
    p.setAttribute("cx", c.x); p.setAttribute("cy", c.y); p.setAttribute("r", "1.6");
    add(code, c.name, p);
  }
  $("source").textContent = `Map: ${m.source}.`;
  const tip = $("tooltip");
  svg.addEventListener("mousemove", (e) => {
    const code = e.target.dataset && e.target.dataset.iso;
    if (!code) { tip.hidden = true; return; }
    tip.replaceChildren(details(code));
    tip.dataset.code = code;
    const box = $("mapbox").getBoundingClientRect();
    tip.style.left = `${Math.min(e.clientX - box.left + 12, box.width - 180)}px`;
    tip.style.top = `${e.clientY - box.top + 12}px`;
    tip.hidden = false;
  });
  svg.addEventListener("mouseleave", () => { tip.hidden = true; });
  svg.addEventListener("click", (e) => { const code = e.target.dataset && e.target.dataset.iso; if (code) pin(code); });
}

// ---------------------------------------------------------------- downloads

async function download(kind) {
  const button = $(`dl-${kind}`);
  button.disabled = true;
  let r;
  try { r = await postJSON(`/api/download/${kind}`, { scenario: state.doc, ...uploadRef() }); } finally { button.disabled = false; }
  if (!r.ok || (r.headers.get("Content-Type") || "").startsWith("application/json")) {
    const out = await r.json();  // the library's message about the scenario, or the server's
    showError(out.message ? out : { message: `download failed (${r.status})`, where: "" });
    return;
  }
  const name = (r.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", { href: url, download: name ? name[1] : `scenario.${kind}` });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---------------------------------------------------------------- start

async function start() {
  state.meta = await getJSON("/api/meta");
  const data = $("data");
  data.replaceChildren(...Object.keys(state.meta.data).map((d) => el("option", { value: d, text: d })),
    el("option", { value: "upload", text: "your own data (CSV)…" }));
  data.value = "world2023";
  fillPresets();
  data.addEventListener("change", () => {
    fillPresets();
    $("upload-box").hidden = data.value !== "upload";
    if (data.value !== "upload") loadPreset("");
  });
  $("up-load").addEventListener("click", () => useUpload().catch((e) => {
    document.querySelector('[data-error-for="upload"]').textContent = e.message;
  }));
  $("preset").addEventListener("change", () => loadPreset($("preset").value));
  $("column").addEventListener("change", () => { state.column = $("column").value; if (state.result) draw(); });
  $("add-tariff").addEventListener("click", () => {
    state.doc.tariffs.push({ importers: ["USA"], exporters: ["CHN"], rate: 0.1 }); renderControls(); solve();
  });
  $("add-retaliation").addEventListener("click", () => {
    state.doc.retaliation.push({ by: ["CHN"], against: ["USA"], rule: "mirror" }); renderControls(); solve();
  });
  $("dl-toml").addEventListener("click", () => download("toml"));
  $("dl-csv").addEventListener("click", () => download("csv"));
  $("dl-report").addEventListener("click", () => download("report"));
  state.coalitions = setupCoalitions({
    $, el, postJSON, getJSON, picker, client: CLIENT, getDoc: () => state.doc, members: groupMembers,
    showMessage: (where, message) => {
      document.querySelectorAll(`[data-error-for="${where}"]`).forEach((n) => { n.textContent = message; });
    },
  });
  $("tab-scenario").addEventListener("click", () => showTab("scenario"));
  $("tab-coalition").addEventListener("click", () => { showTab("coalition"); state.coalitions.render(); });
  await buildMap();
  state.compare = setupCompare({
    $, el, postJSON, getJSON, client: CLIENT, color, scale,
    current: () => state.result, column: () => state.column, labelOf: pinLabel,
    onPin: () => { $("compare-preset").value = ""; },
  });
  const first = state.meta.scenarios.find((s) => s.name === "liberation-day") ? "liberation-day" : "";
  $("preset").value = first;
  await loadPreset(first);
}

start().catch((e) => setStatus("failed", `could not start: ${e.message}`));
