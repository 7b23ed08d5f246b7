/// The OpenAPI document this module is generated from, embedded at build time. `juiced` serves it
/// at `GET /openapi.yaml`.
public enum OpenAPIDocument {
    /// The document, byte for byte as in `Sources/JuiceAPI/openapi.yaml`.
    public static var yaml: [UInt8] { PackageResources.openapi_yaml }
}
