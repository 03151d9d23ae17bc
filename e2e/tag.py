#!/usr/bin/env python3
"""Tag a dataset `tokenize/run` as the DataHub UI does, wait for tokenize-action, and show the result.

With the local stack it first registers the demo `customers` table the way ingestion would.
  e2e/tag.py --gms URL --psql 'psql -h 127.0.0.1 -p PORT -U postgres' [--table customers] [--field email]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from driver import Env  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gms", required=True)
    parser.add_argument("--token", default=os.environ.get("DATAHUB_TOKEN"), help="DataHub token (default: $DATAHUB_TOKEN)")
    parser.add_argument("--psql", required=True)
    parser.add_argument("--database", default="shop")
    parser.add_argument("--table", default="customers")
    parser.add_argument("--field", help="tag only this field (column)")
    parser.add_argument("--no-register", action="store_true", help="the dataset is already in DataHub (real ingestion)")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    env = Env(argparse.Namespace(gms=args.gms, token=args.token, service=None, psql=args.psql, database=args.database,
                                 kafka_bootstrap=None, topic=None, timeout=args.timeout, scheme="hmac", keys_file=None, detokenize=None,
                                 dbx_host=None, dbx_token=None, dbx_warehouse=None, unconfigured_run=None, binary=None))
    urn = env.urn(args.table)
    if not args.no_register:
        env.register_dataset(args.table)
    before = env.last_run(env.dataset(urn))
    env.add_tag(urn, "tokenize/run", field=args.field)
    print(f"tagged {urn}{' field ' + args.field if args.field else ''} with tokenize/run; waiting for the run…")
    dataset, run = env.wait_for_run(urn, previous_run_id=before["run_id"] if before else None)
    print(json.dumps(run, indent=2))
    print("dataset tags:", sorted(env.tag_set(dataset["tags"])))
    for row in env.sql(f"SELECT id, first_name, email, phone FROM public.{args.table} ORDER BY id LIMIT 5"):
        print("  ", " | ".join(row))


if __name__ == "__main__":
    main()
