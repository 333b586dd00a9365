"""The step's phases: the compiled passes over the customers (:mod:`~trustsim.phases.passes`), word
of mouth (:mod:`~trustsim.phases.word`), choice (:mod:`~trustsim.phases.choosing`) and the schedule
that runs them in order (:mod:`~trustsim.phases.schedule`)."""

from trustsim.phases.passes import (
    Delivery,
    DeliveryPolicy,
    Rules,
    Served,
    deliver,
    leaving_customers,
    own_trust,
    rank,
    rerank,
    talkers,
)

__all__ = [
    "Delivery",
    "DeliveryPolicy",
    "Rules",
    "Served",
    "deliver",
    "leaving_customers",
    "own_trust",
    "rank",
    "rerank",
    "talkers",
]
