"""Every word the classroom app shows, in English and Dutch (the source texts are Dutch).

One table per kind of text, each entry with both languages; :func:`tr` looks a text up and
fills in its fields. Numbers are written the language's own way by :func:`number` and
:func:`percent` (10,000 and 0.95 in English, 10.000 and 0,95 in Dutch). The loyalty stage the
model calls ``detractor`` is shown as "warns others", so that "detractor" keeps the one
meaning it has in the Net Promoter Score (a score of 0-6); the model's constants and public
columns keep their names.
"""

from __future__ import annotations

from typing import Any

LANGUAGES: dict[str, str] = {"en": "EN", "nl": "NL"}
"""Language codes and the labels of the language switch."""
DEFAULT_LANGUAGE = "en"

STAGE_LABELS: dict[str, dict[str, str]] = {
    "prospect": {"en": "prospect", "nl": "nog geen klant"},
    "customer": {"en": "customer", "nl": "klant"},
    "loyal": {"en": "loyal", "nl": "trouw"},
    "ambassador": {"en": "ambassador", "nl": "ambassadeur"},
    "detractor": {"en": "warns others", "nl": "waarschuwt anderen"},
}
"""Display names of the loyalty stages (keys: :data:`trustsim.mechanisms.loyalty.STAGES`)."""

TEXT: dict[str, dict[str, str]] = {
    # toolbar
    "reset": {"en": "Reset", "nl": "Opnieuw"},
    "play": {"en": "▶ Play", "nl": "▶ Start"},
    "pause": {"en": "❚❚ Pause", "nl": "❚❚ Pauze"},
    "step": {"en": "Step ▸", "nl": "Stap ▸"},
    "speed": {"en": "Speed", "nl": "Snelheid"},
    "speed_value": {"en": "{n}/s", "nl": "{n}/s"},
    "week": {"en": "Week {step}", "nl": "Week {step}"},
    "scandal_one": {"en": "⚡ Scandal {firm}", "nl": "⚡ Schandaal {firm}"},
    "scandal_all": {"en": "⚡ Scandal, all", "nl": "⚡ Schandaal, allen"},
    "broken_wave": {"en": "✗ {firm} breaks promises", "nl": "✗ {firm} breekt beloftes"},
    "download": {"en": "⤓ CSV", "nl": "⤓ CSV"},
    "keys_hint": {
        "en": "Keys: space = play/pause, → = step, r = reset",
        "nl": "Toetsen: spatie = start/pauze, → = stap, r = opnieuw",
    },
    # side panel
    "lesson": {"en": "Lesson", "nl": "Les"},
    "watch_for": {"en": "What to watch", "nl": "Waar let je op"},
    "questions": {"en": "Ask the class", "nl": "Vraag de klas"},
    "expect": {"en": "Students should see", "nl": "Wat leerlingen zouden moeten zien"},
    "reading": {"en": "Reading the screen", "nl": "Zo lees je het scherm"},
    "settings": {"en": "Settings (apply on Reset)", "nl": "Instellingen (gelden na Opnieuw)"},
    "changed_hint": {"en": "changed — press Reset", "nl": "gewijzigd — druk op Opnieuw"},
    "seed": {"en": "Seed (same seed, same run)", "nl": "Startgetal (zelfde getal, zelfde run)"},
    "colour_by": {"en": "Colour customers by", "nl": "Kleur klanten naar"},
    "colour_stage": {"en": "loyalty stage", "nl": "loyaliteit"},
    "colour_supplier": {"en": "firm", "nl": "bedrijf"},
    "market": {
        "en": "{customers} customers, {firms} firms, {network} network",
        "nl": "{customers} klanten, {firms} bedrijven, netwerk: {network}",
    },
    "s1_policy": {
        "en": "S1 promises {promise}, over-delivers {over}, advertises {ads}",
        "nl": "S1 belooft {promise}, levert {over} extra, adverteert {ads}",
    },
    "bad_setting": {"en": "Not applied: {error}", "nl": "Niet toegepast: {error}"},
    # events
    "event_scandal": {"en": "week {step}: scandal at {firm}", "nl": "week {step}: schandaal bij {firm}"},
    "event_broken": {"en": "week {step}: {firm} breaks promises", "nl": "week {step}: {firm} breekt beloftes"},
    "marker_scandal": {"en": "scandal {firm}", "nl": "schandaal {firm}"},
    "marker_broken": {"en": "broken {firm}", "nl": "gebroken {firm}"},
    "all_firms": {"en": "all", "nl": "allen"},
    # monitors
    "customers": {"en": "customers", "nl": "klanten"},
    "ambassadors": {"en": "ambassadors", "nl": "ambassadeurs"},
    "nps": {"en": "NPS", "nl": "NPS"},
    "trust": {"en": "trust", "nl": "vertrouwen"},
    "revenue": {"en": "revenue", "nl": "omzet"},
    "profit": {"en": "profit", "nl": "winst"},
    # plots
    "plot_customers": {"en": "Customers per firm", "nl": "Klanten per bedrijf"},
    "plot_stages": {"en": "Ambassadors, warn others", "nl": "Ambassadeurs, waarschuwers"},
    "warn_others": {"en": "warn others", "nl": "waarschuwen"},
    "plot_nps": {"en": "Net Promoter Score", "nl": "Net Promoter Score"},
    "plot_trust": {"en": "Trust in each firm", "nl": "Vertrouwen in elk bedrijf"},
    "axis_week": {"en": "week", "nl": "week"},
    "network_title": {"en": "{shown} of {total} customers", "nl": "{shown} van {total} klanten"},
    "network_all": {"en": "all {total} customers", "nl": "alle {total} klanten"},
    "no_firm": {"en": "no firm", "nl": "geen bedrijf"},
    "empty_hint": {"en": "press ▶ or Step", "nl": "druk op ▶ of Stap"},
    "nps_hint": {
        "en": "NPS shows once customers\nhave bought for {weeks} weeks",
        "nl": "NPS verschijnt zodra klanten\n{weeks} weken kopen",
    },
    "nps_note": {
        "en": "NPS = % promoters (score 9–10) minus % detractors (score 0–6) among a firm's "
        "customers, shown from week {weeks}, once customers have bought long enough to "
        "judge. New customers judge cautiously, so every firm starts below zero: watch the "
        "direction, not the level.",
        "nl": "NPS = % promotors (score 9–10) min % criticasters (score 0–6) onder de klanten van "
        "een bedrijf, getoond vanaf week {weeks}, als klanten lang genoeg kopen om te "
        "oordelen. Nieuwe klanten oordelen voorzichtig, dus elk bedrijf begint onder nul: "
        "let op de richting, niet op het niveau.",
    },
    "stage_note": {
        "en": "Colours: the loyalty ladder. Orange = warns others: a former or current customer "
        "who lost trust and warns friends off. Faint lines: the previous run.",
        "nl": "Kleuren: de loyaliteitsladder. Oranje = waarschuwt anderen: een (oud-)klant die "
        "het vertrouwen kwijt is en vrienden waarschuwt. Vage lijnen: de vorige run.",
    },
}
"""Labels of the interface, by key."""

NETWORK_NAMES: dict[str, dict[str, str]] = {
    "small_world": {"en": "small world", "nl": "kleine wereld"},
    "scale_free": {"en": "scale free (hubs)", "nl": "schaalvrij (met hubs)"},
    "erdos_renyi": {"en": "random", "nl": "willekeurig"},
    "well_mixed": {"en": "everyone meets everyone", "nl": "iedereen kent iedereen"},
    "edge_list": {"en": "from a file", "nl": "uit een bestand"},
}
"""Display names of `network.kind` values."""


def spreadsheet_safe(text: str) -> str:
    """A text cell that a spreadsheet shows as text, never runs as a formula.

    A cell starting with =, +, -, @ (or a tab or carriage return) is read as a formula by
    Excel and LibreOffice (CSV injection, OWASP); such a cell gets a leading apostrophe.
    """
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def tr(key: str, lang: str, **fields: Any) -> str:
    """The text `key` in language `lang`, with `fields` filled in (numbers already written by
    :func:`number`, so they follow the language).

    Raises:
        KeyError: for an unknown key or language (a bug in the app, caught by the tests).
    """
    return TEXT[key][lang].format(**fields)


def stage_label(stage: str, lang: str) -> str:
    """Display name of a loyalty stage, e.g. 'warns others' for the model's 'detractor'."""
    return STAGE_LABELS[stage][lang]


def network_name(kind: str, lang: str) -> str:
    """Display name of a network kind (the key itself when it has none)."""
    return NETWORK_NAMES.get(kind, {}).get(lang, kind.replace("_", " "))
