"""A checked document's numbers in the solution: each written number beside the step it belongs to,
with its exact value and verdict (correct / carried / follows / wrong / undecided / unreadable, the
first wrong step boxed; a wrong number's error in words, a carried one rounded too early with where
the rounding happened), and the summary table of every written number.

Known gaps: a claim whose key the problem does not have has no step to stand beside; it is listed in
the summary table only.
"""
from __future__ import annotations

from fractions import Fraction

from ...engine.lookup import exact_entry, shape_entries
from ...model.exactnum import int_text
from ...model.keys import Key
from ..textbook import decimal_text, escape_text, terminating
from .context import Context
from .formatting import array, sci_text, written_latex
from .tables import longtable

__all__ = ["COLORS", "VERDICT", "ClaimMarks"]

COLORS = {"correct": "0,0.5,0", "carried": "0.75,0.45,0", "follows": "0.75,0.3,0", "wrong": "0.8,0,0",
          "undecided": "0.5,0,0.5", "unreadable": "0.4,0.4,0.4"}
VERDICT = {"correct": r"$\checkmark$ correct", "carried": r"$\approx$ carried", "follows": r"$\hookrightarrow$ follows",
           "wrong": r"$\times$ wrong",
           "undecided": r"? undecided", "unreadable": r"$\oslash$ unreadable"}


class ClaimMarks:
    """Marks the written numbers of a check (verdicts of :meth:`gmmexact.checking.verdicts.Checker.check`;
    a record without ``too_early``, ``error_words``, ``reason`` or ``value`` reads as one without them).

    Attributes
    ----------
    checks : list
        The verdicts, in the claims file's order.
    first_error : int or None
        The index of the first wrong claim.
    marked : set of int
        The claims marked so far (by :meth:`marks`).
    """

    def __init__(self, ctx: Context, checks=None):
        self.ctx = ctx
        self.checks = list(checks or [])
        wrong = [c for c in self.checks if c.verdict == "wrong"]
        self.first_error = wrong[0].first_wrong if wrong else None
        self.by_key: dict[Key, list] = {}
        for c in self.checks:
            if c.claim.key is not None:  # an unknown key stands beside no step
                self.by_key.setdefault(c.claim.key.whole, []).append(c)
        self.marked: set[int] = set()

    def beside(self, text: str, key: Key) -> str:
        """``text`` (a step of ``key``) with the marks of ``key``'s written numbers below it."""
        marks = self.marks(key)
        return text + ("\n" + marks if marks else "")

    def marks(self, key: Key) -> str:
        """The document's written numbers for this quantity, each with its verdict."""
        out = []
        for c in self.by_key.get(key.whole, []):
            out.append(self.mark(c))
            self.marked.add(c.claim.index)
        return "\n".join(out)

    def claim_ref(self, index: int) -> str:
        """Claim ``index`` named with its written value: ``claim \\#3 ($Z = 62.83$)``."""
        c = next(x for x in self.checks if x.claim.index == index)
        return (rf"claim \#{index} (${self.ctx.notation.name(c.claim.key)} = {written_latex(c.claim.written)}$)")

    def claim_value(self, c) -> str:
        """``= v`` or ``\\approx v``: the certified value shown beside a claim (= when it is the exact value)."""
        if not c.entries:  # unreadable: the certified value of its key, if the problem has it
            value = getattr(c, "value", None)
            return r"\approx " + array(value, sci_text) if value is not None else r"\text{--}"
        d = self.ctx.d
        values = (shape_entries([e.value for e in c.entries], c.claim.key, d)
                  if c.claim.key.shape != "scalar" and not c.claim.key.entry else c.entries[0].value)
        exacts = [exact_entry(self.ctx.run.plan, e.key) for e in c.entries]
        exact = all(_equals(q, e.value) for q, e in zip(exacts, c.entries))
        if exact and all(terminating(q) for q in exacts):  # the exact value itself: 125, not 125.00
            shown = [decimal_text(q) for q in exacts]
            values = (shape_entries(shown, c.claim.key, d)
                      if c.claim.key.shape != "scalar" and not c.claim.key.entry else shown[0])
            return "= " + array(values, str)
        return ("= " if exact else r"\approx ") + array(values, sci_text)

    def mark(self, c) -> str:
        """One claim's mark: its written and exact values, its verdict and where it came from."""
        verdict = c.verdict
        color = COLORS.get(verdict, "0,0,0")
        label = VERDICT.get(verdict, escape_text(verdict))
        name = self.ctx.notation.name(c.claim.key)
        parts = [rf"\textcolor[rgb]{{{color}}}{{\textbf{{{label}}}}}: written "
                 + (rf"${name} = {written_latex(c.claim.written)}$" if c.claim.written is not None else
                    rf"${name} = $ \texttt{{{escape_text(_raw_text(c.claim.raw))}}}")
                 + rf"; exact value ${self.claim_value(c)}$"]
        if verdict == "unreadable":
            parts.append(f" ({escape_text(getattr(c, 'reason', None) or 'cannot be read')})")
        words = getattr(c, "error_words", None)
        if verdict in ("wrong", "follows") and words:
            parts.append(f", {escape_text(words)}")
        if verdict == "carried":
            parts.append(" (carried by rounding from " + ", ".join(self.claim_ref(i) for i in c.carried_from) + ")")
        early = getattr(c, "too_early", None)
        if verdict == "carried" and early is not None:
            parts.append("; " + self.early_text(early))
        if verdict == "follows":
            parts.append(" (right given the earlier error in " + ", ".join(self.claim_ref(i) for i in c.carried_from)
                         + ")")
        if (verdict in ("wrong", "follows") and c.first_wrong is not None and c.first_wrong != c.claim.index
                and c.first_wrong not in c.carried_from):
            parts.append(f"; first wrong step: {self.claim_ref(c.first_wrong)}")
        notes = list(c.notes)
        if c.claim.where:
            notes.insert(0, c.claim.where)
        if notes:
            parts.append(r" \\ {\small " + escape_text("; ".join(notes)) + "}")
        body = "".join(parts)
        head = rf"{{\small claim \#{c.claim.index}}}\quad "
        if c.claim.index == self.first_error:
            return (r"\par\noindent\fcolorbox[rgb]{0.8,0,0}{1,0.92,0.92}{\parbox{0.96\linewidth}{"
                    r"\textbf{\textcolor[rgb]{0.8,0,0}{First wrong step.}} " + head + body + r"}}\par")
        return r"\par\noindent\parbox{\linewidth}{" + head + body + r"}\par"

    def summary(self) -> list[str]:
        """The section listing every written number with its verdict ([] without claims)."""
        if not self.checks:
            return []
        counts = {v: sum(c.verdict == v for c in self.checks)
                  for v in ("correct", "carried", "follows", "wrong", "undecided", "unreadable")}
        early = [c for c in self.checks if getattr(c, "too_early", None) is not None]
        follows = f"{counts['follows']} follow an earlier error, " if counts["follows"] else ""
        carried = f"{counts['carried']} carried" + (f" ({len(early)} rounded too early)" if early else "")
        others = "".join(f", {counts[v]} {v}" for v in ("unreadable", "undecided") if counts[v])
        out = [r"\section{The document's numbers}",
               rf"{len(self.checks)} written numbers: {counts['correct']} correct, {carried}, "
               rf"{follows}{counts['wrong']} wrong{others}. Claims are numbered in the claims file's order from \#0, "
               r"as in \texttt{gmmexact check} (its \# column and the \texttt{index} of its JSON output)."]
        if self.first_error is not None:
            out.append(r"\textcolor[rgb]{0.8,0,0}{\textbf{First wrong step:}} " + self.claim_ref(self.first_error) + ".")
        for c in early:
            out.append(rf"\textcolor[rgb]{{{COLORS['carried']}}}{{\textbf{{Rounded too early:}}}} "
                       rf"claim \#{c.claim.index}: {self.early_text(c.too_early)}.")
        rows = []
        for c in self.checks:
            color = COLORS.get(c.verdict, "0,0,0")
            verdict = rf"\textcolor[rgb]{{{color}}}{{{VERDICT.get(c.verdict, escape_text(c.verdict))}}}"
            if c.claim.index == self.first_error:
                verdict += r" \textbf{(first)}"
            if c.claim.key is None:
                quantity = rf"\texttt{{{escape_text(c.claim.name)}}}"
            else:
                quantity = f"${self.ctx.notation.name(c.claim.key)}$"
            written = (f"${written_latex(c.claim.written)}$" if c.claim.written is not None
                       else rf"\texttt{{{escape_text(_raw_text(c.claim.raw))}}}")
            rows.append([rf"\#{c.claim.index}", quantity, written, f"${self.claim_value(c)}$", verdict])
        out += longtable(r"\textbf{Every written number}, in the document's order", [r"\#", "quantity", "written",
                         "exact value", "verdict"], rows, small=True)
        return out


    def early_text(self, early) -> str:
        """Where a number rounded too early had its rounding, and the digits still justified."""
        causes = [self.claim_ref(i) for i in early.rounded]
        if early.pi is not None:
            causes.append(r"$\pi \approx " + (r"22/7" if early.pi == Fraction(22, 7) else decimal_text(early.pi)) + "$")
        digits = f"shows {early.shown} significant digit{'' if early.shown == 1 else 's'}"
        if early.justified is not None:
            digits += ", none of them justified" if early.justified <= 0 else f", at most {early.justified} justified"
        return "rounded too early" + (f" at {', '.join(causes)}" if causes else "") + f": {digits}"


def _raw_text(raw) -> str:
    """A value as given (unreadable), nested lists in brackets."""
    if isinstance(raw, list):
        return "[" + ", ".join(_raw_text(v) for v in raw) + "]"
    return int_text(raw) if isinstance(raw, int) and not isinstance(raw, bool) else str(raw)


def _equals(exact: Fraction | None, text: str) -> bool:
    """Whether a certified decimal string is the exact rational value itself."""
    if exact is None:
        return False
    try:
        return Fraction(text) == exact
    except (ValueError, ZeroDivisionError):
        return False
