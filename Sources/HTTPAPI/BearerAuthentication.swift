import AccessControl
import Hummingbird
import Metrics

/// Guards the API's run routes: `Authorization: Bearer <token>` must name a caller of `API_TOKENS_FILE`; the
/// caller's name goes into the request context (and from there into `requested_by`). Answers 401 (no or a
/// wrong token) or 403 (no tokens configured) with one line saying what to do, before any handler (and so
/// any SQL) runs.
public struct BearerAuthentication: RouterMiddleware {
    public typealias Context = APIRequestContext

    let authentication: APIAuthentication

    public init(_ authentication: APIAuthentication) {
        self.authentication = authentication
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        switch authentication {
        case .disabled:
            context.caller = .anonymousAPI
        case .unconfigured:
            refused("unconfigured")
            return try HTTPAPI.errorResponse(
                .forbidden,
                "the run API is disabled: set API_TOKENS_FILE to a file of NAME=TOKEN lines and send Authorization: Bearer <TOKEN> "
                    + "(HTTP_AUTH=off disables authentication, for local experiments only)",
                context)
        case .tokens(let tokens):
            guard let header = request.headers[.authorization] else {
                refused("missing")
                return try unauthorized("missing Authorization: Bearer <token> header (tokens are issued in API_TOKENS_FILE)", context)
            }
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                refused("malformed")
                return try unauthorized("the Authorization header must be Bearer <token>", context)
            }
            guard let name = tokens.caller(presenting: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
                refused("invalid")
                return try unauthorized("the bearer token is not valid", context, invalid: true)
            }
            context.caller = .apiCaller(name)
        }
        return try await next(request, context)
    }

    private func unauthorized(_ message: String, _ context: Context, invalid: Bool = false) throws -> Response {
        var response = try HTTPAPI.errorResponse(.unauthorized, message, context)
        response.headers[.wwwAuthenticate] =
            invalid ? "Bearer realm=\"tokenize-action\", error=\"invalid_token\"" : "Bearer realm=\"tokenize-action\""
        return response
    }

    private func refused(_ reason: String) {
        Counter(label: "tokenize_api_refused_total", dimensions: [("reason", reason)]).increment()
    }
}
