/// The bearer token of the request being handled, set by ``APIRequestMiddleware``.
enum BearerToken {
    @TaskLocal static var current: Substring?

    /// Extracts the token from an `Authorization: Bearer ...` header value.
    static func parse(_ header: String?) -> Substring? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return header.dropFirst(7).drop(while: { $0 == " " })
    }
}
