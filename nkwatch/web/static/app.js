// nkwatch pages: keyboard review, uploads with progress, confirmations. No inline script anywhere (CSP).
"use strict";

function csrfToken() {
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.content : "";
}

// Forms with data-confirm ask first.
document.addEventListener("submit", (ev) => {
  const msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) ev.preventDefault();
});
document.addEventListener("click", (ev) => {
  const t = ev.target;
  if (t.matches && t.matches(".flash .dismiss")) t.closest(".flash").remove();
  if (t.matches && t.matches("[data-print]")) window.print();
  // A split button outside its form: the browser handles form="split", data-confirm is on the form.
});

// ---- review queue: j/k to move, c confirm, r reject, e correct, o open, Esc cancel, / search ----
function rows() { return Array.from(document.querySelectorAll("#queue tr.review-row")); }
function selected() { return document.querySelector("#queue tr.review-row.selected"); }
function select(row) {
  const old = selected();
  if (old) old.classList.remove("selected");
  if (!row) return;
  row.classList.add("selected");
  row.scrollIntoView({ block: "nearest" });
}
function move(step) {
  const all = rows();
  if (!all.length) return;
  const i = all.indexOf(selected());
  select(all[Math.max(0, Math.min(all.length - 1, i < 0 ? 0 : i + step))]);
}
function nextPending(from) {
  const all = rows();
  const i = all.indexOf(from);
  return all.slice(i + 1).find((r) => r.classList.contains("status-machine")) || all[i + 1] || from;
}

document.addEventListener("keydown", (ev) => {
  const tag = (ev.target.tagName || "").toLowerCase();
  const typing = tag === "input" || tag === "textarea" || tag === "select" || ev.target.isContentEditable;
  if (ev.key === "Escape" && document.querySelector("#queue tr.editing")) {
    window.location.reload();
    return;
  }
  if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.key === "/") {
    const box = document.querySelector(".filters input[type=search]") || document.getElementById("quicksearch");
    if (box) { ev.preventDefault(); box.focus(); }
    return;
  }
  if (!document.getElementById("queue")) return;
  const row = selected();
  if (ev.key === "j") { move(1); ev.preventDefault(); }
  else if (ev.key === "k") { move(-1); ev.preventDefault(); }
  else if (row && ["c", "r", "e"].includes(ev.key)) {
    const button = row.querySelector(`[data-key="${ev.key}"]`);
    if (button) { ev.preventDefault(); button.click(); }
  } else if (row && ev.key === "o") {
    const link = row.querySelector("td.what a");
    if (link) window.location.href = link.href;
  }
});

document.addEventListener("click", (ev) => {
  const row = ev.target.closest && ev.target.closest("#queue tr.review-row");
  if (row) select(row);
});

// After a row is swapped in by htmx, keep the selection on it, or move to the next claim once decided.
document.addEventListener("htmx:afterSwap", (ev) => {
  const row = ev.detail.elt && ev.detail.elt.closest ? ev.detail.elt : null;
  const swapped = ev.detail.target && ev.detail.target.id ? document.getElementById(ev.detail.target.id) : null;
  const r = swapped || row;
  if (!r || !r.classList || !r.classList.contains("review-row")) return;
  if (r.classList.contains("editing")) {
    select(r);
    const first = r.querySelector("select, input:not([type=hidden])");
    if (first) first.focus();
  } else {
    select(nextPending(r));
  }
});
document.addEventListener("DOMContentLoaded", () => {
  if (document.getElementById("queue")) select(rows()[0]);
});
document.addEventListener("htmx:responseError", (ev) => {
  const text = (ev.detail.xhr && ev.detail.xhr.status) ? `The server refused (${ev.detail.xhr.status}). Reload the page and try again.` : "The request failed.";
  window.alert(text);
});

// ---- add sources: drag and drop, several files, one request per file with its progress ----
function fileItem(file) {
  const li = document.createElement("li");
  const name = document.createElement("b");
  name.textContent = file.name;
  const state = document.createElement("span");
  state.textContent = " waiting";
  const bar = document.createElement("progress");
  bar.max = 100; bar.value = 0;
  li.append(name, state, bar);
  return { li, state, bar };
}

function sendFile(file, form, item) {
  return new Promise((resolve) => {
    const data = new FormData();
    data.append("files", file, file.name);
    for (const k of ["kind", "publisher", "url", "published_at", "reliability", "language"]) {
      const v = form.elements[k] && form.elements[k].value;
      if (v) data.append(k, v);
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/sources");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        item.bar.value = Math.round((e.loaded / e.total) * 90);
        item.state.textContent = e.loaded < e.total ? " uploading" : " reading and extracting claims…";
      }
    };
    xhr.onload = () => {
      item.bar.value = 100;
      let result = null;
      try { result = JSON.parse(xhr.responseText); } catch (e) { result = null; }
      const r = result && result.results ? result.results[0] : null;
      item.li.className = r ? r.status : "failed";
      if (!r) {
        item.state.textContent = `: failed (${(result && result.detail) || xhr.status})`;
      } else {
        item.state.textContent = `: ${r.status}` + (r.status === "added" ? `, ${r.claims} claim${r.claims === 1 ? "" : "s"}` : "") + (r.reason ? `: ${r.reason}` : "");
        if (r.source_id) {
          const a = document.createElement("a");
          a.href = `/sources/${r.source_id}`;
          a.textContent = "see the source and its claims";
          item.li.append(" · ", a);
        }
      }
      item.bar.remove();
      resolve();
    };
    xhr.onerror = () => { item.state.textContent = ": failed (network)"; item.li.className = "failed"; resolve(); };
    xhr.send(data);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload");
  if (!form) return;
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("files");
  const list = document.getElementById("queue-files");
  let chosen = [];
  function show(files) {
    chosen = chosen.concat(Array.from(files));
    list.replaceChildren(...chosen.map((f) => {
      const li = document.createElement("li");
      li.textContent = `${f.name} (${Math.max(1, Math.round(f.size / 1024))} KB)`;
      return li;
    }));
  }
  input.addEventListener("change", () => { show(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
  zone.addEventListener("drop", (e) => show(e.dataTransfer.files));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!chosen.length) { window.alert("Choose or drop at least one file."); return; }
    const button = document.getElementById("upload-button");
    button.disabled = true;
    const items = chosen.map(fileItem);
    list.replaceChildren(...items.map((i) => i.li));
    for (let i = 0; i < chosen.length; i++) await sendFile(chosen[i], form, items[i]);  // one at a time: the server extracts in order
    chosen = [];
    button.disabled = false;
    list.setAttribute("data-done", "1");
  });
});
