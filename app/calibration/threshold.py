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


def choose(
    outcomes: Sequence[tuple[int, Scored]], target: float, margin: float, default: float
) -> Choice:
    """The threshold for ``outcomes`` ((right article, scores) per probe): the lowest grid
    threshold at which at most ``target`` of them are answered wrongly, weighed against
    ``default`` (see the module)."""
    total = len(outcomes)
    # A probe answers at every threshold up to its top score (margin permitting).
    reach = [
        (scored[0][1], scored[0][0] != article)
        for article, scored in outcomes
        if _answers(scored, 0.0, margin)
    ]
    own = GRID[-1]
    for threshold in reversed(GRID):  # wrong answers only grow as the threshold falls
        if sum(1 for top, bad in reach if top >= threshold and bad) > target * total:
            break
        own = threshold
    used = (PRIOR_WEIGHT * default + total * own) / (PRIOR_WEIGHT + total)
    used = round(min(max(used, GRID[0]), GRID[-1]), 3)
    wrong = sum(1 for top, bad in reach if top >= used and bad)
    right = sum(1 for top, bad in reach if top >= used and not bad)
    return Choice(used, round(wrong / max(total, 1), 4), right / max(total, 1))


def choose_words(probes: Sequence[Probe], target: float, margin: float, default: float) -> Choice:
    return choose([(p.article, p.words) for p in probes], target, margin, default)


def choose_encoder(
    probes: Sequence[Probe], target: float, margin: float, words_threshold: float, default: float
) -> Choice:
    """As the service searches: a probe sure by words is answered by words whatever the
    encoder threshold; the others by the encoders' scores."""
    sure = max(WORDS_SURE, words_threshold)
    outcomes: list[tuple[int, Scored]] = []
    for probe in probes:
        if probe.words and probe.words[0][1] >= sure:
            answered = _answers(probe.words, sure, margin)
            outcomes.append((probe.article, [(probe.words[0][0], ALWAYS)] if answered else []))
        else:
            outcomes.append((probe.article, probe.encoder or []))
    return choose(outcomes, target, margin, default)
