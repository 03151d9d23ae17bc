#!/usr/bin/env python3
"""Writes the list of test suites into docs/testing.md (between its markers), one line per suite, from the sources:
each Swift suite's `///` line, each end-to-end and fault scenario's description. `--check` fails when the document
differs from the sources (make lint runs it), so the list cannot fall behind the tests."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "testing.md"
BEGIN, END = "<!-- scripts/test-list.py writes from here -->", "<!-- to here -->"
SUITE = re.compile(r"^\s*(?:@Suite[^\n]*?\s+)?(?:final\s+)?(?:struct|class|enum)\s+(\w+Tests)\b")
SCENARIO = re.compile(r'^\s*\("([a-z0-9-]+)", "((?:[^"\\]|\\.)+)",', re.MULTILINE)
FAULT_FILES = {"faults.py", "hostile_faults.py"}


def first_sentence(text):
    """The doc comment's first sentence: what the suite proves, short enough to scan."""
    match = re.search(r"[.;](\s|$)", text)
    return text[: match.start() + 1].rstrip(";") + ("" if text[match.start()] == "." else ".") if match else text


def swift_suites():
    lines = []
    for target in sorted(p for p in (ROOT / "Tests").iterdir() if p.is_dir() and p.name != "TestSupport"):
        suites = []
        for path in sorted(target.rglob("*.swift")):
            source = path.read_text().split("\n")
            for index, line in enumerate(source):
                match = SUITE.match(line)
                if not match:
                    continue
                above = index - 1
                while above >= 0 and source[above].strip().startswith("@"):
                    above -= 1
                doc = []
                while above >= 0 and source[above].strip().startswith("///"):
                    doc.insert(0, source[above].strip()[3:].strip())
                    above -= 1
                if not doc:
                    raise SystemExit(f"{path.relative_to(ROOT)}: suite {match.group(1)} has no /// line saying what it tests")
                suites.append(f"- `{match.group(1)}`: {first_sentence(' '.join(doc))}")
        if suites:
            lines += ["", f"**{target.name}**", ""] + suites
    return lines


def scenarios(faults):
    found = []
    for path in sorted((ROOT / "e2e").glob("*.py")):
        if (path.name in FAULT_FILES) != faults:
            continue
        found += [f"- `{key}`: {text}" for key, text in SCENARIO.findall(path.read_text())]
    return found


def generated():
    return "\n".join(
        ["", "### Swift suites (`swift test`)"] + swift_suites()
        + ["", "### End-to-end scenarios (`e2e/driver.py --only KEY`)", ""] + scenarios(False)
        + ["", "### Fault scenarios (`e2e/faults.py --only KEY`, `make faults ONLY=KEY`)", ""] + scenarios(True) + [""])


def main():
    text = DOC.read_text()
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    wanted = before + BEGIN + "\n" + generated() + END + after
    if "--check" in sys.argv:
        if wanted != text:
            print("docs/testing.md does not list the tests as they are; run: python3 scripts/test-list.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
