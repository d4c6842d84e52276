"""The policy memo: built from a batch's results, rendered to HTML and PDF in Korean and English.

Inside this folder ``text`` < ``costbenefit`` < ``sentences`` < ``document`` < ``html``/``pdf``
< ``build`` < ``render`` (publishing).
"""
from __future__ import annotations

from hubeval.report.memo.build import MemoResult, build_memo
from hubeval.report.memo.costbenefit import MemoCostBenefitResult, memo_cost_benefit
from hubeval.report.memo.render import PublishedMemoResult, publish_memo

__all__ = ["MemoResult", "MemoCostBenefitResult", "build_memo", "memo_cost_benefit",
           "PublishedMemoResult", "publish_memo"]
