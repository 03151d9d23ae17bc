/// E-mail addresses and IP addresses. Pure.
public enum NetworkValidators {
    private static let localSpecials = Set("!#$%&'*+/=?^_`{|}~-".utf8)

    /// An address in RFC 5322's dot-atom form (no quoted local parts or address literals, which personal data
    /// does not use), internationalised as RFC 6531 allows (UTF-8 in the local part and in domain labels): local
    /// part ≤ 64 bytes, domain ≤ 253 with at least two labels and an alphabetic top-level label.
    public static func isEmail(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count <= 254, let at = bytes.lastIndex(of: UInt8(ascii: "@")), bytes.filter({ $0 == UInt8(ascii: "@") }).count == 1 else {
            return false
        }
        let local = bytes[..<at]
        let domain = Array(bytes[(at + 1)...])
        guard (1...64).contains(local.count), isDotAtom(local) else { return false }
        return isDomain(domain)
    }

    private static func isDotAtom(_ local: ArraySlice<UInt8>) -> Bool {
        guard local.first != UInt8(ascii: "."), local.last != UInt8(ascii: ".") else { return false }
        var previousDot = false
        for byte in local {
            if byte == UInt8(ascii: ".") {
                if previousDot { return false }
                previousDot = true
                continue
            }
            previousDot = false
            guard isAlphanumeric(byte) || localSpecials.contains(byte) || byte >= 0x80 else { return false }
        }
        return true
    }

    /// A host name of letters, digits and inner hyphens, two labels or more, ending in a top-level label that is
    /// alphabetic, internationalised (UTF-8), or its IDNA form (`xn--p1ai`).
    static func isDomain(_ domain: [UInt8]) -> Bool {
        guard (4...253).contains(domain.count) else { return false }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2, let top = labels.last, top.count >= 2, isTopLevelLabel(top) else { return false }
        return labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 >= 0x80 }
        }
    }

    private static func isTopLevelLabel(_ label: ArraySlice<UInt8>) -> Bool {
        if label.allSatisfy({ isLetter($0) || $0 >= 0x80 }) { return true }
        let punycode = Array("xn--".utf8)
        return label.count > 4 && label.prefix(4).map { $0 | 0x20 } == punycode.map { $0 | 0x20 }
            && label.dropFirst(4).allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// An IPv4 or IPv6 address as written in logs and configuration: alone, as a CIDR block (`192.168.1.0/24`,
    /// `::1/128`), or an IPv6 address with a zone id (`fe80::1%eth0`).
    public static func isIPAddress(_ value: String) -> Bool {
        var address = Substring(value)
        var prefixLength: Int?
        if let slash = address.lastIndex(of: "/") {
            let digits = address[address.index(after: slash)...]
            guard (1...3).contains(digits.count), digits.allSatisfy(\.isASCII), let length = Int(digits),
                digits.count == 1 || digits.first != "0"
            else { return false }
            prefixLength = length
            address = address[..<slash]
        }
        if isIPv4(String(address)) { return (prefixLength ?? 0) <= 32 }
        if let percent = address.firstIndex(of: "%") {
            let zone = address[address.index(after: percent)...]
            guard prefixLength == nil, !zone.isEmpty, zone.count <= 32,
                zone.utf8.allSatisfy({ isAlphanumeric($0) || [UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-")].contains($0) })
            else { return false }
            address = address[..<percent]
        }
        return isIPv6(String(address)) && (prefixLength ?? 0) <= 128
    }

    /// A dotted-quad IPv4 address (0–255, no leading zeros).
    public static func isIPv4(_ value: String) -> Bool {
        let parts = value.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.allSatisfy(isDigit), part.count == 1 || part.first != UInt8(ascii: "0") else { return false }
            return Int(String(decoding: part, as: UTF8.self))! <= 255
        }
    }

    /// An IPv6 address (RFC 4291 text forms): eight groups of 1–4 hex digits, at most one `::`, optionally an
    /// IPv4 address in the last 32 bits.
    public static func isIPv6(_ value: String) -> Bool {
        guard value.utf8.contains(UInt8(ascii: ":")), value.utf8.count <= 45 else { return false }
        var text = value
        var groupsWanted = 8
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard isIPv4(String(text[text.index(after: lastColon)...])) else { return false }
            text = String(text[...lastColon]) + "0"  // the IPv4 tail counts as two groups: one here, one below
            groupsWanted = 7
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        func groups(_ part: String) -> [Substring]? {
            if part.isEmpty { return [] }
            let groups = part.split(separator: ":", omittingEmptySubsequences: false)
            return groups.allSatisfy { (1...4).contains($0.count) && $0.utf8.allSatisfy(isHexDigit) } ? groups : nil
        }
        guard let head = groups(halves[0]) else { return false }
        if halves.count == 1 { return head.count == groupsWanted }
        guard let tail = groups(halves[1]) else { return false }
        return head.count + tail.count < groupsWanted
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }
}
