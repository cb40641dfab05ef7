"""Fixed subsets of questions.jsonl, for runs that must stay short on a small machine.

    python evalset/subset.py headline > /tmp/headline.jsonl     # 16 questions
    python evalset/subset.py calibration > /tmp/calibration.jsonl  # the other 41

`headline` is every fourth question of each kind, in file order (the 1st, 5th, 9th ...), so
every kind is in it; `calibration` is the rest. Thresholds are calibrated on `calibration` and
reported on `headline`, which they were not fitted to. The rule depends only on the file order
and kinds, never on results.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def split(lines: list[str]) -> dict[str, list[str]]:
    seen: Counter[str] = Counter()
    out: dict[str, list[str]] = {"headline": [], "calibration": []}
    for line in lines:
        kind = json.loads(line)["kind"]
        out["headline" if seen[kind] % 4 == 0 else "calibration"].append(line)
        seen[kind] += 1
    return out


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in ("headline", "calibration"):
        print("usage: subset.py headline|calibration", file=sys.stderr)
        return 2
    lines = [ln for ln in (HERE / "questions.jsonl").read_text().splitlines() if ln.strip()]
    sys.stdout.write("".join(f"{ln}\n" for ln in split(lines)[sys.argv[1]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
