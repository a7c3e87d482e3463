"""Choosing the answer threshold from leave-one-out probes (``app.calibration.loo``).

A held-out phrasing is a message whose right article is known, so at a threshold ``t`` the
probes tell how many messages the bot would answer, and how many of those wrongly. The KB's
own choice is the lowest threshold on a grid at which at most the target share of probes is
answered wrongly.

Probes are not customers: they are the KB author's wording (easier), and a KB with near-
duplicate articles loses to its twin the phrasing left out (harder). So the KB's choice is
evidence, weighed against the fitted default (the prior) by how much there is of each: the
threshold used is their mean weighted by the number of probes and ``PRIOR_WEIGHT``, the
number of messages the default was fitted on (``bench/matcher.py --fit``: half of
id_ecommerce/dev and a sixth of CLINC150 k5 dev). A KB of 50 articles moves a little from the
default; one of 2,000 articles is mostly its own. ``expected_wrong`` is the probes' wrong
share at the threshold used. No constant is fitted to any data set.

A search by words that is sure (``WORDS_SURE``) is decided by words even when encoders are
in use, so the encoder threshold is chosen with those probes' answers counted as they fall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.calibration.loo import Probe, Scored
from app.kb.matcher import WORDS_SURE

GRID = tuple(step / 100 for step in range(30, 100))  # candidate thresholds
PRIOR_WEIGHT = 677  # messages the default thresholds were fitted on (160 + 517)
MIN_PROBES = 20  # fewer held-out phrasings than this: no evidence, keep the default
MIN_CUSTOMERS = 30  # customers' questions with a known answer before they count
# What the fitted default and the KB's phrasings are worth in customers' questions: with
# fewer customers than this their own choice is mostly chance (2 % of 100 is 2 questions),
# with a few hundred it decides.
PRIOR_CUSTOMERS = 100
ALWAYS = 2.0  # a score above every threshold


@dataclass(frozen=True)
class Choice:
    threshold: float
    expected_wrong: float  # the probes' wrong share at that threshold
    answered: float  # share of probes answered right at that threshold


def _answers(scored: Scored, threshold: float, margin: float) -> bool:
    if not scored:
        return False
    runner_up = scored[1][1] if len(scored) > 1 else 0.0
    return scored[0][1] >= threshold and scored[0][1] - runner_up >= margin


def _own(outcomes: Sequence[tuple[int, Scored]], target: float, margin: float) -> float:
    """The lowest grid threshold at which at most ``target`` of ``outcomes`` are answered
    wrongly."""
    # A probe answers at every threshold up to its top score (margin permitting).
    reach = _reach(outcomes, margin)
    own = GRID[-1]
    for threshold in reversed(GRID):  # wrong answers only grow as the threshold falls
        if sum(1 for top, bad in reach if top >= threshold and bad) > target * len(outcomes):
            break
        own = threshold
    return own


def _reach(outcomes: Sequence[tuple[int, Scored]], margin: float) -> list[tuple[float, bool]]:
    """(top score, wrong) of each outcome the margin lets answer at some threshold."""
    return [
        (scored[0][1], scored[0][0] != article)
        for article, scored in outcomes
        if _answers(scored, 0.0, margin)
    ]


def choose(
    outcomes: Sequence[tuple[int, Scored]],
    target: float,
    margin: float,
    default: float,
    customers: Sequence[tuple[int, Scored]] = (),
) -> Choice:
    """The threshold for ``outcomes`` ((right article, scores) per probe) and ``customers``
    (the same per customer's question; article -1: none answers it), weighed against
    ``default`` (see the module)."""
    # The KB's own phrasings can only make the bot more careful: they hold none of the
    # questions the KB does not cover, and lowering the threshold on their word alone
    # answered those (xsid_en_holdout: 0.80 -> 0.75, wrong 2.0 % -> 4.4 %).
    own = max(_own(outcomes, target, margin), default)
    used = (PRIOR_WEIGHT * default + len(outcomes) * own) / (PRIOR_WEIGHT + len(outcomes))
    if len(customers) >= MIN_CUSTOMERS:
        # Customers' questions are what the target is about: the choice above stands in for
        # PRIOR_CUSTOMERS of them, and theirs may lower the threshold as well as raise it.
        mine = _own(customers, target, margin)
        used = (PRIOR_CUSTOMERS * used + len(customers) * mine) / (PRIOR_CUSTOMERS + len(customers))
    used = round(min(max(used, GRID[0]), GRID[-1]), 3)
    # The expected share of wrong answers: customers' when there are enough of them.
    measured = customers if len(customers) >= MIN_CUSTOMERS else outcomes
    reach = _reach(measured, margin)
    wrong = sum(1 for top, bad in reach if top >= used and bad)
    right = sum(1 for top, bad in reach if top >= used and not bad)
    return Choice(used, round(wrong / max(len(measured), 1), 4), right / max(len(measured), 1))


def choose_words(
    probes: Sequence[Probe],
    target: float,
    margin: float,
    default: float,
    customers: Sequence[Probe] = (),
) -> Choice:
    return choose(
        [(p.article, p.words) for p in probes],
        target,
        margin,
        default,
        [(p.article, p.words) for p in customers],
    )


def choose_encoder(
    probes: Sequence[Probe],
    target: float,
    margin: float,
    words_threshold: float,
    default: float,
    customers: Sequence[Probe] = (),
) -> Choice:
    """As the service searches: a probe sure by words is answered by words whatever the
    encoder threshold; the others by the encoders' scores."""
    sure = max(WORDS_SURE, words_threshold)

    def as_searched(probe: Probe) -> tuple[int, Scored]:
        if probe.words and probe.words[0][1] >= sure:
            answered = _answers(probe.words, sure, margin)
            return probe.article, [(probe.words[0][0], ALWAYS)] if answered else []
        return probe.article, [] if probe.declined else probe.encoder or []

    return choose(
        [as_searched(p) for p in probes],
        target,
        margin,
        default,
        [as_searched(p) for p in customers],
    )
