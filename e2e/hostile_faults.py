"""Fault tests for what a single bad input must never do: crash-loop the service (a value that stops the process),
stop a partition (hostile MCLs), or keep a stopping service waiting for what is down. Registered in faults.py."""
import json
import random
import signal
import time

import oracle
from harness import Failure, expect, produce, wait_for

POISON = "+44 20 POISON 0437"


def crash_loop(f):
    """A value that makes the process die (the debug build's fault hook, as a scheme failing hard would), under a
    supervisor that restarts the service each time: after 3 stopped attempts in a row the run is quarantined, FAILED
    with the key just before the value, DataHub shows it, a metric counts it; another dataset's run completes."""
    rows = 1000
    table, urn = f.table("crashloop", "siv", rows=rows)
    f.stack.sql(f"UPDATE public.{table} SET phone = '{POISON}' WHERE id = 437")
    other, other_urn = f.table("crashloop_other", "hmac", rows=200)
    service = f.service("crashloop", TOKENIZE_ACTION_FAULT_CRASH_VALUE=POISON, POSTGRES_BATCH_SIZE=300, RECONCILE_INTERVAL="off",
                        SHUTDOWN_GRACE_SECONDS=2).start()
    f.trigger(urn)
    f.trigger(other_urn)
    restarts = 0
    deadline = time.time() + 240

    def settled():
        return [r for r in f.stack.runs(urn) if r["status"] not in ("QUEUED", "RUNNING", "COALESCED")]

    while not settled() and time.time() < deadline:
        if service.process.poll() is not None:  # died: the supervisor (systemd, Kubernetes) starts it again
            expect(service.process.returncode not in (0, -15), f"the service exited {service.process.returncode} without being stopped")
            restarts += 1
            expect(restarts <= 8, f"{restarts} restarts and the run is not quarantined")
            service.start(wait=None)  # it may die again before it answers: the loop sees that
        time.sleep(0.2)
    quarantined = settled()
    expect(quarantined, f"the run did not settle within 240 s after {restarts} restarts; ledger: {f.ledger_rows(urn)}")
    row = f.stack.state(
        f"SELECT status, error_code, details, stopped_attempts FROM tokenize_action.runs WHERE run_id = '{quarantined[0]['run_id']}'")[0]
    status, code, details, stopped = row
    print(f"   the service stopped {restarts} times; the run {status} ({code}) after {stopped} stopped attempts in a row: {details[:160]}…")
    expect(status == "FAILED" and code == "quarantined" and "stopped during this run 3 times" in details, f"not quarantined: {row}")
    expect("ended at key 436" in details, f"the record does not pin the value's row (id 437): {details}")
    expect(3 <= restarts <= 6, f"{restarts} restarts for a limit of 3")
    # Nothing after the value was written; everything before it was.
    plaintext_after = int(f.stack.sql(f"SELECT count(*) FROM public.{table} WHERE id > 437 AND phone LIKE '+44 20 %'")[0][0])
    tokens_before = int(f.stack.sql(f"SELECT count(*) FROM public.{table} WHERE id < 437 AND phone LIKE 'tks_%'")[0][0])
    expect(tokens_before == 436, f"{tokens_before} of the 436 rows before the value hold tokens")
    expect(plaintext_after == rows - 437, f"rows after the value: {plaintext_after} plaintext")
    # The other dataset's run went on.
    other_run = f.final_run(other_urn, timeout=120)
    expect(f.check_values(other, "hmac", rows=200) == (0, 0), "the other dataset's values are wrong")
    dataset = f.datahub.dataset(urn)
    tags = f.datahub.field_tags(dataset, "phone")
    expect("urn:li:tag:tokenize/status:FAILED" in tags, f"DataHub does not show the quarantine: {sorted(tags)}")
    expect("quarantined" in dataset["editableProperties"]["description"], "the documentation section does not say quarantined")
    wait_for("the service", service.answers, timeout=30)
    expect(service.metric("tokenize_runs_quarantined_total") == 1, "tokenize_runs_quarantined_total is not 1")
    print(f"   the other dataset's run: {other_run['status']}, {other_run['rows_updated']} rows")
    service.stop()


def hostile_mcls(f, count=10_000, every=500):
    """`count` hostile MCLs (URNs with NUL bytes, control characters, 600 characters or a leading space; actors with a
    NUL byte; aspect JSON that is cut short, deeply nested or holds a lone surrogate; unframed bytes) with a valid
    trigger every `every`: every valid trigger is acted on, each hostile one is dead-lettered or passed over, and no
    message is retried for ever."""
    valid = []
    for index in range(count // every):
        table, urn = f.table(f"hostile_{index}", "hmac", rows=5)
        f.trigger(urn)  # the tag is in DataHub; its event is skipped (the service reads from the latest offset) and sent again below
        valid.append((table, urn))
    service = f.service("hostile", KAFKA_AUTO_OFFSET_RESET="latest", RECONCILE_INTERVAL="off").start()
    wait_for("a partition assignment", lambda: service.metric("tokenize_kafka_assigned_partitions") >= 1, timeout=30)
    dead_before = f.dead_letter_count()
    random.seed(1_000_003)
    trigger = json.dumps({"tags": [{"tag": "urn:li:tag:tokenize/run"}]}).encode()
    base = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.{},PROD)"
    hostile_urns = [
        base.format("nul\x00byte"), base.format("line\nbreak"), base.format("x" * 600), " " + base.format("space"), base.format("unit\x1fsep"),
        "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.a\u241fb,PROD)", "urn:li:chart:(looker,1)", base.format("del\x7f"),
    ]
    messages, kinds = [], {}
    for position in range(count):
        if position % every == every - 1:
            messages.append(f.mcl(19, valid[position // every][1], "editableSchemaMetadata", json.dumps({
                "editableSchemaFieldInfo": [{"fieldPath": "phone", "globalTags": {"tags": [{"tag": "urn:li:tag:tokenize/run"}]}}]}).encode()))
            continue
        kind = random.choice(["urn", "urn", "actor", "json_cut", "json_deep", "surrogate", "unframed", "fields_nul"])
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind == "urn":
            messages.append(f.mcl(19, random.choice(hostile_urns), "globalTags", trigger))
        elif kind == "actor":
            message = f.mcl(19, base.format(f"actor_{position}"), "globalTags", trigger)
            messages.append(message.replace(b"urn:li:corpuser:faults", b"urn:li:corpuser:f\x00ults"))
        elif kind == "json_cut":
            messages.append(f.mcl(19, base.format("cut"), "globalTags", trigger[: random.randint(1, len(trigger) - 1)]))
        elif kind == "json_deep":
            messages.append(f.mcl(19, base.format("deep"), "globalTags", b"[" * 600 + b"]" * 600))  # deeper than 512
        elif kind == "surrogate":
            messages.append(f.mcl(19, base.format("surrogate"), "globalTags", b'{"tags": [{"tag": "urn:li:tag:\\ud800"}]}'))
        elif kind == "unframed":
            messages.append(bytes(random.getrandbits(8) for _ in range(random.randint(0, 64))))
        else:
            messages.append(f.mcl(19, base.format("fields"), "editableSchemaMetadata", json.dumps({
                "editableSchemaFieldInfo": [{"fieldPath": "ph\u0000one", "globalTags": {"tags": [{"tag": "urn:li:tag:tokenize/run"}]}}]}).encode()))
    started = time.time()
    produce(f.stack.kafka, f.stack.topic, messages)
    for table, urn in valid:
        f.final_run(urn, timeout=180)
        expect(f.check_values(table, "hmac", rows=5) == (0, 0), f"{table}: values wrong")
    dead = f.dead_letter_count() - dead_before
    retries = service.metric("tokenize_mcl_retries_total")
    print(f"   {count} messages ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}): {len(valid)} of {len(valid)} valid triggers "
          f"acted on in {time.time() - started:.1f}s; {dead} dead letters; {int(retries)} handler retries")
    expect(dead > 0 and retries == 0, "hostile messages were retried instead of being dead-lettered")
    reasons = {row[0] for row in f.stack.state(f"SELECT DISTINCT reason_code FROM tokenize_action.dead_letters WHERE topic = '{f.stack.topic}'")}
    expect({"unusable_urn", "refused_by_ledger"} <= reasons, f"dead-letter reasons: {sorted(reasons)}")
    expect(service.alive(), "the service died")
    service.stop()


def sigterm_with_everything_down(f):
    """GMS and the schema registry refusing connections, reconciliation retrying: an idle service stops within a
    second of SIGTERM."""
    service = f.service("sigterm-down", RECONCILE_INTERVAL="2s").start()
    f.stack.refuse_gms(30)
    time.sleep(4)  # reconciliation is now in its retry loop
    started = time.time()
    service.process.send_signal(signal.SIGTERM)
    try:
        service.process.wait(10)
    except Exception:
        raise Failure("the service did not stop within 10 s of SIGTERM") from None
    elapsed = time.time() - started
    print(f"   GMS and the registry refusing connections, reconciliation retrying: exited {service.process.returncode} {elapsed:.2f}s after SIGTERM")
    expect(service.process.returncode == 0 and elapsed < 1.0, f"exit {service.process.returncode} after {elapsed:.2f}s")
    f.stack.refuse_gms(0)


SCENARIOS = [
    ("crashloop", "a value that stops the process: quarantined after 3 stopped attempts; another dataset completes", crash_loop),
    ("hostile", "10,000 hostile MCLs with a valid trigger every 500: every trigger acted on, no retry loop", hostile_mcls),
    ("sigterm-down", "SIGTERM with GMS and the registry down: an idle service exits within a second", sigterm_with_everything_down),
]
