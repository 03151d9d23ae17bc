/* The consumer benchmark's reference: a bare librdkafka consumer (the same librdkafka the service links), default
 * settings, that polls messages one at a time and looks at nothing but their length, until it has seen `count`.
 * Usage: bare_consumer BOOTSTRAP TOPIC COUNT [KEY=VALUE]...  →  prints "SECONDS CPU_SECONDS" (from the first message to the last). */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: bare_consumer BOOTSTRAP TOPIC COUNT [KEY=VALUE]...\n"); return 2; }
    char error[512], group[64];
    snprintf(group, sizeof group, "bench-bare-c-%ld", (long)time(NULL) ^ (long)clock());
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *settings[][2] = {{"bootstrap.servers", argv[1]}, {"group.id", group}, {"auto.offset.reset", "earliest"},
                                 {"enable.auto.commit", "false"}, {"session.timeout.ms", "6000"}};
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], error, sizeof error) != RD_KAFKA_CONF_OK) { fprintf(stderr, "%s\n", error); return 1; }
    }
    for (int i = 4; i < argc; i++) {  /* extra settings, for experiments */
        char *equals = strchr(argv[i], '=');
        if (!equals) continue;
        *equals = 0;
        if (rd_kafka_conf_set(conf, argv[i], equals + 1, error, sizeof error) != RD_KAFKA_CONF_OK) { fprintf(stderr, "%s\n", error); return 1; }
    }
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
    if (!consumer) { fprintf(stderr, "%s\n", error); return 1; }
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, argv[2], RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    long wanted = atol(argv[3]), seen = 0, work = getenv("WORK_MICROSECONDS") ? atol(getenv("WORK_MICROSECONDS")) : 0;
    size_t bytes = 0;
    double first = 0, cpu_first = 0, deadline = now() + 600;
    while (seen < wanted && now() < deadline) {
        rd_kafka_message_t *message = rd_kafka_consumer_poll(consumer, 100);
        if (!message) continue;
        if (!message->err) {
            if (seen++ == 0) { first = now(); cpu_first = cpu(); }
            bytes += message->len;
            /* WORK_MICROSECONDS: CPU spent per message (a busy wait), as any consumer that looks at its messages
             * spends; it shows how librdkafka 2.0's fetch cadence reacts to per-message work. */
            if (work > 0) { double until = now() + work / 1e6; while (now() < until) { } }
        }
        rd_kafka_message_destroy(message);
    }
    printf("%.4f %.4f %zu\n", now() - first, cpu() - cpu_first, bytes);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    return seen == wanted ? 0 : 1;
}
