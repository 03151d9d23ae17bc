// A message's position and its topic partition are Kafka's plain values, shared with the run ledger (which records
// where a trigger came from) without linking librdkafka.
@_exported import KafkaModel
