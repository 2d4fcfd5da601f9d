//! The wire contract of an operation, decided once for every emitter: its path
//! template parsed into literal text and parameters (with their style), and
//! the prefix each parameter's style writes before its value.
//!
//! The client builds URLs from it, the server's router routes on it and the
//! mock spells the paths it remembers with it, so the three cannot disagree
//! on how a path is spelled. The spelling of values themselves is the
//! runtime's (`clawgen_runtime::params`), shared the same way.

use super::{Operation, Param, PathStyle};

/// One piece of a path template.
#[derive(Debug, Clone, Copy)]
pub enum PathPiece<'a> {
    /// Text as written (`/pets/`).
    Literal(&'a str),
    /// A parameter (`{id}`), by its declaration.
    Param(&'a Param),
}

impl PathStyle {
    /// What the style writes before the value of the parameter `wire_name`:
    /// nothing, `.`, or `;name=`.
    pub fn prefix(self, wire_name: &str) -> String {
        match self {
            PathStyle::Simple => String::new(),
            PathStyle::Label => ".".to_owned(),
            PathStyle::Matrix => format!(";{wire_name}="),
        }
    }
}

impl Operation {
    /// The operation's path template, in order. A `{name}` that names no
    /// declared parameter is dropped (validation reports it); an unclosed `{`
    /// is literal text.
    pub fn path_template(&self) -> Vec<PathPiece<'_>> {
        path_template(&self.path, &self.path_params)
    }

    /// The path template cut at each `/`: one list of pieces per segment
    /// (the first, before the leading `/`, is empty). A segment may hold
    /// several parameters (`{name}.{ext}`), which a router that matches a
    /// segment per parameter must take as one value and split.
    pub fn path_segments(&self) -> Vec<Vec<PathPiece<'_>>> {
        path_segments(&self.path, &self.path_params)
    }

    /// The path as a router matches it: each segment's [`segment_shape`].
    pub fn route_shape(&self) -> String {
        self.path_segments().iter().map(|pieces| segment_shape(pieces)).collect::<Vec<_>>().join("/")
    }
}

/// A segment as a router matches it: a segment that holds a parameter
/// matches any text, whatever the parameter's name or the literal text beside
/// it, written `{}`; a catch-all parameter, `{*}`; literal text as it is.
pub fn segment_shape(pieces: &[PathPiece<'_>]) -> String {
    if pieces.iter().any(|piece| matches!(piece, PathPiece::Param(p) if p.wildcard)) {
        return "{*}".to_owned();
    }
    if pieces.iter().any(|piece| matches!(piece, PathPiece::Param(_))) {
        return "{}".to_owned();
    }
    pieces.iter().map(|piece| if let PathPiece::Literal(text) = piece { *text } else { "" }).collect()
}

/// [`Operation::path_segments`] of `path`.
fn path_segments<'a>(path: &'a str, params: &'a [Param]) -> Vec<Vec<PathPiece<'a>>> {
    let mut segments = vec![Vec::new()];
    for piece in path_template(path, params) {
        match piece {
            PathPiece::Literal(text) => {
                let mut parts = text.split('/');
                if let (Some(first), Some(current)) = (parts.next(), segments.last_mut()) {
                    current.extend((!first.is_empty()).then_some(PathPiece::Literal(first)));
                }
                for part in parts {
                    segments.push((!part.is_empty()).then_some(PathPiece::Literal(part)).into_iter().collect());
                }
            }
            PathPiece::Param(_) => segments.last_mut().into_iter().for_each(|current| current.push(piece)),
        }
    }
    segments
}

/// `path` in pieces, its `{name}`s resolved among `params`.
fn path_template<'a>(path: &'a str, params: &'a [Param]) -> Vec<PathPiece<'a>> {
    let mut pieces = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        if open > 0 {
            pieces.push(PathPiece::Literal(&rest[..open]));
        }
        let wire = &rest[open + 1..close];
        if let Some(param) = params.iter().find(|p| p.wire_name == wire) {
            pieces.push(PathPiece::Param(param));
        }
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(PathPiece::Literal(rest));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Constraints, TypeRef};

    fn param(wire: &str, path_style: PathStyle) -> Param {
        Param {
            name: wire.to_owned(),
            wire_name: wire.to_owned(),
            doc: None,
            ty: TypeRef::String,
            required: true,
            constraints: Constraints::default(),
            wildcard: false,
            path_style,
            example: None,
        }
    }

    #[test]
    fn templates_split_into_literals_and_parameters() {
        let params = [param("name", PathStyle::Simple), param("ext", PathStyle::Simple), param("version", PathStyle::Label)];
        let pieces = path_template("/files/{name}.{ext}/v{version}{unknown}", &params);
        let described: Vec<String> = pieces
            .iter()
            .map(|p| match p {
                PathPiece::Literal(text) => format!("lit {text}"),
                PathPiece::Param(param) => format!("param {}", param.wire_name),
            })
            .collect();
        assert_eq!(described, ["lit /files/", "param name", "lit .", "param ext", "lit /v", "param version"]);
        let segments: Vec<String> = path_segments("/files/{name}.{ext}/v{version}/", &params)
            .iter()
            .map(|segment| {
                let pieces = segment.iter().map(|p| match p {
                    PathPiece::Literal(text) => (*text).to_owned(),
                    PathPiece::Param(param) => format!("{{{}}}", param.wire_name),
                });
                pieces.collect::<Vec<_>>().join("+")
            })
            .collect();
        assert_eq!(segments, ["", "files", "{name}+.+{ext}", "v+{version}", ""]);
        let mut rest = param("rest", PathStyle::Simple);
        rest.wildcard = true;
        let params = [param("name", PathStyle::Simple), param("ext", PathStyle::Simple), rest];
        let shapes: Vec<String> =
            path_segments("/files/{name}.{ext}/{name}/raw/{rest}", &params).iter().map(|pieces| segment_shape(pieces)).collect();
        assert_eq!(shapes, ["", "files", "{}", "{}", "raw", "{*}"]);
        assert_eq!(PathStyle::Matrix.prefix("id"), ";id=");
        assert_eq!(PathStyle::Label.prefix("id"), ".");
    }
}
