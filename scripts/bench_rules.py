"""How fast are the recommendation rules: one firm against the demo catalog and against a
synthetic catalog of 1,000 programs (target: under 10 ms per firm at 1,000 programs).

No database and no server: the catalog is read from programs/content/catalog.json and
turned into the rules' inputs by the same code the site uses (programs.services
.program_spec, on unsaved rows). Firms are a fixed, seeded set of profiles, so two runs
measure the same work. Prints the median and 90th percentile per firm and PASS/FAIL;
exits 0 either way, non-zero only when something broke.

Usage: .venv/bin/python scripts/bench_rules.py [--firms 50] [--rounds 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CATALOG_FILE = ROOT / "programs" / "content" / "catalog.json"
TARGET_MS_AT_1000 = 10.0
SEED = 20261202
TODAY = date(2026, 12, 2)


def demo_catalog() -> list[Any]:
    """The demo catalog as ProgramSpecs, through the site's own conversion."""
    from programs.models import Institution, Program
    from programs.services import CATALOG_COMMENT_KEYS, program_spec

    data = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    institutions = {item["code"]: Institution(**item) for item in data["institutions"]}
    specs = []
    for index, item in enumerate(data["programs"], start=1):
        fields = {
            key: value
            for key, value in item.items()
            if key not in {"institution", *CATALOG_COMMENT_KEYS}
        }
        for name in ("application_opens", "application_closes", "checked_on"):
            if fields.get(name):
                fields[name] = date.fromisoformat(fields[name])
        program = Program(
            pk=index, institution=institutions[item["institution"]], **fields
        )
        specs.append(program_spec(program))
    return specs


def synthetic_catalog(base: list[Any], size: int, rng: random.Random) -> list[Any]:
    """`size` programs: the demo's, copied with their rules, windows and tags varied."""
    bottlenecks = ["technology", "funds", "manpower", "sales_routes"]
    areas = ["finance", "market", "marketing", "staff", "operations", "global"]
    specs = []
    for index in range(size):
        program = base[index % len(base)]
        low = rng.randint(1, 9)
        months = frozenset(rng.sample(range(1, 13), rng.randint(0, 3)))
        specs.append(
            replace(
                program,
                id=index + 1,
                code=f"{program.code}-{index:04d}",
                family=f"{program.family}-{index // 50}" if program.family else "",
                stage_min=low,
                stage_max=rng.randint(low, 9),
                bottlenecks=frozenset(rng.sample(bottlenecks, rng.randint(0, 3))),
                areas=frozenset(rng.sample(areas, rng.randint(0, 3))),
                application_months=months,
                is_active=rng.random() < 0.95,
            )
        )
    return specs


def firms(count: int, rng: random.Random) -> list[Any]:
    from programs.rules import FirmProfile

    sections = {"10": "C", "28": "C", "29": "C", "62": "J", "46": "G"}
    profiles = []
    for _ in range(count):
        division = rng.choice(list(sections))
        profiles.append(
            FirmProfile(
                stage=rng.randint(1, 9),
                annual_exports_usd=rng.choice([0, 20_000, 120_000, 3_000_000, 12**7]),
                employees=rng.randint(3, 300),
                revenue_krw=rng.randint(10**8, 10**11),
                industry=sections[division],
                region=rng.choice(["seoul", "gyeonggi", "busan", "gyeongnam"]),
                target_markets=frozenset(rng.sample(["US", "CN", "VN", "JP", "DE"], 2)),
                bottleneck_scores={
                    name: Decimal(rng.randint(10, 90))
                    for name in ["technology", "funds", "manpower", "sales_routes"]
                },
                area_scores={
                    name: Decimal(rng.randint(10, 90))
                    for name in ["finance", "market", "marketing", "staff", "global"]
                },
                year_founded=rng.randint(1990, 2025),
                industry_division=division,
                hs_code=rng.choice(["", "2106", "8507", "8479"]),
                just_diagnosed=True,
            )
        )
    return profiles


def per_firm_ms(catalog: list[Any], profiles: list[Any], rounds: int) -> list[float]:
    """Milliseconds per firm, one number per firm: the best of `rounds` runs."""
    from programs.rules import recommend

    for firm in profiles[:3]:  # warm-up
        recommend(firm, catalog, today=TODAY)
    times = []
    for firm in profiles:
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            recommend(firm, catalog, today=TODAY)
            best = min(best, time.perf_counter() - start)
        times.append(best * 1000)
    return times


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--firms", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures to FILE")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()

    rng = random.Random(SEED)
    demo = demo_catalog()
    large = synthetic_catalog(demo, 1000, rng)
    profiles = firms(args.firms, rng)
    print(
        f"Load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
        f"{os.cpu_count()} cores"
    )
    rows = {}
    for name, catalog in [(f"demo ({len(demo)})", demo), ("synthetic (1000)", large)]:
        times = sorted(per_firm_ms(catalog, profiles, args.rounds))
        rows[name] = {
            "programs": len(catalog),
            "firms": len(profiles),
            "median_ms": statistics.median(times),
            "p90_ms": times[max(int(len(times) * 0.9) - 1, 0)],
            "max_ms": times[-1],
        }
        row = rows[name]
        print(
            f"  {name:<18} median {row['median_ms']:7.3f} ms  p90 "
            f"{row['p90_ms']:7.3f} ms  max {row['max_ms']:7.3f} ms per firm"
        )
    verdict = rows["synthetic (1000)"]["median_ms"] < TARGET_MS_AT_1000
    print(
        f"{'PASS' if verdict else 'FAIL'}  recommendations for one firm, 1,000 "
        f"programs: median under {TARGET_MS_AT_1000:g} ms"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
