"""Security scenarios: the authenticated API, the policy, key material and secrets in no log."""
import base64
import json
import os
import time
import urllib.parse

from common import Failure, expect, oracle  # noqa: F401


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


def all_keys(path):
    """Every KEY_ID=BASE64_SECRET of a TOKEN_KEYS_FILE."""
    with open(path) as handle:
        lines = [line.strip() for line in handle if line.strip() and not line.strip().startswith("#")]
    return [(key_id.strip(), base64.b64decode(secret.strip())) for key_id, secret in (line.split("=", 1) for line in lines)]


def scenario_key_material_in_logs(env, state):
    """No key, subkey or hmac pad reaches a log. A push-down hmac run whose statement fails (a trigger on the table,
    fired by the policy, raises: the rehearsal before the first batch meets it) runs after everything else; then
    PostgreSQL's log (every statement and parameter, errors with their parameters) and the service's log are
    searched for every key-derived byte string in hex, base64, base64url and bytea escape forms: 0 hits."""
    if not (env.keys_file and env.pg_log and env.service_log):
        raise Failure("--keys-file, --pg-log and --service-log are required for this scenario")
    table = f"{env.prefix}_keylog_fire"  # the policy fires the triggers of *_fire tables: the statement fails
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
    if "audit_export" in state:
        places["the audit trail"] = state["audit_export"]
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
