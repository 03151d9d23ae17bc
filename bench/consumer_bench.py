"""The consumer benchmark: a realistic MCL backlog (95 % aspects that cannot carry the trigger, 2–10 KB, the rest
tag aspects without the trigger tag; snappy; keyed by URN over the topic's partitions) consumed by a bare
librdkafka consumer (confluent-kafka) and by `tokenize-action serve`, interleaved. The service counts as done when
its group's committed offsets reach the end of every partition."""
import io
import os
import random
import statistics
import struct
import subprocess
import time

from measure import Measured, free_port_url, ready, spread
from harness import produce, wait_for


def trigger_mcl(urn, tag="urn:li:tag:tokenize/run", schema_id=18):
    """The MCL GMS emits when a steward adds `tag` to a dataset in the UI (globalTags, no previous tags)."""
    import fastavro
    from mcl_schemas import CURRENT
    now = int(time.time() * 1000)
    record = {"auditHeader": None, "entityType": "dataset", "entityUrn": urn, "entityKeyAspect": None, "changeType": "UPSERT",
              "aspectName": "globalTags", "aspect": {"value": ('{"tags":[{"tag":"%s"}]}' % tag).encode(), "contentType": "application/json"},
              "systemMetadata": {"lastObserved": now, "runId": "no-run-id-provided", "lastRunId": "no-run-id-provided", "pipelineName": None,
                                 "registryName": None, "registryVersion": None, "properties": None, "version": "1", "schemaVersion": None,
                                 "aspectCreated": None, "aspectModified": None},
              "headers": None, "previousAspectValue": None, "previousSystemMetadata": None,
              "created": {"time": now, "actor": "urn:li:corpuser:datahub", "impersonator": None, "message": None}}
    buffer = io.BytesIO()
    buffer.write(b"\x00" + struct.pack(">I", schema_id))
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(CURRENT), record)
    return urn.encode(), buffer.getvalue()


def backlog(count, schema_id=18, seed=7):
    import fastavro
    from mcl_schemas import CURRENT
    schema = fastavro.parse_schema(CURRENT)
    rng = random.Random(seed)
    now = int(time.time() * 1000)
    messages = []
    for i in range(count):
        urn = f"urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.table_{i % 5000},PROD)"
        if i % 20 == 0:  # a tag aspect: decoded and its JSON parsed, but no trigger in it
            aspect_name = "globalTags"
            aspect = '{"tags":[{"tag":"urn:li:tag:pii"},{"tag":"urn:li:tag:tier-%d"}]}' % (i % 3)
        else:
            aspect_name = rng.choice(["schemaMetadata", "datasetProperties", "ownership", "upstreamLineage", "status"])
            fields = ",".join('{"fieldPath":"column_%d","nativeDataType":"varchar(%d)","type":{"type":{"com.linkedin.schema.StringType":{}}},'
                              '"description":"Column %d of the table, ingested from the source catalog","nullable":true}'
                              % (n, 16 + n, n) for n in range(rng.randint(10, 50)))
            aspect = '{"schemaName":"table_%d","platform":"urn:li:dataPlatform:postgres","version":0,"fields":[%s]}' % (i, fields)
        generic = {"value": aspect.encode(), "contentType": "application/json"}
        record = {"auditHeader": None, "entityType": "dataset", "entityUrn": urn, "entityKeyAspect": None, "changeType": "UPSERT",
                  "aspectName": aspect_name, "aspect": generic, "systemMetadata": {"lastObserved": now, "runId": "bench", "lastRunId": "bench",
                  "pipelineName": None, "registryName": None, "registryVersion": None, "properties": None, "version": "1",
                  "schemaVersion": None, "aspectCreated": None, "aspectModified": None}, "headers": None, "previousAspectValue": None,
                  "previousSystemMetadata": None, "created": {"time": now, "actor": "urn:li:corpuser:ingestion", "impersonator": None, "message": None}}
        buffer = io.BytesIO()
        buffer.write(b"\x00" + struct.pack(">I", schema_id))
        fastavro.schemaless_writer(buffer, schema, record)
        messages.append((urn.encode(), buffer.getvalue()))
    return messages


def watermarks(bootstrap, topic):
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-watermarks"})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    marks = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in partitions}
    consumer.close()
    return marks


def bare_consumer_binary():
    """bench/bare_consumer.c, built against the system librdkafka (the one the service links)."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    binary = os.path.join(root, ".build", "bench", "bare_consumer")
    os.makedirs(os.path.dirname(binary), exist_ok=True)
    subprocess.run(["cc", "-O2", "-o", binary, os.path.join(root, "bench", "bare_consumer.c"), "-lrdkafka"], check=True)
    return binary


def bare_consumer(binary, bootstrap, topic, total, work=0):
    env = dict(os.environ, WORK_MICROSECONDS=str(work))
    out = subprocess.run([binary, bootstrap, topic, str(total)], capture_output=True, text=True, timeout=900, check=True, env=env).stdout.split()
    return max(float(out[0]), 0.001), float(out[1])


def committed(bootstrap, topic, group, partitions):
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    offsets = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
    consumer.close()
    return sum(max(0, o.offset) for o in offsets)


def process_cpu(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def consumed_count(url):
    """tokenize_kafka_messages_total from /metrics."""
    import urllib.request
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("tokenize_kafka_messages_total"):
                return float(line.split()[-1])
    return 0.0


def service_consumer(bench, bootstrap, topic, marks):
    """Seconds from the service's first consumed message to its last (polled every 20 ms), its CPU seconds over the
    whole drain, its peak RSS, and the seconds until every offset was committed."""
    url, port = free_port_url()
    group = f"bench-service-{time.time_ns()}"
    env = dict(os.environ, HTTP_PORT=str(port), LOG_LEVEL="warning", KAFKA_BOOTSTRAP_SERVERS=bootstrap, KAFKA_MCL_TOPIC=topic,
               KAFKA_GROUP_ID=group, KAFKA_AUTO_OFFSET_RESET="earliest", RECONCILE_INTERVAL="off")
    process = subprocess.Popen([bench.args.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for("readyz", lambda: ready(url), timeout=60, interval=0.02)
        cpu_before = process_cpu(process.pid)
        end = sum(high - low for low, high in marks.values())
        first = last = None
        deadline = time.time() + 900
        while time.time() < deadline:
            count = consumed_count(url)
            now = time.time()
            if count > 0 and first is None:
                first = now
            if count >= end:
                last = now
                break
            time.sleep(0.02)
        if last is None:
            raise RuntimeError(f"the service consumed {consumed_count(url):.0f} of {end} messages")
        high = sum(high for _, high in marks.values())
        wait_for("every offset committed", lambda: committed(bootstrap, topic, group, list(marks)) >= high, timeout=120, interval=0.1)
        return max(last - first, 0.001), process_cpu(process.pid) - cpu_before, process_peak_rss_kib(process.pid), time.time() - first
    finally:
        process.terminate()
        process.wait(60)


def python_actions(bench, bootstrap, topic, marks, filtered):
    """The official DataHub Actions framework (acryl-datahub-actions, in its own venv) consuming the same backlog with
    a no-op action: unfiltered, or with an event_type filter on dataset globalTags MCLs, which its Kafka source applies
    before deserializing (`enable_mcl_pre_deserialization_filter`). Its pace comes from its group's committed offsets
    (committed every 100 ms), from the first commit to the end of every partition."""
    import tempfile
    python = bench.args.actions_python
    group = f"bench-actions-{time.time_ns()}"
    pipeline = {
        "name": group,
        "source": {"type": "kafka", "config": {
            "connection": {"bootstrap": bootstrap, "schema_registry_url": os.environ.get("SCHEMA_REGISTRY_URL") or os.environ["DATAHUB_GMS_URL"] + "/schema-registry/api",
                           "consumer_config": {"auto.offset.reset": "earliest"}},
            "topic_routes": {"mcl": topic}, "async_commit_enabled": True, "async_commit_interval": 100}},
        "action": {"type": "actions_noop:NoopAction"},
    }
    if filtered:
        pipeline["filters"] = [{"type": "event_type", "config": {"filter": {
            "MetadataChangeLogEvent_v1": {"event": [{"entityType": "dataset", "aspectName": "globalTags"}]}}}}]
    import json
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as config:
        json.dump(pipeline, config)  # YAML is a superset of JSON
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    cli = os.path.join(os.path.dirname(python), "datahub")
    process = subprocess.Popen([cli, "actions", "-c", config.name], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        partitions = list(marks)
        high = sum(h for _, h in marks.values())
        low = sum(lo for lo, _ in marks.values())
        first = first_count = None
        deadline = time.time() + 1800
        while time.time() < deadline:
            count = committed(bootstrap, topic, group, partitions)
            now = time.time()
            if count > low and first is None:
                first, first_count = now, count
            if count >= high:
                cpu = process_cpu(process.pid)
                return max(now - first, 0.001) * (high - low) / max(high - first_count, 1), cpu, process_peak_rss_kib(process.pid)
            if process.poll() is not None:
                raise RuntimeError(f"datahub actions exited with {process.returncode}")
            time.sleep(0.1)
        raise RuntimeError("datahub actions did not reach the end of the backlog in 30 minutes")
    finally:
        process.terminate()
        process.wait(60)
        os.unlink(config.name)


class Rate(Measured):
    """Seconds to drain the backlog, shown as events per second."""

    def __init__(self, total):
        super().__init__()
        self.total = total

    def row(self, what, reference, ref):
        rates = lambda seconds: spread([self.total / s for s in seconds])  # noqa: E731
        ratio = statistics.median(ref.seconds) / statistics.median(self.seconds)
        return (f"| {what} | {rates(self.seconds)} events/s | {self.cpu_text()} | {self.rss_text()} | {reference}: {rates(ref.seconds)} "
                f"events/s, CPU {ref.cpu_text()} s | {ratio:.2f}× |")


def run(bench):
    args = bench.args
    bootstrap = args.bench_kafka
    if not bootstrap:
        print("consumer: skipped (no --bench-kafka; scripts/bench.sh starts a broker for it)")
        return
    print(f"consumer: building and producing a backlog of {args.backlog:,} MCLs", flush=True)
    produce(bootstrap, args.bench_topic, backlog(args.backlog), compression_type="snappy", linger_ms=50, batch_size=1_000_000)
    marks = watermarks(bootstrap, args.bench_topic)
    kept = sum(high - low for low, high in marks.values())
    print(f"   the broker keeps {kept:,} messages in {len(marks)} partitions", flush=True)
    service, bare, working = Rate(kept), Rate(kept), Rate(kept)
    actions = {True: Rate(kept), False: Rate(kept)} if args.actions_python else {}
    binary = bare_consumer_binary()
    for round_ in range(args.rounds):
        for filtered, rate in actions.items():
            seconds, cpu, rss = python_actions(bench, bootstrap, args.bench_topic, marks, filtered)
            rate.seconds.append(seconds)
            rate.cpu.append(cpu)
            rate.rss_kib.append(rss)
            print(f"   round {round_ + 1}: DataHub Actions ({'filtered' if filtered else 'unfiltered'}) {kept / seconds:,.0f}/s (CPU {cpu:.1f} s)", flush=True)
        for reference, work in ((bare, 0), (working, 8)):
            seconds, cpu = bare_consumer(binary, bootstrap, args.bench_topic, kept, work)
            reference.seconds.append(seconds)
            reference.cpu.append(cpu)
        seconds, cpu, rss, committed_after = service_consumer(bench, bootstrap, args.bench_topic, marks)
        service.seconds.append(seconds)
        service.cpu.append(cpu)
        service.rss_kib.append(rss)
        print(f"   round {round_ + 1}: service {kept / seconds:,.0f}/s (CPU {cpu:.1f} s, every offset committed {committed_after:.1f} s "
              f"after the first message), bare {kept / bare.seconds[-1]:,.0f}/s", flush=True)
    what = f"MCL backlog of {kept:,} (95 % irrelevant, 2–10 KB, snappy)"
    bench.report(what, service, "a bare librdkafka consumer (bench/bare_consumer.c, same librdkafka)", bare)
    bench.report(what, service, "the same bare consumer spending 8 µs per message", working)
    for filtered, rate in actions.items():
        mode = "with its early event_type filter" if filtered else "unfiltered"
        bench.report(what, service, f"the Python DataHub Actions framework (acryl-datahub-actions 1.7.0.17, no-op action), {mode}", rate)
