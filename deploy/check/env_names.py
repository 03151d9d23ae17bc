#!/usr/bin/env python3
"""Every environment variable the rendered Kubernetes manifests give tokenize-action must be one the service reads
(a name in Sources/ServiceConfiguration or Sources/App) and one the configuration table of docs/configuration.md documents; a
`NAME_FILE` counts when the table documents `NAME` with `/ _FILE`. Reads rendered YAML on stdin (several overlays
concatenated), prints what it checked, exits 1 on the first mismatch list."""
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def documented_names() -> set[str]:
    text = (ROOT / "docs" / "configuration.md").read_text()
    table = text.split("# Configuration", 1)[1]
    names: set[str] = set()
    for line in table.splitlines():
        if not line.startswith("| `"):
            continue
        first = line.split("|")[1]
        row = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first))
        names |= row
        if "_FILE" in first:
            names |= {name + "_FILE" for name in row}
    return names


def read_names() -> set[str]:
    names: set[str] = set()
    for folder in ("Sources/ServiceConfiguration", "Sources/App"):
        for path in (ROOT / folder).glob("*.swift"):
            names |= set(re.findall(r'"([A-Z][A-Z0-9_]{3,})"', path.read_text()))
    # secret(NAME) also reads NAME_FILE.
    return names | {name + "_FILE" for name in names}


def rendered_names(documents) -> dict[str, set[str]]:
    config_maps = {doc["metadata"]["name"]: set(doc.get("data", {})) for doc in documents if doc and doc["kind"] == "ConfigMap"}
    found: dict[str, set[str]] = {}
    for doc in documents:
        if not doc or doc["kind"] != "Deployment" or doc["metadata"]["name"] != "tokenize-action":
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            names = {item["name"] for item in container.get("env", [])}
            for source in container.get("envFrom", []):
                names |= config_maps.get(source.get("configMapRef", {}).get("name"), set())
            found[f"{doc['metadata'].get('namespace', 'default')}/{container['name']}"] = names
    return found


def main() -> int:
    documents = list(yaml.safe_load_all(sys.stdin))
    rendered = rendered_names(documents)
    if not rendered:
        print("env-names: no tokenize-action Deployment in the rendered manifests", file=sys.stderr)
        return 1
    documented, read = documented_names(), read_names()
    failures = []
    for where, names in rendered.items():
        for name in sorted(names):
            if name not in read:
                failures.append(f"{where}: {name} is not read by the service (Sources/ServiceConfiguration)")
            if name not in documented:
                failures.append(f"{where}: {name} is not in the configuration table of docs/configuration.md")
    for failure in failures:
        print("env-names: " + failure, file=sys.stderr)
    total = sum(len(names) for names in rendered.values())
    print(f"env-names: {total} environment names in {len(rendered)} rendered container(s), {len(failures)} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
