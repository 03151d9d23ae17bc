#!/usr/bin/env python3
"""End-to-end driver for tokenize-action, shared by the local stack (DataHub stand-in) and `make e2e`
(real DataHub in Docker): the only difference is the endpoints.

It acts as a data steward would: it registers datasets the way ingestion does (REST ingestProposal),
tags them through DataHub's GraphQL exactly as the UI does (batchAddTags), waits for the service to
flip the tags, and checks the rows in PostgreSQL. Each scenario prints PASS/FAIL; the last line is
"N passed, M failed". Exit status 1 when any scenario failed.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (  # noqa: E402,F401  (re-exported: the fault tests use them)
    COLUMNS, DEMO_ROWS, PII, ROWS, Env, Failure, check_tokenized, expect, hmac_token, looks_tokenized, newest_key, poc_token)
from common import oracle  # noqa: E402
from security_scenarios import (  # noqa: E402
    all_keys, scenario_key_material_in_logs, scenario_no_secret_leaves, scenario_policy_approval, scenario_policy_denied, scenario_policy_principal,
    scenario_unauthenticated)
from discovery_scenarios import (  # noqa: E402
    scenario_downstream_copies, scenario_field_entity_and_terms, scenario_field_path_v2, scenario_plan_by_tag, scenario_plan_discovers)
from zoo_scenarios import SCENARIOS as ZOO_SCENARIOS  # noqa: E402
from startup_scenarios import SCENARIOS as STARTUP_SCENARIOS  # noqa: E402
from printout_scenario import SCENARIOS as PRINTOUT_SCENARIOS  # noqa: E402
from erasure_scenarios import SCENARIOS as ERASURE_SCENARIOS  # noqa: E402
from realworld_discovery_scenario import SCENARIOS as REALWORLD_DISCOVERY_SCENARIOS  # noqa: E402
from proof_scenarios import (  # noqa: E402
    scenario_audit_trail, scenario_databricks_purge, scenario_incomplete_then_finished, scenario_old_values_in_pages, scenario_verify_api)

def scenario_dataset_tag(env, state):
    table = f"{env.prefix}_customers"
    env.create_table(table)
    urn = env.register_dataset(table)
    env.add_tag(urn, "tokenize/run")
    dataset, run = env.wait_for_run(urn)
    expect(run["status"] == "SUCCESS", f"run failed: {run}")
    expect(sorted(run["columns"]) == sorted(PII), f"columns {run['columns']} != {PII}")
    expect(run["rows_updated"] == 4, f"rows_updated {run['rows_updated']} != 4")
    check_tokenized(env, table, PII)
    tags = env.tag_set(dataset["tags"])
    expect("urn:li:tag:tokenize/run" not in tags, f"trigger tag still present: {tags}")
    expect({"urn:li:tag:tokenize/done", "urn:li:tag:tokenize/status:SUCCESS"} <= tags, f"tags not flipped: {tags}")
    doc = dataset["editableProperties"]["description"]
    expect("Customer master data" in doc, "the user's description was lost")
    expect(doc.count("<!-- tokenize-action:begin -->") == 1 and run["run_id"] in doc, f"doc section missing: {doc}")
    state["customers"] = (table, urn, run["run_id"])


def scenario_retrigger_is_idempotent(env, state):
    table, urn, run_id = state["customers"]
    env.add_tag(urn, "tokenize/run")
    dataset, run = env.wait_for_run(urn, previous_run_id=run_id)
    expect(run["status"] == "SUCCESS" and run["rows_updated"] == 0, f"second run should update 0 rows: {run}")
    check_tokenized(env, table, PII)
    doc = dataset["editableProperties"]["description"]
    expect(doc.count("<!-- tokenize-action:begin -->") == 1, "doc section duplicated")
    expect(doc.count("Customer master data") == 1, "user text duplicated")
    expect(run["run_id"] in doc and run_id not in doc, "doc section was not replaced by the newer run")


def scenario_field_tag(env, state):
    table = f"{env.prefix}_fields"
    env.create_table(table)
    urn = env.register_dataset(table)
    env.add_tag(urn, "tokenize/run", field="email")
    dataset, run = env.wait_for_run(urn)
    expect(run["status"] == "SUCCESS" and run["columns"] == ["email"], f"unexpected run: {run}")
    expect(run["rows_updated"] == 3, f"rows_updated {run['rows_updated']} != 3")
    check_tokenized(env, table, ["email"])
    tags = env.field_tags(dataset, "email")
    expect("urn:li:tag:tokenize/run" not in tags and {"urn:li:tag:tokenize/done", "urn:li:tag:tokenize/status:SUCCESS"} <= tags,
           f"field tags not flipped: {tags}")


def scenario_scheme_tags(env, state):
    """Per-column schemes from DataHub tags: siv on email, ff1 on phone, the service default on the rest."""
    table = f"{env.prefix}_schemes"
    env.create_table(table)
    urn = env.register_dataset(table)
    env.add_tag(urn, "tokenize/scheme:siv", field="email")
    env.add_tag(urn, "tokenize/scheme:ff1", field="phone")
    env.add_tag(urn, "tokenize/run")
    _, run = env.wait_for_run(urn)
    expect(run["status"] == "SUCCESS" and run["rows_updated"] == 4, f"unexpected run: {run}")
    expect(run["schemes"] == {"email": "siv", "phone": "ff1", "first_name": env.scheme, "last_name": env.scheme, "ssn": env.scheme},
           f"schemes: {run['schemes']}")
    rows = env.rows(table)
    emails = [(before[2], row[2]) for before, row in zip(ROWS, rows) if before[2]]
    phones = [(before[3], row[3]) for before, row in zip(ROWS, rows) if before[3]]
    expect(all(token.startswith("tks_") for _, token in emails), f"siv tokens expected: {emails}")
    expect(env.reverse([token for _, token in emails], "siv") == [plain for plain, _ in emails], "siv tokens do not decrypt to the originals")
    for plain, token in phones:
        same_shape = len(token) == len(plain) and all(a.isdigit() == b.isdigit() for a, b in zip(plain, token))
        expect(token != plain and same_shape, f"ff1 token {token!r} does not keep the shape of {plain!r}")
    expect(env.reverse([token for _, token in phones], "ff1") == [plain for plain, _ in phones], "ff1 tokens do not decrypt to the originals")
    for before, row in zip(ROWS, rows):
        expect(row[0] == env.expected_token(before[0]), f"first_name: {row[0]!r} is not the {env.scheme} token of {before[0]!r}")
    env.add_tag(urn, "tokenize/run")
    _, again = env.wait_for_run(urn, previous_run_id=run["run_id"])
    expect(again["status"] == "SUCCESS" and again["rows_updated"] == 0, f"re-run of siv/ff1 columns should update 0 rows: {again}")
    expect(env.rows(table) == rows, "the re-run changed tokens")


def scenario_databricks(env, state):
    """A Delta table tokenized inside the SQL warehouse; exact tokens; re-run 0."""
    table = f"{env.prefix}_dbx"
    env.dbx_sql("CREATE SCHEMA IF NOT EXISTS demo.e2e")
    env.dbx_sql(f"CREATE TABLE demo.e2e.{table} (id BIGINT, first_name STRING, last_name STRING, email STRING, "
                "phone STRING, ssn STRING, city STRING)")
    for index, row in enumerate(ROWS):
        names = ["id", *COLUMNS]
        env.dbx_sql(f"INSERT INTO demo.e2e.{table} VALUES ({', '.join(':' + n for n in names)})",
                    [("id", str(index)), *zip(COLUMNS, row)])
    urn = env.register_dataset(table, urn=env.dbx_urn(table))
    env.add_tag(urn, "tokenize/run")
    dataset, run = env.wait_for_run(urn)
    expect(run["status"] == "SUCCESS" and run["rows_updated"] == 4, f"unexpected Databricks run: {run}")
    rows = env.dbx_sql(f"SELECT {', '.join(COLUMNS)} FROM demo.e2e.{table} ORDER BY id")
    for original, row in zip(ROWS, rows):
        for column, before, after in zip(COLUMNS, original, row):
            if column in PII and before:
                expect(after == env.expected_token(before), f"{table}.{column}: {after!r} is not the token of {before!r}")
            else:
                expect(after == before, f"{table}.{column}: expected {before!r} unchanged, got {after!r}")
    tags = env.tag_set(dataset["tags"])
    expect({"urn:li:tag:tokenize/done", "urn:li:tag:tokenize/status:SUCCESS"} <= tags, f"tags not flipped: {sorted(tags)}")
    env.add_tag(urn, "tokenize/run")
    _, again = env.wait_for_run(urn, previous_run_id=run["run_id"])
    expect(again["status"] == "SUCCESS" and again["rows_updated"] == 0, f"Databricks re-run should update 0 rows: {again}")
    scope = os.environ.get("DBX_SECRET_SCOPE")
    if scope and env.keys_file:
        # The pads came from the secret scope: the query history holds their names, never their values.
        status, history = env.http("GET", f"{env.dbx[0]}/standin/history")
        updates = [h for h in history["statements"] if h["statement"].startswith("UPDATE") and table in h["statement"]]
        expect(updates and all(f"secret('{scope}', 'hmac-inner-pad-" in h["statement"] for h in updates), f"the UPDATEs do not use secret(): {updates}")
        text = json.dumps(history)
        leaked = [name for _, secret in all_keys(env.keys_file) for name, material in oracle.key_material(secret).items()
                  if any(form in text for form in oracle.searchable_forms(material))]
        expect(not leaked, f"key material in the Databricks query history: {leaked}")


def scenario_databricks_failed(env, state):
    """A statement Databricks fails (an UPDATE of a view) gives a FAILED run naming the statement's error;
    a dataset whose table is missing fails before any statement runs."""
    table = f"{env.prefix}_dbx_base"
    env.dbx_sql("CREATE SCHEMA IF NOT EXISTS demo.e2e")
    env.dbx_sql(f"CREATE TABLE demo.e2e.{table} (id BIGINT, email STRING)")
    env.dbx_sql(f"INSERT INTO demo.e2e.{table} VALUES (1, 'ada@example.com')")
    env.dbx_sql(f"CREATE VIEW demo.e2e.{table}_view AS SELECT * FROM demo.e2e.{table}")
    urn = env.register_dataset(f"{table}_view", urn=env.dbx_urn(f"{table}_view"))
    env.add_tag(urn, "tokenize/run")
    dataset, run = env.wait_for_run(urn)
    expect(run["status"] == "FAILED" and "Databricks statement failed" in run["details"], f"expected the statement's error: {run}")
    expect({"urn:li:tag:tokenize/run", "urn:li:tag:tokenize/status:FAILED"} <= env.tag_set(dataset["tags"]), "trigger + FAILED tags expected")
    expect("Databricks statement failed" in dataset["editableProperties"]["description"], "the error is not in the doc")
    missing = env.register_dataset(f"{env.prefix}_dbx_missing", urn=env.dbx_urn(f"{env.prefix}_dbx_missing"))
    env.add_tag(missing, "tokenize/run")
    _, run = env.wait_for_run(missing)
    expect(run["status"] == "FAILED" and "not found in Databricks" in run["details"], f"expected FAILED naming the table: {run}")


def scenario_databricks_timeout(env, state):
    """A statement still RUNNING after DBX_STATEMENT_TIMEOUT_SECONDS is cancelled and the run FAILS saying so.
    Uses the stand-in's test control to hold statements (not part of the Databricks API)."""
    host, token, _ = env.dbx
    table = f"{env.prefix}_dbx_slow"
    env.dbx_sql("CREATE SCHEMA IF NOT EXISTS demo.e2e")
    env.dbx_sql(f"CREATE TABLE demo.e2e.{table} (id BIGINT, email STRING)")
    urn = env.register_dataset(table, urn=env.dbx_urn(table))
    env.http("POST", f"{host}/standin/config", {"delay_seconds": 120})
    try:
        env.add_tag(urn, "tokenize/run")
        _, run = env.wait_for_run(urn)
    finally:
        env.http("POST", f"{host}/standin/config", {})
    expect(run["status"] == "FAILED" and "was cancelled" in run["details"], f"expected a cancelled statement: {run}")
    statement_id = run["details"].split("Databricks statement ", 1)[1].split(" ", 1)[0]
    status, body = env.http("GET", f"{host}/api/2.0/sql/statements/{statement_id}", None, {"Authorization": f"Bearer {token}"})
    expect(status == 200 and body["status"]["state"] == "CANCELED", f"the statement was not cancelled in Databricks: {body}")


def scenario_databricks_unconfigured(env, state):
    """Without DBX_* settings a Databricks run is SKIPPED, and DataHub shows it."""
    if not env.unconfigured_run:
        raise Failure("--unconfigured-run is required (a `tokenize-action run` command without DBX_* settings)")
    table = f"{env.prefix}_dbx_skipped"
    urn = env.register_dataset(table, urn=env.dbx_urn(table))
    result = subprocess.run(env.unconfigured_run + ["--dataset", urn], capture_output=True, text=True)
    expect(result.returncode == 0, f"run exited {result.returncode}: {result.stderr[-500:]}")
    record = json.loads(result.stdout)
    expect(record["status"] == "SKIPPED" and record["rows_updated"] == 0
           and record["details"] == "Databricks connection not configured", f"expected SKIPPED: {record}")
    dataset = env.dataset(urn)
    shown = env.last_run(dataset)
    expect(shown and shown["status"] == "SKIPPED", f"DataHub does not show the SKIPPED run: {shown}")
    expect("SKIPPED" in dataset["editableProperties"]["description"], "the doc section lacks SKIPPED")


def scenario_missing_table(env, state):
    table = f"{env.prefix}_missing"
    urn = env.register_dataset(table)
    env.add_tag(urn, "tokenize/run")
    dataset, run = env.wait_for_run(urn)
    expect(run["status"] == "FAILED", f"expected FAILED: {run}")
    tags = env.tag_set(dataset["tags"])
    expect({"urn:li:tag:tokenize/run", "urn:li:tag:tokenize/status:FAILED"} <= tags, f"expected trigger + FAILED tags: {tags}")
    doc = dataset["editableProperties"]["description"]
    expect("FAILED" in doc and "not found" in doc, f"error missing from the doc: {doc}")


def scenario_demo_customers(env, state):
    """The `make e2e` path: shop.public.customers as `make ingest` catalogued it (registered here when absent,
    as on the local stack), tagged through GraphQL as the UI does, tokenized, then re-triggered for 0 rows."""
    urn = env.urn("customers")
    if not env.exists(urn):
        env.register_dataset("customers")
    dataset = env.dataset(urn)
    previous = env.last_run(dataset)
    tags = env.tag_set(dataset["tags"])
    if "urn:li:tag:tokenize/run" in tags and previous is not None:
        env.remove_tag(urn, "tokenize/run")  # a trigger left by a failed run: re-request, as a steward would
        tags.discard("urn:li:tag:tokenize/run")
    if "urn:li:tag:tokenize/run" not in tags:
        env.add_tag(urn, "tokenize/run")
    dataset, run = env.wait_for_run(urn, previous_run_id=previous["run_id"] if previous else None)
    expect(run["status"] == "SUCCESS", f"run on customers failed: {run['details']}")
    expect(sorted(run["columns"]) == sorted(PII), f"columns {run['columns']} != {PII}")
    rows = env.sql(f"SELECT {', '.join(COLUMNS)} FROM public.customers ORDER BY id LIMIT {len(DEMO_ROWS)}")
    for seeded, row in zip(DEMO_ROWS, rows):
        for column, before, after in zip(COLUMNS, seeded, row):
            before = before or ""
            if column in PII and before:
                expect(after != before and looks_tokenized(after), f"customers.{column}: {after!r} is not a token of {before!r}")
            else:
                expect(after == before, f"customers.{column}: expected {before!r} unchanged, got {after!r}")
    tags = env.tag_set(dataset["tags"])
    expect({"urn:li:tag:tokenize/done", "urn:li:tag:tokenize/status:SUCCESS"} <= tags and "urn:li:tag:tokenize/run" not in tags,
           f"tags not flipped: {sorted(tags)}")
    env.add_tag(urn, "tokenize/run")
    _, again = env.wait_for_run(urn, previous_run_id=run["run_id"])
    expect(again["status"] == "SUCCESS" and again["rows_updated"] == 0, f"the second run should update 0 rows: {again}")
    state.setdefault("customers", ("customers", urn, again["run_id"]))


def scenario_undecodable_message(env, state):
    if not env.kafka:
        raise Failure("--kafka-bootstrap is required for this scenario")
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": env.kafka})
    for garbage in (b"not avro at all", b"\x00\x00\x00\x00\x13\xff\xff\xff", b"\x00\x00\x00\x03\xe7abc"):
        producer.produce(env.topic, key=b"garbage", value=garbage)
    producer.flush(10)
    table = f"{env.prefix}_after_garbage"
    env.create_table(table)
    urn = env.register_dataset(table)
    env.add_tag(urn, "tokenize/run")
    _, run = env.wait_for_run(urn)
    expect(run["status"] == "SUCCESS" and run["rows_updated"] == 4, f"the good message after garbage was not handled: {run}")


def scenario_http_api(env, state):
    """POST /trigger answers 202 with the queued run and its Location; ?wait=true answers with the final record;
    GET /runs/{id} and GET /runs?dataset= read the ledger; bad requests are 400 with a reason."""
    if not env.service:
        raise Failure("--service is required for this scenario")
    table, urn, _ = state["customers"]
    status, queued = env.api("POST", "/trigger", {"dataset": urn, "columns": ["email"]})
    expect(status == 202 and queued["status"] in ("QUEUED", "RUNNING") and queued["source"] == "api", f"POST /trigger: {status} {queued}")
    expect(queued["requested_by"] == "api:e2e", f"the caller's token name is recorded: {queued}")
    run_id = queued["run_id"]
    final = env.wait_for(f"run {run_id} to finish", lambda: (lambda r: r if r[1]["status"] not in ("QUEUED", "RUNNING") else None)(
        env.api("GET", f"/runs/{run_id}")))[1]
    expect(final["status"] == "SUCCESS" and final["rows_updated"] == 0 and final["columns"] == ["email"], f"GET /runs: {final}")
    status, waited = env.api("POST", "/trigger?wait=true", {"dataset": urn, "columns": ["email"]})
    expect(status == 200 and waited["status"] == "SUCCESS" and waited["write_back"]["state"] == "done", f"?wait=true: {status} {waited}")
    status, listed = env.api("GET", f"/runs?dataset={urllib.parse.quote(urn)}&limit=5")
    expect(status == 200 and listed["runs"][0]["run_id"] == waited["run_id"], f"GET /runs?dataset: {status} {listed}")
    status, error = env.api("POST", "/trigger", {"dataset": "not-a-urn"})
    expect(status == 400 and "dataset URN" in error["error"], f"bad request: {status} {error}")
    status, error = env.api("POST", "/trigger", {"dataset": urn, "colums": ["email"]})
    expect(status == 400 and "unknown field" in error["error"], f"unknown field: {status} {error}")
    status, error = env.api("GET", "/runs/00000000-0000-0000-0000-000000000000")
    expect(status == 404, f"unknown run: {status} {error}")
    status, failed = env.api("POST", "/trigger?wait=true", {"dataset": urn, "columns": ["no_such_column"]})
    expect(status == 200 and failed["status"] == "FAILED" and "no_such_column" in failed["details"], f"unknown column: {failed}")
    status, ready = env.http("GET", f"{env.service}/readyz")
    expect(status == 200, f"/readyz: {status} {ready}")


def scenario_configuration_errors(env, state):
    """A bad setting stops `serve` before anything starts, with one line naming it and exit status 78."""
    if not env.binary:
        raise Failure("--binary is required for this scenario")
    import os
    for name, value, says in [("KAFKA_EXTRA_CONFIG", "no.such.setting=1", "no.such.setting"), ("LOG_LEVEL", "loud", "is not a level"),
                              ("POSTGRES_SSLMODE", "sometimes", "is not one of"), ("RECONCILE_INTERVAL", "soon", "is not a duration")]:
        result = subprocess.run([env.binary, "serve"], env={**os.environ, name: value}, capture_output=True, text=True, timeout=60)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        expect(result.returncode == 78, f"{name}={value}: exit {result.returncode}, stderr {result.stderr[-500:]}")
        expect(len(lines) == 1 and name in lines[0] and says in lines[0], f"{name}={value}: expected one line naming it, got {lines}")
    if os.environ.get("POSTGRES_SSLMODE") == "verify-full" and os.environ.get("POSTGRES_HOST") == "localhost":
        # The server's certificate names localhost only: by its address, verify-full must refuse to connect.
        result = subprocess.run([env.binary, "serve"], env={**os.environ, "POSTGRES_HOST": "127.0.0.1"}, capture_output=True, text=True, timeout=60)
        last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
        expect(result.returncode == 78 and "does not name the host" in last and "POSTGRES_HOST" in last,
               f"verify-full to a name not in the certificate: exit {result.returncode}, {last!r}")
        # And the running service's own sessions are all encrypted.
        plain, encrypted = env.sql("SELECT count(*) FILTER (WHERE NOT s.ssl), count(*) FILTER (WHERE s.ssl) FROM pg_stat_ssl s "
                                   "JOIN pg_stat_activity a USING (pid) WHERE a.application_name LIKE 'tokenize-action%'")[0]
        expect(plain == "0" and int(encrypted) > 0, f"the service's PostgreSQL sessions: {plain} in plain text, {encrypted} encrypted")


SCENARIOS = [
    ("demo", "demo customers: tag through GraphQL, tokens in Postgres, re-trigger updates 0", scenario_demo_customers),
    ("dataset", "dataset-level tag tokenizes all PII columns and flips tags", scenario_dataset_tag),
    ("retrigger", "second trigger updates 0 rows without doc churn", scenario_retrigger_is_idempotent),
    ("field", "field-level tag on email tokenizes only email", scenario_field_tag),
    ("schemes", "tokenize/scheme tags: siv on email, ff1 on phone (same shape), re-run updates 0", scenario_scheme_tags),
    ("missing", "missing table gives FAILED with the trigger kept", scenario_missing_table),
    ("databricks", "Databricks: tokenized in the SQL warehouse, exact tokens, re-run updates 0", scenario_databricks),
    ("databricks-failed", "Databricks: a failed statement gives a FAILED run with its message", scenario_databricks_failed),
    ("databricks-timeout", "Databricks: a statement RUNNING past the timeout is cancelled, run FAILED", scenario_databricks_timeout),
    ("databricks-unconfigured", "Databricks not configured: SKIPPED, shown in DataHub", scenario_databricks_unconfigured),
    ("garbage", "undecodable messages do not stop the next good one", scenario_undecodable_message),
    ("http", "HTTP API: trigger, run lookup, bad requests", scenario_http_api),
    ("config", "a bad setting stops serve with one line naming it (exit 78)", scenario_configuration_errors),
    ("auth", "unauthenticated and wrong-token triggers: 401, nothing reaches PostgreSQL", scenario_unauthenticated),
    ("policy-principal", "policy: a user outside the triggers is REJECTED; a steward group member may trigger", scenario_policy_principal),
    ("policy-denied", "policy: a denied dataset is REJECTED, data untouched", scenario_policy_denied),
    ("policy-approval", "policy: AWAITING_APPROVAL, self-approval ignored, another approver starts the run", scenario_policy_approval),
    ("incomplete", "plaintext inserted during a run: INCOMPLETE, shown in DataHub; POST /verify agrees; a re-trigger finishes", scenario_incomplete_then_finished),
    ("verify", "POST /verify on a tokenized table: SUCCESS, 0 plaintext in every row; full_scan checks every row, the next only rows written since", scenario_verify_api),
    ("pages", "n_dead_tup 0 after a run; raw pages searched for 1,000 originals (plain reported, full 0)", scenario_old_values_in_pages),
    ("dbx-purge", "Databricks: REORG then VACUUM after the UPDATE; a failing purge reported, SUCCESS kept", scenario_databricks_purge),
    ("audit", "audit trail: chains verify, UPDATE refused, an edited event detected, no plaintext in the export", scenario_audit_trail),
    ("keys-in-logs", "no key, subkey or pad in PostgreSQL's or the service's log, a failing statement included", scenario_key_material_in_logs),
    ("plan", "tokenize/plan: PLANNED, no row changed, the plan's own section, tokenize/status:PLANNED; a plan of the demo table", scenario_plan_by_tag),
    ("discovery", "POST /plan on unlabelled columns proposes exactly the e-mail, card and IBAN columns", scenario_plan_discovers),
    ("field-v2", "a trigger on a v2 field path tokenizes that column only", scenario_field_path_v2),
    ("field-entity", "a trigger on a field's schemaField entity, and DataHub's Email_Address term as PII", scenario_field_entity_and_terms),
    ("downstream", "downstream copies listed after a SUCCESS (name and column lineage, 2 hops) and propagated", scenario_downstream_copies),
    *ZOO_SCENARIOS,
    *STARTUP_SCENARIOS,
    *PRINTOUT_SCENARIOS,
    *REALWORLD_DISCOVERY_SCENARIOS,
    *ERASURE_SCENARIOS,
    ("secrets", "no secret in any log, /metrics, /runs, error body or request to DataHub (LOG_LEVEL=trace)", scenario_no_secret_leaves),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gms", required=True, help="DataHub GMS URL (stand-in or real)")
    parser.add_argument("--token", default=None, help="DataHub personal access token")
    parser.add_argument("--service", help="tokenize-action URL, e.g. http://localhost:8081")
    parser.add_argument("--psql", required=True, help="psql command prefix, e.g. 'psql -h 127.0.0.1 -p 5432 -U postgres'")
    parser.add_argument("--database", default="shop")
    parser.add_argument("--kafka-bootstrap", help="Kafka bootstrap servers (for the undecodable-message scenario)")
    parser.add_argument("--topic", default="MetadataChangeLog_Versioned_v1")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--scheme", default="poc", help="the service's TOKEN_SCHEME (poc or hmac can be checked exactly)")
    parser.add_argument("--keys-file", help="the service's TOKEN_KEYS_FILE, to compute hmac tokens independently")
    parser.add_argument("--detokenize", help="command prefix that reverses tokens, e.g. 'tokenize-action detokenize'")
    parser.add_argument("--dbx-host", help="Databricks workspace URL (stand-in or real) for the Databricks scenarios")
    parser.add_argument("--dbx-token")
    parser.add_argument("--dbx-warehouse", help="SQL warehouse id")
    parser.add_argument("--unconfigured-run", help="`tokenize-action run` command prefix with no DBX_* settings")
    parser.add_argument("--binary", help="the tokenize-action executable (configuration scenarios)")
    parser.add_argument("--pg-log", default=os.environ.get("PG_LOG"), help="PostgreSQL's server log (PG_LOG), for the no-SQL checks")
    parser.add_argument("--state-database", default=os.environ.get("STATE_DATABASE", "postgres"))
    parser.add_argument("--service-log", help="the service's log file (key material search)")
    parser.add_argument("--policy", action="store_true", help="the service runs with e2e/policy.yml (policy scenarios)")
    parser.add_argument("--api-token", default=os.environ.get("API_TOKEN"), help="bearer token for the service's run API (API_TOKEN)")
    parser.add_argument("--only", help="comma-separated scenario keys to run: " + ", ".join(k for k, _, _ in SCENARIOS))
    parser.add_argument("--fail-fast", action="store_true", help="stop at the first failed scenario")
    parser.add_argument("--where-to-look", default="the service log", help="printed after a failure")
    args = parser.parse_args()
    env = Env(args)
    state = {}
    passed = failed = 0
    only = set(args.only.split(",")) if args.only else None
    unknown = (only or set()) - {key for key, _, _ in SCENARIOS}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    for key, name, scenario in SCENARIOS:
        if only is not None and key not in only:
            continue
        started = time.time()
        try:
            scenario(env, state)
            passed += 1
            print(f"PASS {name} ({time.time() - started:.1f}s)", flush=True)
        except Exception as error:  # noqa: BLE001 - every failure is reported, then the next scenario runs
            failed += 1
            print(f"FAIL {name}: {error}", flush=True)
            if not isinstance(error, Failure):
                traceback.print_exc()
            print(f"   where to look: {args.where_to_look}", flush=True)
            if args.fail_fast:
                break
    print(f"e2e: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
