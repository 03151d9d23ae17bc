"""Proof-of-protection scenarios: verification (INCOMPLETE, POST /verify), what old values leave behind
(VACUUM, raw pages, Delta history) and the audit trail."""
import json
import os
import subprocess

from common import COLUMNS, PII, ROWS, Failure, expect


def ledger(env, run_id):
    status, run = env.api("GET", f"/runs/{run_id}")
    expect(status == 200, f"GET /runs/{run_id}: {status} {run}")
    return run


def wait_settled(env, urn, after_run_id=None):
    """The dataset's newest run once it is settled and written back."""
    def settled():
        run = env.ledger_run(urn)
        if run and run["run_id"] != after_run_id and run["status"] not in ("QUEUED", "RUNNING") and run["write_back"]["state"] != "pending":
            return run
        return None
    return env.wait_for(f"a settled run on {urn}", settled)


def scenario_incomplete_then_finished(env, state):
    """An application inserts a plaintext row while the run goes (a statement trigger on the table, once; the policy
    fires the triggers of `*_fire` tables): the run is INCOMPLETE with the count, DataHub shows
    tokenize/status:INCOMPLETE and keeps the trigger; POST /verify says the same; a re-trigger finishes the work
    (SUCCESS, 0 plaintext)."""
    table = f"{env.prefix}_busy_fire"
    env.create_table(table)
    env.sql(f"CREATE TABLE public.{table}_marker (done boolean)")
    env.sql(f"""CREATE FUNCTION public.{table}_late_writer() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM public.{table}_marker) THEN
            INSERT INTO public.{table}_marker VALUES (true);
            -- below the batches' key ranges, as a row an application wrote where the run had already been
            INSERT INTO public.{table} (id, first_name, last_name, email, phone, ssn, city)
              VALUES (0, 'Late', 'Writer', 'late.writer@example.com', '+1 555 0100', '123-45-6789', 'Paris');
          END IF;
          RETURN NULL;
        END $$""")
    env.sql(f"CREATE TRIGGER late_writer AFTER UPDATE ON public.{table} FOR EACH STATEMENT EXECUTE FUNCTION public.{table}_late_writer()")
    urn = env.register_dataset(table)
    env.add_tag(urn, "tokenize/run")
    run = wait_settled(env, urn)
    plaintext = run["verification"]["plaintext"]
    expect(run["status"] == "INCOMPLETE" and plaintext == len(PII), f"expected INCOMPLETE with {len(PII)} plaintext values: {run}")
    expect("plaintext value(s) remain" in run["details"], f"details: {run['details']}")
    tags = env.tag_set(env.dataset(urn)["tags"])
    expect({"urn:li:tag:tokenize/run", "urn:li:tag:tokenize/status:INCOMPLETE"} <= tags, f"tags: {sorted(tags)}")
    status, verified = env.api("POST", "/verify?wait=true", {"dataset": urn})
    expect(status == 200 and verified["status"] == "INCOMPLETE" and verified["verification"]["plaintext"] == plaintext,
           f"POST /verify: {status} {verified}")
    env.remove_tag(urn, "tokenize/run")
    env.add_tag(urn, "tokenize/run")
    again = wait_settled(env, urn, after_run_id=verified["run_id"])
    expect(again["status"] == "SUCCESS" and again["verification"]["plaintext"] == 0 and again["rows_updated"] == 1,
           f"the re-trigger should finish the one late row: {again}")
    state["busy"] = (table, urn, again["run_id"])


def scenario_verify_api(env, state):
    """POST /verify on a tokenized table: SUCCESS, 0 plaintext, every row counted; written to DataHub. A full scan
    checks every row, the next verification only the rows written since."""
    table, urn, _ = state["customers"]
    status, queued = env.api("POST", "/verify", {"dataset": urn})
    expect(status == 202 and queued["scope"]["kind"] == "verify", f"POST /verify: {status} {queued}")
    run = env.wait_for("the verification", lambda: (lambda r: r if r["status"] not in ("QUEUED", "RUNNING") else None)(ledger(env, queued["run_id"])))
    rows = int(env.sql(f"SELECT count(*) FROM public.{table}")[0][0])
    expect(run["status"] == "SUCCESS" and run["verification"]["plaintext"] == 0 and run["verification"]["rows"] == rows,
           f"verification of {table}: {run}")
    expect(run["details"].startswith("verified: 0 plaintext values remain"), f"details: {run['details']}")
    status, error = env.api("POST", "/verify", {"dataset": urn, "rekey": True})
    expect(status == 400 and "rekey" in error["error"], f"a rekey verification: {status} {error}")
    # After a clean verification the next one checks only rows written since; "full_scan" checks every row.
    for full in (True, False):
        status, done = env.api("POST", "/verify?wait=true", {"dataset": urn, "full_scan": full})
        checked = done.get("verification", {}).get("rows_checked_since") if status == 200 else None
        expect(status == 200 and done["status"] == "SUCCESS" and done["scope"].get("full_scan", False) is full
               and (checked is None) is full and done["verification"].get("watermark", "").startswith("pg1:"),
               f"POST /verify full_scan={full}: {status} {done.get('scope')} {done.get('verification')}")
        expect(("written since the last clean verification" in done["details"]) is not full, f"details: {done['details']}")


def raw_page_hits(env, relation, needles):
    """How many of `needles` (bytes) appear in any page of `relation` (get_raw_page), and how many pages there are."""
    pages = int(env.sql(f"SELECT pg_relation_size('{relation}') / current_setting('block_size')::int")[0][0])
    found = set()
    for start in range(0, pages, 64):
        rows = env.sql(f"SELECT encode(get_raw_page('{relation}', 'main', n), 'hex') FROM generate_series({start}, {min(pages, start + 64) - 1}) n")
        for (page,) in rows:
            data = bytes.fromhex(page)
            found.update(needle for needle in needles if needle in data)
    return len(found), pages


def scenario_old_values_in_pages(env, state):
    """What the old values leave behind in PostgreSQL. After a run, n_dead_tup is 0 (VACUUM ran). The raw pages of
    the table and of the index on the tokenized column are searched for 1,000 original values: reported after plain
    VACUUM (free space inside a page is not zeroed), and required to be 0 after POSTGRES_VACUUM_AFTER=full."""
    if not env.binary:
        raise Failure("--binary is required (the full-VACUUM run is a `tokenize-action run` with its own settings)")
    env.sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
    results = {}
    for mode in ("plain", "full"):
        table = f"{env.prefix}_pages_{mode}"
        env.sql(f"CREATE TABLE public.{table} (id bigserial PRIMARY KEY, email text, city text)")
        env.sql(f"INSERT INTO public.{table} (email, city) SELECT 'original-{mode}-' || g || '-' || md5(g::text) || '@example.com', 'Oslo' "
                "FROM generate_series(1, 1000) g")
        env.sql(f"CREATE INDEX {table}_email ON public.{table} (email)")
        originals = [row[0].encode() for row in env.sql(f"SELECT email FROM public.{table}")]
        urn = env.register_dataset(table)
        if mode == "plain":
            status, run = env.api("POST", "/trigger?wait=true", {"dataset": urn, "columns": ["email"]})
            expect(status == 200, f"trigger: {status} {run}")
        else:  # its own ledger, so the running service (VACUUM plain) does not take the run
            environment = {**os.environ, "POSTGRES_VACUUM_AFTER": "full", "STATE_DATABASE": "tokenize_state_full_vacuum"}
            result = subprocess.run([env.binary, "run", "--dataset", urn, "--columns", "email"], env=environment, capture_output=True, text=True,
                                    timeout=300)
            expect(result.returncode == 0, f"tokenize-action run: {result.returncode} {result.stderr[-800:]}")
            run = json.loads(result.stdout)
        expect(run["status"] == "SUCCESS" and run["rows_updated"] == 1000 and run["residue"], f"{mode} run: {run}")
        dead = env.wait_for("the table's statistics", lambda: (lambda r: r if r and r[0][0] == "0" else None)(
            env.sql(f"SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = '{table}'")))
        expect(dead[0][0] == "0", f"n_dead_tup after the {mode} run: {dead}")
        table_hits, table_pages = raw_page_hits(env, f"public.{table}", originals)
        index_hits, index_pages = raw_page_hits(env, f"public.{table}_email", originals)
        results[mode] = (table_hits, table_pages, index_hits, index_pages, run["residue"])
        print(f"   VACUUM {mode}: n_dead_tup 0; of 1000 original values, {table_hits} are still in the table's {table_pages} raw pages and "
              f"{index_hits} in the email index's {index_pages}", flush=True)
    table_hits, _, index_hits, _, residue = results["full"]
    expect(table_hits == 0 and index_hits == 0, f"after VACUUM FULL the pages still hold original values: {results['full']}")
    expect("rewrote the table and all its indexes" in residue["done"], f"the full residue sentence: {residue}")
    plain_residue = results["plain"][4]
    if results["plain"][0] or results["plain"][2]:
        expect("bytes may stay in the freed space" in plain_residue["remaining"], f"plain VACUUM left bytes; the sentence must say so: {plain_residue}")


def scenario_databricks_purge(env, state):
    """DBX_PURGE_HISTORY=vacuum (the stack's setting): after the UPDATE and the verification, REORG TABLE … APPLY
    (PURGE) then VACUUM … RETAIN 168 HOURS are sent, in that order; a failing purge is reported in the residue and
    does not undo the run's SUCCESS."""
    if os.environ.get("DBX_PURGE_HISTORY") != "vacuum":
        raise Failure("the stack must set DBX_PURGE_HISTORY=vacuum")
    host = env.dbx[0]
    env.dbx_sql("CREATE SCHEMA IF NOT EXISTS demo.e2e")
    for suffix, fail in (("purged", None), ("purge_fails", "^REORG")):
        table = f"{env.prefix}_dbx_{suffix}"
        env.dbx_sql(f"CREATE TABLE demo.e2e.{table} (id BIGINT, email STRING)")
        env.dbx_sql(f"INSERT INTO demo.e2e.{table} VALUES (1, 'a@example.com'), (2, 'b@example.com')")
        urn = env.register_dataset(table, urn=env.dbx_urn(table))
        env.http("POST", f"{host}/standin/config", {"fail_statements_matching": fail} if fail else {})
        try:
            status, run = env.api("POST", "/trigger?wait=true", {"dataset": urn, "columns": ["email"]})
        finally:
            env.http("POST", f"{host}/standin/config", {})
        expect(status == 200 and run["status"] == "SUCCESS" and run["verification"]["plaintext"] == 0, f"Databricks run: {status} {run}")
        statements = [h["statement"].split()[0].upper() for h in env.http("GET", f"{host}/standin/history")[1]["statements"] if table in h["statement"]]
        if fail:
            expect(run["residue"].get("failure", "").startswith("REORG TABLE"), f"the purge failure is not reported: {run['residue']}")
            continue
        expected = ["CREATE", "INSERT", "UPDATE", "SELECT", "REORG", "VACUUM"]
        expect(statements == expected, f"statements sent for {table}: {statements}, expected {expected}")
        expect("168 hours" in run["residue"]["done"] and "time travel" in run["residue"]["remaining"], f"residue: {run['residue']}")


def audit(env, *arguments):
    return subprocess.run([env.binary, "audit", *arguments], capture_output=True, text=True, timeout=120)


def scenario_audit_trail(env, state):
    """Every run's hash chain verifies (`tokenize-action audit verify`); the trail refuses UPDATE; an edited event
    (the append-only trigger disabled by a superuser) makes `audit verify` fail naming it; GET /runs/{id}/events
    serves a run's trail; no original value of the e2e tables appears in the exported trail."""
    if not env.binary:
        raise Failure("--binary is required")
    _, _, run_id = state["busy"]
    status, body = env.api("GET", f"/runs/{run_id}/events")
    kinds = [e["kind"] for e in body["events"]]
    expect(status == 200 and body["chain"] == "intact", f"GET /runs/{run_id}/events: {status} {body}")
    for kind in ("requested", "resolved", "batches", "verified", "cleaned", "finished", "write_back"):
        expect(kind in kinds, f"no {kind} event in {kinds}")
    result = audit(env, "verify")
    expect(result.returncode == 0 and "audit trail intact" in result.stdout, f"audit verify: {result.returncode} {result.stdout[-500:]} {result.stderr[-500:]}")
    print(f"   {result.stdout.strip()}", flush=True)
    state_db = env.state_database
    try:
        env.sql(f"UPDATE tokenize_action.run_events SET kind = kind WHERE run_id = '{run_id}'", database=state_db)
        raise Failure("an UPDATE of the audit trail was accepted")
    except Failure as error:
        expect("append-only" in str(error), f"the trail must refuse UPDATE: {error}")
    original = env.sql(f"SELECT data FROM tokenize_action.run_events WHERE run_id = '{run_id}' AND seq = 2", database=state_db)[0][0]
    tamper = ("ALTER TABLE tokenize_action.run_events DISABLE TRIGGER run_events_append_only; "
              f"UPDATE tokenize_action.run_events SET data = replace(data, 'email', 'city') WHERE run_id = '{run_id}' AND seq = 2; "
              "ALTER TABLE tokenize_action.run_events ENABLE TRIGGER run_events_append_only")
    env.sql(tamper, database=state_db)
    try:
        result = audit(env, "verify", "--run-id", run_id)
        expect(result.returncode == 1 and "event 2" in result.stdout and "edited" in result.stdout, f"a tampered trail: {result.returncode} {result.stdout}")
    finally:
        restore = ("ALTER TABLE tokenize_action.run_events DISABLE TRIGGER run_events_append_only; "
                   f"UPDATE tokenize_action.run_events SET data = $tok${original}$tok$ WHERE run_id = '{run_id}' AND seq = 2; "
                   "ALTER TABLE tokenize_action.run_events ENABLE TRIGGER run_events_append_only")
        env.sql(restore, database=state_db)
    expect(audit(env, "verify", "--run-id", run_id).returncode == 0, "the restored trail does not verify")
    exported = audit(env, "export")
    expect(exported.returncode == 0 and exported.stdout.count("\n") > 10, f"audit export: {exported.returncode} {exported.stderr[-300:]}")
    values = {value for row in ROWS for column, value in zip(COLUMNS, row) if column in ("email", "phone", "ssn") and value}
    values.add("late.writer@example.com")
    leaked = sorted(value for value in values if value in exported.stdout)
    expect(not leaked, f"plaintext values in the audit trail: {leaked}")
    state["audit_export"] = exported.stdout
