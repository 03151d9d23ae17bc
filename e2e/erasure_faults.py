"""Fault tests of the erasure queue, as a deletion queue must survive them: a kill -9 in the middle of a destination's
statement, a restart with 10,000 open requests, and a destination that refuses every attempt until it is fixed.
Registered in faults.py."""
import concurrent.futures
import json
import os
import time

from harness import expect, http, wait_for


def api(service, method, path, body=None):
    return http(method, f"{service.url}{path}", body, {"Authorization": f"Bearer {os.environ['API_TOKEN']}"}, timeout=60)


def people_table(f, name, people, others, kind):
    """A table of `people` e-mails to be erased and `others` to keep, its email field tagged pii:<kind>."""
    table = f"{f.prefix}_{name}"
    f.stack.sql(f"CREATE TABLE public.{table} (id bigint PRIMARY KEY, email text, note text)")
    f.stack.sql(f"INSERT INTO public.{table} SELECT g, 'p' || g || '@{kind}.example', 'n' || g FROM generate_series(1, {people}) g")
    f.stack.sql(f"INSERT INTO public.{table} SELECT g, 'keep' || g || '@other.example', 'k' || g FROM generate_series({people + 1}, {people + others}) g")
    urn = f.datahub.register_dataset(table, field_paths=["id", "email", "note"])
    f.datahub.add_tag(urn, f"pii:{kind}", field="email")
    return table


def submit(service, kind, index, source):
    body = {"identifiers": [{"kind": kind, "value": f"p{index}@{kind}.example"}], "reason": "GDPR Art. 17", "requester": "fault test",
            "source": source, "source_id": str(index)}
    status, answer = api(service, "POST", "/erasures", body)
    expect(status in (200, 202), f"POST /erasures: {status} {answer}")
    return answer["id"]


def open_count(f, source):
    return int(f.stack.state(f"SELECT count(*) FROM tokenize_action.erasures WHERE source = '{source}' AND status <> 'COMPLETE'")[0][0])


def kill_during_statement(f):
    """kill -9 while a destination's DELETE runs (a row trigger makes it last seconds): nothing of it committed, the
    restarted service takes the request again once its lease ends, deletes all 8 rows, and the receipt says 8."""
    kind = f"{f.prefix}kill"
    table = people_table(f, "erasekill", people=0, others=50, kind=kind)
    f.stack.sql(f"INSERT INTO public.{table} SELECT 1000 + g, 'victim@{kind}.example', 'v' FROM generate_series(1, 8) g")
    f.stack.sql("CREATE OR REPLACE FUNCTION public.erasure_fault_slow() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN PERFORM pg_sleep(0.5); RETURN OLD; END $$")
    f.stack.sql(f"CREATE TRIGGER slow BEFORE DELETE ON public.{table} FOR EACH ROW EXECUTE FUNCTION public.erasure_fault_slow()")
    service = f.service("erasekill", ERASURE_LEASE_SECONDS=5, RECONCILE_INTERVAL="off").start()
    status, created = api(service, "POST", "/erasures", {"identifiers": [{"kind": kind, "value": f"victim@{kind}.example"}],
                                                         "reason": "GDPR", "requester": "fault test", "source": f.prefix, "source_id": "kill"})
    expect(status == 202, f"POST /erasures: {status} {created}")
    wait_for("the DELETE to run", lambda: f.stack.sql(
        f"SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'DELETE FROM %{table}%'")[0][0] != "0", timeout=60, interval=0.05)
    service.kill9()
    left = f.stack.sql(f"SELECT count(*) FROM public.{table} WHERE email = 'victim@{kind}.example'")[0][0]
    expect(left == "8", f"the killed DELETE committed part of its rows: {left} of 8 left")
    killed_at = time.time()
    service.start()

    def complete():
        status, record = api(service, "GET", f"/erasures/{created['id']}")
        return record if record.get("status") == "COMPLETE" else None
    record = wait_for("the request to complete after the restart", complete, timeout=120)
    destination = record["destinations"][0]
    left = f.stack.sql(f"SELECT count(*) FROM public.{table} WHERE email LIKE 'victim@%'")[0][0]
    others = f.stack.sql(f"SELECT count(*) FROM public.{table} WHERE email LIKE 'keep%'")[0][0]
    expect(left == "0" and others == "50", f"after the restart: {left} of the person's rows, {others} of 50 others")
    expect(destination["rows_affected"] == 8 and destination["remaining"] == 0, f"the destination: {destination}")
    status, receipt = api(service, "GET", f"/erasures/{created['id']}/receipt")
    expect(status == 200 and receipt["receipt"]["destinations"][0]["rows_affected"] == 8, f"receipt: {status} {receipt}")
    print(f"   kill -9 during the DELETE: 8 rows untouched by it; after the restart COMPLETE in {time.time() - killed_at:.1f}s, "
          f"8 rows deleted, 50 others kept, receipt says 8")
    service.stop()


def ten_thousand_open(f):
    """--open-requests (10,000) requests filed while the service works, a kill -9 while many are open, a restart: every request ends
    COMPLETE with a receipt, each person's row is gone and the others are kept; requests share one statement per pass."""
    people = f.args.open_requests
    kind = f"{f.prefix}many"
    source = f"{f.prefix}-many"
    table = people_table(f, "erasemany", people=people, others=1000, kind=kind)
    service = f.service("erasemany", ERASURE_LEASE_SECONDS=5, RECONCILE_INTERVAL="off").start()
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda i: submit(service, kind, i, source), range(1, people + 1)))
    filed = time.time() - started
    expect(len(set(ids)) == people, "a request was recorded twice")
    open_at_kill = open_count(f, source)
    service.kill9()
    service.start()
    wait_for(f"{people} requests to complete", lambda: open_count(f, source) == 0, timeout=900, interval=1)
    left = f.stack.sql(f"SELECT count(*) FROM public.{table} WHERE email LIKE 'p%'")[0][0]
    others = f.stack.sql(f"SELECT count(*) FROM public.{table} WHERE email LIKE 'keep%'")[0][0]
    receipts = f.stack.state(f"SELECT count(*) FROM tokenize_action.erasures WHERE source = '{source}' AND receipt IS NOT NULL "
                             "AND sealed IS NULL")[0][0]
    expect(left == "0" and others == "1000", f"{left} people's rows left, {others} of 1000 others")
    expect(receipts == str(people), f"{receipts} of {people} requests have a receipt and no identifier")
    print(f"   {people} requests filed in {filed:.1f}s; {open_at_kill} open at kill -9; all COMPLETE {time.time() - started:.1f}s after the "
          f"first; {people} people's rows deleted, 1000 others kept, {receipts} receipts")
    service.stop()


def refusing_destination(f):
    """A destination whose every DELETE is refused (a trigger raising an error) while another completes: the request
    stays OPEN with the reason, retried with backoff; once the trigger is dropped, the next attempt completes it."""
    kind = f"{f.prefix}refuse"
    good = people_table(f, "erasegood", people=1, others=10, kind=kind)
    bad = people_table(f, "erasebad", people=1, others=10, kind=kind)
    f.stack.sql("CREATE OR REPLACE FUNCTION public.erasure_fault_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'deletes are refused here'; END $$")
    f.stack.sql(f"CREATE TRIGGER refuse BEFORE DELETE ON public.{bad} FOR EACH ROW EXECUTE FUNCTION public.erasure_fault_refuse()")
    service = f.service("eraserefuse", RECONCILE_INTERVAL="off").start()
    request = submit(service, kind, 1, f"{f.prefix}-refuse")

    def failed():
        status, record = api(service, "GET", f"/erasures/{request}")
        states = {d["dataset"].split(",")[1]: d for d in record.get("destinations", [])}
        return record if any(d["state"] == "failed" for d in states.values()) else None
    record = wait_for("the refused destination", failed, timeout=60)
    states = {d["dataset"].split(",")[1].rsplit(".", 1)[1]: d for d in record["destinations"]}
    expect(record["status"] == "OPEN" and states[good]["state"] == "done", f"the other destination completes: {states}")
    expect("deletes are refused here" in states[bad]["error"], f"the reason is recorded: {states[bad]}")
    f.stack.sql(f"DROP TRIGGER refuse ON public.{bad}")

    def complete():
        status, record = api(service, "GET", f"/erasures/{request}")
        return record if record["status"] == "COMPLETE" else None
    record = wait_for("the retried destination", complete, timeout=120)
    left = f.stack.sql(f"SELECT count(*) FROM public.{bad} WHERE email LIKE 'p%'")[0][0]
    expect(left == "0", f"{left} rows left in the fixed destination")
    attempts = {d["dataset"].split(",")[1].rsplit(".", 1)[1]: d["attempts"] for d in record["destinations"]}
    print(f"   a refusing destination: the other done at once, the request OPEN with PostgreSQL's reason; after the fix COMPLETE "
          f"(attempts {attempts})")
    service.stop()


SCENARIOS = [
    ("erasure-kill", "erasure: kill -9 during a destination's DELETE, taken again after the lease", kill_during_statement),
    ("erasure-10k", "erasure: --open-requests (10,000) open requests, kill -9, restart, all COMPLETE", ten_thousand_open),
    ("erasure-refused", "erasure: a destination refusing deletes waits, retried, completes once fixed", refusing_destination),
]
