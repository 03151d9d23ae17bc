/// A GraphQL operation the client sends.
public struct GraphQLDocument: Sendable, Hashable {
    /// The operation name (also sent as `operationName`).
    public let operationName: String
    public let text: String
}

/// Every GraphQL document the service can send to DataHub GMS. A test validates each against the real SDL.
public enum DataHubDocuments {
    public static let entityExists = GraphQLDocument(
        operationName: "tokenizeEntityExists",
        text: "query tokenizeEntityExists($urn: String!) { entityExists(urn: $urn) }")

    public static let createTag = GraphQLDocument(
        operationName: "tokenizeCreateTag",
        text: "mutation tokenizeCreateTag($input: CreateTagInput!) { createTag(input: $input) }")

    public static let dataset = GraphQLDocument(
        operationName: "tokenizeDataset",
        text: """
            query tokenizeDataset($urn: String!) {
              dataset(urn: $urn) {
                urn
                properties { name description }
                editableProperties { name description }
                tags { tags { tag { urn } } }
                schemaMetadata { fields { fieldPath nativeDataType tags { tags { tag { urn } } } } }
                editableSchemaMetadata { editableSchemaFieldInfo { fieldPath tags { tags { tag { urn } } } } }
              }
            }
            """)

    public static let batchAddTags = GraphQLDocument(
        operationName: "tokenizeBatchAddTags",
        text: "mutation tokenizeBatchAddTags($input: BatchAddTagsInput!) { batchAddTags(input: $input) }")

    public static let batchRemoveTags = GraphQLDocument(
        operationName: "tokenizeBatchRemoveTags",
        text: "mutation tokenizeBatchRemoveTags($input: BatchRemoveTagsInput!) { batchRemoveTags(input: $input) }")

    public static let updateEditableProperties = GraphQLDocument(
        operationName: "tokenizeUpdateEditableProperties",
        text: """
            mutation tokenizeUpdateEditableProperties($urn: String!, $input: DatasetUpdateInput!) {
              updateDataset(urn: $urn, input: $input) { urn }
            }
            """)

    public static let createStructuredProperty = GraphQLDocument(
        operationName: "tokenizeCreateStructuredProperty",
        text: """
            mutation tokenizeCreateStructuredProperty($input: CreateStructuredPropertyInput!) {
              createStructuredProperty(input: $input) { urn }
            }
            """)

    public static let upsertStructuredProperties = GraphQLDocument(
        operationName: "tokenizeUpsertStructuredProperties",
        text: """
            mutation tokenizeUpsertStructuredProperties($input: UpsertStructuredPropertiesInput!) {
              upsertStructuredProperties(input: $input) { properties { structuredProperty { urn } } }
            }
            """)

    /// All documents, for validation against DataHub's SDL.
    public static let all: [GraphQLDocument] = [
        entityExists, createTag, dataset, batchAddTags, batchRemoveTags, updateEditableProperties,
        createStructuredProperty, upsertStructuredProperties,
    ]
}
