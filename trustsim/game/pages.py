"""The game's HTML pages (Jinja2 templates, autoescaped), style sheet and script.

Every word comes from :mod:`trustsim.game.text` through ``t(key, ...)``, in the reader's
language (``lang``), and every number is formatted for it by the server (:mod:`trustsim.i18n`).
The teacher has two pages: the *projected view* (``/teacher``: what the class sees, made to fit
1280 × 720 with no text under 14 px and no controls) and the *panel* (``/teacher/panel``: start,
close a round, scandals, the roster), kept on the teacher's own screen. The script is a file
(``/static/game.js``) so the pages can forbid inline scripts (Content-Security-Policy); it does no
arithmetic on money: the budget preview is computed by the server (``/preview``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape

from trustsim.game.text import LANGUAGES, tr
from trustsim.i18n import number, percent

BASE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · {{ t('app') }}</title>
<link rel="stylesheet" href="/static/game.css"></head>
<body class="{{ body_class or '' }}" data-version="{{ version }}" data-round="{{ round_key }}"
  data-reload="{{ reload }}" data-decimal="{{ decimal }}">
<header><strong>{{ t('app') }}</strong>
<span id="status" class="status">{{ status_line }}</span>
<nav class="langs">{% for code, label in languages.items() %}<a href="/lang?to={{ code }}&amp;back={{ here }}"
  id="lang-{{ code }}" class="{{ 'on' if code == lang }}">{{ label }}</a>{% endfor %}</nav></header>
<div id="banner" class="banner" hidden>{{ t('banner') }} <a href="">{{ t('banner_link') }}</a></div>
<main>
{% if message %}<p id="message" class="msg {{ 'error' if error else 'ok' }}">{{ message }}</p>{% endif %}
{% block main %}{% endblock %}
</main>
<script src="/static/game.js"></script>
</body></html>
"""

JOIN = """{% extends "base.html" %}{% block main %}
<h1>{{ t('join_title') }}</h1>
{% if phase == "lobby" %}
<p>{{ t('join_intro') }}</p>
<form method="post" action="/join" class="card" id="join-form">
<label>{{ t('join_code') }} <input name="code" id="code" autocomplete="off" maxlength="12" required
  value="{{ code or '' }}"></label>
<label>{{ t('firm_name') }} <input name="name" id="name" maxlength="40" required value="{{ name or '' }}"></label>
<button type="submit">{{ t('join') }}</button>
</form>
{% else %}
<p>{{ t('join_closed') }}</p>
{% if phase == "over" %}<p><a href="/debrief">{{ t('see_debrief') }}</a></p>{% endif %}
{% endif %}
<form method="post" action="/claim" class="card" id="claim-form">
<h2>{{ t('claim_title') }}</h2><p>{{ t('claim_intro') }}</p>
<label>{{ t('claim_code') }} <input name="claim" id="claim" autocomplete="off" maxlength="12" required></label>
<button type="submit">{{ t('claim') }}</button>
</form>
{% endblock %}"""

STANDING = """<section class="card" id="standing">
{% if me %}<p id="rank" class="big">{{ t('rank', rank=me.rank, n=firms) }}</p>
<dl class="facts"><dt>{{ t('your_score') }}</dt><dd id="my-score">{{ num(me.score) }}</dd>
<dt>{{ t('your_kept') }}</dt><dd id="my-kept">{{ pct(me.kept) }}</dd>
<dt>{{ t('your_trust') }}</dt><dd id="my-trust">{{ num(me.trust, 2) }}</dd>
<dt>{{ t('fig_customers') }}</dt><dd>{{ num(me.customers) }}</dd></dl>{% endif %}
{% for n in notices %}<p class="msg error scandal">{{ n }}</p>{% endfor %}
</section>
<section class="card" id="goal"><h2>{{ t('goal_title') }}</h2><p>{{ t('goal', weeks=horizon) }}</p></section>"""

FIRM = (
    """{% extends "base.html" %}{% block main %}
<h1><span class="swatch c{{ index % 10 }}"></span><span id="firm-name">{{ firm }}</span></h1>
{% if phase == "lobby" %}
<p class="card">{{ t('waiting', n=firms) }}</p>
<div class="two">"""
    + STANDING
    + """</div>
{% else %}
<div class="two">"""
    + STANDING
    + """</div>
{% endif %}
{% if phase == "playing" %}
<section class="card">
<h2>{{ t('decide_title', r=open_round, rounds=rounds) }}</h2>
{% if pending %}<p id="decided" class="ok">{{ t('decided') }}</p>
{% else %}<p>{{ t('not_decided') }}</p>{% endif %}
<form method="post" action="/decide" id="decide-form">
<input type="hidden" name="firm" value="{{ index }}">
{% for f in fields %}
<label class="field"><span class="label">{{ f.label }}</span> <span class="hint">({{ f.hint }})</span>
<span class="pair"><input type="range" min="0" max="{{ f.max }}" step="{{ f.step }}" value="{{ f.raw }}"
  data-for="{{ f.name }}" aria-hidden="true" tabindex="-1">
<input type="text" inputmode="decimal" name="{{ f.name }}" id="in-{{ f.name }}" value="{{ f.value }}"
  autocomplete="off" required></span></label>
{% endfor %}
<p id="cost" class="cost {{ 'over' if preview.over }}"><span id="cost-total">{{ preview.text }}</span></p>
<button type="submit" id="decide">{{ t('decide') }}</button>
</form>
<details><summary>{{ t('budget_rule') }}</summary><p>{{ budget_text }}</p></details>
</section>
{% elif phase == "over" %}
<p class="card">{{ t('over_text') }} <a href="/debrief" id="debrief-link">{{ t('see_debrief') }}</a>.</p>
{% endif %}
{% if results %}
<section class="card">
<h2>{{ t('results') }}</h2>
<img src="/figures/firm.png?v={{ version }}&amp;lang={{ lang }}" alt="{{ t('results') }}" class="fig"
  width="{{ fig_size.firm[0] }}" height="{{ fig_size.firm[1] }}">
<div class="scroll"><table id="results">
<tr><th>{{ t('round') }}</th><th>{{ t('customers') }}</th><th>{{ t('ambassadors') }}</th><th>{{ t('detractors') }}</th>
<th>{{ t('kept') }}</th><th>{{ t('trust_reliability') }}</th><th>{{ t('trust_transparency') }}</th>
<th>{{ t('trust_competence') }}</th><th>{{ t('trust_care') }}</th><th>{{ t('profit') }}</th>
<th>{{ t('discounted_profit') }}</th><th>{{ t('base_value') }}</th><th>{{ t('score_short') }}</th></tr>
{% for r in results %}<tr><td>{{ r.round }}</td><td>{{ r.customers }}</td><td>{{ r.ambassadors }}</td>
<td>{{ r.detractors }}</td><td>{{ r.kept }}</td><td>{{ r.trust_reliability }}</td><td>{{ r.trust_transparency }}</td>
<td>{{ r.trust_competence }}</td><td>{{ r.trust_care }}</td><td>{{ r.profit }}</td>
<td>{{ r.discounted_profit }}</td><td>{{ r.base_value }}</td><td>{{ r.score }}</td></tr>{% endfor %}
</table></div>
<p id="flows">{{ flows }}</p>
</section>
{% endif %}
{% endblock %}"""
)

BOARD = """<table id="leaderboard"><tr><th>#</th><th>{{ t('firm') }}</th><th>{{ t('customers') }}</th>
<th>{{ t('ambassadors') }}</th><th>{{ t('kept') }}</th><th>{{ t('trust') }}</th><th>{{ t('score_short') }}</th></tr>
{% for r in board %}<tr class="firm-row"><td>{{ r.rank }}</td>
<td><span class="swatch c{{ r.index % 10 }}"></span>{{ r.name }}{% if phase == "playing" and r.decided
  %}<span class="decided-mark" title="{{ t('decided_col') }}"> ✓</span>{% endif %}</td>
<td>{{ num(r.customers) }}</td><td>{{ num(r.ambassadors) }}</td><td>{{ pct(r.kept) }}</td><td>{{ num(r.trust, 2) }}</td>
<td>{{ num(r.score) }}</td></tr>
{% endfor %}</table>"""

TEACHER = (
    """{% extends "base.html" %}{% block main %}
<div class="proj">
<div class="col">
{% if phase != "over" %}<section class="card join">
<span>{{ t('open_address') }} <b id="join-address">{{ address }}</b></span>
<span>{{ t('code') }} <b id="join-code" class="code">{{ code }}</b></span>
</section>{% endif %}
<section class="card">
<h2 id="round-title">{% if phase == "lobby" %}{{ t('lobby') }}{% elif phase == "playing" %}{{
  t('status_playing', r=open_round, rounds=rounds) }}{% else %}{{ t('game_over') }}{% endif %}</h2>
{% if phase == "playing" %}<p id="decided-line" data-decided="{{ decided }}">{{
  t('decided_count', n=decided, total=firms) }}</p>{% endif %}
{% for n in notices %}<p class="msg error scandal">{{ n }}</p>{% endfor %}
</section>
{% if phase == "lobby" %}
<section class="card" id="presets"><h2>{{ t('presets_title') }}</h2>
<table>{% for p in presets %}<tr class="{{ 'on' if p.current }}"><td>{{ p.label }}</td><td>{{ p.length }}</td>
<td>{{ p.needs }}</td></tr>{% endfor %}</table>
{% for p in presets if p.current %}<p class="teaches" id="teaches">{{ p.teaches }}</p>{% endfor %}</section>
{% else %}
<section class="card board"><h2>{{ t('leaderboard') }}</h2>"""
    + BOARD
    + """
{% if more %}<p>… +{{ more }}</p>{% endif %}
<p class="rule">{{ t('score_rule', weeks=horizon) }}</p></section>
{% endif %}
</div>
<div class="col">
{% if phase == "lobby" %}
<section class="card"><h2>{{ t('roster') }} ({{ firms }})</h2>
<p id="joined">{% for r in everyone %}<span class="chip"><span class="swatch c{{ r.index % 10 }}"></span>{{ r.name
  }}</span> {% endfor %}</p></section>
{% else %}
<section class="card chart"><img src="/figures/market.png?v={{ version }}&amp;lang={{ lang }}" alt="{{ t('market') }}"
  class="fig" id="market-figure" width="{{ fig_size.market[0] }}" height="{{ fig_size.market[1] }}"></section>
{% endif %}
</div>
</div>
{% endblock %}"""
)

PANEL = """{% extends "base.html" %}{% block main %}
<h1>{{ t('panel') }}</h1>
<p>{{ t('panel_hint', url=view_url) }} <a href="/teacher" id="view-link">{{ t('open_view') }}</a></p>
{% for w in warnings %}<p class="msg warn" id="too-short">{{ w }}</p>{% endfor %}
{% if notice %}<p class="msg error">{{ notice }}</p>{% endif %}
<div>
<section class="card">
<h2 id="round-title">{% if phase == "lobby" %}{{ t('lobby') }}{% elif phase == "playing" %}{{
  t('status_playing', r=open_round, rounds=rounds) }}{% else %}{{ t('game_over') }}{% endif %}</h2>
{% if phase == "lobby" %}
<form method="post" action="/teacher/start">
<button id="start" {{ 'disabled' if not firms }}>{{ t('start') }}</button></form>
<form method="post" action="/teacher/add" class="inline" id="add-form">
<label>{{ t('add_firm') }} <input name="name" id="add-name" maxlength="40" required></label>
<button id="add">{{ t('add') }}</button></form>
{% elif phase == "playing" %}
<p>{{ t('decided_count', n=decided, total=firms|length) }}. {{ t('runs_when') }}</p>
<form method="post" action="/teacher/close"><input type="hidden" name="round" value="{{ open_round }}">
<button id="close-round">{{ t('close_round', r=open_round) }}</button></form>
<form method="post" action="/teacher/scandal" class="inline" id="scandal-form">
<input type="hidden" name="events" value="{{ events_seen }}">
<label>{{ t('scandal_at') }} <select name="target" id="scandal-target">
<option value="all">{{ t('whole_sector') }}</option>
{% for f in firms %}<option value="{{ loop.index0 }}">{{ f.name }}</option>{% endfor %}
</select></label>
<label>{{ t('severity') }} <input name="severity" inputmode="decimal" value="1" class="short"></label>
<label>{{ t('reach') }} <input name="reach" inputmode="decimal" value="1" class="short"></label>
<button id="fire-scandal">{{ t('fire') }}</button></form>
{% else %}
<p><a href="/debrief" id="debrief-link">{{ t('open_debrief') }}</a></p>
{% endif %}
{% if events %}<p id="events">{{ t('events') }}: {{ events }}</p>{% endif %}
{% if phase != "lobby" %}<p>{{ t('download') }}: <a href="/teacher/suppliers.csv">{{ t('suppliers_csv') }}</a>,
<a href="/teacher/rounds.csv">{{ t('rounds_csv') }}</a></p>{% endif %}
</section>
<section class="card"><h2>{{ t('roster') }}</h2>
<table id="roster">{% for r in roster %}<tr class="roster-row" data-index="{{ r.index }}">
<td><span class="swatch c{{ r.index % 10 }}"></span><span class="roster-name">{{ r.name }}</span></td>
<td class="presence {{ r.presence }}">{{ t(r.presence) }}</td>
<td>{% if phase == "playing" %}{{ '✓' if r.decided else '…' }}{% endif %}</td>
<td><form method="post" action="/teacher/rename" class="inline"><input type="hidden" name="firm" value="{{ r.index }}">
<input name="name" maxlength="40" required value="{{ r.name }}" class="mid" aria-label="{{ t('rename') }}">
<button class="rename">{{ t('rename') }}</button></form></td>
<td><form method="post" action="/teacher/code"><input type="hidden" name="firm" value="{{ r.index }}">
<button class="issue-code">{{ t('issue_code') }}</button></form></td>
<td><form method="post" action="/teacher/remove"><input type="hidden" name="firm" value="{{ r.index }}">
<button class="remove">{{ t('remove') if phase == "lobby" else t('detach') }}</button></form></td></tr>
{% endfor %}</table></section>
</div>
{% endblock %}"""

DEBRIEF = """{% extends "base.html" %}{% block main %}
<h1>{{ t('debrief') }}</h1>
<section class="card" id="lesson">{% for s in lesson %}<p class="statement" data-verdict="{{ s.verdict }}"
  data-mean="{{ s.mean }}" data-lo="{{ s.lo }}" data-hi="{{ s.hi }}" data-n="{{ s.n }}">{{ s.text }}</p>{% endfor %}
<p class="ask">{{ t('debrief_ask') }}</p></section>
<section class="card"><h2>{{ t('decisions_outcomes') }}</h2>
<img src="/figures/debrief.png?v={{ version }}&amp;lang={{ lang }}" alt="{{ t('decisions_outcomes') }}" class="fig"
  width="{{ fig_size.debrief[0] }}" height="{{ fig_size.debrief[1] }}">
<table id="debrief-table">
<tr><th>{{ t('firm') }}</th><th>{{ t('round') }}</th><th>{{ t('promise') }}</th><th>{{ t('over_delivery') }}</th>
<th>{{ t('care') }}</th><th>{{ t('transparency') }}</th><th>{{ t('ads') }}</th><th>{{ t('anchoring') }}</th>
<th>{{ t('customers') }}</th><th>{{ t('ambassadors') }}</th><th>{{ t('detractors') }}</th><th>{{ t('kept') }}</th>
<th>{{ t('discounted_profit') }}</th><th>{{ t('base_value') }}</th><th>{{ t('score_short') }}</th></tr>
{% for r in rows %}<tr><td>{{ r.name }}</td><td>{{ r.round }}</td><td>{{ r.promise }}</td><td>{{ r.over_delivery }}</td>
<td>{{ r.care }}</td><td>{{ r.transparency }}</td><td>{{ r.ad_budget }}</td><td>{{ r.anchoring }}</td>
<td>{{ r.customers }}</td><td>{{ r.ambassadors }}</td><td>{{ r.detractors }}</td><td>{{ r.kept }}</td>
<td>{{ r.discounted_profit }}</td><td>{{ r.base_value }}</td><td>{{ r.score }}</td></tr>{% endfor %}
</table></section>
{% endblock %}"""

PROBLEM = """{% extends "base.html" %}{% block main %}
<h1>{{ heading }}</h1><p><a href="/">{{ t('back') }}</a></p>
{% endblock %}"""

CSS = """
body { font: 16px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #222; }
header { background: #1f3b57; color: #fff; padding: .5em 1em; display: flex; gap: 1em; align-items: baseline; }
header .langs { margin-left: auto; display: flex; gap: .6em; }
header a { color: #cfe3ff; }
header a.on { color: #fff; font-weight: bold; text-decoration: none; }
main { max-width: 1240px; margin: 0 auto; padding: .8em 1em; }
.card { background: #fff; border: 1px solid #dde; border-radius: 8px; padding: .6em 1em; margin: 0 0 .8em; }
.card h2 { margin: .1em 0 .4em; font-size: 1.2em; }
.two { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: .8em; }
.code { font-size: 2em; letter-spacing: .15em; font-family: monospace; }
.join p { margin: .2em 0; }
.join b#join-address { font-size: 1.2em; }
.msg { padding: .4em .8em; border-radius: 6px; }
.msg.error, .error { background: #fde8e8; color: #8a1111; }
.msg.warn { background: #fff3c4; color: #5a4300; }
.msg.ok, .ok { background: #e6f4ea; color: #14532d; }
.banner { background: #fff3c4; padding: .5em 1em; text-align: center; }
.big { font-size: 1.4em; font-weight: bold; margin: .2em 0; }
.facts { display: grid; grid-template-columns: auto auto; gap: .1em 1em; margin: .3em 0; }
.facts dd { margin: 0; font-weight: bold; text-align: right; }
.field { display: block; margin: .5em 0; }
.field .hint { color: #555; }
.pair { display: flex; gap: .6em; align-items: center; }
.pair input[type=range] { flex: 1; }
.pair input[type=text] { width: 6em; }
input, select, button { font: inherit; }
button { background: #1f6feb; color: #fff; border: 0; border-radius: 6px; padding: .4em .9em; cursor: pointer; }
button:disabled { background: #99a; }
.inline { display: flex; flex-wrap: wrap; gap: .5em; align-items: center; margin: .4em 0; }
.short { width: 4.5em; }
.mid { width: 10em; }
.cost.over { color: #8a1111; font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: 15px; }
th, td { border-bottom: 1px solid #e3e3ea; padding: .25em .4em; text-align: right; }
th:first-child, td:first-child, #leaderboard td:nth-child(2), #leaderboard th:nth-child(2) { text-align: left; }
#roster td { text-align: left; }
.presence.online { color: #14532d; font-weight: bold; }
.presence.offline, .presence.no_player { color: #777; }
.scroll { overflow-x: auto; }
.fig { max-width: 100%; height: auto; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .4em; }
.chip { display: inline-block; background: #eef2f7; border-radius: 12px; padding: .1em .6em; margin: .15em; }
#debrief-table { font-size: 14px; }
#debrief-table th, #debrief-table td { padding: .2em .3em; }
#presets tr.on td { font-weight: bold; }
/* the projected view: 1280 x 720 without scrolling */
body.projector main { max-width: none; padding: .6em .8em; }
.proj { display: grid; grid-template-columns: minmax(0, 1fr) 564px; gap: .7em; align-items: start; }
.proj th, .proj td { padding: .25em .25em; }
.proj th { font-size: 14px; }
.proj .join { display: flex; gap: 1.2em; align-items: baseline; flex-wrap: wrap; }
.proj h2 { margin: 0 0 .2em; }
.proj p { margin: .2em 0; }
#leaderboard td:nth-child(2), #roster td:first-child { white-space: nowrap; }
#leaderboard td:nth-child(2) { max-width: 13em; overflow: hidden; text-overflow: ellipsis; }
#joined { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .15em .4em; margin: 0; }
#joined .chip { margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: 15px; }
.proj .card { margin-bottom: .6em; }
.proj .rule { font-size: 14px; color: #444; margin: .3em 0 0; }
.proj .chart { padding: .3em; text-align: center; }
body.projector .msg { margin: .3em 0; }
"""

JS = """
(function () {
  "use strict";
  var body = document.body;
  var dirty = false;
  var form = document.getElementById("decide-form");
  var mark = body.dataset.decimal || ".";
  function num(text) { var v = parseFloat(String(text).replace(",", ".")); return isFinite(v) ? v : 0; }
  var timer = null;
  function preview() {
    // The server computes the planned spend (trustsim.game.rules.planned_spend): no money formula here.
    if (!form) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var query = new URLSearchParams(new FormData(form)).toString();
      fetch("/preview?" + query, {credentials: "same-origin", cache: "no-store"}).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (p) {
        if (!p) { return; }
        document.getElementById("cost-total").textContent = p.text;
        document.getElementById("cost").classList.toggle("over", !!p.over);
      }).catch(function () {});
    }, 250);
  }
  if (form) {
    form.querySelectorAll("input[type=range]").forEach(function (range) {
      var box = form.elements[range.dataset.for];
      range.addEventListener("input", function () {
        box.value = String(range.value).replace(".", mark); dirty = true; preview();
      });
      box.addEventListener("input", function () { range.value = num(box.value); dirty = true; preview(); });
    });
    form.addEventListener("submit", function () { dirty = false; });
  }
  document.querySelectorAll("select, .short, .mid, #add-name").forEach(function (el) {
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
            "panel.html": PANEL,
            "debrief.html": DEBRIEF,
            "problem.html": PROBLEM,
        }
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def helpers(lang: str) -> dict[str, Callable[..., str] | dict[str, str] | str]:
    """What every template gets for language `lang`: ``t``, ``num``, ``pct``, the languages and the decimal mark."""
    return {
        "lang": lang,
        "languages": LANGUAGES,
        "decimal": number(0.5, lang, 1)[1],
        "t": lambda key, **fields: tr(key, lang, **fields),
        "num": lambda value, decimals=0: number(value, lang, decimals),
        "pct": lambda share, decimals=0: percent(share, lang, decimals),
    }


def render(template: str, lang: str, **context: Any) -> str:
    """Render one of the game's pages in language `lang` (every value is HTML-escaped)."""
    return ENV.get_template(template).render(**helpers(lang), **context)
