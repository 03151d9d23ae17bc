#!/usr/bin/env python3
"""make discovery-bench: PII discovery's precision and recall per kind on public corpora the project did not write
(bench/discovery_corpus.py names each source), beside its figures on the project's own generated corpus. Figures
only, never a test: it prints, and writes nothing.

Recall: the share of a kind's values classified as that kind. False positives: the share of negatives classified
as any kind, and per kind the values of other kinds or none it claimed. Columns: each kind's values in columns of
100; a column is proposed when at least SAMPLE_THRESHOLD (0.8) of it validates as one kind, as a plan decides."""
import argparse
import collections
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import discovery_corpus  # noqa: E402


def classify(binary, values):
    text = "\n".join(json.dumps(v, ensure_ascii=False) for v in values) + "\n"
    out = subprocess.run([binary], input=text, capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == len(values), (len(out), len(values))
    return out


def column_kind(binary, name, values, threshold):
    text = "\n".join(json.dumps(v, ensure_ascii=False) for v in values) + "\n"
    return subprocess.run([binary, "--column", name, "--threshold", str(threshold)], input=text, capture_output=True, text=True,
                          check=True).stdout.strip()


def contextual(args, corpus):
    """Person names and postal addresses, column by column: the column's name is the evidence the values need."""
    print("\nPerson names and postal addresses (columns of 100 values; proposed only with a column name that says so):")
    print("| Column name | Values (source) | Wanted | Proposed |")
    print("| --- | --- | --- | --- |")
    results = []
    for name, wanted, source, values in discovery_corpus.contextual_columns(corpus):
        got = column_kind(args.binary, name, values, args.threshold)
        results.append((wanted, got))
        print(f"| `{name}` | {source} | {wanted} | {got} |")
    for kind in ("person_name", "postal_address"):
        proposed = [w for w, g in results if g == kind]
        wanted = [g for w, g in results if w == kind]
        precision = sum(1 for w in proposed if w == kind) / len(proposed) if proposed else 0.0
        recall = sum(1 for g in wanted if g == kind) / len(wanted) if wanted else 0.0
        print(f"{kind}: column precision {precision:.3f}, column recall {recall:.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the discovery-bench executable")
    parser.add_argument("--work", default=".tools/discovery", help="where python-stdnum's source distribution is unpacked")
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--misses", type=int, default=8, help="misses listed per kind")
    parser.add_argument("--generated", help="output of the Swift corpus test, printed beside (scripts/discovery-bench.sh)")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    corpus = discovery_corpus.Corpus(discovery_corpus.stdnum_sdist(args.work)).build()

    kinds = sorted(corpus.positives)
    values = [v for k in kinds for v, _ in corpus.positives[k]] + [v for v, _ in corpus.negatives]
    found = dict(zip(values, classify(args.binary, values)))
    claimed = collections.Counter()
    print("Sources:")
    for kind in kinds:
        for source, count in collections.Counter(s for _, s in corpus.positives[kind]).items():
            print(f"  {kind:16} {count:5}  {source}")
    for source, count in collections.Counter(s for _, s in corpus.negatives).items():
        print(f"  {'negative':16} {count:5}  {source}")

    print("\n| Kind | Values | Recall | Claimed wrongly (of other kinds or none) | Columns of 100 proposed |")
    print("| --- | --- | --- | --- | --- |")
    misses = {}
    for v, got in found.items():
        if got != "-":
            claimed[got] += 1
    for kind in kinds:
        items = [v for v, _ in corpus.positives[kind]]
        hits = sum(1 for v in items if found[v] == kind)
        wrong_claims = sum(1 for v, got in found.items() if got == kind) - hits
        if not items:
            print(f"| {kind} | 0 | — | — | — |")
            continue
        columns = [items[i:i + 100] for i in range(0, len(items), 100) if len(items[i:i + 100]) >= 20]
        proposed = sum(1 for column in columns if sum(found[v] == kind for v in column) / len(column) >= args.threshold)
        print(f"| {kind} | {len(items)} | {hits / len(items):.3f} | {wrong_claims} | {proposed} of {len(columns)} |")
        misses[kind] = [(v, found[v]) for v in items if found[v] != kind]
    negatives = [v for v, _ in corpus.negatives]
    flagged = [(v, found[v]) for v in negatives if found[v] != "-"]
    print(f"\nFalse positives on {len(negatives)} negatives: {len(flagged)} ({len(flagged) / len(negatives):.2%})")
    for value, got in flagged[:20]:
        print(f"   {value!r} → {got}")
    print("\nMisses (value → what it was taken for):")
    for kind in kinds:
        if misses.get(kind):
            shown = ", ".join(f"{v!r} → {got}" for v, got in misses[kind][: args.misses])
            print(f"  {kind} ({len(misses[kind])}): {shown}")
    contextual(args, corpus)
    if args.generated:
        print("\nThe project's own generated corpus (swift test --filter DiscoveryTests):")
        print(open(args.generated).read().rstrip())


if __name__ == "__main__":
    main()
