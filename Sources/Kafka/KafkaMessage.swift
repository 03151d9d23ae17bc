/// A Kafka message copied out of librdkafka, so no C memory escapes the poll thread.
public struct KafkaMessage: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
    }

    public var position: KafkaPosition { KafkaPosition(topic: topic, partition: partition, offset: offset) }
}

/// A message as librdkafka holds it, lent to a router on the poll thread: the buffers are valid only during
/// the call, so a router copies what it keeps.
public struct KafkaMessageView {
    public let position: KafkaPosition
    public let key: UnsafeRawBufferPointer?
    public let value: UnsafeRawBufferPointer?

    public init(position: KafkaPosition, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?) {
        self.position = position
        self.key = key
        self.value = value
    }

    /// A copy that may outlive the call.
    public func copy() -> KafkaMessage {
        KafkaMessage(
            topic: position.topic, partition: position.partition, offset: position.offset, key: key.map { Array($0) },
            value: value.map { Array($0) })
    }
}
