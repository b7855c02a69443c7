"""The domain apps' pages of the issue's list (asset list, sample log, approvals, hazards, bureau ...)."""

from __future__ import annotations

from logistics.choices import Role

from .pages import WRITE_TARGET_MS, missing


def pages(ctx):
    return [
        missing("asset_list", "资产列表（筛选，第1页）", "资产应用尚无列表页"),
        missing("asset_list_deep", "资产列表（深页）", "资产应用尚无列表页"),
        missing("asset_detail", "资产详情", "资产应用尚无详情页"),
        missing("sample_log", "留样记录页", "食堂应用尚无留样页", role=Role.CANTEEN),
        missing(
            "sample_create", "新增留样", "食堂应用尚无留样页", role=Role.CANTEEN, target_ms=WRITE_TARGET_MS
        ),
        missing("approval_queue", "采购审批队列", "财务应用尚无审批页", role=Role.PRINCIPAL),
        missing("approve", "审批通过", "财务应用尚无审批页", role=Role.PRINCIPAL, target_ms=WRITE_TARGET_MS),
        missing("hazards", "隐患台账", "安全应用尚无隐患台账"),
        missing("bureau", "教育局总览", "尚无教育局总览页", role=Role.BUREAU),
    ]
