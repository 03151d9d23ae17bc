#!/usr/bin/env python3
"""End-to-end driver for tokenize-action, shared by the local stack (DataHub stand-in) and `make e2e`
(real DataHub in Docker): the only difference is the endpoints.

It acts as a data steward would: it registers datasets the way ingestion does (REST ingestProposal),
tags them through DataHub's GraphQL exactly as the UI does (batchAddTags), waits for the service to
flip the tags, and checks the rows in PostgreSQL. Each scenario prints PASS/FAIL; the last line is
"N passed, M failed". Exit status 1 when any scenario failed.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shlex
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

TOKEN_RE = re.compile(r"^tok_[A-Za-z0-9+/=]+_poc$")
ROWS = [
    ("Ada", "Lovelace", "ada@example.com", "+44 20 7946 0958", "078-05-1120", "London"),
    ("Grace", "Hopper", "grace@example.com", "+1 212 555 0199", "219-09-9999", "New York"),
    ("Zoë", "Müller-Łukasiewicz", "zoë.müller@exämple.de" * 3, None, "", "Kraków"),
    ("Alan", "Turing", None, "+44 161 496 0000", "457-55-5462", "Manchester"),
]
# The rows ingestion/demo-seed.sql puts in shop.public.customers (docker compose and the local stack).
DEMO_ROWS = [
    ("Ada", "Lovelace", "ada@example.com", "+44 20 7946 0958", "078-05-1120", "London"),
    ("Grace", "Hopper", "grace@example.com", "+1 212 555 0199", "219-09-9999", "New York"),
    ("Zoë", "Müller-Łukasiewicz", "zoë.müller@exämple.de", None, "", "Kraków"),
    ("Alan", "Turing", None, "+44 161 496 0000", "457-55-5462", "Manchester"),
]
COLUMNS = ["first_name", "last_name", "email", "phone", "ssn", "city"]
PII = ["first_name", "last_name", "email", "phone", "ssn"]


def poc_token(value):
    return "tok_" + base64.b64encode(value.encode()).decode() + "_poc"


def hkdf_sha256(ikm, salt, info, length):
    """RFC 5869, written here independently of the service, so the e2e check proves the Swift and SQL tokens."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


def hmac_token(value, key_id, secret):
    subkey = hkdf_sha256(secret, b"tokenize-action", b"v1 hmac-sha256", 32)
    digest = hmac.new(subkey, value.encode(), hashlib.sha256).digest()
    return f"tkh_{key_id}_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def newest_key(path):
    """The last KEY_ID=BASE64_SECRET line of a TOKEN_KEYS_FILE."""
    with open(path) as handle:
        lines = [line.strip() for line in handle if line.strip() and not line.strip().startswith("#")]
    key_id, secret = lines[-1].split("=", 1)
    return key_id.strip(), base64.b64decode(secret.strip())


class Failure(Exception):
    pass


class Env:
    def __init__(self, args):
        self.gms = args.gms.rstrip("/")
        self.token = args.token
        self.service = args.service.rstrip("/") if args.service else None
        self.psql = shlex.split(args.psql)
        self.database = args.database
        self.kafka = args.kafka_bootstrap
        self.topic = args.topic
        self.timeout = args.timeout
        self.prefix = f"e2e_{int(time.time())}"
        self.scheme = args.scheme
        self.key = newest_key(args.keys_file) if args.keys_file else None
        self.detokenize = shlex.split(args.detokenize) if args.detokenize else None
        self.dbx = (args.dbx_host.rstrip("/"), args.dbx_token, args.dbx_warehouse) if args.dbx_host else None
        self.unconfigured_run = shlex.split(args.unconfigured_run) if args.unconfigured_run else None
        self.binary = args.binary
        self.api_token = getattr(args, "api_token", None)
        self.pg_log = getattr(args, "pg_log", None)
        self.policy = getattr(args, "policy", False)
        self.service_log = getattr(args, "service_log", None)
        self.keys_file = args.keys_file
        self.state_database = getattr(args, "state_database", "postgres")
        self.error_bodies = []  # every HTTP error body received (the secrets check searches them)

    def dbx_sql(self, statement, parameters=()):
        """Runs a statement through the Databricks SQL Statement Execution API; returns its rows."""
        if not self.dbx:
            raise Failure("--dbx-host, --dbx-token and --dbx-warehouse are required for Databricks scenarios")
        host, token, warehouse = self.dbx
        headers = {"Authorization": f"Bearer {token}"}
        status, body = self.http("POST", f"{host}/api/2.0/sql/statements", {
            "warehouse_id": warehouse, "statement": statement, "wait_timeout": "30s",
            "parameters": [{"name": n, "value": v} for n, v in parameters]}, headers)
        if status != 200 or body["status"]["state"] != "SUCCEEDED":
            raise Failure(f"Databricks statement failed ({status}): {body}")
        rows, chunk = [], body.get("result")
        while chunk:
            rows += chunk.get("data_array") or []
            link = chunk.get("next_chunk_internal_link")
            chunk = self.http("GET", f"{host}{link}", None, headers)[1] if link else None
        return rows

    def dbx_urn(self, table):
        return f"urn:li:dataset:(urn:li:dataPlatform:databricks,demo.e2e.{table},PROD)"

    def expected_token(self, value):
        """The token the service's default scheme gives `value`."""
        if self.scheme == "poc":
            return poc_token(value)
        if self.scheme == "hmac" and self.key:
            return hmac_token(value, *self.key)
        raise Failure(f"cannot compute {self.scheme} tokens here: pass --scheme poc, or hmac with --keys-file")

    def reverse(self, tokens, scheme):
        if not self.detokenize:
            raise Failure("--detokenize is required to check reversible tokens")
        result = subprocess.run(self.detokenize + ["--scheme", scheme, "--"] + tokens, capture_output=True, text=True)
        if result.returncode != 0:
            raise Failure(f"detokenize failed: {result.stderr.strip()}")
        return result.stdout.split("\n")[:len(tokens)]

    # --- HTTP ---------------------------------------------------------------------------------
    def http(self, method, url, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raw = error.read()
            self.error_bodies.append(raw.decode(errors="replace"))
            return error.code, json.loads(raw or b"null")

    def http_text(self, url):
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()

    def api(self, method, path, body=None, token=...):
        """A call to the service's run API with the e2e caller's bearer token (or `token`, None for none)."""
        token = self.api_token if token is ... else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http(method, f"{self.service}{path}", body, headers)

    def graphql(self, query, variables=None, actor=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if actor:
            headers["X-DataHub-Actor"] = actor  # the stand-in's stand-in for a user's own token
        status, body = self.http("POST", f"{self.gms}/api/graphql", {"query": query, "variables": variables or {}}, headers)
        if status != 200 or body.get("errors"):
            raise Failure(f"GraphQL failed ({status}): {body}")
        return body["data"]

    def ingest(self, urn, aspect_name, value):
        headers = {"X-RestLi-Protocol-Version": "2.0.0"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        proposal = {"entityType": "dataset", "entityUrn": urn, "changeType": "UPSERT", "aspectName": aspect_name,
                    "aspect": {"value": json.dumps(value), "contentType": "application/json"}}
        status, body = self.http("POST", f"{self.gms}/aspects?action=ingestProposal", {"proposal": proposal}, headers)
        if status != 200:
            raise Failure(f"ingestProposal {aspect_name} failed ({status}): {body}")

    # --- SQL ------------------------------------------------------------------------------------
    def sql(self, statement, database=None):
        result = subprocess.run(self.psql + ["-d", database or self.database, "-X", "-q", "-t", "-A", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", "-c", statement],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise Failure(f"psql failed: {result.stderr.strip()}")
        return [line.split("\x1f") for line in result.stdout.splitlines() if line]

    # --- DataHub helpers --------------------------------------------------------------------------
    def urn(self, table):
        return f"urn:li:dataset:(urn:li:dataPlatform:postgres,{self.database}.public.{table},PROD)"

    def create_table(self, table):
        self.sql(f"CREATE TABLE public.{table} (id bigserial PRIMARY KEY, first_name text, last_name text, email text, "
                 f"phone varchar(255), ssn text, city text)")
        for row in ROWS:
            values = ", ".join("NULL" if v is None else "'" + v.replace("'", "''") + "'" for v in row)
            self.sql(f"INSERT INTO public.{table} (first_name, last_name, email, phone, ssn, city) VALUES ({values})")

    def register_dataset(self, table, description="Customer master data, owned by the CRM team.", urn=None):
        urn = urn or self.urn(table)
        fields = [{"fieldPath": c, "nativeDataType": "text", "type": {"type": {"com.linkedin.schema.StringType": {}}},
                   "nullable": True, "recursive": False, "isPartOfKey": False} for c in ["id"] + COLUMNS]
        self.ingest(urn, "schemaMetadata", {
            "schemaName": f"public.{table}", "platform": "urn:li:dataPlatform:postgres", "version": 0,
            "created": {"time": 0, "actor": "urn:li:corpuser:unknown"}, "lastModified": {"time": 0, "actor": "urn:li:corpuser:unknown"},
            "hash": "", "platformSchema": {"com.linkedin.schema.MySqlDDL": {"tableSchema": ""}}, "fields": fields})
        self.ingest(urn, "datasetProperties", {"name": table, "description": description, "customProperties": {}})
        return urn

    def ensure_tag(self, name):
        urn = f"urn:li:tag:{name}"
        if not self.graphql("query q($urn: String!) { entityExists(urn: $urn) }", {"urn": urn})["entityExists"]:
            self.graphql("mutation m($input: CreateTagInput!) { createTag(input: $input) }", {"input": {"id": name, "name": name}})
        return urn

    def add_tag(self, urn, tag, field=None, actor=None):
        resource = {"resourceUrn": urn}
        if field:
            resource.update({"subResourceType": "DATASET_FIELD", "subResource": field})
        self.graphql("mutation m($input: BatchAddTagsInput!) { batchAddTags(input: $input) }",
                     {"input": {"tagUrns": [self.ensure_tag(tag)], "resources": [resource]}}, actor=actor)

    def add_group_member(self, group, user):
        """Creates the DataHub group (if needed) and adds `user` to it, as an admin does in the UI."""
        urn = f"urn:li:corpGroup:{group}"
        if not self.exists(urn):
            self.graphql("mutation m($input: CreateGroupInput!) { createGroup(input: $input) }", {"input": {"id": group, "name": group}})
        self.graphql("mutation m($input: AddGroupMembersInput!) { addGroupMembers(input: $input) }",
                     {"input": {"groupUrn": urn, "userUrns": [user]}})

    def ledger_run(self, urn):
        """The dataset's newest run in the ledger, through the API."""
        status, body = self.api("GET", f"/runs?dataset={urllib.parse.quote(urn)}&limit=1")
        if status != 200:
            raise Failure(f"GET /runs: {status} {body}")
        return body["runs"][0] if body["runs"] else None

    def remove_tag(self, urn, tag):
        self.graphql("mutation m($input: BatchRemoveTagsInput!) { batchRemoveTags(input: $input) }",
                     {"input": {"tagUrns": [f"urn:li:tag:{tag}"], "resources": [{"resourceUrn": urn}]}})

    def exists(self, urn):
        return self.graphql("query q($urn: String!) { entityExists(urn: $urn) }", {"urn": urn})["entityExists"]

    def dataset(self, urn):
        return self.graphql("""query d($urn: String!) { dataset(urn: $urn) {
            tags { tags { tag { urn } } }
            editableProperties { description }
            editableSchemaMetadata { editableSchemaFieldInfo { fieldPath tags { tags { tag { urn } } } } }
            structuredProperties { properties { structuredProperty { urn } values { ... on StringValue { stringValue } } } } } }""",
                            {"urn": urn})["dataset"]

    @staticmethod
    def tag_set(holder):
        return {t["tag"]["urn"] for t in ((holder or {}).get("tags") or [])}

    def field_tags(self, dataset, field):
        infos = ((dataset.get("editableSchemaMetadata") or {}).get("editableSchemaFieldInfo") or [])
        return set().union(*[self.tag_set(i.get("tags")) for i in infos if i["fieldPath"] == field])

    def last_run(self, dataset):
        for entry in ((dataset.get("structuredProperties") or {}).get("properties") or []):
            if entry["structuredProperty"]["urn"] == "urn:li:structuredProperty:last_tokenization_run":
                return json.loads(entry["values"][0]["stringValue"])
        return None

    def wait_for(self, what, predicate):
        deadline = time.time() + self.timeout
        last = None
        while time.time() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(0.5)
        raise Failure(f"timed out after {self.timeout}s waiting for {what}")

    def wait_for_run(self, urn, previous_run_id=None):
        def finished():
            dataset = self.dataset(urn)
            run = self.last_run(dataset)
            return (dataset, run) if run and run["run_id"] != previous_run_id else None
        return self.wait_for(f"a new last_tokenization_run on {urn}", finished)

    def rows(self, table):
        return self.sql(f"SELECT {', '.join(COLUMNS)} FROM public.{table} ORDER BY id")


def expect(condition, message):
    if not condition:
        raise Failure(message)


# Every token shape the service writes with a marker (ff1 tokens have none: they look like the plaintext).
TOKEN_PATTERNS = [TOKEN_RE, re.compile(r"^tkh_[A-Za-z0-9]{1,16}_[A-Za-z0-9_-]{43}$"), re.compile(r"^tks_[A-Za-z0-9]{1,16}_[A-Za-z0-9_-]{22,}$")]


def looks_tokenized(value):
    return any(pattern.match(value) for pattern in TOKEN_PATTERNS)


def check_tokenized(env, table, tokenized):
    for original, row in zip(ROWS, env.rows(table)):
        for column, before, after in zip(COLUMNS, original, row):
            before = before if before is not None else ""  # psql prints NULL as empty
            if column in tokenized and before:
                expect(after == env.expected_token(before), f"{table}.{column}: expected the token of {before!r}, got {after!r}")
            else:
                expect(after == before, f"{table}.{column}: expected {before!r} unchanged, got {after!r}")


# --- scenarios ----------------------------------------------------------------------------------
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


def scenario_unauthenticated(env, state):
    """POST /trigger without a token, or with a wrong one, is 401 with a reason, and nothing of it reaches
    PostgreSQL: no run is recorded and the service sends no statement naming the table."""
    if not env.service or not env.pg_log:
        raise Failure("--service and --pg-log are required for this scenario")
    table = f"{env.prefix}_auth_probe"
    env.create_table(table)
    urn = env.register_dataset(table)
    before = env.rows(table)
    with open(env.pg_log, errors="replace") as log:
        log.seek(0, 2)
        for token, says in [(None, "missing Authorization"), ("wrong-" + "0" * 40, "not valid"), (env.api_token + "x", "not valid")]:
            status, body = env.api("POST", "/trigger?wait=true", {"dataset": urn}, token=token)
            expect(status == 401 and says in body["error"], f"token {token!r}: {status} {body}")
        status, body = env.api("GET", "/runs", token=None)
        expect(status == 401, f"GET /runs without a token: {status} {body}")
        time.sleep(2.5)  # longer than the worker's ledger poll: anything queued would have started
        service_lines = [line for line in log.read().splitlines() if "]tokenize-action" in line and table in line]
    expect(not service_lines, f"statements naming {table} reached PostgreSQL: {service_lines[:3]}")
    recorded = env.sql(f"SELECT count(*) FROM tokenize_action.runs WHERE dataset = '{urn}'", database=env.state_database)[0][0]
    expect(recorded == "0", f"runs recorded for a refused trigger: {recorded}")
    expect(env.rows(table) == before, "the table changed")


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


def all_keys(path):
    """Every KEY_ID=BASE64_SECRET of a TOKEN_KEYS_FILE."""
    with open(path) as handle:
        lines = [line.strip() for line in handle if line.strip() and not line.strip().startswith("#")]
    return [(key_id.strip(), base64.b64decode(secret.strip())) for key_id, secret in (line.split("=", 1) for line in lines)]


def scenario_key_material_in_logs(env, state):
    """No key, subkey or hmac pad reaches a log. A push-down hmac run with a batch that fails (a trigger on the
    table raises) runs after everything else; then PostgreSQL's log (every statement and parameter, errors with
    their parameters) and the service's log are searched for every key-derived byte string in hex, base64,
    base64url and bytea escape forms: 0 hits."""
    if not (env.keys_file and env.pg_log and env.service_log):
        raise Failure("--keys-file, --pg-log and --service-log are required for this scenario")
    table = f"{env.prefix}_keylog"
    env.create_table(table)
    env.sql(f"""CREATE FUNCTION public.{table}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.id = 3 THEN RAISE EXCEPTION 'refused by a test trigger'; END IF; RETURN NEW; END $$""")
    env.sql(f"CREATE TRIGGER refuse BEFORE UPDATE ON public.{table} FOR EACH ROW EXECUTE FUNCTION public.{table}_refuse()")
    urn = env.register_dataset(table)
    status, run = env.api("POST", "/trigger?wait=true", {"dataset": urn, "columns": ["email", "phone"]})
    expect(status == 200 and run["status"] == "FAILED" and "refused by a test trigger" in run["details"], f"the failing run: {status} {run}")
    with open(env.pg_log, errors="replace") as log:
        pg_text = log.read()
    expect("refused by a test trigger" in pg_text and "parameters:" in pg_text, "PostgreSQL's log does not hold the failed batch")
    with open(env.service_log, errors="replace") as log:
        service_text = log.read()
    hits, searched = [], 0
    for key_id, secret in all_keys(env.keys_file):
        for name, material in oracle.key_material(secret).items():
            for form in oracle.searchable_forms(material):
                searched += 1
                for where, text in (("PostgreSQL's log", pg_text), ("the service log", service_text)):
                    if form in text:
                        hits.append(f"{key_id} {name} in {where}")
    expect(not hits, f"key material found: {sorted(set(hits))}")
    print(f"   searched {len(pg_text) // 1024} KiB of PostgreSQL log and {len(service_text) // 1024} KiB of service log for "
          f"{searched} key-derived strings: 0 hits", flush=True)


def scenario_no_secret_leaves(env, state):
    """Runs last, after the whole e2e at LOG_LEVEL=trace: no secret (POSTGRES_PASSWORD, DATAHUB_TOKEN, DBX_TOKEN, the
    API tokens, the token keys and everything derived from them) appears in the service log, PostgreSQL's log,
    /metrics, /runs, any HTTP error body the tests received, or any request the service sent to DataHub."""
    secrets = {}
    for name in ("POSTGRES_PASSWORD", "DATAHUB_TOKEN", "DBX_TOKEN"):
        value = os.environ.get(name)
        expect(value and len(value) >= 16, f"{name} must be set to a distinctive value for this check")
        secrets[name] = oracle.secret_forms(value)
    for caller, token in all_keys_like(os.environ["API_TOKENS_FILE"]):
        secrets[f"API token {caller}"] = oracle.secret_forms(token)
    for key_id, secret in all_keys(env.keys_file):
        for what, material in oracle.key_material(secret).items():
            secrets[f"key {key_id} {what}"] = oracle.searchable_forms(material)
    places = {}
    for name, path in (("the service log", env.service_log), ("PostgreSQL's log", env.pg_log)):
        with open(path, errors="replace") as handle:
            places[name] = handle.read()
    places["/metrics"] = env.http_text(f"{env.service}/metrics")[1]
    places["/runs"] = json.dumps(env.api("GET", "/runs?limit=1000")[1])
    places["HTTP error bodies"] = "\n".join(env.error_bodies)
    places["requests to DataHub"] = json.dumps(env.http("GET", f"{env.gms}/standin/requests")[1])
    expect(" trace " in places["the service log"], "the service must run at LOG_LEVEL=trace (no trace line in its log)")
    hits = sorted({f"{secret} in {where}" for secret, forms in secrets.items() for where, text in places.items() if any(f in text for f in forms)})
    expect(not hits, f"secrets found: {hits}")
    sizes = ", ".join(f"{where} {len(text) // 1024} KiB" for where, text in places.items())
    print(f"   {len(secrets)} secrets in {sum(len(f) for f in secrets.values())} forms; searched {sizes}: 0 hits", flush=True)


def all_keys_like(path):
    """NAME=VALUE lines of a file (API_TOKENS_FILE)."""
    with open(path) as handle:
        return [tuple(part.strip() for part in line.split("=", 1)) for line in handle if "=" in line and not line.strip().startswith("#")]


def policy_table(env, suffix):
    if not env.policy:
        raise Failure("the service must run with TOKENIZE_POLICY_FILE=e2e/policy.yml (pass --policy)")
    table = f"{env.prefix}_{suffix}"
    env.create_table(table)
    return table, env.register_dataset(table), env.rows(table)


def scenario_policy_principal(env, state):
    """A tag added by a user outside the policy's triggers: REJECTED, data untouched, the reason and
    tokenize/status:REJECTED in DataHub, the trigger kept. A member of an allowed group may trigger."""
    table, urn, before = policy_table(env, "policy_user")
    env.add_tag(urn, "tokenize/run", actor="urn:li:corpuser:mallory")
    dataset, run = env.wait_for_run(urn)
    expect(run["status"] == "REJECTED" and "urn:li:corpuser:mallory may not start runs" in run["details"], f"run: {run}")
    expect(env.rows(table) == before, "a rejected run changed data")
    tags = env.tag_set(dataset["tags"])
    expect({"urn:li:tag:tokenize/run", "urn:li:tag:tokenize/status:REJECTED"} <= tags, f"tags: {sorted(tags)}")
    expect("| Rejected | urn:li:corpuser:mallory may not start runs" in dataset["editableProperties"]["description"], "no reason in DataHub")
    status, metrics = env.http_text(f"{env.service}/metrics")
    expect('tokenize_policy_rejections_total{reason="principal"}' in metrics, "the rejection is not counted in /metrics")

    table, urn, _ = policy_table(env, "policy_group")
    env.add_group_member("stewards", "urn:li:corpuser:bob")
    env.add_tag(urn, "tokenize/run", actor="urn:li:corpuser:bob")
    _, run = env.wait_for_run(urn)
    expect(run["status"] == "SUCCESS" and run["requested_by"] == "urn:li:corpuser:bob", f"a steward's run: {run}")


def scenario_policy_denied(env, state):
    """A dataset the policy denies: REJECTED before its table is read, data untouched."""
    table, urn, before = policy_table(env, "payroll_denied")
    env.add_tag(urn, "tokenize/run")
    _, run = env.wait_for_run(urn)
    expect(run["status"] == "REJECTED" and "denied by the policy" in run["details"], f"run: {run}")
    expect(env.rows(table) == before, "a rejected run changed data")


def scenario_policy_approval(env, state):
    """Four eyes: trigger → AWAITING_APPROVAL; the requester's own approval is ignored (and the tag taken
    away); another approver's approval starts the run; both principals are recorded."""
    table, urn, before = policy_table(env, "accounts_foureyes")
    env.add_tag(urn, "tokenize/run", actor="urn:li:corpuser:alice")
    dataset, run = env.wait_for_run(urn)
    expect(run["status"] == "AWAITING_APPROVAL", f"run: {run}")
    expect("urn:li:tag:tokenize/status:AWAITING_APPROVAL" in env.tag_set(dataset["tags"]), "no AWAITING_APPROVAL tag")
    env.add_tag(urn, "tokenize/approve", actor="urn:li:corpuser:alice")
    ignored = env.wait_for("the requester's approval to be ignored", lambda: (lambda r: r if "approval ignored" in r["details"] else None)(
        env.ledger_run(urn)))
    expect(ignored["status"] == "AWAITING_APPROVAL" and ignored.get("approved_by") is None, f"self-approval counted: {ignored}")
    env.wait_for("the ignored approval tag to be removed", lambda: "urn:li:tag:tokenize/approve" not in env.tag_set(env.dataset(urn)["tags"]))
    expect(env.rows(table) == before, "data changed before approval")
    env.add_group_member("officers", "urn:li:corpuser:dave")
    env.add_tag(urn, "tokenize/approve", actor="urn:li:corpuser:dave")
    run = env.wait_for("the approved run", lambda: (lambda r: r if r["status"] == "SUCCESS" and r["write_back"]["state"] == "done" else None)(
        env.ledger_run(urn)))
    expect(run["requested_by"] == "urn:li:corpuser:alice" and run["approved_by"] == "urn:li:corpuser:dave", f"principals: {run}")
    expect(env.rows(table) != before, "the approved run changed nothing")
    tags = env.tag_set(env.dataset(urn)["tags"])
    expect("urn:li:tag:tokenize/status:SUCCESS" in tags and "urn:li:tag:tokenize/status:AWAITING_APPROVAL" not in tags
           and "urn:li:tag:tokenize/approve" not in tags, f"tags: {sorted(tags)}")


# (key for --only, description, function). Order matters: later scenarios use earlier ones' state.
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
    ("keys-in-logs", "no key, subkey or pad in PostgreSQL's or the service's log, a failing batch included", scenario_key_material_in_logs),
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
