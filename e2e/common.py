"""What every e2e scenario shares: the environment (DataHub, the service, PostgreSQL, Databricks), the sample rows,
and the token helpers. Used by driver.py, its scenario modules and the fault tests."""
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


def hmac_token(value, key_id, secret):
    subkey = oracle.subkey(secret, "hmac-sha256", 32)
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

    def ingest(self, urn, aspect_name, value, entity_type="dataset"):
        headers = {"X-RestLi-Protocol-Version": "2.0.0"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        proposal = {"entityType": entity_type, "entityUrn": urn, "changeType": "UPSERT", "aspectName": aspect_name,
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

    def register_dataset(self, table, description="Customer master data, owned by the CRM team.", urn=None, field_paths=None):
        """Catalogues a table as ingestion does: schemaMetadata (field paths: the table's columns unless given, e.g.
        v2 paths like `[version=2.0].[type=string].email`) and datasetProperties."""
        urn = urn or self.urn(table)
        fields = [{"fieldPath": c, "nativeDataType": "text", "type": {"type": {"com.linkedin.schema.StringType": {}}},
                   "nullable": True, "recursive": False, "isPartOfKey": False} for c in (field_paths or ["id"] + COLUMNS)]
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
        """The dataset's newest run in the ledger, through the API. The newest row may be a request COALESCED into
        a run (a tag event recorded after the reconciler queued the run for the same tag): that run is returned."""
        status, body = self.api("GET", f"/runs?dataset={urllib.parse.quote(urn)}&limit=1")
        if status != 200:
            raise Failure(f"GET /runs: {status} {body}")
        run = body["runs"][0] if body["runs"] else None
        while run and run.get("coalesced_into"):
            status, run = self.api("GET", f"/runs/{run['coalesced_into']}")
            if status != 200:
                raise Failure(f"GET /runs/{{id}}: {status} {run}")
        return run

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
