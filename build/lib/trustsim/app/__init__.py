"""The classroom app: watch loyalty emerge, live in the browser (``trustsim viz``).

Layers, each usable on its own:

- :mod:`trustsim.app.lessons` — ready-made lessons and the teacher's knobs, as overrides on
  a scenario (pure data, no UI);
- :mod:`trustsim.app.drawing` — matplotlib drawings of the network and the trend plots, in a
  colour-blind-safe palette, shared by the browser app and ``trustsim animate``;
- :mod:`trustsim.app.page` — the Solara page, built on Mesa's ``SolaraViz``;
- :mod:`trustsim.app.server` — starts Solara offline, without telemetry, on 127.0.0.1.
"""
