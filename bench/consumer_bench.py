"""The consumer benchmark: a realistic MCL backlog (95 % aspects that cannot carry the trigger, 2–10 KB, the rest
tag aspects without the trigger tag; snappy; keyed by URN over the topic's partitions) consumed by a bare
librdkafka consumer (confluent-kafka) and by `tokenize-action serve`, interleaved. The service counts as done when
its group's committed offsets reach the end of every partition."""
import io
import os
import random
import resource
import statistics
import struct
import subprocess
import time

from measure import Measured, free_port_url, spread
from harness import http, wait_for


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
        generic = {"value": aspect, "contentType": "application/json"}
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


def produce(bootstrap, topic, messages):
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap, "compression.type": "snappy", "linger.ms": 50, "batch.size": 1_000_000,
                         "queue.buffering.max.messages": 500_000})
    for key, value in messages:
        while True:
            try:
                producer.produce(topic, key=key, value=value)
                break
            except BufferError:
                producer.poll(0.1)
    producer.flush(120)


def watermarks(bootstrap, topic):
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-watermarks"})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    marks = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in partitions}
    consumer.close()
    return marks


def bare_consumer(bootstrap, topic, total):
    from confluent_kafka import Consumer
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-bare-{time.time_ns()}", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "session.timeout.ms": 6000})
    consumer.subscribe([topic])
    before = resource.getrusage(resource.RUSAGE_SELF)
    seen, started = 0, None
    deadline = time.time() + 600
    while seen < total and time.time() < deadline:
        for message in consumer.consume(10_000, 1.0):
            if message.error() is None:
                started = started or time.time()
                seen += 1
    elapsed = time.time() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    consumer.close()
    return elapsed, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


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


def service_consumer(bench, bootstrap, topic, marks):
    url, port = free_port_url()
    group = f"bench-service-{time.time_ns()}"
    env = dict(os.environ, HTTP_PORT=str(port), LOG_LEVEL="warning", KAFKA_BOOTSTRAP_SERVERS=bootstrap, KAFKA_MCL_TOPIC=topic,
               KAFKA_GROUP_ID=group, KAFKA_AUTO_OFFSET_RESET="earliest", RECONCILE_INTERVAL="off")
    process = subprocess.Popen([bench.args.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for("readyz", lambda: http("GET", f"{url}/readyz", timeout=2)[0] == 200, timeout=60, interval=0.02)
        started, cpu_before = time.time(), process_cpu(process.pid)
        end = sum(high for _, high in marks.values())
        wait_for("every offset committed", lambda: committed(bootstrap, topic, group, list(marks)) >= end, timeout=900, interval=0.1)
        return time.time() - started, process_cpu(process.pid) - cpu_before, process_peak_rss_kib(process.pid)
    finally:
        process.terminate()
        process.wait(60)


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
    produce(bootstrap, args.bench_topic, backlog(args.backlog))
    marks = watermarks(bootstrap, args.bench_topic)
    kept = sum(high - low for low, high in marks.values())
    print(f"   the broker keeps {kept:,} messages in {len(marks)} partitions", flush=True)
    service, bare = Rate(kept), Rate(kept)
    for round_ in range(args.rounds):
        seconds, cpu = bare_consumer(bootstrap, args.bench_topic, kept)
        bare.seconds.append(seconds)
        bare.cpu.append(cpu)
        seconds, cpu, rss = service_consumer(bench, bootstrap, args.bench_topic, marks)
        service.seconds.append(seconds)
        service.cpu.append(cpu)
        service.rss_kib.append(rss)
        print(f"   round {round_ + 1}: service {kept / seconds:,.0f}/s (CPU {cpu:.1f} s), bare {kept / bare.seconds[-1]:,.0f}/s", flush=True)
    bench.report(f"MCL backlog of {kept:,} (95 % irrelevant, 2–10 KB, snappy)", service, "a bare librdkafka consumer (confluent-kafka)", bare)
