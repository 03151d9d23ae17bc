#!/usr/bin/env python3
"""Runs the real DataHub CLI on ingestion/postgres.yml with a file sink swapped in, and checks its output.

Run it with the Python of a venv holding the pinned `acryl-datahub[postgres]` (see scripts/ingest-check.sh).
The recipe's `datahub_api` must reach a GMS (the stand-in in CI): its PATCH transformer reads the
dataset's current tags there. A tag put on the dataset beforehand must survive, proving re-ingestion
does not wipe tags that stewards or tokenize-action set.

Checks: the customers dataset is in the output, its globalTags hold `tokenize/run` and the earlier tag,
and its schemaMetadata lists the table's columns.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

import yaml

DATASET = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"
EARLIER_TAG = "urn:li:tag:tokenize/done"
EXPECTED_FIELDS = {"id", "first_name", "last_name", "email", "phone", "ssn", "city", "created_at"}


def fail(message):
    print(f"ingest-check: FAIL: {message}")
    sys.exit(1)


def seed_earlier_tag(gms):
    """Puts a tag on the dataset, as an earlier tokenize-action run would have."""
    value = {"tags": [{"tag": EARLIER_TAG}]}
    proposal = {"entityType": "dataset", "entityUrn": DATASET, "changeType": "UPSERT", "aspectName": "globalTags",
                "aspect": {"value": json.dumps(value), "contentType": "application/json"}}
    headers = {"Content-Type": "application/json"}
    if os.environ.get("DATAHUB_TOKEN"):
        headers["Authorization"] = f"Bearer {os.environ['DATAHUB_TOKEN']}"
    request = urllib.request.Request(f"{gms}/aspects?action=ingestProposal", data=json.dumps({"proposal": proposal}).encode(),
                                     method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 200:
            fail(f"could not seed the earlier tag: HTTP {response.status}")


def aspects_of(records, urn):
    """Aspect name → value for `urn`, from MCPs and MCE snapshots in a file sink's output."""
    found = {}
    for record in records:
        if record.get("entityUrn") == urn and "aspectName" in record:
            aspect = record.get("aspect", {})
            value = aspect.get("json") if "json" in aspect else json.loads(aspect.get("value", "null"))
            found[record["aspectName"]] = value
        snapshot = (record.get("proposedSnapshot") or {})
        for snapshot_value in snapshot.values():
            if isinstance(snapshot_value, dict) and snapshot_value.get("urn") == urn:
                for aspect in snapshot_value.get("aspects", []):
                    for class_name, value in aspect.items():
                        short = class_name.rsplit(".", 1)[-1]
                        found[short[0].lower() + short[1:]] = value
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", default="ingestion/postgres.yml")
    parser.add_argument("--gms", required=True, help="GMS (or the stand-in) the PATCH transformer reads from")
    args = parser.parse_args()

    seed_earlier_tag(args.gms.rstrip("/"))
    with open(args.recipe) as handle:
        recipe = yaml.safe_load(handle)
    with tempfile.TemporaryDirectory() as scratch:
        output = os.path.join(scratch, "mces.json")
        recipe["sink"] = {"type": "file", "config": {"filename": output}}
        swapped = os.path.join(scratch, "recipe.yml")
        with open(swapped, "w") as handle:
            yaml.safe_dump(recipe, handle)
        datahub = os.path.join(os.path.dirname(sys.executable), "datahub")
        run = subprocess.run([datahub, "ingest", "-c", swapped, "--strict-warnings"], capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stdout[-4000:], run.stderr[-4000:], sep="\n")
            fail(f"datahub ingest exited {run.returncode}")
        with open(output) as handle:
            records = json.load(handle)

    aspects = aspects_of(records, DATASET)
    if not aspects:
        fail(f"{DATASET} is not in the output ({len(records)} records)")
    tags = {t["tag"] for t in (aspects.get("globalTags") or {}).get("tags", [])}
    if "urn:li:tag:tokenize/run" not in tags:
        fail(f"globalTags of customers lack tokenize/run: {sorted(tags)}")
    if EARLIER_TAG not in tags:
        fail(f"PATCH semantics lost the earlier tag {EARLIER_TAG}: {sorted(tags)}")
    fields = {f["fieldPath"] for f in (aspects.get("schemaMetadata") or {}).get("fields", [])}
    if not EXPECTED_FIELDS <= fields:
        fail(f"schemaMetadata lacks columns {sorted(EXPECTED_FIELDS - fields)} (has {sorted(fields)})")
    print(f"ingest-check: PASS: {len(records)} records; customers has tags {sorted(tags)} and {len(fields)} schema fields")


if __name__ == "__main__":
    main()
