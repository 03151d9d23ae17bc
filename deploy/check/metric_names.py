#!/usr/bin/env python3
"""The metrics the service exports (labels of Counter/Gauge/Meter/Timer in Sources), the metrics table of docs/operations.md and
the metrics deploy/prometheus/alerts.yml queries must agree: every exported metric documented, every documented one
exported, every one an alert uses exported (a rule on a misspelt metric never fires)."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def exported() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "Sources").rglob("*.swift"):
        names |= set(re.findall(r'(?:Counter|Gauge|Meter|Timer|Recorder)\(\s*label: "(tokenize_[a-z_]+)"', path.read_text()))
    return names


def documented() -> set[str]:
    text = (ROOT / "docs" / "operations.md").read_text()
    table = text.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(tokenize_[a-z_]+)`", table, re.MULTILINE))


def alerted() -> set[str]:
    text = (ROOT / "deploy/prometheus/alerts.yml").read_text()
    expressions = " ".join(re.findall(r"expr: (.*)", text))
    return {re.sub(r"_(bucket|sum|count)$", "", name) for name in re.findall(r"\b(tokenize_[a-z_]+)", expressions)}


def main() -> int:
    source, readme, alerts = exported(), documented(), alerted()
    failures = [f"{name} is exported but not in the metrics table of docs/operations.md" for name in sorted(source - readme)]
    failures += [f"{name} is in the metrics table of docs/operations.md but not exported" for name in sorted(readme - source)]
    failures += [f"{name} is used by alerts.yml but not exported" for name in sorted(alerts - source)]
    for failure in failures:
        print("metric-names: " + failure, file=sys.stderr)
    print(f"metric-names: {len(source)} exported, {len(readme)} documented, {len(alerts)} used by alerts, {len(failures)} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
