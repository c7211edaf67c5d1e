// assets.cc — see assets.h. Written for this project: no framework, no images (the logo
// is CSS), readable on a phone (the table becomes cards under 720px).
#include "supervisord/web/assets.h"

namespace web {

const std::string_view kStylesheet =
    R"CSS(:root{--bg:#f4f6f8;--fg:#1d2733;--muted:#66717d;--line:#dde3e9;
--card:#fff;--run:#1f9d55;--err:#d64541;--nom:#8a94a0;--accent:#2f6fdb;--head:#17212b}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:var(--head);color:#fff;padding:10px 20px;display:flex;align-items:center;gap:12px}
.brand{color:#fff;text-decoration:none;font-weight:600;font-size:17px;letter-spacing:.3px;
display:flex;align-items:center;gap:9px}
.logo{width:18px;height:18px;border-radius:50%;border:3px solid #5fb3ff;
box-shadow:inset 0 0 0 3px var(--head),inset 0 0 0 9px #5fb3ff}
.live{margin-left:auto;font-size:12px;color:#b9f5cf;display:flex;align-items:center;gap:6px}
.live:before{content:"";width:8px;height:8px;border-radius:50%;background:#35d07f}
.live.off{color:#ffc9c6}.live.off:before{background:#f0625d}
main{max-width:1180px;margin:0 auto;padding:18px 20px}
footer{text-align:center;color:var(--muted);font-size:12px;padding:6px 0 22px}
h1{font-size:20px;margin:14px 0 10px}h2{font-size:16px;margin:20px 0 8px}
.msg{background:#e8f1ff;border:1px solid #c5dafc;color:#18407f;padding:9px 14px;
border-radius:8px;margin-bottom:14px}
.bar{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:14px}
.bar form{display:flex;gap:8px}
.btn,button{font:inherit;font-size:13px;border:1px solid var(--line);background:var(--card);
color:var(--fg);padding:5px 11px;border-radius:6px;cursor:pointer;text-decoration:none;
display:inline-block;line-height:1.3}
.btn:hover,button:hover{border-color:var(--accent);color:var(--accent)}
button.go{color:var(--run)}button.warn{color:var(--err)}
table{width:100%;border-collapse:separate;border-spacing:0;background:var(--card);
border:1px solid var(--line);border-radius:10px;overflow:hidden}
th{text-align:left;font-size:12px;text-transform:uppercase;letter-spacing:.5px;
color:var(--muted);background:#fafbfc;padding:9px 12px;border-bottom:1px solid var(--line)}
td{padding:8px 12px;border-bottom:1px solid var(--line);vertical-align:middle}
tbody tr:last-child td{border-bottom:0}
tr.grp td{background:#f7f9fc;font-weight:600}
tr.grp+tr.proc td:first-child,tr.proc td:first-child{white-space:nowrap}
td.name a{color:var(--accent);text-decoration:none;font-weight:500;word-break:break-all}
td.name a:hover{text-decoration:underline}
td.desc{color:var(--muted)}
.note{background:#fff6db;color:#7a5a00;border-radius:4px;padding:1px 6px;font-size:12px}
.st{display:inline-block;min-width:74px;text-align:center;font-size:11px;font-weight:700;
letter-spacing:.4px;padding:3px 8px;border-radius:999px;color:#fff;background:var(--nom)}
.st.run{background:var(--run)}.st.err{background:var(--err)}
td.acts{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
td.acts form{display:flex;gap:6px;margin:0}
td.acts a{font-size:13px;color:var(--accent);text-decoration:none;padding:5px 4px}
td.acts a:hover{text-decoration:underline}
form.busy button{opacity:.5;pointer-events:none}
pre{background:#111820;color:#d6e2ee;padding:14px;border-radius:8px;overflow:auto;
font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;
word-break:break-all;min-height:120px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 18px;background:var(--card);
border:1px solid var(--line);border-radius:10px;padding:14px}
dt{color:var(--muted)}dd{margin:0}
.empty{color:var(--muted)}
[hidden]{display:none!important}
@media (max-width:720px){thead{display:none}table,tbody,tr,td{display:block;width:100%}
tr{border-bottom:1px solid var(--line);padding:6px 0}td{border:0;padding:4px 12px}
main{padding:12px}}
)CSS";

const std::string_view kScript = R"JS((function () {
  'use strict';
  // Live updates: rows arrive rendered from the daemon's event stream; actions post the
  // form and swap in the table of the page they land on. Without JavaScript the same
  // forms and links work as plain requests.
  var msg = document.getElementById('msg');
  var live = document.getElementById('live');
  function show(text) {
    if (!msg) return;
    msg.textContent = text;
    msg.hidden = !text;
  }
  function stamp(root) {
    var now = Date.now();
    root.querySelectorAll('[data-up]').forEach(function (e) { e.dataset.t0 = now; });
  }
  function two(n) { return (n < 10 ? '0' : '') + n; }
  function uptime(s) {
    var d = Math.floor(s / 86400), r = s % 86400;
    var t = Math.floor(r / 3600) + ':' + two(Math.floor(r / 60) % 60) + ':' + two(r % 60);
    return d ? d + (d === 1 ? ' day, ' : ' days, ') + t : t;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll('[data-up]').forEach(function (e) {
      var s = +e.dataset.up + Math.floor((now - +e.dataset.t0) / 1000);
      e.textContent = 'pid ' + e.dataset.pid + ', uptime ' + uptime(s);
    });
  }
  function replaceRow(html) {
    var t = document.createElement('tbody');
    t.innerHTML = html;
    var row = t.firstElementChild;
    var old = row && document.getElementById(row.id);
    if (!old) return;
    old.replaceWith(row);
    stamp(row);
  }
  function swapTable(doc) {
    var fresh = doc.getElementById('procs'), cur = document.getElementById('procs');
    if (fresh && cur) { cur.replaceWith(fresh); stamp(fresh); }
  }
  function refresh() {
    fetch('index.html', { credentials: 'same-origin' })
      .then(function (r) { return r.text(); })
      .then(function (t) { swapTable(new DOMParser().parseFromString(t, 'text/html')); });
  }
  var procs = document.getElementById('procs');
  if (procs) {
    stamp(document);
    setInterval(tick, 1000);
    document.addEventListener('submit', function (ev) {
      var f = ev.target;
      if (!f.classList || !f.classList.contains('act')) return;
      ev.preventDefault();
      var data = new URLSearchParams(new FormData(f));
      var b = ev.submitter;
      if (b && b.name) data.set(b.name, b.value);
      f.classList.add('busy');
      show((b ? b.textContent : 'Working') + '\u2026');
      fetch(f.getAttribute('action'), { method: 'POST', body: data, credentials: 'same-origin' })
        .then(function (r) {
          return r.text().then(function (t) {
            if (!r.ok) throw new Error(r.status + ' ' + r.statusText);
            var doc = new DOMParser().parseFromString(t, 'text/html');
            var m = doc.getElementById('msg');
            show(m ? m.textContent : '');
            swapTable(doc);
          });
        })
        .catch(function (e) { show('ERROR: ' + e.message); })
        .then(function () { f.classList.remove('busy'); });
    });
    if (window.EventSource) {
      var es = new EventSource('events');
      es.addEventListener('row', function (e) { replaceRow(e.data); });
      es.addEventListener('reload', refresh);
      var lost = false;
      es.onopen = function () {
        live.hidden = false;
        live.className = 'live';
        live.textContent = 'live';
        if (lost) refresh();  // what changed while the stream was down
        lost = false;
      };
      es.onerror = function () {
        lost = true;
        live.className = 'live off';
        live.textContent = 'reconnecting';
      };
    }
  }
  // tail.html: follow the log as `supervisorctl tail -f` does, over /logtail.
  var pre = document.getElementById('tail');
  if (pre && pre.dataset.follow && window.fetch && window.TextDecoder) {
    fetch(pre.dataset.follow, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok || !r.body) return;
      var reader = r.body.getReader(), dec = new TextDecoder(), first = true;
      var note = document.getElementById('follow');
      note.hidden = false;
      function pump() {
        return reader.read().then(function (x) {
          if (x.done) { note.textContent = 'ended'; return; }
          var bottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
          var text = dec.decode(x.value, { stream: true });
          // The stream opens with the last 1024 bytes, which the page already shows.
          if (first) { first = false; if (pre.textContent.length <= 1024) pre.textContent = ''; else return pump(); }
          pre.textContent += text;
          if (pre.textContent.length > 262144) pre.textContent = pre.textContent.slice(-131072);
          if (bottom) window.scrollTo(0, document.body.scrollHeight);
          return pump();
        });
      }
      return pump();
    });
  }
})();
)JS";

}  // namespace web
