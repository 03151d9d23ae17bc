import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An HTTP server on a free loopback port whose answers a test scripts, for clients' retry and error paths.
public enum FakeHTTPServer {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header values by lower-cased name.
        public var headers: [String: String]
        public var body: [UInt8]
    }

    public struct Answer: Sendable {
        public var status: Int
        public var body: String

        public init(_ status: Int, _ body: String) {
            self.status = status
            self.body = body
        }
    }

    /// Serves `handler` while `body` runs with the server's base URL (`http://127.0.0.1:PORT`).
    public static func with<T: Sendable>(
        _ handler: @escaping @Sendable (Request) async -> Answer, _ body: @Sendable (String) async throws -> T
    ) async throws -> T {
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let bytes = try await request.body.collect(upTo: 16 << 20)
            let answer = await handler(Request(method: request.method.rawValue, path: request.uri.path, headers: headers, body: Array(buffer: bytes)))
            return Response(
                status: .init(code: answer.status), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
        let app = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }, logger: Logger(label: "fake-http"))
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "fake-http")))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var port = 0
            for await bound in ports {
                port = bound
                break
            }
            do {
                let result = try await body("http://127.0.0.1:\(port)")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }
}
