"""The game's HTML pages (Jinja2, autoescaped), style sheet and script: all served by the game itself.

Kept as strings in this module so that they ship with the package; nothing is fetched from
outside the machine (no CDN, no web fonts), and the script is a file (`/static/game.js`) so the
pages can forbid inline scripts (Content-Security-Policy in :mod:`trustsim.game.server`).
"""

from __future__ import annotations

from jinja2 import DictLoader, Environment, select_autoescape

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · trustsim classroom</title>
<link rel="stylesheet" href="/static/game.css"></head>
<body data-version="{{ version }}" data-round="{{ round_key }}" data-reload="{{ reload }}">
<header><strong>trustsim classroom</strong>
<span id="status" class="status">{{ status_line }}</span></header>
<div id="banner" class="banner" hidden>The game has moved on. <a href="">Show the new state</a></div>
<main>
{% if message %}<p id="message" class="msg {{ 'error' if error else 'ok' }}">{{ message }}</p>{% endif %}
{% block main %}{% endblock %}
</main>
<script src="/static/game.js"></script>
</body></html>
"""

JOIN = """{% extends "base.html" %}{% block main %}
<h1>Join the market</h1>
{% if phase == "lobby" %}
<p>Type the join code shown on the teacher's screen and a name for your firm.</p>
<form method="post" action="/join" class="card" id="join-form">
<label>Join code <input name="code" id="code" autocomplete="off" maxlength="12" required
  value="{{ code or '' }}"></label>
<label>Firm name <input name="name" id="name" maxlength="40" required></label>
<button type="submit">Join</button>
</form>
{% else %}
<p>The game has already started{% if phase == "over" %} and is over{% endif %}: new firms cannot join.
If you had a firm, open this page in the browser you joined with.</p>
{% if phase == "over" %}<p><a href="/debrief">See the debrief</a></p>{% endif %}
{% endif %}
{% endblock %}"""

FIRM = """{% extends "base.html" %}{% block main %}
<h1><span class="swatch c{{ index % 10 }}"></span><span id="firm-name">{{ firm }}</span></h1>
{% if phase == "lobby" %}
<p class="card">You are in. Waiting for the teacher to start the game
({{ firms }} firm{{ 's' if firms != 1 }} so far).</p>
{% elif phase == "playing" %}
<section class="card">
<h2>Your decision for round {{ open_round }} of {{ rounds }}</h2>
{% if pending %}<p id="decided" class="ok">Decision saved. You can change it until the round closes.</p>
{% else %}<p>Not decided yet: if the round closes, your firm keeps its current policy.</p>{% endif %}
<form method="post" action="/decide" id="decide-form" data-reach="{{ cost.reach }}" data-n="{{ cost.n }}"
  data-ad-cost="{{ cost.ad_cost }}" data-od-cost="{{ cost.od_cost }}" data-care-cost="{{ cost.care_cost }}"
  data-size="{{ cost.size }}" data-k="{{ cost.k }}" data-budget="{{ cost.budget }}">
<input type="hidden" name="firm" value="{{ index }}">
{% for f in fields %}
<label class="field">{{ f.label }}
<span class="pair"><input type="range" min="0" max="{{ f.max }}" step="{{ f.step }}" value="{{ f.value }}"
  data-for="{{ f.name }}" aria-hidden="true" tabindex="-1">
<input type="number" name="{{ f.name }}" id="in-{{ f.name }}" min="0" max="{{ f.max }}" step="any"
  value="{{ f.value }}" required></span></label>
{% endfor %}
<p id="cost" class="cost">Planned spend this round: <span id="cost-total">?</span>
of {{ '{:,.0f}'.format(cost.budget) }}</p>
<button type="submit" id="decide">Decide</button>
</form>
<details><summary>The budget rule</summary>
<p>Each round your firm may plan to spend at most <b>{{ '{:,.0f}'.format(cost.budget) }}</b> money units on
advertising, over-delivery and care, at the model's costs, over the round's {{ cost.k }} periods (weeks):</p>
<ul>
<li>advertising: {{ cost.ad_cost }} per person reached; an ad budget of 1 reaches {{ '{:.1%}'.format(cost.reach) }}
of the {{ '{:,}'.format(cost.n) }} people each period;</li>
<li>over-delivery: {{ cost.od_cost }} × over-delivery per customer per period;</li>
<li>care: {{ cost.care_cost }} × care per customer per period;</li>
</ul>
<p>for {{ '{:,.0f}'.format(cost.size) }} customers: your customers now ({{ customers }}) or a fair share of the
market, whichever is larger. Promise, transparency and reminders cost nothing. Your profit is what the market
really charged: revenue ({{ price }} per customer per period) minus serving ({{ service_cost }} per customer per
period plus over-delivery and care) minus advertising.</p>
</details>
</section>
{% elif phase == "over" %}
<p class="card">The game is over. <a href="/debrief" id="debrief-link">See the debrief</a>.</p>
{% endif %}
{% if results %}
<section class="card">
<h2>Your results</h2>
<img src="/figures/firm.png?v={{ version }}" alt="Your customers, ambassadors and detractors over time" class="fig">
<div class="scroll"><table id="results">
<tr><th>round</th><th>customers</th><th>ambassadors</th><th>detractors</th><th>trust: reliability</th>
<th>transparency</th><th>competence</th><th>care</th><th>profit in round</th><th>long-term profit</th></tr>
{% for r in results %}<tr><td>{{ r.round }}</td><td>{{ r.customers }}</td><td>{{ r.ambassadors }}</td>
<td>{{ r.detractors }}</td><td>{{ r.trust_reliability }}</td><td>{{ r.trust_transparency }}</td>
<td>{{ r.trust_competence }}</td><td>{{ r.trust_care }}</td><td>{{ r.profit }}</td>
<td>{{ r.discounted_profit }}</td></tr>{% endfor %}
</table></div>
<p>In round {{ last_round }} your new customers came from:
{% for k, v in flows.came.items() %}{{ k }} {{ v }}{{ ', ' if not loop.last }}{% else %}nowhere{% endfor %};
customers you lost went:
{% for k, v in flows.went.items() %}{{ k }} {{ v }}{{ ', ' if not loop.last }}{% else %}nowhere{% endfor %}.</p>
</section>
{% endif %}
{% endblock %}"""

TEACHER = """{% extends "base.html" %}{% block main %}
<div class="grid">
<section class="card join">
<h2>Join</h2>
<p>Open <b id="join-address">{{ address }}</b></p>
<p>Code <b id="join-code" class="code">{{ code }}</b></p>
</section>
<section class="card">
<h2 id="round-title">{% if phase == "lobby" %}Lobby{% elif phase == "playing" %}Round {{ open_round }} of {{ rounds }}
{% else %}Game over{% endif %}</h2>
<p>{{ firms|length }} firm{{ 's' if firms|length != 1 }}; {{ steps }} periods (weeks) per round;
budget {{ '{:,.0f}'.format(budget) }} per firm per round.</p>
{% if phase == "lobby" %}
<form method="post" action="/teacher/start">
<button id="start" {{ 'disabled' if not firms }}>Start the game</button></form>
{% elif phase == "playing" %}
<p>Decided: <span id="decided-count">{{ decided }}</span> of {{ firms|length }}.
The round runs when every firm has decided.</p>
<form method="post" action="/teacher/close"><input type="hidden" name="round" value="{{ open_round }}">
<button id="close-round">Close round {{ open_round }} now</button></form>
<form method="post" action="/teacher/scandal" class="inline" id="scandal-form">
<input type="hidden" name="events" value="{{ events|length }}">
<label>Scandal at <select name="target" id="scandal-target">
<option value="all">the whole sector</option>
{% for f in firms %}<option value="{{ loop.index0 }}">{{ f.name }}</option>{% endfor %}
</select></label>
<label>severity <input name="severity" type="number" min="0" max="10" step="any" value="1" class="short"></label>
<label>reach <input name="reach" type="number" min="0" max="1" step="any" value="1" class="short"></label>
<button id="fire-scandal">Fire</button></form>
{% else %}
<p><a href="/debrief" id="debrief-link">Open the debrief</a></p>
{% endif %}
{% if events %}<p id="events">Events: {% for e in events %}round {{ e.round }}: scandal at {{ e.target }}
{{- '; ' if not loop.last }}{% endfor %}</p>{% endif %}
{% if notice %}<p class="msg error">{{ notice }}</p>{% endif %}
</section>
</div>
<section class="card">
<h2>Leaderboard: long-term profit</h2>
<table id="leaderboard"><tr><th>#</th><th>firm</th><th>customers</th><th>ambassadors</th><th>detractors</th>
<th>long-term profit</th>{% if phase == "playing" %}<th>decided</th>{% endif %}</tr>
{% for r in board %}<tr class="firm-row"><td>{{ r.rank }}</td>
<td><span class="swatch c{{ r.index % 10 }}"></span>{{ r.name }}</td>
<td>{{ r.customers }}</td><td>{{ r.ambassadors }}</td><td>{{ r.detractors }}</td>
<td>{{ '{:,.0f}'.format(r.discounted_profit) }}</td>
{%- if phase == "playing" %}<td>{{ '✓' if r.decided else '…' }}</td>{% endif %}</tr>
{% endfor %}</table>
</section>
<section class="card"><h2>The market</h2>
<img src="/figures/market.png?v={{ version }}" alt="Customers and long-term profit of every firm over time"
  class="fig" id="market-figure">
{% if phase != "lobby" %}<p>Download: <a href="/teacher/suppliers.csv">supplier table (CSV)</a>,
<a href="/teacher/rounds.csv">rounds (CSV)</a></p>{% endif %}
</section>
{% endblock %}"""

DEBRIEF = """{% extends "base.html" %}{% block main %}
<h1>Debrief</h1>
<section class="card" id="lesson">{% for s in lesson %}<p>{{ s }}</p>{% endfor %}</section>
<section class="card"><h2>Decisions against outcomes</h2>
<img src="/figures/debrief.png?v={{ version }}" alt="Each firm's decisions and customers per round" class="fig">
<div class="scroll"><table id="debrief-table">
<tr><th>firm</th><th>round</th><th>promise</th><th>over-delivery</th><th>care</th><th>transparency</th><th>ads</th>
<th>reminders</th><th>customers</th><th>ambassadors</th><th>detractors</th><th>kept or beaten</th><th>profit</th>
<th>long-term profit</th></tr>
{% for r in rows %}<tr><td>{{ r.name }}</td><td>{{ r.round }}</td><td>{{ r.promise }}</td><td>{{ r.over_delivery }}</td>
<td>{{ r.care }}</td><td>{{ r.transparency }}</td><td>{{ r.ad_budget }}</td><td>{{ r.anchoring }}</td>
<td>{{ r.customers }}</td><td>{{ r.ambassadors }}</td><td>{{ r.detractors }}</td><td>{{ r.kept }}</td>
<td>{{ r.profit }}</td><td>{{ r.discounted_profit }}</td></tr>{% endfor %}
</table></div></section>
{% endblock %}"""

PROBLEM = """{% extends "base.html" %}{% block main %}
<h1>{{ heading }}</h1><p><a href="/">Back to the start</a></p>
{% endblock %}"""

CSS = """
body { font: 16px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #222; }
header { background: #1f3b57; color: #fff; padding: .6em 1em; display: flex; gap: 1em; align-items: baseline; }
main { max-width: 1100px; margin: 0 auto; padding: 1em; }
.card { background: #fff; border: 1px solid #dde; border-radius: 8px; padding: .8em 1em; margin: 0 0 1em; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1em; }
.code { font-size: 2.4em; letter-spacing: .15em; font-family: monospace; }
.join b#join-address { font-size: 1.3em; }
.msg { padding: .5em .8em; border-radius: 6px; }
.msg.error, .error { background: #fde8e8; color: #8a1111; }
.msg.ok, .ok { background: #e6f4ea; color: #14532d; }
.banner { background: #fff3c4; padding: .5em 1em; text-align: center; }
.field { display: block; margin: .5em 0; }
.pair { display: flex; gap: .6em; align-items: center; }
.pair input[type=range] { flex: 1; }
.pair input[type=number] { width: 6em; }
input, select, button { font: inherit; }
button { background: #1f6feb; color: #fff; border: 0; border-radius: 6px; padding: .45em 1em; cursor: pointer; }
button:disabled { background: #99a; }
.inline { display: flex; flex-wrap: wrap; gap: .6em; align-items: center; margin-top: .6em; }
.short { width: 4.5em; }
.cost.over { color: #8a1111; font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { border-bottom: 1px solid #e3e3ea; padding: .3em .5em; text-align: right; }
th:first-child, td:first-child, #leaderboard td:nth-child(2), #leaderboard th:nth-child(2) { text-align: left; }
.scroll { overflow-x: auto; }
.fig { max-width: 100%; height: auto; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .4em; }
"""

JS = """
(function () {
  "use strict";
  var body = document.body;
  var dirty = false;
  var form = document.getElementById("decide-form");
  function num(el) { var v = parseFloat(String(el.value).replace(",", ".")); return isFinite(v) ? v : 0; }
  function preview() {
    if (!form) { return; }
    // A preview of the budget rule of trustsim/game/rules.py; the server checks every decision itself.
    var d = form.dataset, k = +d.k, size = +d.size;
    var ads = k * d.adCost * Math.min(1, d.reach * num(form.elements.ad_budget)) * d.n;
    var od = k * d.odCost * num(form.elements.over_delivery) * size;
    var care = k * d.careCost * num(form.elements.care) * size;
    var total = ads + od + care;
    var out = document.getElementById("cost-total");
    out.textContent = Math.round(total).toLocaleString() + " (ads " + Math.round(ads) + ", over-delivery " +
      Math.round(od) + ", care " + Math.round(care) + ")";
    document.getElementById("cost").classList.toggle("over", total > +d.budget + 1e-9);
  }
  if (form) {
    form.querySelectorAll("input[type=range]").forEach(function (range) {
      var box = form.elements[range.dataset.for];
      range.addEventListener("input", function () { box.value = range.value; dirty = true; preview(); });
      box.addEventListener("input", function () { range.value = num(box); dirty = true; preview(); });
    });
    form.addEventListener("submit", function () { dirty = false; });
    preview();
  }
  document.querySelectorAll("select, .short").forEach(function (el) {
    el.addEventListener("input", function () { dirty = true; });
  });
  var leaving = false;  // a form is being sent: a reload now would cancel it
  document.addEventListener("submit", function () { leaving = true; });
  var seen = body.dataset.version, round = body.dataset.round;
  function poll() {
    fetch("/status", {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (s) {
      if (!s || leaving) { return; }
      var moved = String(s.round_key) !== round;
      var changed = String(s.version) !== seen;
      if ((body.dataset.reload === "any" && changed) || moved) {
        if (!dirty) { window.location.reload(); return; }
        document.getElementById("banner").hidden = false;
      }
    }).catch(function () {}).finally(function () { window.setTimeout(poll, 2000); });
  }
  // The join and error pages do not poll: on a LAN address a browser without the code would be refused.
  if (body.dataset.reload !== "none") { window.setTimeout(poll, 2000); }
})();
"""

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
"""Firm colours, by firm index modulo 10, on the pages (.c0 ... .c9) and in the figures."""

CSS += "".join(f".c{i} {{ background: {c}; }}\n" for i, c in enumerate(PALETTE))

ENV = Environment(
    loader=DictLoader(
        {
            "base.html": BASE,
            "join.html": JOIN,
            "firm.html": FIRM,
            "teacher.html": TEACHER,
            "debrief.html": DEBRIEF,
            "problem.html": PROBLEM,
        }
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def render(template: str, **context: object) -> str:
    """Render one of the game's pages (every value is HTML-escaped)."""
    return ENV.get_template(template).render(**context)
