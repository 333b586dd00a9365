"""The classroom app: watch loyalty emerge, live in the browser (``trustsim viz``).

Layers, each usable on its own:

- :mod:`trustsim.app.lessons` — ready-made lessons and the teacher's knobs, as overrides on
  a scenario (pure data, no UI);
- :mod:`trustsim.app.text` — every word on screen, in English and Dutch;
- :mod:`trustsim.app.drawing` — the network and the trend plots as one matplotlib view,
  built once and updated in place, shared by the browser app and ``trustsim animate``;
- :mod:`trustsim.app.classroom` — one class's session (run, view, previous run), no UI;
- :mod:`trustsim.app.page` — the Solara page: toolbar, lesson panel, knobs, numbers, view
  (its own controls instead of Mesa's ``SolaraViz``, whose options a class must not see);
- :mod:`trustsim.app.server` — starts Solara offline, without telemetry, on 127.0.0.1, with a
  Host-header check and one-line logs for broken requests;
- :mod:`trustsim.app.animation` — ``trustsim animate``: the view streamed to a GIF or MP4.
"""
