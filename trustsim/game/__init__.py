"""The participatory classroom game (`trustsim classroom`): every student runs a firm in one market.

:mod:`~trustsim.game.rules` holds the decisions and the budget rule, :mod:`~trustsim.game.record`
the saved game, :mod:`~trustsim.game.game` the game itself (rounds, replay), and
:mod:`~trustsim.game.server` the web pages for the teacher and the students.
"""

from trustsim.game.game import Game, GameError
from trustsim.game.rules import DECISIONS, DecisionError

__all__ = ["DECISIONS", "DecisionError", "Game", "GameError"]
