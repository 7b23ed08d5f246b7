/// Where and how to connect, as libpq keyword/value pairs for `PQconnectdbParams`.
///
/// Never assembled into a conninfo string, so no value needs quoting or escaping.
public struct ConnectionConfiguration: Sendable, CustomStringConvertible {
    /// Keyword/value pairs in order; later pairs override earlier ones.
    public var parameters: [(keyword: String, value: String)]

    /// Connects with the standard libpq variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD), exactly as psql does.
    public static func environment(applicationName: String = "juice") -> ConnectionConfiguration {
        ConnectionConfiguration(parameters: defaults(applicationName))
    }

    /// Connects to a `postgresql://` URL (or a conninfo string), which libpq expands itself.
    /// Variables the URL leaves out come from the PG* environment, as with psql.
    public static func url(_ url: String, applicationName: String = "juice") -> ConnectionConfiguration {
        ConnectionConfiguration(parameters: defaults(applicationName) + [("dbname", url)])
    }

    /// Connects through a Unix socket directory.
    public static func socket(directory: String, port: Int, database: String, user: String, applicationName: String = "juice") -> ConnectionConfiguration {
        ConnectionConfiguration(parameters: defaults(applicationName) + [
            ("host", directory), ("port", String(port)), ("dbname", database), ("user", user),
        ])
    }

    /// Returns a copy that names itself `name` to the server (`pg_stat_activity.application_name`).
    public func applicationName(_ name: String) -> ConnectionConfiguration {
        ConnectionConfiguration(parameters: parameters + [("application_name", name)])
    }

    /// Returns a copy that connects to `database` instead.
    public func database(_ database: String) -> ConnectionConfiguration {
        ConnectionConfiguration(parameters: parameters + [("dbname", database)])
    }

    private static func defaults(_ applicationName: String) -> [(keyword: String, value: String)] {
        [("application_name", applicationName), ("connect_timeout", "5")]
    }

    /// Keywords only: values may hold a password.
    public var description: String {
        "libpq(" + parameters.map(\.keyword).joined(separator: ", ") + ")"
    }
}
