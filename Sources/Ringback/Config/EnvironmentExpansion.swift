import Yams

/// Replaces `${NAME}` in every scalar with the environment's value, so secrets stay out of the file.
struct EnvironmentExpansion {
    let environment: [String: String]

    func expand(_ node: Node, path: String, unset: inout [(key: String, variable: String)]) -> Node {
        switch node {
        case .scalar(var scalar):
            guard scalar.string.contains("${") else { return node }
            scalar.string = substitute(scalar.string, path: path, unset: &unset)
            return .scalar(scalar)
        case .mapping(var mapping):
            for (key, value) in mapping {
                let name = key.string ?? "?"
                mapping[key] = expand(value, path: path.isEmpty ? name : "\(path).\(name)", unset: &unset)
            }
            return .mapping(mapping)
        case .sequence(var sequence):
            for (index, value) in sequence.enumerated() {
                sequence[index] = expand(value, path: "\(path)[\(index)]", unset: &unset)
            }
            return .sequence(sequence)
        case .alias:
            return node
        }
    }

    private func substitute(_ text: String, path: String, unset: inout [(key: String, variable: String)]) -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                result += rest[start.lowerBound...]
                return result
            }
            let name = String(rest[start.upperBound..<end])
            if let value = environment[name] {
                result += value
            } else {
                unset.append((path, name))
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    /// The settings whose key names a secret and whose value is written out rather than taken from `${VARIABLE}`.
    static func literalSecrets(in node: Node, path: String) -> [String] {
        switch node {
        case .mapping(let mapping):
            mapping.flatMap { key, value -> [String] in
                let name = key.string ?? "?"
                let child = path.isEmpty ? name : "\(path).\(name)"
                if ["password", "api_key", "secret", "oauth2_token", "auth_token"].contains(name), let text = value.string, !text.isEmpty, !text.contains("${")
                {
                    return [child]
                }
                // `ledger: postgres://user:password@host/db`: the password written into the URL.
                if name == "ledger", let text = value.string, !text.contains("${"),
                    text.range(of: "^[A-Za-z][A-Za-z0-9+.-]*://[^/@]*:[^/@]+@", options: .regularExpression) != nil
                {
                    return [child]
                }
                // `web.push.tokens`: every value is a PBX's secret.
                if name == "tokens", case .mapping(let tokens) = value {
                    return tokens.compactMap { pbx, token in
                        guard let text = token.string, !text.isEmpty, !text.contains("${") else { return nil }
                        return "\(child).\(pbx.string ?? "?")"
                    }
                }
                return literalSecrets(in: value, path: child)
            }
        case .sequence(let sequence):
            sequence.enumerated().flatMap { literalSecrets(in: $1, path: "\(path)[\($0)]") }
        case .scalar, .alias:
            []
        }
    }
}
