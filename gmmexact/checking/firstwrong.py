"""The first wrong step of a wrong number, or of one that follows an earlier error (verdict
``follows``): where the chain of the document's numbers it was computed from first goes wrong.
Numbers carried by rounding (even rounded too early) and unreadable claims are not wrong steps.

Known gaps: the chain follows the latest written value of each input (or, for a matched slip, the
claims the slip was computed from), not every written value the document might have used.
"""
from __future__ import annotations

from ..model.keys import Key
from .carried import ExplicitSteps, key_inputs
from .claims import Claim
from .context import ClaimCheck


def first_wrong(steps: ExplicitSteps, claim: Claim, earlier: list[Claim], checks: dict[int, ClaimCheck]) -> int:
    """Where the document's numbers that this claim was computed from first go wrong.

    Follows the step's inputs as the document wrote them (the latest written value of each,
    through unwritten intermediate steps): a wrong input, or one that follows an earlier error,
    hands on its own first wrong step; when every written input was right, the mistake is this claim's.
    """
    _, inputs = steps.step(claim.key, {c.key.whole for c in earlier})
    latest = {}
    for c in earlier:
        latest[c.key.whole] = c
    used = {latest[k.whole].index for k in (inputs or {}).values() if k.whole in latest}
    return origin(used, checks, claim.index)


def origin(used, checks: dict[int, ClaimCheck], own: int) -> int:
    """The earliest first wrong step among the claims ``used`` that were wrong or follow an earlier
    error; ``own`` when they were all right.

    >>> origin((), {}, 7)
    7
    """
    origins = [checks[i].first_wrong for i in used
               if _erroneous(checks[i]) and checks[i].first_wrong is not None]
    return min(origins) if origins else own


def ancestors(steps: ExplicitSteps, key: Key) -> set[Key]:
    """Every whole quantity ``key``'s step depends on, directly or through other steps."""
    seen, todo = set(), [key.whole]
    while todo:
        k = todo.pop()
        direct = key_inputs(steps.definition(k)) or {}
        for inp in direct.values():
            if inp.whole not in seen:
                seen.add(inp.whole)
                todo.append(inp.whole)
    return seen


def _erroneous(check: ClaimCheck) -> bool:
    """Wrong, or right only given an earlier wrong number (``follows``; ``carried_kind`` "error")."""
    return check.verdict in ("wrong", "follows") or check.carried_kind == "error"
