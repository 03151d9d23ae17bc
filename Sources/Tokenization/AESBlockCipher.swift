import CAESHardware
import Crypto
import CryptoExtras

/// AES in the encryption direction with its key schedule computed once, for the many short calls of FF1 and
/// AES-SIV (a few blocks per token each).
///
/// On x86-64 processors with AES-NI the schedule is expanded once (`CAESHardware`) and every block costs a few
/// dozen cycles. Elsewhere each block goes through swift-crypto's `AES.permute`, which expands the key per call:
/// the same results, slower. `Tests/TokenizationTests/AESBlockCipherTests.swift` checks both against FIPS-197's
/// vectors and against each other.
struct AESBlockCipher: Sendable {
    private let key: SymmetricKey
    /// The expanded key, when the processor's AES instructions are used.
    private let schedule: KeySchedule?

    /// Whether this processor has the AES instructions `CAESHardware` uses.
    static let hardwareAvailable = tka_aes_hardware_available() != 0

    /// - Parameters:
    ///   - key: an AES-128, -192 or -256 key.
    ///   - useHardware: false forces swift-crypto's per-call path (for tests).
    init(key: SymmetricKey, useHardware: Bool = AESBlockCipher.hardwareAvailable) {
        precondition([16, 24, 32].contains(key.bitCount / 8), "AES keys are 128, 192 or 256 bits")
        self.key = key
        guard useHardware else {
            schedule = nil
            return
        }
        schedule = KeySchedule.expand(key)
    }

    /// Whether this cipher uses the processor's AES instructions.
    var usesHardware: Bool { schedule != nil }

    /// CBC-MAC without a final tweak: x = `start`, then x = AES(x ⊕ block) for each of the `blockCount` 16-byte
    /// blocks at `data`; x is written to `out` (16 bytes, which may be `start` but must not overlap `data`).
    func cbcMAC(start: UnsafePointer<UInt8>, data: UnsafePointer<UInt8>, blockCount: Int, into out: UnsafeMutablePointer<UInt8>) {
        if let schedule {
            tka_aes_cbc_mac(schedule.bytes, schedule.rounds, start, data, blockCount, out)
            return
        }
        if out != UnsafeMutablePointer(mutating: start) { out.update(from: start, count: 16) }
        var state = UnsafeMutableBufferPointer(start: out, count: 16)
        for block in 0..<blockCount {
            for index in 0..<16 { state[index] ^= data[16 * block + index] }
            try! AES.permute(&state, key: key)  // the key size is checked in init
        }
    }

    /// AES(block), in place.
    func encrypt(_ block: UnsafeMutablePointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { scratch in
            let zero = scratch.baseAddress!
            zero.initialize(repeating: 0, count: 16)
            let input = zero + 16
            input.initialize(from: block, count: 16)
            cbcMAC(start: zero, data: input, blockCount: 1, into: block)
        }
    }
}

/// An expanded AES key in memory of its own, zeroed when the last cipher holding it goes away (it is key
/// material, as the key is; swift-crypto zeroes a `SymmetricKey` the same way). Immutable once expanded.
private final class KeySchedule: @unchecked Sendable {
    let bytes: UnsafeMutablePointer<UInt8>
    let rounds: Int32

    private init(bytes: UnsafeMutablePointer<UInt8>, rounds: Int32) {
        self.bytes = bytes
        self.rounds = rounds
    }

    /// The schedule of `key`, or nil when the processor has no AES instructions.
    static func expand(_ key: SymmetricKey) -> KeySchedule? {
        let count = Int(TKA_AES_SCHEDULE_BYTES)
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        bytes.initialize(repeating: 0, count: count)
        let rounds = key.withUnsafeBytes { tka_aes_expand_key($0.baseAddress, $0.count, bytes) }
        guard rounds > 0 else {
            bytes.deallocate()
            return nil
        }
        return KeySchedule(bytes: bytes, rounds: rounds)
    }

    deinit {
        tka_wipe(bytes, Int(TKA_AES_SCHEDULE_BYTES))
        bytes.deallocate()
    }
}
