"""Every word the classroom game shows, in English and Dutch (the table format of :mod:`trustsim.app.text`).

:func:`tr` looks a text up and fills in its fields; numbers are formatted for the language by
:mod:`trustsim.i18n` before they are filled in. Messages of refused actions are raised with a
key and fields (:class:`LocalizedError`), so the server shows them in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trustsim.app.text import DEFAULT_LANGUAGE, LANGUAGES
from trustsim.i18n import lookup

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "TEXT", "LocalizedError", "both", "tr"]

TEXT: dict[str, dict[str, str]] = {
    # the frame
    "app": {"en": "trustsim classroom", "nl": "trustsim klas"},
    "status_lobby": {"en": "Lobby: {n} firm(s) joined", "nl": "Wachtruimte: {n} bedrijf/bedrijven aangemeld"},
    "status_playing": {"en": "Round {r} of {rounds}", "nl": "Ronde {r} van {rounds}"},
    "status_over": {"en": "Game over after {n} rounds", "nl": "Spel voorbij na {n} rondes"},
    "banner": {"en": "The game has moved on.", "nl": "Het spel is verder gegaan."},
    "banner_link": {"en": "Show the new state", "nl": "Toon de nieuwe stand"},
    "back": {"en": "Back to the start", "nl": "Terug naar het begin"},
    # decisions (labels and hints; the model's keys are never shown)
    "promise": {"en": "Promise", "nl": "Belofte"},
    "promise_hint": {"en": "quality level you promise, 0-1", "nl": "kwaliteit die je belooft, 0-1"},
    "over_delivery": {"en": "Over-delivery", "nl": "Meer leveren"},
    "over_delivery_hint": {"en": "quality added beyond the promise, 0-1", "nl": "kwaliteit bovenop de belofte, 0-1"},
    "care": {"en": "Care", "nl": "Zorg"},
    "care_hint": {
        "en": "listening to customers, 0-1; 0.5 is neutral",
        "nl": "luisteren naar klanten, 0-1; 0,5 is neutraal",
    },
    "transparency": {"en": "Transparency", "nl": "Openheid"},
    "transparency_hint": {
        "en": "chance a failure is admitted and repaired, 0-1",
        "nl": "kans dat een fout wordt toegegeven en hersteld, 0-1",
    },
    "ad_budget": {"en": "Advertising", "nl": "Reclame"},
    "ad_budget_hint": {
        "en": "ad budget; 1 reaches {reach} of the market each week",
        "nl": "reclamebudget; 1 bereikt elke week {reach} van de markt",
    },
    "anchoring": {"en": "Reminders", "nl": "Herinneringen"},
    "anchoring_hint": {
        "en": "chance a customer is reminded of a promise kept, 0-1",
        "nl": "kans dat een klant aan een nagekomen belofte wordt herinnerd, 0-1",
    },
    # refusals
    "err_number": {
        "en": "{label}: expected a number such as 0.5, got {got}.",
        "nl": "{label}: geef een getal zoals 0,5, niet {got}.",
    },
    "err_finite": {
        "en": "{label}: expected a finite number, got {got}.",
        "nl": "{label}: geef een eindig getal, niet {got}.",
    },
    "err_missing": {"en": "{label}: missing; give a number.", "nl": "{label}: ontbreekt; geef een getal."},
    "err_unknown": {"en": "unknown field {field}.", "nl": "onbekend veld {field}."},
    "err_range": {"en": "{label}: {value} is not allowed ({allowed}).", "nl": "{label}: {value} mag niet ({allowed})."},
    "allowed_range": {"en": "allowed: {lo} to {hi}", "nl": "toegestaan: {lo} tot en met {hi}"},
    "err_ads_max": {
        "en": "Advertising: {value} is more than {most}, which already reaches everyone every week.",
        "nl": "Reclame: {value} is meer dan {most}, dat bereikt elke week al iedereen.",
    },
    "err_budget": {
        "en": "This plan costs {total} this round (advertising {ads}, over-delivery {od}, care {care}) but your"
        " budget is {budget}: lower advertising, over-delivery or care.",
        "nl": "Dit plan kost {total} deze ronde (reclame {ads}, meer leveren {od}, zorg {care}) maar je budget "
        "is {budget}: verlaag reclame, meer leveren of zorg.",
    },
    "err_code": {
        "en": "Wrong join code: check the code on the teacher's screen.",
        "nl": "Verkeerde code: kijk naar de code op het scherm van de docent.",
    },
    "err_started": {
        "en": "The game has started: new firms cannot join any more. Ask the teacher for a code to take over a firm.",
        "nl": "Het spel is begonnen: nieuwe bedrijven kunnen niet meer meedoen. Vraag de docent om een code om "
        "een bedrijf over te nemen.",
    },
    "err_name_taken": {
        "en": "A firm called {name} already exists: choose another name.",
        "nl": "Er is al een bedrijf {name}: kies een andere naam.",
    },
    "err_full": {"en": "The market is full ({n} firms).", "nl": "De markt is vol ({n} bedrijven)."},
    "err_name_empty": {
        "en": "Firm name: give your firm a name (1-40 characters).",
        "nl": "Bedrijfsnaam: geef je bedrijf een naam (1-40 tekens).",
    },
    "err_name_long": {
        "en": "Firm name: {n} characters is too long; at most 40.",
        "nl": "Bedrijfsnaam: {n} tekens is te lang; hooguit 40.",
    },
    "err_name_chars": {
        "en": "Firm name: use letters, digits, spaces and punctuation only.",
        "nl": "Bedrijfsnaam: gebruik alleen letters, cijfers, spaties en leestekens.",
    },
    "err_not_started": {"en": "The game has not started yet.", "nl": "Het spel is nog niet begonnen."},
    "err_no_round": {
        "en": "There is no open round: wait for the teacher to start the game.",
        "nl": "Er is geen open ronde: wacht tot de docent het spel start.",
    },
    "err_over": {"en": "The game is over.", "nl": "Het spel is voorbij."},
    "err_no_firm": {"en": "No such firm.", "nl": "Dat bedrijf bestaat niet."},
    "err_already": {"en": "The game has already started.", "nl": "Het spel is al begonnen."},
    "err_nobody": {"en": "No firm has joined yet.", "nl": "Er heeft zich nog geen bedrijf aangemeld."},
    "err_build": {
        "en": "The market cannot be built for {n} firms: {error}",
        "nl": "De markt kan niet worden gebouwd voor {n} bedrijven: {error}",
    },
    "err_close": {"en": "There is no open round to close.", "nl": "Er is geen open ronde om te sluiten."},
    "err_scandal_when": {
        "en": "Scandals can be fired between rounds, while the game is on.",
        "nl": "Een schandaal kan alleen tussen rondes, terwijl het spel loopt.",
    },
    "err_scandal_target": {
        "en": "Scandal: there is no firm {target}.",
        "nl": "Schandaal: er is geen bedrijf {target}.",
    },
    "err_scandal_values": {
        "en": "Scandal: severity must be 0-10 and reach 0-1.",
        "nl": "Schandaal: zwaarte moet 0-10 zijn en bereik 0-1.",
    },
    "err_claim": {
        "en": "That code does not fit any firm: ask the teacher for a new one.",
        "nl": "Die code hoort bij geen enkel bedrijf: vraag de docent om een nieuwe.",
    },
    "err_remove_playing": {
        "en": "The game has started: the firm stays in the market with its last decisions; its student was detached.",
        "nl": "Het spel loopt: het bedrijf blijft in de markt met zijn laatste beslissingen; de leerling is "
        "losgekoppeld.",
    },
    "err_own_firm": {"en": "You can only change your own firm.", "nl": "Je kunt alleen je eigen bedrijf veranderen."},
    "err_join_first": {
        "en": "You have no firm in this game: join first.",
        "nl": "Je hebt geen bedrijf in dit spel: meld je eerst aan.",
    },
    "err_teacher_only": {"en": "Only the teacher can do this.", "nl": "Alleen de docent kan dit doen."},
    "err_teacher_page": {
        "en": "This page is for the teacher: open the teacher address printed when the game started.",
        "nl": "Deze pagina is voor de docent: open het docentadres dat bij de start werd getoond.",
    },
    "err_teacher_key": {"en": "Wrong teacher key.", "nl": "Verkeerde docentsleutel."},
    "err_debrief_closed": {
        "en": "The debrief opens when the game is over.",
        "nl": "De nabespreking opent als het spel voorbij is.",
    },
    "err_no_page": {"en": "No such page.", "nl": "Die pagina bestaat niet."},
    "err_crash": {
        "en": "Something went wrong on the server; the game is saved. Try again, or ask the teacher to restart "
        "it with the same command.",
        "nl": "Er ging iets mis op de server; het spel is bewaard. Probeer het opnieuw, of vraag de docent het "
        "met hetzelfde commando te herstarten.",
    },
    "err_too_many": {
        "en": "Too many refused requests: wait a minute.",
        "nl": "Te veel geweigerde verzoeken: wacht een minuut.",
    },
    "err_round_closed": {
        "en": "Round {r} is already closed: nothing was done.",
        "nl": "Ronde {r} is al gesloten: er is niets gedaan.",
    },
    "err_round_not_open": {
        "en": "Round {r} is not open: reload the page.",
        "nl": "Ronde {r} is niet open: laad de pagina opnieuw.",
    },
    "err_scandal_fired": {
        "en": "That scandal has already been fired: nothing was done. Reload the page.",
        "nl": "Dat schandaal is al afgevuurd: er is niets gedaan. Laad de pagina opnieuw.",
    },
    "err_unsaved": {
        "en": "The game could not be saved on the teacher's computer (is its disk full?). Tell the teacher.",
        "nl": "Het spel kon niet worden bewaard op de computer van de docent (is de schijf vol?). Zeg het de docent.",
    },
    "err_join_unsaved": {
        "en": "The game could not be saved on the teacher's computer (is its disk full?). Tell the teacher. "
        "Your firm was not created; try again in a moment.",
        "nl": "Het spel kon niet worden bewaard op de computer van de docent (is de schijf vol?). Zeg het de "
        "docent. Je bedrijf is niet aangemaakt; probeer het zo opnieuw.",
    },
    "err_stale_form": {
        "en": "The form has no valid {field!r}: reload the teacher's page and try again.",
        "nl": "Het formulier heeft geen geldig {field!r}: laad de pagina van de docent opnieuw en probeer het "
        "nog eens.",
    },
    "err_joins": {
        "en": "Too many firms from this device: wait a minute, or ask the teacher.",
        "nl": "Te veel bedrijven vanaf dit apparaat: wacht een minuut, of vraag het de docent.",
    },
    "err_form": {"en": "{message}", "nl": "{message}"},
    # joining
    "join_title": {"en": "Join the market", "nl": "Doe mee in de markt"},
    "join_intro": {
        "en": "Type the join code shown on the teacher's screen and a name for your firm.",
        "nl": "Typ de code op het scherm van de docent en een naam voor je bedrijf.",
    },
    "join_code": {"en": "Join code", "nl": "Code"},
    "firm_name": {"en": "Firm name", "nl": "Bedrijfsnaam"},
    "join": {"en": "Join", "nl": "Meedoen"},
    "claim_title": {"en": "Get a firm back, or take one over", "nl": "Een bedrijf terugkrijgen of overnemen"},
    "claim_intro": {
        "en": "On another device, or joining late? Type the firm code the teacher gives you.",
        "nl": "Op een ander apparaat, of laat? Typ de bedrijfscode die je van de docent krijgt.",
    },
    "claim_code": {"en": "Firm code", "nl": "Bedrijfscode"},
    "claim": {"en": "Take over", "nl": "Overnemen"},
    "join_closed": {
        "en": "The game has started: new firms cannot join. If you had a firm, open this page in the browser "
        "you joined with, or ask the teacher for a firm code.",
        "nl": "Het spel is begonnen: nieuwe bedrijven kunnen niet meedoen. Had je een bedrijf, open deze pagina"
        " dan in de browser waarmee je meedeed, of vraag de docent om een bedrijfscode.",
    },
    "see_debrief": {"en": "See the debrief", "nl": "Bekijk de nabespreking"},
    # the goal and the score
    "goal_title": {"en": "Your goal", "nl": "Je doel"},
    "goal": {
        "en": "Earn the most long-term income. Your score = the profit you made so far (discounted) + the value"
        " of your customers: what each of them is expected to earn you over the next {weeks} weeks, from "
        "the margin they bring and how many of your customers stay each week. Customers who trust you and"
        " stay are worth more than customers who leave.",
        "nl": "Verdien het meeste inkomen op lange termijn. Je score = de winst tot nu toe (verdisconteerd) + "
        "de waarde van je klanten: wat elke klant je naar verwachting oplevert in de komende {weeks} "
        "weken, uit de marge die hij brengt en hoeveel van je klanten elke week blijven. Klanten die je "
        "vertrouwen en blijven, zijn meer waard dan klanten die weggaan.",
    },
    "rank": {"en": "You are number {rank} of {n}.", "nl": "Je staat op plaats {rank} van {n}."},
    "your_score": {"en": "Score", "nl": "Score"},
    "your_kept": {"en": "Promises kept", "nl": "Beloftes nagekomen"},
    "your_trust": {"en": "Trust in you", "nl": "Vertrouwen in jou"},
    "scandal_you": {
        "en": "A scandal has hit your firm: trust in you falls before the next weeks run.",
        "nl": "Er is een schandaal bij jouw bedrijf: het vertrouwen in je daalt voordat de volgende weken lopen.",
    },
    "scandal_all": {
        "en": "A scandal has hit the whole sector: trust in every firm falls before the next weeks run.",
        "nl": "Er is een schandaal in de hele sector: het vertrouwen in elk bedrijf daalt voordat de volgende "
        "weken lopen.",
    },
    "scandal_other": {"en": "A scandal has hit {firm}.", "nl": "Er is een schandaal bij {firm}."},
    # the firm's page
    "waiting": {
        "en": "You are in. Waiting for the teacher to start the game ({n} firm(s) so far).",
        "nl": "Je doet mee. Wacht tot de docent het spel start ({n} bedrijf/bedrijven tot nu toe).",
    },
    "decide_title": {
        "en": "Your decision for round {r} of {rounds}",
        "nl": "Je beslissing voor ronde {r} van {rounds}",
    },
    "decided": {
        "en": "Decision saved. You can change it until the round closes.",
        "nl": "Beslissing bewaard. Je kunt hem veranderen tot de ronde sluit.",
    },
    "not_decided": {
        "en": "Not decided yet: if the round closes, your firm keeps its current policy.",
        "nl": "Nog niet beslist: als de ronde sluit, houdt je bedrijf zijn huidige beleid.",
    },
    "saved": {"en": "Decision saved.", "nl": "Beslissing bewaard."},
    "saved_ran": {
        "en": "Decision saved; every firm had decided, so the round ran.",
        "nl": "Beslissing bewaard; elk bedrijf had beslist, dus de ronde is gespeeld.",
    },
    "planned": {
        "en": "Planned spend this round: {total} of {budget}",
        "nl": "Geplande uitgaven deze ronde: {total} van {budget}",
    },
    "planned_parts": {
        "en": "ads {ads}, over-delivery {od}, care {care}",
        "nl": "reclame {ads}, meer leveren {od}, zorg {care}",
    },
    "decide": {"en": "Decide", "nl": "Beslis"},
    "budget_rule": {"en": "The budget rule", "nl": "De budgetregel"},
    "budget_text": {
        "en": "Each round your firm may plan to spend at most {budget} on advertising, over-delivery and care, "
        "at the model's costs, over the round's {k} weeks: advertising {ad_cost} per person reached (an "
        "ad budget of 1 reaches {reach} of the {n} people each week); over-delivery {od_cost} × "
        "over-delivery and care {care_cost} × care per customer per week; for {size} customers: your "
        "customers now ({customers}) or a fair share of the market, whichever is larger. Promise, "
        "transparency and reminders cost nothing. Your profit is what the market really charged: revenue "
        "({price} per customer per week) minus serving ({service} per customer per week plus "
        "over-delivery and care) minus advertising.",
        "nl": "Elke ronde mag je bedrijf hooguit {budget} plannen voor reclame, meer leveren en zorg, tegen de "
        "kosten van het model, over de {k} weken van de ronde: reclame {ad_cost} per bereikte persoon "
        "(een reclamebudget van 1 bereikt elke week {reach} van de {n} mensen); meer leveren {od_cost} × "
        "meer leveren en zorg {care_cost} × zorg per klant per week; voor {size} klanten: je klanten nu "
        "({customers}) of een eerlijk deel van de markt, wat groter is. Belofte, openheid en "
        "herinneringen kosten niets. Je winst is wat de markt echt rekende: omzet ({price} per klant per "
        "week) min bediening ({service} per klant per week plus meer leveren en zorg) min reclame.",
    },
    "over_text": {"en": "The game is over.", "nl": "Het spel is voorbij."},
    "results": {"en": "Your results", "nl": "Je resultaten"},
    "round": {"en": "round", "nl": "ronde"},
    "customers": {"en": "customers", "nl": "klanten"},
    "ambassadors": {"en": "ambassadors", "nl": "ambassadeurs"},
    "detractors": {"en": "warn others", "nl": "waarschuwers"},
    "kept": {"en": "promises kept", "nl": "beloftes nagekomen"},
    "trust": {"en": "trust", "nl": "vertrouwen"},
    "trust_reliability": {"en": "trust: reliability", "nl": "vertrouwen: betrouwbaarheid"},
    "trust_transparency": {"en": "openness", "nl": "openheid"},
    "trust_competence": {"en": "competence", "nl": "bekwaamheid"},
    "trust_care": {"en": "care", "nl": "zorg"},
    "profit": {"en": "profit in round", "nl": "winst in ronde"},
    "discounted_profit": {"en": "profit so far", "nl": "winst tot nu toe"},
    "base_value": {"en": "value of customers", "nl": "waarde van klanten"},
    "score": {"en": "score (long-term income)", "nl": "score (inkomen op lange termijn)"},
    "score_short": {"en": "score", "nl": "score"},
    "flows": {
        "en": "In round {r} your new customers came from: {came}; customers you lost went: {went}.",
        "nl": "In ronde {r} kwamen je nieuwe klanten van: {came}; klanten die je verloor gingen: {went}.",
    },
    "nowhere": {"en": "nowhere", "nl": "nergens"},
    "via_recommendation": {"en": "recommendations", "nl": "aanbevelingen"},
    "via_review": {"en": "reviews", "nl": "recensies"},
    "via_ad": {"en": "ads", "nl": "reclame"},
    "via_banner": {"en": "banners", "nl": "banners"},
    "via_initial": {"en": "the start", "nl": "de start"},
    "from_firm": {"en": "from {firm}", "nl": "van {firm}"},
    "to_firm": {"en": "to {firm}", "nl": "naar {firm}"},
    "left_market": {"en": "left the market", "nl": "uit de markt"},
    # the teacher's projected view
    "open_address": {"en": "Open", "nl": "Open"},
    "code": {"en": "Code", "nl": "Code"},
    "lobby": {"en": "Lobby", "nl": "Wachtruimte"},
    "game_over": {"en": "Game over", "nl": "Spel voorbij"},
    "leaderboard": {"en": "Ranking: long-term income", "nl": "Stand: inkomen op lange termijn"},
    "firm": {"en": "firm", "nl": "bedrijf"},
    "decided_col": {"en": "decided", "nl": "beslist"},
    "market": {"en": "The market", "nl": "De markt"},
    "score_rule": {
        "en": "Score = profit so far + value of the customers (expected margin over the next {weeks} weeks), "
        "both discounted.",
        "nl": "Score = winst tot nu toe + waarde van de klanten (verwachte marge in de komende {weeks} weken), "
        "beide verdisconteerd.",
    },
    "decided_count": {"en": "Decided: {n} of {total}", "nl": "Beslist: {n} van {total}"},
    "presets_title": {"en": "Ready-made games", "nl": "Kant-en-klare spellen"},
    "preset_row": {"en": "{rounds} rounds × {weeks} weeks", "nl": "{rounds} rondes × {weeks} weken"},
    "needs": {"en": "needs {n} rounds", "nl": "heeft {n} rondes nodig"},
    "this_game": {"en": "this game", "nl": "dit spel"},
    # the teacher's panel
    "panel": {"en": "Teacher panel", "nl": "Docentenpaneel"},
    "panel_hint": {
        "en": "Keep this page on your own screen; project the view at {url}.",
        "nl": "Houd deze pagina op je eigen scherm; projecteer de weergave op {url}.",
    },
    "start": {"en": "Start the game", "nl": "Start het spel"},
    "close_round": {"en": "Close round {r} now", "nl": "Sluit ronde {r} nu"},
    "runs_when": {
        "en": "The round runs when every firm has decided.",
        "nl": "De ronde loopt zodra elk bedrijf heeft beslist.",
    },
    "scandal_at": {"en": "Scandal at", "nl": "Schandaal bij"},
    "whole_sector": {"en": "the whole sector", "nl": "de hele sector"},
    "severity": {"en": "severity", "nl": "zwaarte"},
    "reach": {"en": "reach", "nl": "bereik"},
    "fire": {"en": "Fire", "nl": "Afvuren"},
    "events": {"en": "Events", "nl": "Gebeurtenissen"},
    "event": {"en": "round {r}: scandal at {target}", "nl": "ronde {r}: schandaal bij {target}"},
    "roster": {"en": "Firms", "nl": "Bedrijven"},
    "online": {"en": "online", "nl": "online"},
    "offline": {"en": "offline", "nl": "offline"},
    "no_player": {"en": "no student", "nl": "geen leerling"},
    "rename": {"en": "Rename", "nl": "Hernoem"},
    "remove": {"en": "Remove", "nl": "Verwijder"},
    "detach": {"en": "Detach student", "nl": "Koppel leerling los"},
    "issue_code": {"en": "Firm code", "nl": "Bedrijfscode"},
    "add_firm": {"en": "Add a firm for a latecomer", "nl": "Voeg een bedrijf toe voor een laatkomer"},
    "add": {"en": "Add", "nl": "Toevoegen"},
    "code_for": {
        "en": "Firm code for {firm}: {code} (the student types it on the join page; it works once).",
        "nl": "Bedrijfscode voor {firm}: {code} (de leerling typt hem op de aanmeldpagina; hij werkt één keer).",
    },
    "renamed": {"en": "Renamed to {name}.", "nl": "Hernoemd tot {name}."},
    "removed": {"en": "{name} removed.", "nl": "{name} verwijderd."},
    "detached": {
        "en": "{name}'s student was detached; the firm keeps its last decisions. Give a firm code to let "
        "someone take it over.",
        "nl": "De leerling van {name} is losgekoppeld; het bedrijf houdt zijn laatste beslissingen. Geef een "
        "bedrijfscode om het te laten overnemen.",
    },
    "added": {
        "en": "{name} added: give its firm code to a student.",
        "nl": "{name} toegevoegd: geef de bedrijfscode aan een leerling.",
    },
    "started": {"en": "The game has started: round 1 is open.", "nl": "Het spel is begonnen: ronde 1 is open."},
    "closed": {"en": "Round {r} closed and played.", "nl": "Ronde {r} gesloten en gespeeld."},
    "fired": {
        "en": "Scandal fired: it hits before the next round's weeks run.",
        "nl": "Schandaal afgevuurd: het treft voordat de weken van de volgende ronde lopen.",
    },
    "download": {"en": "Download", "nl": "Download"},
    "suppliers_csv": {"en": "supplier table (CSV)", "nl": "leverancierstabel (CSV)"},
    "rounds_csv": {"en": "rounds (CSV)", "nl": "rondes (CSV)"},
    "open_debrief": {"en": "Open the debrief", "nl": "Open de nabespreking"},
    "open_view": {"en": "Projected view", "nl": "Geprojecteerde weergave"},
    "too_short": {
        "en": "This game lasts {weeks} weeks ({rounds} rounds × {k}); in this market the relationship strategy "
        "overtakes advertising only after {needed_weeks} weeks (round {needed} of the preset “{preset}”, "
        "in {majority} of {seeds} replays). Students will see advertising win. Start a longer game "
        "(--preset {preset_key}) to let trust show.",
        "nl": "Dit spel duurt {weeks} weken ({rounds} rondes × {k}); in deze markt haalt de relatiestrategie "
        "reclame pas in na {needed_weeks} weken (ronde {needed} van “{preset}”, in {majority} van {seeds}"
        " herhalingen). Leerlingen zullen reclame zien winnen. Start een langer spel (--preset {preset_key}) om "
        "vertrouwen te laten zien.",
    },
    "unknown_length": {
        "en": "This market is none of the ready-made games, so nobody has measured how many rounds the "
        "relationship strategy needs in it; in the ready-made games it needs 9-10 rounds. A short game "
        "will show advertising winning.",
        "nl": "Deze markt is geen kant-en-klaar spel, dus niemand heeft gemeten hoeveel rondes de "
        "relatiestrategie erin nodig heeft; in de kant-en-klare spellen is dat 9-10 rondes. Een kort spel"
        " laat reclame winnen.",
    },
    # presets
    "preset_long_game": {"en": "The long game", "nl": "Het lange spel"},
    "preset_long_game_teaches": {
        "en": "Trust takes time: advertising leads for years, the firm that keeps its promises and cares "
        "overtakes it once its customers stay and talk; promising too much loses from the start.",
        "nl": "Vertrouwen kost tijd: reclame ligt jaren voor, het bedrijf dat zijn beloftes nakomt en zorgt "
        "haalt het in zodra zijn klanten blijven en praten; te veel beloven verliest vanaf het begin.",
    },
    "preset_calibrated": {"en": "The calibrated market", "nl": "De gekalibreerde markt"},
    "preset_calibrated_teaches": {
        "en": "The research's market (a new category, calibrated to published diffusion data): on profit alone "
        "advertising wins for five years, as the research finds; counting the customers a firm keeps, the"
        " relationship firm comes out ahead in the last years.",
        "nl": "De markt van het onderzoek (een nieuwe productcategorie, gekalibreerd op gepubliceerde "
        "diffusiedata): op winst alleen wint reclame vijf jaar lang, zoals het onderzoek vindt; tel je de"
        " klanten mee die een bedrijf houdt, dan komt het relatiebedrijf in de laatste jaren voor.",
    },
    # the debrief
    "debrief": {"en": "Debrief", "nl": "Nabespreking"},
    "decisions_outcomes": {"en": "Decisions against outcomes", "nl": "Beslissingen en uitkomsten"},
    "ads": {"en": "ads", "nl": "reclame"},
    "no_rounds": {"en": "No round was played.", "nl": "Er is geen ronde gespeeld."},
    "one_firm": {
        "en": "With one firm, or no replay, no difference between firms can be judged.",
        "nl": "Met één bedrijf, of zonder herhaling, valt geen verschil tussen bedrijven te beoordelen.",
    },
    "early_same": {
        "en": "At round {early} {leader} had the most customers ({customers}); at round {last} {winner} had the"
        " highest long-term income ({score}), so the early leader also won in the long run.",
        "nl": "In ronde {early} had {leader} de meeste klanten ({customers}); in ronde {last} had {winner} het "
        "hoogste inkomen op lange termijn ({score}), dus de vroege koploper won ook op de lange duur.",
    },
    "early_other": {
        "en": "At round {early} {leader} had the most customers ({customers}); at round {last} {winner} had the"
        " highest long-term income ({score}), so the early leader was not the long-term winner.",
        "nl": "In ronde {early} had {leader} de meeste klanten ({customers}); in ronde {last} had {winner} het "
        "hoogste inkomen op lange termijn ({score}), dus de vroege koploper won op de lange duur niet.",
    },
    "intro_top": {"en": "The winner against the runner-up.", "nl": "De winnaar tegen de nummer twee."},
    "intro_trust": {
        "en": "The firm that kept its promises best and cared most ({a}) against the biggest advertiser ({b}).",
        "nl": "Het bedrijf dat zijn beloftes het best nakwam en het meest zorgde ({a}) tegen de grootste "
        "adverteerder ({b}).",
    },
    "cmp_ahead": {
        "en": "Replayed on {n} other markets (the same decisions, other chance), {a} ended ahead of {b} by "
        "{mean} on average (95% interval {lo} to {hi}): the lead is no luck.",
        "nl": "Opnieuw gespeeld in {n} andere markten (dezelfde beslissingen, ander toeval) eindigde {a} "
        "gemiddeld {mean} voor op {b} (95%-interval {lo} tot {hi}): die voorsprong is geen toeval.",
    },
    "cmp_behind": {
        "en": "Replayed on {n} other markets (the same decisions, other chance), {a} ended behind {b} by {mean}"
        " on average (95% interval {lo} to {hi}): on other markets {b} does better.",
        "nl": "Opnieuw gespeeld in {n} andere markten (dezelfde beslissingen, ander toeval) eindigde {a} "
        "gemiddeld {mean} achter {b} (95%-interval {lo} tot {hi}): in andere markten doet {b} het beter.",
    },
    "cmp_unclear": {
        "en": "Replayed on {n} other markets (the same decisions, other chance), {a} minus {b} was {mean} on "
        "average (95% interval {lo} to {hi}, which includes zero): either could have won.",
        "nl": "Opnieuw gespeeld in {n} andere markten (dezelfde beslissingen, ander toeval) was {a} min {b} "
        "gemiddeld {mean} (95%-interval {lo} tot {hi}, dat nul bevat): elk van beide had kunnen winnen.",
    },
    "debrief_ask": {
        "en": "Ask: did the early leader win in the long run? What did the firms that kept their promises and "
        "cared get, and when?",
        "nl": "Vraag: won de vroege koploper op de lange duur? Wat leverde beloftes nakomen en zorgen op, en wanneer?",
    },
    # figures
    "fig_customers": {"en": "Customers", "nl": "Klanten"},
    "fig_score": {"en": "Score (long-term income)", "nl": "Score (inkomen op lange termijn)"},
    "fig_week": {"en": "week", "nl": "week"},
    "fig_round": {"en": "round", "nl": "ronde"},
    "fig_opens": {
        "en": "The market opens when the teacher starts the game.",
        "nl": "De markt opent als de docent het spel start.",
    },
    "fig_none": {"en": "No results yet.", "nl": "Nog geen resultaten."},
    "fig_no_round": {"en": "No round has been played.", "nl": "Er is nog geen ronde gespeeld."},
    "fig_debrief": {
        "en": "Bars: customers per round (left axis); lines: decisions in force (right axis)",
        "nl": "Staven: klanten per ronde (linker as); lijnen: beslissingen (rechter as)",
    },
}
"""Labels and sentences of the game, by key."""


def tr(key: str, lang: str, **fields: Any) -> str:
    """The text `key` in language `lang`, with `fields` filled in.

    Raises:
        KeyError: for an unknown key or language (a bug in the game, caught by the tests).
    """
    return lookup(TEXT, key, lang, **fields)


class LocalizedError(Exception):
    """Something a player or the teacher asked for that the game cannot do, said in either language.

    Args:
        key: text key of the message.
        status: the HTTP status it is answered with.
        fields: filled into the text; a field whose text depends on the language is given as
            ``{"en": ..., "nl": ...}`` (see :func:`both`).
    """

    def __init__(self, key: str, status: int = 400, **fields: Any) -> None:
        if key not in TEXT:  # a plain English message (e.g. from trustsim.game.guard)
            key, fields = "err_form", {"message": key}
        self.key, self.status, self.fields = key, status, fields
        super().__init__(self.text(DEFAULT_LANGUAGE))

    def text(self, lang: str) -> str:
        """The message in language `lang`."""
        fields = {k: v[lang] if isinstance(v, dict) else v for k, v in self.fields.items()}
        return tr(self.key, lang, **fields)


def both(text: Callable[[str], str]) -> dict[str, str]:
    """A field of a :class:`LocalizedError` in every language: ``{lang: text(lang)}``."""
    return {lang: text(lang) for lang in LANGUAGES}
