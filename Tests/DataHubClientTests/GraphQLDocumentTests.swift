import DataHubClient
import Foundation
import GraphQL
import TestSupport
import Testing

@Suite struct GraphQLDocumentTests {
    /// Every document the client can send validates against DataHub 1.7's real SDL (../shared/datahub/graphql).
    @Test(.enabled(if: TestEnvironment.sharedTestsEnabled)) func everyDocumentValidatesAgainstDataHubsSDL() throws {
        let shared = try #require(TestEnvironment.sharedDirectory, "../shared/datahub is required under CI")
        let folder = shared.appendingPathComponent("datahub/graphql")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".graphql") }.sorted()
        #expect(files.count >= 30)
        let sdl = try files.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.joined(separator: "\n")
        let schema = try buildSchema(source: sdl)
        #expect(DataHubDocuments.all.count == 8)
        for document in DataHubDocuments.all {
            let errors = validate(schema: schema, ast: try parse(source: document.text))
            #expect(errors.isEmpty, "\(document.operationName): \(errors.map(\.message))")
        }
        // The check can fail: a field DataHub does not have is rejected.
        let wrong = validate(schema: schema, ast: try parse(source: "query { dataset(urn: \"x\") { noSuchField } }"))
        #expect(!wrong.isEmpty)
    }

    @Test func operationNamesAreUniqueAndMatchTheText() {
        let names = DataHubDocuments.all.map(\.operationName)
        #expect(Set(names).count == names.count)
        for document in DataHubDocuments.all {
            #expect(document.text.contains(document.operationName + "("))
        }
    }
}
