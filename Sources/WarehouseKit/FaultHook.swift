import Foundation

/// Test builds only (`DEBUG`, or `-DFAULT_HOOKS` as CI's release test build): a value that makes the process die when a batch decides it
/// (`TOKENIZE_ACTION_FAULT_CRASH_VALUE`), as a value that makes a scheme fail hard would. The fault tests prove the
/// crash guard with it (`CrashGuard`). A release build has no hook: the variable is not even read.
public enum FaultHook {
    #if DEBUG || FAULT_HOOKS
        public static let crashValue: String? = ProcessInfo.processInfo.environment["TOKENIZE_ACTION_FAULT_CRASH_VALUE"].flatMap {
            $0.isEmpty ? nil : $0
        }
    #else
        public static let crashValue: String? = nil
    #endif

    /// Dies when `value` is the hook's value.
    @inline(__always)
    static func check(_ value: String?) {
        #if DEBUG || FAULT_HOOKS
            if let crashValue, let value, value == crashValue { fatalError("fault hook: TOKENIZE_ACTION_FAULT_CRASH_VALUE met") }
        #endif
    }
}
