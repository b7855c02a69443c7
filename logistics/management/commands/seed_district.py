"""`manage.py seed_district`: the benchmark's district-scale data (benchmarks/district/, used by
`make bench`). The generator lives beside the benchmark, not in the app; it needs the source tree."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "创建区县规模的基准数据：N 所学校（幼儿园与小学），每校约 80 个房间、60 名成员、5,000 件资产、"
        "一年的留样等记录。批量写入，可重复运行（已有的数据跳过）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=60, help="学校数量（默认 60）")
        parser.add_argument("--assets", type=int, default=5000, help="每校资产数量（默认 5000）")
        parser.add_argument("--days", type=int, default=365, help="每校记录的天数（默认 365）")
        parser.add_argument(
            "--big-school-assets",
            type=int,
            default=0,
            help="另建一所大校（代码 BENCH-999）并给它这么多资产，用于资产列表与导出的基准（默认不建）",
        )
        parser.add_argument(
            "--control-school",
            action="store_true",
            help="另建一所数据极少的对照小校（代码 BENCH-998），基准测试用它比较查询数",
        )
        parser.add_argument("--only", default="", help="只运行这些应用的步骤，逗号分隔（如 assets,canteen）")

    def handle(self, *args, schools, assets, days, big_school_assets, control_school, only, **options):
        if schools < 1 or assets < 1 or days < 1 or big_school_assets < 0:
            raise CommandError("学校数、资产数和天数必须为正数。")
        try:
            from benchmarks import district
        except ModuleNotFoundError as exc:
            raise CommandError("基准数据生成器（benchmarks/district）只在源代码目录中可用。") from exc
        scale = district.Scale(assets=assets, days=days)
        self.stdout.write(f"开始生成 {schools} 所学校的基准数据（每校 {assets} 件资产、{days} 天记录）…")
        result = district.seed(
            schools,
            scale=scale,
            big_school_assets=big_school_assets,
            control_school=control_school,
            only={s.strip() for s in only.split(",") if s.strip()} or None,
            log=self.stdout.write,
        )
        total = sum(result["rows"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：新写入 {total:,} 行，用时 {result['seconds']:.1f} 秒。"
                f"账号 b001_director1 等，密码 {district.BENCH_PASSWORD}；教育局账号 {district.BUREAU_USERNAME}。"  # noqa: E501
            )
        )
        for name, n in sorted(result["rows"].items()):
            self.stdout.write(f"  {name}: {n:,}")
