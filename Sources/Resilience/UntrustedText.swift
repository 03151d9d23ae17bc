extension String {
    /// The text as an error message or log line may quote it when it came from outside (a Kafka message, a request
    /// body): control characters written as `\u{…}` escapes (a NUL byte cannot be stored in PostgreSQL text, and
    /// line breaks would forge log lines), and at most `limit` characters, with how many more were cut.
    public func quotedForMessage(limit: Int = 200) -> String {
        var result = "'"
        var shown = 0
        for scalar in unicodeScalars {
            guard shown < limit else {
                let total = unicodeScalars.count
                result += "… (\(total - shown) more of \(total) characters)"
                break
            }
            switch scalar.value {
            case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029:
                result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            case 0x27:
                result += "\\'"
            default:
                result.unicodeScalars.append(scalar)
            }
            shown += 1
        }
        return result + "'"
    }

    /// Whether the text holds a control character (C0, DEL or C1), which no identifier the service handles may hold.
    public var containsControlCharacter: Bool {
        unicodeScalars.contains { (0x00...0x1F).contains($0.value) || (0x7F...0x9F).contains($0.value) }
    }
}
