"""The policy memo: built from a batch's results, rendered to HTML and PDF in Korean and English."""
from __future__ import annotations

from hubeval.report.memo.build import Memo, MemoCostBenefit, build_memo, memo_cost_benefit
from hubeval.report.memo.render import PublishedMemo, publish_memo

__all__ = ["Memo", "MemoCostBenefit", "build_memo", "memo_cost_benefit", "PublishedMemo", "publish_memo"]
