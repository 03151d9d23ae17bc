import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Fetches Avro writer schemas by id from a Confluent-compatible registry (DataHub GMS serves one at
/// `/schema-registry/api`) and caches the parsed decoders for the life of the process.
///
/// Concurrent requests for the same id share one fetch.
public actor SchemaRegistryClient {
    private let baseURL: String
    private let httpClient: HTTPClient
    private let timeout: Duration
    private let logger: Logger
    private var decoders: [Int32: AvroSchemaDecoder] = [:]
    private var inFlight: [Int32: [CheckedContinuation<AvroSchemaDecoder, any Error>]] = [:]

    /// - Parameters:
    ///   - baseURL: the registry root, e.g. `http://datahub-gms:8080/schema-registry/api`.
    ///   - timeout: bound on one fetch (default 10 s).
    public init(baseURL: String, httpClient: HTTPClient, timeout: Duration = .seconds(10), logger: Logger) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.httpClient = httpClient
        self.timeout = timeout
        self.logger = logger
    }

    /// Pre-loads a decoder (tests, or a pinned schema).
    public func register(id: Int32, decoder: AvroSchemaDecoder) {
        decoders[id] = decoder
    }

    /// The decoder for a schema id, fetched on first use.
    public func decoder(for id: Int32) async throws -> AvroSchemaDecoder {
        if let cached = decoders[id] { return cached }
        if inFlight[id] != nil {
            return try await withCheckedThrowingContinuation { inFlight[id, default: []].append($0) }
        }
        inFlight[id] = []
        let result: Result<AvroSchemaDecoder, any Error>
        do {
            result = .success(try await fetch(id: id))
        } catch {
            result = .failure(error)
        }
        let waiters = inFlight.removeValue(forKey: id) ?? []
        if case .success(let decoder) = result { decoders[id] = decoder }
        for waiter in waiters { waiter.resume(with: result) }
        return try result.get()
    }

    /// Whether the registry answers (`GET /subjects`).
    public func ping() async -> Bool {
        do {
            let request = HTTPClientRequest(url: "\(baseURL)/subjects")
            let response = try await httpClient.execute(request, timeout: .seconds(3))
            _ = try await response.body.collect(upTo: 1 << 20)
            return response.status == .ok
        } catch {
            return false
        }
    }

    private func fetch(id: Int32) async throws -> AvroSchemaDecoder {
        let url = "\(baseURL)/schemas/ids/\(id)"
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/vnd.schemaregistry.v1+json, application/json")
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: .init(timeout))
            body = try await response.body.collect(upTo: 8 << 20)
        } catch {
            throw MCLDecodingError(.schemaUnavailable, "GET \(url) failed: \(error). Check SCHEMA_REGISTRY_URL.")
        }
        guard response.status == .ok else {
            throw MCLDecodingError(
                .schemaUnavailable, "GET \(url) answered HTTP \(response.status.code); is schema id \(id) known to the registry?")
        }
        struct SchemaResponse: Decodable { var schema: String }
        guard let decoded = try? JSONDecoder().decode(SchemaResponse.self, from: Data(body.readableBytesView)) else {
            throw MCLDecodingError(.schemaUnavailable, "GET \(url) did not return {\"schema\": …}")
        }
        do {
            let decoder = try AvroSchemaDecoder(schemaJSON: decoded.schema)
            logger.info("loaded writer schema", metadata: ["schema_id": "\(id)"])
            return decoder
        } catch {
            throw MCLDecodingError(.schemaUnavailable, "schema id \(id) does not parse: \(error)")
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Decodes raw Kafka values of the MCL topic: Confluent framing → writer schema by id → Avro → `MetadataChangeLog`.
public struct MCLDecoder: Sendable {
    private let registry: SchemaRegistryClient

    public init(registry: SchemaRegistryClient) {
        self.registry = registry
    }

    /// Decodes one Kafka value.
    public func decode(_ value: [UInt8]) async throws(MCLDecodingError) -> MetadataChangeLog {
        let frame = try ConfluentFrame(value: value)
        let decoder: AvroSchemaDecoder
        do {
            decoder = try await registry.decoder(for: frame.schemaID)
        } catch let error as MCLDecodingError {
            throw error
        } catch {
            throw MCLDecodingError(.schemaUnavailable, "schema id \(frame.schemaID): \(error)")
        }
        let datum: AvroDatum
        do {
            datum = try decoder.decode(frame.body)
        } catch {
            throw MCLDecodingError(.avroBody, "schema id \(frame.schemaID): \(error.message)")
        }
        return try MetadataChangeLog(datum: datum)
    }
}
