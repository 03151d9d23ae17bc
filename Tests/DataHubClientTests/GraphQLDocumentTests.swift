import Catalog
import DataHubClient
import Foundation
import GraphQL
import TestSupport
import Testing

/// DataHub 1.7's real SDL (../shared/datahub/graphql), joined.
private func realSchema() throws -> GraphQLSchema {
    let shared = try #require(TestEnvironment.sharedDirectory, "../shared/datahub is required under CI")
    let folder = shared.appendingPathComponent("datahub/graphql")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".graphql") }.sorted()
    #expect(files.count >= 30)
    let sdl = try files.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.joined(separator: "\n")
    return try buildSchema(source: sdl)
}

/// A type as the SDL writes it: `[String!]!`.
private func spelling(_ type: any GraphQLType) -> String {
    if let nonNull = type as? GraphQLNonNull { return spelling(nonNull.ofType) + "!" }
    if let list = type as? GraphQLList { return "[" + spelling(list.ofType) + "]" }
    return (type as? any GraphQLNamedType)?.name ?? "?"
}

/// Every GraphQL document the client sends, and the stand-in's schema, validate against DataHub 1.7's real SDL.
@Suite struct GraphQLDocumentTests {
    /// Every operation the client can send validates against DataHub's real SDL. The list is the operations
    /// themselves (`DataHubDocument.allCases`): the client sends nothing else, so nothing skips this check.
    @Test(.enabled(if: TestEnvironment.sharedTestsEnabled)) func everyDocumentValidatesAgainstDataHubsSDL() throws {
        let schema = try realSchema()
        for document in DataHubDocument.allCases {
            let errors = validate(schema: schema, ast: try parse(source: document.text))
            #expect(errors.isEmpty, "\(document.operationName): \(errors.map(\.message))")
        }
        // The check can fail: a field DataHub does not have is rejected.
        let wrong = validate(schema: schema, ast: try parse(source: "query { dataset(urn: \"x\") { noSuchField } }"))
        #expect(!wrong.isEmpty)
    }

    @Test func operationNamesAreUniqueAndMatchTheText() {
        let names = DataHubDocument.allCases.map(\.operationName)
        #expect(Set(names).count == names.count)
        for document in DataHubDocument.allCases {
            #expect(document.text.contains(document.operationName + "("))
            #expect(document.isMutation == document.text.hasPrefix("mutation"))
        }
    }

    /// The stand-in serves a subset of the real SDL: every type, field, argument and input field it declares
    /// exists in DataHub's schema with the same type.
    @Test(.enabled(if: TestEnvironment.sharedTestsEnabled)) func theStandInSchemaIsASubsetOfDataHubs() throws {
        let real = try realSchema()
        let standIn = try buildSchema(
            source: try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("standins/datahub/schema.graphql"), encoding: .utf8))
        var checked = 0
        for (name, type) in standIn.typeMap where !name.hasPrefix("__") && !["String", "Boolean", "Int", "Float", "ID", "Long"].contains(name) {
            let counterpart = try #require(real.typeMap[name], "type \(name) is not in DataHub's schema")
            if let object = type as? GraphQLObjectType, let realObject = counterpart as? GraphQLObjectType {
                let realFields = try realObject.fields()
                for (fieldName, field) in try object.fields() {
                    let realField = try #require(realFields[fieldName], "\(name).\(fieldName) is not in DataHub's schema")
                    #expect(spelling(field.type) == spelling(realField.type), "\(name).\(fieldName)")
                    for (argumentName, argument) in field.args {
                        #expect(
                            realField.args[argumentName].map { spelling($0.type) } == spelling(argument.type), "\(name).\(fieldName)(\(argumentName))"
                        )
                    }
                    checked += 1
                }
            } else if let input = type as? GraphQLInputObjectType, let realInput = counterpart as? GraphQLInputObjectType {
                let realFields = try realInput.fields()
                for (fieldName, field) in try input.fields() {
                    #expect(realFields[fieldName].map { spelling($0.type) } == spelling(field.type), "\(name).\(fieldName)")
                    checked += 1
                }
            } else if let enumeration = type as? GraphQLEnumType, let realEnum = counterpart as? GraphQLEnumType {
                let values = Set(realEnum.values.map(\.name))
                for value in enumeration.values { #expect(values.contains(value.name), "\(name).\(value.name)") }
            }
        }
        #expect(checked > 50)
    }
}
