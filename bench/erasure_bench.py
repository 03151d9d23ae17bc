"""make bench, section `erasure`: --erasure-subjects people erased from five tables of --rows rows (three with an index
on the identifier column, two without), filed through POST /erasures and worked through by the service (one pass, one
statement per table, verification, VACUUM, signed receipts), beside the hand-written `DELETE … WHERE email = ANY($1)`
per table on identical tables in the same round, alone and followed by the same VACUUM (ANALYZE). Each round erases
people no earlier round touched. The service's peak RSS is reported per round (flat: it does not grow with rounds)."""
import concurrent.futures
import os
import random
import time

from harness import http, wait_for
from measure import Measured

TABLES = [("er1", True), ("er2", True), ("er3", True), ("er4", False), ("er5", False)]


def build(bench, prefix, rows, kind=None):
    for name, indexed in TABLES:
        table = f"{prefix}_{name}"
        bench.stack.sql(f"DROP TABLE IF EXISTS public.{table}")
        bench.stack.sql(f"CREATE TABLE public.{table} (id bigint PRIMARY KEY, email text, note text)")
        bench.stack.sql(f"INSERT INTO public.{table} SELECT g, 'user' || g || '@example.com', 'n' || g FROM generate_series(1, {rows}) g")
        if indexed:
            bench.stack.sql(f"CREATE INDEX ON public.{table} (email)")
        bench.stack.sql(f"VACUUM ANALYZE public.{table}")
        if kind:
            urn = bench.datahub.register_dataset(table, field_paths=["id", "email", "note"])
            bench.datahub.add_tag(urn, f"pii:{kind}", field="email")


def reference(bench, prefix, emails, vacuum):
    values = "ARRAY[" + ",".join(f"'{e}'" for e in emails) + "]"
    statements = []
    for name, _ in TABLES:
        statements.append(f"DELETE FROM public.{prefix}_{name} WHERE email = ANY({values})")
        if vacuum:
            statements.append(f"VACUUM (ANALYZE) public.{prefix}_{name}")
    started = time.time()
    for statement in statements:
        bench.stack.sql(statement)
    return time.time() - started


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0


def run(bench):
    args = bench.args
    rows, subjects = args.rows, args.erasure_subjects
    kind = f"benchmail{time.time_ns() % 1_000_000}"
    print(f"erasure: {subjects:,} people from 5 tables of {rows:,} rows (3 indexed), {args.rounds} rounds", flush=True)
    build(bench, "erase_svc", rows, kind)
    build(bench, "erase_ref", rows)
    build(bench, "erase_vac", rows)
    process, url, _ = bench.serve(ERASURE_BATCH=subjects)
    headers = {"Authorization": f"Bearer {os.environ['API_TOKEN']}"}
    ids = list(range(1, rows + 1))
    random.Random(7).shuffle(ids)
    filed, completed, alone, vacuumed, rss = Measured(), Measured(), Measured(), Measured(), []
    try:
        for round_ in range(args.rounds):
            chosen = ids[round_ * subjects:(round_ + 1) * subjects]
            emails = [f"user{i}@example.com" for i in chosen]
            alone.add(reference(bench, "erase_ref", emails, vacuum=False))
            vacuumed.add(reference(bench, "erase_vac", emails, vacuum=True))
            started = time.time()

            def submit(index_email):
                index, email = index_email
                body = {"identifiers": [{"kind": kind, "value": email}], "reason": "bench", "requester": "bench", "source": f"bench-{kind}",
                        "source_id": f"{round_}-{index}"}
                status, answer = http("POST", f"{url}/erasures", body, headers)
                if status != 202:
                    raise RuntimeError(f"POST /erasures: {status} {answer}")
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                list(pool.map(submit, enumerate(emails)))
            filed.add(time.time() - started)

            def open_requests():
                status, answer = http("GET", f"{url}/erasures?status=OPEN&limit=1", None, headers)
                return status == 200 and not answer["erasures"]
            wait_for("the erasures to complete", open_requests, timeout=1800, interval=0.1)
            completed.add(time.time() - started)
            left = sum(int(bench.stack.sql(f"SELECT count(*) FROM public.erase_svc_{name} WHERE email = ANY(ARRAY["
                                           + ",".join(f"'{e}'" for e in emails) + "])")[0][0]) for name, _ in TABLES)
            if left:
                raise RuntimeError(f"{left} rows of the erased people left")
            rss.append(peak_rss_mib(process.pid))
            print(f"   round {round_ + 1}: filed {filed.seconds[-1]:.1f}s, COMPLETE {completed.seconds[-1]:.1f}s after the first request; "
                  f"reference DELETE {alone.seconds[-1]:.2f}s, with VACUUM {vacuumed.seconds[-1]:.2f}s; peak RSS {rss[-1]:.0f} MiB", flush=True)
    finally:
        process.terminate()
        process.wait(60)
    completed.rss_kib = [r * 1024 for r in rss]
    bench.report(f"erasure: {subjects:,} requests filed, `POST /erasures` from 8 clients", filed)
    bench.report(f"erasure: {subjects:,} people, 5 tables × {rows:,} rows (3 indexed), filed → COMPLETE (one statement per table, "
                 f"verified, VACUUM, signed receipts; peak RSS by round {' / '.join(f'{r:.0f}' for r in rss)} MiB)",
                 completed, "`DELETE … = ANY($1)` + `VACUUM (ANALYZE)` per table", vacuumed)
    bench.report(f"erasure: the same, beside the DELETEs alone", completed, "`DELETE … WHERE email = ANY($1)` per table", alone)
