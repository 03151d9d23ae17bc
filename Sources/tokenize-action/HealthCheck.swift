import ArgumentParser
import AsyncHTTPClient
import Foundation

/// The container's HEALTHCHECK: asks the running service's `/healthz` (no curl in the image).
struct HealthCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck", abstract: "Exit 0 when the service on this host answers /healthz with 200.")

    @Option(name: .long, help: "URL to check (default: http://127.0.0.1:$HTTP_PORT/healthz).")
    var url: String?

    func run() async throws {
        let port = ProcessInfo.processInfo.environment["HTTP_PORT"] ?? "8081"
        let target = url ?? "http://127.0.0.1:\(port)/healthz"
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: target), timeout: .seconds(3))
            guard response.status == .ok else {
                print("unhealthy: \(target) answered \(response.status.code)")
                throw ExitCode(1)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            print("unhealthy: \(target): \(error)")
            throw ExitCode(1)
        }
    }
}
