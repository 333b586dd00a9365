"""trustsim: an agent-based simulation of trust between suppliers and customers."""

__version__ = "0.1.0"
