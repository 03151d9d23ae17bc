"""Erasure requests end to end: one person's e-mail in catalogued tables (plaintext, hmac, siv and ff1 tokens) and in a
downstream copy found by lineage; after the request, nothing of them is left anywhere, everybody else's rows are
unchanged cell for cell, the receipt verifies offline, and the ledger keeps no identifier."""
import json
import os
import subprocess
import tempfile

from common import Failure, expect
from discovery_scenarios import lineage

OTHERS = ["ada@example.com", "grace@example.com", "alan@example.org"]


def tokens(env, scheme, values):
    result = subprocess.run([env.binary, "tokenize", "--scheme", scheme, "--"] + values, capture_output=True, text=True,
                            env={**os.environ, "TOKEN_KEYS_FILE": env.keys_file})
    if result.returncode != 0:
        raise Failure(f"tokenize --scheme {scheme}: {result.stderr.strip()}")
    return result.stdout.split("\n")[:len(values)]


def make_table(env, table, emails, kind, pii_tag=True):
    """A table of (email, note) rows; its email field tagged pii:<kind> in DataHub unless `pii_tag` is false."""
    env.sql(f"CREATE TABLE public.{table} (id bigserial PRIMARY KEY, email text, note text)")
    env.sql(f"CREATE INDEX ON public.{table} (email)")
    for index, email in enumerate(emails):
        env.sql(f"INSERT INTO public.{table} (email, note) VALUES ('{email}', 'row {index}')")
    urn = env.register_dataset(table, field_paths=["id", "email", "note"])
    if pii_tag:
        env.add_tag(urn, f"pii:{kind}", field="email")
    return urn


def snapshot(env, table, person_forms):
    """Every row that is not the person's, cell for cell."""
    rows = env.sql(f"SELECT id, coalesce(email, '<null>'), note FROM public.{table} ORDER BY id")
    return [row for row in rows if row[1] not in person_forms]


def scenario_erasure(env, state):
    person = f"erase.me.{env.prefix}@example.com"
    prefix = env.prefix
    # Every scenario shares one DataHub: an identifier kind of this run's own keeps the other scenarios' pii:email
    # fields (and their dropped tables) out of this request.
    kind = f"email_{prefix.replace('_', '')}"
    tables = {}
    # Plaintext twice (one of them scrambled by the policy's rule), then hmac, siv and ff1 tokens of every e-mail.
    tables[f"{prefix}_er_plain"] = [person, *OTHERS, person]
    tables[f"{prefix}_er_scramble"] = [person, *OTHERS]
    for scheme in ("hmac", "siv", "ff1"):
        tables[f"{prefix}_er_{scheme}"] = tokens(env, scheme, [person, *OTHERS])
    urns = {table: make_table(env, table, emails, kind) for table, emails in tables.items()}
    copy = f"{prefix}_er_copy"
    tables[copy] = [*OTHERS, person]
    urns[copy] = make_table(env, copy, tables[copy], kind, pii_tag=False)
    lineage(env, urns[copy], urns[f"{prefix}_er_plain"])
    person_forms = {person, *[values[0] for table, values in tables.items() if table.endswith(("_hmac", "_siv", "_ff1"))]}
    before = {table: snapshot(env, table, person_forms) for table in tables}
    # A Delta table in Databricks, its e-mails as hmac tokens (a tokenized copy of the CRM).
    dbx_table = f"{prefix}_er_dbx"
    env.dbx_sql("CREATE SCHEMA IF NOT EXISTS demo.e2e")
    env.dbx_sql(f"CREATE TABLE demo.e2e.{dbx_table} (id BIGINT, email STRING, note STRING)")
    dbx_emails = tokens(env, "hmac", [*OTHERS, person])
    for index, email in enumerate(dbx_emails):
        env.dbx_sql(f"INSERT INTO demo.e2e.{dbx_table} VALUES (:id, :email, :note)", [("id", str(index)), ("email", email), ("note", f"row {index}")])
    dbx_urn = env.register_dataset(dbx_table, urn=env.dbx_urn(dbx_table), field_paths=["id", "email", "note"])
    env.add_tag(dbx_urn, f"pii:{kind}", field="email")
    urns[dbx_table] = dbx_urn

    body = {"identifiers": [{"kind": kind, "value": person}], "reason": "GDPR Art. 17", "requester": "the data subject",
            "source": "e2e", "source_id": prefix}
    status, created = env.api("POST", "/erasures", body)
    expect(status == 202 and created["status"] == "OPEN", f"POST /erasures: {status} {created}")
    erasure_id = created["id"]
    status, again = env.api("POST", "/erasures", body)
    expect(status == 200 and again["id"] == erasure_id, f"the same request again is not queued twice: {status} {again}")
    for bad, field in [({**body, "identifiers": []}, "identifiers"), ({**body, "identifiers": [{"kind": "E-mail", "value": "x"}]},
                        "identifiers[0].kind"), ({**body, "due_at": "tomorrow"}, "due_at"), ({**body, "source_id": ""}, "source_id")]:
        status, error = env.api("POST", "/erasures", bad)
        expect(status == 400 and error.get("field") == field, f"malformed body → 400 naming {field}: {status} {error}")

    def complete():
        status, record = env.api("GET", f"/erasures/{erasure_id}")
        return record if status == 200 and record["status"] == "COMPLETE" else None
    record = env.wait_for("the erasure request to complete", complete)
    destinations = {d["dataset"]: d for d in record["destinations"]}
    expect(set(destinations) == set(urns.values()), f"destinations: {sorted(destinations)} vs {sorted(urns.values())}")
    expect("lineage from" in destinations[urns[copy]]["via"], f"the copy is found by lineage: {destinations[urns[copy]]}")
    expect(destinations[urns[f"{prefix}_er_scramble"]]["effect"] == "scramble-cells", "the policy's scramble rule")
    expect(all(d["state"] == "done" and d["remaining"] == 0 for d in destinations.values()), f"every destination done: {destinations}")

    for table, values in tables.items():
        forms = person_forms
        left = env.sql(f"SELECT count(*) FROM public.{table} WHERE email = ANY(ARRAY[{', '.join(repr(v) for v in forms)}])")[0][0]
        expect(left == "0", f"{table}: {left} row(s) of the person left")
        after = snapshot(env, table, person_forms)
        if table.endswith("_scramble"):
            scrambled = env.sql(f"SELECT email FROM public.{table} WHERE email LIKE 'erased\\_%'")
            expect(len(scrambled) == 1, f"{table}: the person's row kept with a scrambled e-mail: {scrambled}")
            after = [row for row in after if not row[1].startswith("erased_")]
        expect(after == before[table], f"{table}: other people's rows changed: {before[table]} → {after}")
    expect(destinations[urns[f"{prefix}_er_plain"]]["rows_affected"] == 2, f"two rows deleted: {destinations}")
    dbx_left = env.dbx_sql(f"SELECT email FROM demo.e2e.{dbx_table} ORDER BY id")
    expect([row[0] for row in dbx_left] == dbx_emails[:3], f"Databricks: the person's row deleted, others unchanged: {dbx_left}")
    expect(destinations[dbx_urn]["rows_affected"] == 1, f"Databricks destination: {destinations[dbx_urn]}")

    # The receipt: signed, verifies offline with the deployment's key; a changed byte does not.
    status, receipt = env.api("GET", f"/erasures/{erasure_id}/receipt")
    expect(status == 200 and receipt["receipt"]["request_id"] == erasure_id, f"GET receipt: {status} {receipt}")
    expect(person not in json.dumps(receipt), "the receipt names the person")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(receipt, handle)
    verify = [env.binary, "receipt", "verify", handle.name]
    result = subprocess.run(verify, capture_output=True, text=True)
    expect(result.returncode == 0 and result.stdout.startswith("VALID"), f"receipt verify: {result.stdout} {result.stderr}")
    receipt["receipt"]["destinations"][0]["rows_affected"] += 1
    with open(handle.name, "w") as tampered:
        json.dump(receipt, tampered)
    result = subprocess.run(verify, capture_output=True, text=True)
    expect(result.returncode == 1 and "INVALID" in result.stdout, f"a changed receipt must not verify: {result.stdout}")
    os.unlink(handle.name)

    # The ledger: no identifier once complete (sealed form deleted, digests only); the audit chain intact.
    state_db = env.state_database
    sealed = env.sql(f"SELECT sealed IS NULL FROM tokenize_action.erasures WHERE id = '{erasure_id}'", database=state_db)[0][0]
    expect(sealed == "t", "the sealed identifiers are deleted when the request completes")
    leaks = env.sql(f"SELECT count(*) FROM tokenize_action.erasures e LEFT JOIN tokenize_action.erasure_events v ON v.erasure_id = e.id "
                    f"WHERE e.id = '{erasure_id}' AND (e.record::text || coalesce(e.receipt, '') || coalesce(v.data, '')) LIKE '%erase.me%'",
                    database=state_db)[0][0]
    expect(leaks == "0", "the ledger holds the person's e-mail")
    status, events = env.api("GET", f"/erasures/{erasure_id}/events")
    expect(status == 200 and events["chain"] == "intact", f"audit chain: {events.get('chain')} {events.get('problems')}")
    kinds = [event["kind"] for event in events["events"]]
    expect(kinds[0] == "received" and "planned" in kinds and kinds[-1] == "completed", f"events: {kinds}")
    print(f"   erasure {erasure_id}: {len(destinations)} destinations, "
          f"{sum(d['rows_affected'] for d in destinations.values())} rows, receipt verified, tampered receipt refused")


SCENARIOS = [
    ("erasure", "an erasure request: plaintext, hmac, siv, ff1 and a lineage copy; 0 left, others unchanged, receipt verifies",
     scenario_erasure),
]
