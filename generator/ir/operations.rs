//! Lowers paths, operations and security requirements.

use std::borrow::Cow;

use openapiv3::{
    Header, MediaType, Parameter, ParameterSchemaOrContent, PathItem, ReferenceOr, RequestBody, Responses, SecurityRequirement,
    SecurityScheme as OaScheme, StatusCode,
};

use super::names::{self, Namespace};
use super::schemas::{TypeSpace, doc_of};
use super::{
    Body, BodyMedia, Encoding, Entries, Field, Method, Operation, Param, Part, PartKind, PathStyle, QueryStyle, QueryStyleKind,
    RateLimitHeaders, Response, ResponseHeader, RetryHint, RetryUnit, SchemeKind, SchemeUse, SecurityScheme, Status, Struct, TypeDef,
    TypeKind, TypeRef, sample,
};
use crate::diagnostic::Code;
use crate::error::Result;
use crate::load::escape_segment;
use crate::normalize::kept;

/// Names a parameter cannot take: the arguments every operation has (`credentials`,
/// `body`, `query`), and the locals that generated methods, handlers, mocks and
/// examples bind beside the parameters (a path parameter `segments` would shadow the
/// handler's map of path segments). A parameter so named gets `segments2`.
const PARAMETER_RESERVED: &[&str] = &[
    // The arguments every operation has.
    "credentials",
    "body",
    "query",
    // The server handler's locals.
    "cx",
    "segments",
    "api",
    "served",
    "identity",
    "answer",
    "response",
    "bytes",
    "satisfied",
    "builder",
    // Runtime functions handlers and methods call by their bare names, which a
    // parameter's local of that name would shadow.
    "path_segments",
    "query_value",
    "check_accept",
    "read_body",
    "json_body",
    // The client method's locals.
    "request",
    "url",
    "call",
    "observe",
    "pairs",
    "base_url",
    // The mock's and the exercise's locals.
    "client",
    "calls",
    "outcome",
    "token",
    "message",
    "presented",
];

/// Lowers the security schemes of the components.
pub(super) fn security_schemes(space: &TypeSpace<'_>) -> Result<Vec<SecurityScheme>> {
    let Some(components) = &space.doc.openapi.components else { return Ok(Vec::new()) };
    let mut fields = Namespace::default();
    let mut out = Vec::new();
    for (key, scheme) in &components.security_schemes {
        let pointer = format!("/components/securitySchemes/{}", escape_segment(key));
        let resolved;
        let scheme = match scheme {
            ReferenceOr::Item(scheme) => scheme,
            ReferenceOr::Reference { reference } => {
                resolved = space.resolve_as::<OaScheme>(reference, &pointer, "security scheme")?.0;
                &resolved
            }
        };
        let (kind, doc) = match scheme {
            OaScheme::APIKey { location, name, description, .. } => (
                match location {
                    openapiv3::APIKeyLocation::Header => SchemeKind::ApiKeyHeader { name: name.clone() },
                    openapiv3::APIKeyLocation::Query => SchemeKind::ApiKeyQuery { name: name.clone() },
                    openapiv3::APIKeyLocation::Cookie => SchemeKind::ApiKeyCookie { name: name.clone() },
                },
                description,
            ),
            OaScheme::HTTP { description, .. } if crate::normalize::kept::is_mutual_tls(scheme) => (SchemeKind::MutualTls, description),
            OaScheme::HTTP { scheme: http, description, .. } => match http.to_ascii_lowercase().as_str() {
                "bearer" => (SchemeKind::Bearer, description),
                "basic" => (SchemeKind::Basic, description),
                _ => (SchemeKind::Http { scheme: http.clone() }, description),
            },
            OaScheme::OAuth2 { description, .. } | OaScheme::OpenIDConnect { description, .. } => (SchemeKind::Bearer, description),
        };
        out.push(SecurityScheme { key: key.clone(), field: fields.claim(names::field_name(key)), doc: doc.clone(), kind });
    }
    Ok(out)
}

/// The rate-limit headers declared anywhere in the document, recognised by name.
pub(super) fn rate_limit_headers(json: &serde_json::Value) -> Option<RateLimitHeaders> {
    fn walk(value: &serde_json::Value, found: &mut RateLimitHeaders) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    if key == "headers" {
                        for name in child.as_object().into_iter().flat_map(|h| h.keys()) {
                            let lower = name.to_ascii_lowercase().replace("x-", "").replace("rate-limit", "ratelimit");
                            let slot = match lower.as_str() {
                                "ratelimit-limit" => &mut found.limit,
                                "ratelimit-remaining" => &mut found.remaining,
                                "ratelimit-reset" => &mut found.reset,
                                _ => continue,
                            };
                            slot.get_or_insert_with(|| name.clone());
                        }
                    }
                    walk(child, found);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| walk(item, found)),
            _ => {}
        }
    }
    let mut found = RateLimitHeaders::default();
    walk(json, &mut found);
    (found != RateLimitHeaders::default()).then_some(found)
}

/// Everything operations are lowered with.
pub(super) struct OperationLowering<'s, 'd> {
    pub(super) space: &'s mut TypeSpace<'d>,
    pub(super) schemes: &'s [SecurityScheme],
    rate_limit: Option<RateLimitHeaders>,
    fn_names: Namespace,
    stems: Namespace,
    error_names: Namespace,
    /// Callbacks met while lowering operations, handed out with the webhooks.
    callbacks: Vec<Operation>,
}

impl<'s, 'd> OperationLowering<'s, 'd> {
    pub(super) fn new(space: &'s mut TypeSpace<'d>, schemes: &'s [SecurityScheme], rate_limit: Option<RateLimitHeaders>) -> Self {
        OperationLowering {
            space,
            schemes,
            rate_limit,
            fn_names: Namespace::with_reserved(&[
                // The client's own methods.
                "new",
                "with_base_url",
                "base_url",
                "credentials",
                "http_client",
                "with_http_client",
                "with_transport",
                "with_timeout",
                "with_connect_timeout",
                "with_retry_policy",
                "with_hooks",
                "with_credentials",
                "set_credentials",
                "rate_limit",
                "execute",
                "open",
                // The server trait's own hook (`rate_limit` is above).
                "authorize",
            ]),
            stems: Namespace::default(),
            error_names: Namespace::with_reserved(&["ClientError", "AuthError", "Credentials", "DomainError"]),
            callbacks: Vec::new(),
        }
    }

    pub(super) fn all(&mut self) -> Result<Vec<Operation>> {
        let doc = self.space.doc;
        let mut out = Vec::new();
        for (path, item) in doc.openapi.paths.paths.iter() {
            let mut pointer = format!("/paths/{}", escape_segment(path));
            let item = match item {
                ReferenceOr::Item(item) => item.clone(),
                // A shared path item (`components.pathItems`): errors point into it.
                ReferenceOr::Reference { reference } => {
                    let (item, target) = self.space.resolve_as(reference, &pointer, "path item")?;
                    pointer = target;
                    item
                }
            };
            for method in Method::ALL {
                let at = format!("{pointer}/{}", method.key());
                if let Some(op) = operation_of(&item, method).map_err(|err| self.space.invalid(&at, err))? {
                    out.push(self.operation(path, &item, &op, method, &at)?);
                    let parent = out.last().map(|o: &Operation| o.id.clone()).unwrap_or_default();
                    self.lower_callbacks(&op, &parent, &at)?;
                }
            }
        }
        Ok(out)
    }

    /// An operation's `callbacks`: requests the API sends to a URL the caller
    /// gave. They are lowered like webhooks, named after the callback, so that
    /// the receiver trait and the `Event` enum cover them.
    fn lower_callbacks(&mut self, op: &openapiv3::Operation, parent: &str, pointer: &str) -> Result<()> {
        for (name, callback) in &op.callbacks {
            for (expression, item) in callback {
                let at = format!("{pointer}/callbacks/{}/{}", escape_segment(name), escape_segment(expression));
                for method in Method::ALL {
                    let op_at = format!("{at}/{}", method.key());
                    if let Some(cb) = operation_of(item, method).map_err(|err| self.space.invalid(&op_at, err))? {
                        let mut lowered = self.operation(name, item, &cb, method, &op_at)?;
                        // A delivery is checked against its signature, over the bytes as sent.
                        lowered.raw_body = true;
                        let note = format!("A callback of `{parent}`: the API sends it to `{expression}`.");
                        lowered.description = Some(match lowered.description.take() {
                            Some(text) => format!("{text}\n\n{note}"),
                            None => note,
                        });
                        self.callbacks.push(lowered);
                    }
                }
            }
        }
        Ok(())
    }

    /// The webhooks, kept by normalisation beside openapiv3's model; each
    /// is lowered like an operation whose "path" is the webhook's name.
    pub(super) fn webhooks(&mut self) -> Result<Vec<Operation>> {
        let mut out = std::mem::take(&mut self.callbacks);
        let Some(webhooks) = kept::webhooks(&self.space.doc.openapi) else {
            return Ok(out);
        };
        for (name, item) in webhooks {
            let pointer = format!("/webhooks/{}", escape_segment(name));
            let item: PathItem = serde_json::from_value(item.clone()).map_err(|err| self.space.invalid(&pointer, err.to_string()))?;
            for method in Method::ALL {
                let at = format!("{pointer}/{}", method.key());
                if let Some(op) = operation_of(&item, method).map_err(|err| self.space.invalid(&at, err))? {
                    let mut lowered = self.operation(name, &item, &op, method, &at)?;
                    lowered.raw_body = true;
                    out.push(lowered);
                }
            }
        }
        Ok(out)
    }

    fn operation(&mut self, path: &str, item: &PathItem, op: &openapiv3::Operation, method: Method, pointer: &str) -> Result<Operation> {
        let id = op.operation_id.clone().unwrap_or_else(|| format!("{} {path}", method.as_str().to_ascii_lowercase()));
        let wanted = names::field_name(&id);
        let fn_name = self.fn_names.claim(wanted.clone());
        if fn_name != wanted {
            self.space.warn(Code::RenamedOperation, pointer, format!("operationId `{id}` is taken by another operation or by a method the client or server has (or collides after case conversion); its methods are named `{fn_name}`"));
        }
        // The stem names the operation's types and its `auth::Operation` variant: unique too.
        let type_stem = self.stems.claim(names::type_name(&id));

        // Operation-level parameters override path-level ones with the same name and location.
        let mut params: Vec<(Parameter, String)> = Vec::new();
        for (list, base) in [(&item.parameters, pointer.rsplit_once('/').map_or("", |(p, _)| p)), (&op.parameters, pointer)] {
            for (index, param) in list.iter().enumerate() {
                let at = format!("{base}/parameters/{index}");
                let param = self.resolve_parameter(param, &at)?;
                let data = param.parameter_data_ref();
                params.retain(|(p, _)| {
                    let d = p.parameter_data_ref();
                    !(d.name == data.name && std::mem::discriminant(p) == std::mem::discriminant(&param))
                });
                params.push((param, at));
            }
        }

        let mut path_params = Vec::new();
        let mut header_params = Vec::new();
        let mut cookie_params = Vec::new();
        let mut query_fields = Vec::new();
        let mut query_styles = Vec::new();
        let mut query_example = serde_json::Map::new();
        let mut param_names = Namespace::with_reserved(PARAMETER_RESERVED);
        let mut query_names = Namespace::default();
        for (param, at) in &params {
            let data = param.parameter_data_ref();
            let text_schema = ReferenceOr::Item(openapiv3::Schema {
                schema_data: Default::default(),
                schema_kind: openapiv3::SchemaKind::Type(openapiv3::Type::String(Default::default())),
            });
            let schema = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => schema,
                // The media type's encoding of the value is left to the caller.
                ParameterSchemaOrContent::Content(_) => {
                    self.space.warn(Code::PassedAsText, at, "a parameter described by `content` is passed as text, encoded by the caller");
                    &text_schema
                }
            };
            let hint = format!("{type_stem}{}", names::type_name(&data.name));
            let (ty, _nullable) = match self.space.lower(schema, &format!("{at}/schema"), &hint)? {
                TypeRef::Nullable(inner) => (*inner, true),
                ty => (ty, false),
            };
            let inline = match schema {
                ReferenceOr::Item(schema) => Some(schema),
                ReferenceOr::Reference { .. } => None,
            };
            let constraints = self.space.constraints(schema, &format!("{at}/schema"));
            let doc = data.description.clone().or_else(|| inline.and_then(doc_of));
            let example = parameter_example(data, inline);
            match param {
                Parameter::Path { .. } => {
                    let ty = self.as_text(ty, at, "path parameter");
                    let wildcard = data.extensions.get("x-clawgen-wildcard").and_then(serde_json::Value::as_bool).unwrap_or(false);
                    if wildcard && (ty != TypeRef::String || !path.ends_with(&format!("{{{}}}", data.name))) {
                        return Err(self.space.invalid_as(
                            Code::BadOption,
                            at,
                            "x-clawgen-wildcard needs a string parameter that ends the path",
                        ));
                    }
                    let path_style = match param {
                        Parameter::Path { style: openapiv3::PathStyle::Label, .. } => PathStyle::Label,
                        Parameter::Path { style: openapiv3::PathStyle::Matrix, .. } => PathStyle::Matrix,
                        _ => PathStyle::Simple,
                    };
                    path_params.push(Param {
                        name: param_names.claim(names::field_name(&data.name)),
                        wire_name: data.name.clone(),
                        doc,
                        ty,
                        required: true,
                        constraints,
                        wildcard,
                        path_style,
                        example,
                    });
                }
                Parameter::Query { style, .. } => {
                    let style = QueryStyleKind::of(style);
                    let explode = data.explode.unwrap_or(style == QueryStyleKind::Form);
                    query_styles.push(QueryStyle { wire_name: data.name.clone(), style, explode });
                    if let Some(example) = &example {
                        query_example.insert(data.name.clone(), example.clone());
                    }
                    query_fields.push(Field {
                        name: query_names.claim(names::field_name(&data.name)),
                        wire_name: data.name.clone(),
                        doc,
                        ty,
                        required: data.required,
                        schema_required: data.required,
                        example,
                        nullable: false,
                        default: inline.and_then(|s| s.schema_data.default.clone()),
                        constraints,
                        access: crate::ir::Access::Both,
                        boxed: false,
                        xml: None,
                    });
                }
                Parameter::Header { .. } | Parameter::Cookie { .. } => {
                    let cookie = matches!(param, Parameter::Cookie { .. });
                    let ty = self.as_text(ty, at, if cookie { "cookie parameter" } else { "header parameter" });
                    let list = if cookie { &mut cookie_params } else { &mut header_params };
                    list.push(Param {
                        name: param_names.claim(names::field_name(&data.name)),
                        wire_name: data.name.clone(),
                        doc,
                        ty,
                        required: data.required,
                        constraints,
                        wildcard: false,
                        path_style: PathStyle::Simple,
                        example,
                    });
                }
            }
        }
        // Path parameters follow the template's order, which is the order of the method's arguments.
        let order: Vec<&str> = path.split('{').skip(1).filter_map(|s| s.split('}').next()).collect();
        for name in &order {
            if !path_params.iter().any(|p| p.wire_name == *name) {
                // The template names it, so it is there: read as a required text parameter.
                let location = self.space.source.location(pointer);
                let message = format!("path parameter `{name}` of {path} is not declared; it is read as a required string");
                self.space.warnings.push(crate::Warning::new(Code::Lenient, location, message).refused_as(Code::PathParameter));
                path_params.push(Param {
                    name: param_names.claim(names::field_name(name)),
                    wire_name: (*name).to_owned(),
                    doc: None,
                    ty: TypeRef::String,
                    required: true,
                    constraints: Default::default(),
                    wildcard: false,
                    path_style: PathStyle::Simple,
                    example: None,
                });
            }
        }
        path_params.sort_by_key(|p| order.iter().position(|n| *n == p.wire_name));

        let query = if query_fields.is_empty() {
            None
        } else {
            let id = self.space.declare(&format!("{type_stem}Query"), pointer);
            let def = &mut self.space.types[id.0];
            def.doc = Some(format!("Query parameters of `{id}`.", id = op.operation_id.as_deref().unwrap_or(&fn_name)));
            def.kind = TypeKind::Struct(Struct { fields: query_fields, ..Struct::default() });
            def.example = (!query_example.is_empty()).then_some(serde_json::Value::Object(query_example));
            Some(id)
        };

        let body = match &op.request_body {
            Some(body) => self.body(body, &format!("{pointer}/requestBody"), &type_stem)?,
            None => None,
        };

        let (mut successes, mut errors) = self.responses(&op.responses, &format!("{pointer}/responses"), &type_stem)?;
        let security = self.security(op.security.as_ref().or(self.space.doc.openapi.security.as_ref()), pointer)?;
        let error_enum = self.error_names.claim(format!("{type_stem}Error"));
        let success_enum = (successes.len() > 1 || successes.iter().any(|s| !s.headers.is_empty()))
            .then(|| self.error_names.claim(format!("{type_stem}Response")));
        // A stream is not a value the enums can hold (they are `Clone` and `PartialEq`):
        // there, the events are read as one text.
        let in_enums = errors.iter_mut().chain(successes.iter_mut().filter(|_| success_enum.is_some()));
        for response in in_enums.filter(|r| r.encoding == Encoding::EventStream) {
            response.body = Some(TypeRef::String);
            response.encoding = Encoding::Text;
            response.example = None;
        }

        Ok(Operation {
            id,
            fn_name,
            type_stem,
            method,
            path: path.to_owned(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            path_params,
            query,
            query_styles,
            header_params,
            cookie_params,
            body,
            successes,
            errors,
            error_enum,
            success_enum,
            security,
            pointer: pointer.to_owned(),
            serves_spec: op.extensions.get("x-clawgen-serve-spec").and_then(serde_json::Value::as_bool).unwrap_or(false),
            raw_body: op.extensions.get("x-clawgen-raw-body").and_then(serde_json::Value::as_bool).unwrap_or(false),
            route_taken_by: None,
            tags: op.tags.clone(),
            gate: super::Gate::Always,
        })
    }

    /// Path parameters and headers travel as one piece of text. Types that do
    /// not (arrays, objects) are passed as the text itself, with a warning,
    /// rather than with a serialisation style clawgen does not implement yet.
    fn as_text(&mut self, ty: TypeRef, pointer: &str, what: &str) -> TypeRef {
        if is_scalar(self.space, &ty) {
            return ty;
        }
        self.space.warn(Code::PassedAsText, pointer, format!("this {what} is not a scalar; it is passed as text, exactly as given"));
        TypeRef::String
    }

    /// A response header is read with `FromStr` and written with `Display`, which
    /// only numbers, booleans, text, dates and UUIDs have: any other type (an enum,
    /// a union of scalars such as `Retry-After: oneOf [date-time, integer]`) is passed
    /// as text, with a warning.
    fn response_header_type(&mut self, ty: TypeRef, pointer: &str) -> TypeRef {
        if has_text_form(&self.space.types, &ty) {
            return ty;
        }
        if is_scalar(self.space, &ty) {
            self.space.warn(
                Code::PassedAsText,
                pointer,
                "this response header is an enum or a union, which has no text form; it is passed as text, exactly as given",
            );
            return TypeRef::String;
        }
        self.as_text(ty, pointer, "response header")
    }

    fn resolve_parameter(&self, param: &ReferenceOr<Parameter>, pointer: &str) -> Result<Parameter> {
        match param {
            ReferenceOr::Item(param) => Ok(param.clone()),
            ReferenceOr::Reference { reference } => self.space.resolve_as(reference, pointer, "parameter").map(|(param, _)| param),
        }
    }

    /// A request body: each media type joins the first form whose type it can be read
    /// into (same schema, an encoding the form does not have yet), or starts a form of its
    /// own. With several forms the operation takes an enum of them ([`BodyChoice`]).
    /// An optional body without a media type is no body (`None`).
    fn body(&mut self, body: &ReferenceOr<RequestBody>, pointer: &str, stem: &str) -> Result<Option<Body>> {
        let (body, pointer) = match body {
            ReferenceOr::Item(body) => (body.clone(), pointer.to_owned()),
            ReferenceOr::Reference { reference } => self.space.resolve_as(reference, pointer, "request body")?,
        };
        if body.content.is_empty() && !body.required {
            let message = "an optional request body with no media type (`content` needs one) is read as no body";
            self.space.warn(Code::Lenient, &pointer, message);
            return Ok(None);
        }
        let Some((preferred, _, _)) = pick_media(&body.content) else {
            return Err(self.space.invalid(&pointer, "a request body with no media type"));
        };
        let order = std::iter::once(preferred).chain(body.content.keys().filter(|m| *m != preferred));
        let mut forms: Vec<Form> = Vec::new();
        let mut variants = Namespace::default();
        for media_type in order {
            let media = &body.content[media_type];
            if self.join(&mut forms, media_type, media) {
                continue;
            }
            let variant = variants.claim(form_variant(media_type));
            let hint = if forms.is_empty() { format!("{stem}Request") } else { format!("{stem}{variant}Request") };
            let mut form = self.form(&body, &pointer, media_type, media, &hint)?;
            form.variant = variant;
            forms.push(form);
        }
        let choice = (forms.len() > 1).then(|| super::BodyChoice {
            name: self.space.names.claim(names::type_name(&format!("{stem}Body"))),
            variants: forms.iter().map(|form| form.variant.clone()).collect(),
        });
        let mut forms = forms.into_iter().map(Form::finish);
        let Some(mut first) = forms.next() else {
            return Err(self.space.invalid(&pointer, "a request body with no media type"));
        };
        first.others = forms.collect();
        first.choice = choice;
        Ok(Some(first))
    }

    /// Adds `media_type` to the first form that can read it as one of its
    /// alternatives; `false` where none can.
    fn join(&self, forms: &mut [Form], media_type: &str, media: &MediaType) -> bool {
        let encoding = request_encoding(media_type);
        for form in forms.iter_mut() {
            if media.schema != form.schema || form.body.accepts(encoding) {
                continue;
            }
            let readable = match encoding {
                Encoding::Json | Encoding::Form | Encoding::Xml => {
                    matches!(form.body.encoding, Encoding::Json | Encoding::Form | Encoding::Multipart)
                }
                Encoding::Multipart => match self.multipart_layout(&form.body.ty, media) {
                    Some(found) => {
                        form.layout.get_or_insert(found);
                        true
                    }
                    None => false,
                },
                Encoding::Text => form.body.encoding == Encoding::Text,
                Encoding::EventStream | Encoding::Raw => false,
            };
            if readable {
                if encoding == Encoding::Form {
                    form.body.form_styles = form_styles(media);
                }
                form.body.alternatives.push(BodyMedia { media_type: media_type.to_owned(), encoding });
                return true;
            }
        }
        false
    }

    /// The form of a body that `media_type` starts: its type named after `hint`.
    fn form(&mut self, body: &RequestBody, pointer: &str, media_type: &str, media: &MediaType, hint: &str) -> Result<Form> {
        let at = format!("{pointer}/content/{}/schema", escape_segment(media_type));
        // How the body travels as multipart, once one of its media types is.
        let mut layout: Option<MultipartLayout> = None;
        let (ty, encoding) = match (encoding_of(media_type), &media.schema) {
            (encoding @ (Encoding::Json | Encoding::Form), Some(schema)) => (self.space.lower(schema, &at, hint)?, encoding),
            (encoding @ (Encoding::Json | Encoding::Form), None) => (TypeRef::Json, encoding),
            (Encoding::Text, _) => (TypeRef::String, Encoding::Text),
            (Encoding::Multipart, Some(schema)) => match self.multipart(schema, media, &at, hint)? {
                Some((ty, found)) => {
                    layout = Some(found);
                    (ty, Encoding::Multipart)
                }
                None => (TypeRef::Raw, Encoding::Raw),
            },
            (Encoding::Multipart | Encoding::Xml | Encoding::EventStream | Encoding::Raw, _) => (TypeRef::Raw, Encoding::Raw),
        };
        // Every media type of a form shares its schema, so one set of checks serves them all.
        let constraints = match (&media.schema, encoding) {
            (Some(schema), Encoding::Json | Encoding::Form | Encoding::Multipart | Encoding::Text) => self.space.constraints(schema, &at),
            _ => Default::default(),
        };
        let xml_root = match &media.schema {
            Some(ReferenceOr::Reference { reference }) => {
                let target = self.space.resolve_schema(reference, &at)?;
                let name = reference.rsplit('/').next().unwrap_or("data").to_owned();
                kept::xml(&target).and_then(|x| x.get("name")).and_then(serde_json::Value::as_str).map_or(name, str::to_owned)
            }
            Some(ReferenceOr::Item(schema)) => {
                kept::xml(schema).and_then(|x| x.get("name")).and_then(serde_json::Value::as_str).unwrap_or("data").to_owned()
            }
            None => "data".to_owned(),
        };
        let body = Body {
            ty,
            required: body.required,
            media_type: media_type.to_owned(),
            encoding,
            doc: body.description.clone(),
            example: example_of(media),
            parts: Vec::new(),
            entries: None,
            alternatives: Vec::new(),
            xml_root,
            constraints,
            others: Vec::new(),
            choice: None,
            form_styles: if encoding == Encoding::Form { form_styles(media) } else { Vec::new() },
        };
        Ok(Form { body, schema: media.schema.clone(), layout, variant: String::new() })
    }

    /// A multipart body whose schema is an object: its struct (named after `name`), with the file
    /// properties typed as files, and how each property travels; or its map,
    /// each part one entry. `None` for other schemas, which stay bytes.
    fn multipart(
        &mut self,
        schema: &ReferenceOr<openapiv3::Schema>,
        media: &MediaType,
        pointer: &str,
        name: &str,
    ) -> Result<Option<(TypeRef, MultipartLayout)>> {
        let ty = self.space.lower(schema, pointer, name)?;
        if map_value(&self.space.types, &ty).is_some() {
            return Ok(self.multipart_layout(&ty, media).map(|layout| (ty, layout)));
        }
        let TypeRef::Named(id) = ty else { return Ok(None) };
        let object = match schema {
            ReferenceOr::Item(schema) => schema.clone(),
            ReferenceOr::Reference { reference } => self.space.resolve_schema(reference, pointer)?,
        };
        let mut properties = Vec::new();
        self.object_properties(&object, pointer, 0, &mut properties)?;
        let mut files = Vec::new();
        for (wire_name, property) in &properties {
            let property = match property {
                ReferenceOr::Item(schema) => (**schema).clone(),
                ReferenceOr::Reference { reference } => self.space.resolve_schema(reference, pointer)?,
            };
            if is_binary(&property) {
                files.push((wire_name.clone(), false));
            } else if let openapiv3::SchemaKind::Type(openapiv3::Type::Array(array)) = &property.schema_kind {
                let item = match &array.items {
                    Some(ReferenceOr::Item(item)) => Some((**item).clone()),
                    Some(ReferenceOr::Reference { reference }) => Some(self.space.resolve_schema(reference, pointer)?),
                    None => None,
                };
                if item.as_ref().is_some_and(is_binary) {
                    files.push((wire_name.clone(), true));
                }
            }
        }
        let TypeKind::Struct(st) = &mut self.space.types[id.0].kind else { return Ok(None) };
        for field in &mut st.fields {
            // A file is bytes: the string's constraints and default do not apply to it.
            if let Some((_, many)) = files.iter().find(|(name, _)| *name == field.wire_name) {
                field.ty = if *many { TypeRef::Array(Box::new(TypeRef::File)) } else { TypeRef::File };
                field.constraints = Default::default();
                field.default = None;
            }
        }
        Ok(self.multipart_layout(&ty, media).map(|layout| (ty, layout)))
    }

    /// The properties of an object schema and of the members of its `allOf`, which
    /// lowering merges into one struct (`$ref`s followed [`ALL_OF_DEPTH`] deep).
    fn object_properties(
        &self,
        schema: &openapiv3::Schema,
        pointer: &str,
        depth: usize,
        out: &mut Vec<(String, ReferenceOr<Box<openapiv3::Schema>>)>,
    ) -> Result<()> {
        let (properties, members) = match &schema.schema_kind {
            openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)) => (Some(&object.properties), None),
            openapiv3::SchemaKind::Any(any) => (Some(&any.properties), Some(&any.all_of)),
            openapiv3::SchemaKind::AllOf { all_of } => (None, Some(all_of)),
            _ => (None, None),
        };
        out.extend(properties.into_iter().flatten().map(|(name, property)| (name.clone(), property.clone())));
        if depth >= ALL_OF_DEPTH {
            return Ok(());
        }
        for member in members.into_iter().flatten() {
            let member = match member {
                ReferenceOr::Item(member) => member.clone(),
                ReferenceOr::Reference { reference } => self.space.resolve_schema(reference, pointer)?,
            };
            self.object_properties(&member, pointer, depth + 1, out)?;
        }
        Ok(())
    }

    /// How a body of type `ty` travels as multipart parts: one per property of a
    /// struct, and the entries of a map body or of the struct's additional
    /// properties. `None` where `ty` is neither a struct nor a map, or its
    /// entries cannot travel as parts.
    fn multipart_layout(&self, ty: &TypeRef, media: &MediaType) -> Option<MultipartLayout> {
        if let Some(value) = map_value(&self.space.types, ty) {
            return Some((Vec::new(), Some(self.entries(value)?)));
        }
        let TypeRef::Named(id) = ty else { return None };
        let TypeKind::Struct(st) = &self.space.types[id.0].kind else { return None };
        // Parts no property names are entries of the additional properties, where the struct has them.
        let entries = match &st.additional {
            Some(value) => Some(self.entries(value)?),
            None => None,
        };
        Some((self.struct_parts(st, media), entries))
    }

    /// How the entries of a map whose values are `value` travel: one part each,
    /// read and written as a struct's property of that type would be. `None` for
    /// files, which no map value is typed as.
    fn entries(&self, value: &TypeRef) -> Option<Entries> {
        let (item, kind) = match part_kind(self.space, value) {
            PartKind::File | PartKind::Files => return None,
            PartKind::Texts => match value {
                TypeRef::Array(item) => ((**item).clone(), PartKind::Texts),
                _ => return None,
            },
            // A nullable scalar reads from text as well; `null` is sent as no part.
            PartKind::Json if matches!(value, TypeRef::Nullable(inner) if is_scalar(self.space, inner)) => (value.clone(), PartKind::Text),
            kind => (value.clone(), kind),
        };
        let content_type = (kind == PartKind::Json).then(|| "application/json".to_owned());
        Some(Entries { item, kind, content_type })
    }

    /// How each property of the struct `st` travels as a multipart part.
    fn struct_parts(&self, st: &Struct, media: &MediaType) -> Vec<Part> {
        let mut parts = Vec::with_capacity(st.fields.len());
        for (index, field) in st.fields.iter().enumerate() {
            let kind = part_kind(self.space, &field.ty);
            // `contentType` may list several types (`image/png, image/jpeg`): only one can be sent.
            let declared = media.encoding.get(&field.wire_name).and_then(|e| e.content_type.clone()).filter(|t| !t.contains(','));
            let content_type = declared.or_else(|| match kind {
                PartKind::File | PartKind::Files => Some("application/octet-stream".to_owned()),
                PartKind::Json => Some("application/json".to_owned()),
                PartKind::Text | PartKind::Texts => None,
            });
            parts.push(Part { field: index, kind, content_type });
        }
        parts
    }

    fn responses(&mut self, responses: &Responses, pointer: &str, stem: &str) -> Result<(Vec<Response>, Vec<Response>)> {
        let mut entries: Vec<(Status, &ReferenceOr<openapiv3::Response>, String)> = Vec::new();
        for (code, response) in &responses.responses {
            let status = match code {
                StatusCode::Code(code) => Status::Code(*code),
                StatusCode::Range(digit) => Status::Range(*digit),
            };
            entries.push((status, response, format!("{pointer}/{}", code)));
        }
        if let Some(default) = &responses.default {
            entries.push((Status::Default, default, format!("{pointer}/default")));
        }
        entries.sort_by_key(|(status, _, _)| *status);

        let mut successes = Vec::new();
        let mut errors = Vec::new();
        let mut variants = Namespace::with_reserved(&["Undocumented"]);
        for (status, response, at) in entries {
            let (response, at) = self.resolve_response(response, &at)?;
            let (body, example, encoding, media_type) = match pick_media(&response.content) {
                Some((media_type, media, Encoding::Json)) => {
                    let schema_at = format!("{at}/content/{}/schema", escape_segment(media_type));
                    let hint = format!("{stem}{}", variant_of(status));
                    let body = match &media.schema {
                        Some(schema) => self.space.lower(schema, &schema_at, &hint)?,
                        None => TypeRef::Json,
                    };
                    (Some(body), example_of(media), Encoding::Json, Some(media_type.clone()))
                }
                // A form is a request encoding; an answer in one is read as text.
                Some((media_type, _, Encoding::Text | Encoding::Form)) => {
                    (Some(TypeRef::String), None, Encoding::Text, Some(media_type.clone()))
                }
                Some((media_type, media, Encoding::EventStream)) => {
                    // 3.2's `itemSchema` describes one event's data; else `schema` does.
                    let item_schema = match kept::item_schema(media) {
                        Some(value) => Some((
                            "itemSchema",
                            serde_json::from_value(value.clone()).map_err(|err| self.space.invalid(&at, format!("not a schema: {err}")))?,
                        )),
                        None => media.schema.clone().map(|schema| ("schema", schema)),
                    };
                    let item = match item_schema {
                        Some((key, schema)) => {
                            let schema_at = format!("{at}/content/{}/{key}", escape_segment(media_type));
                            self.space.lower(&schema, &schema_at, &format!("{stem}{}Event", variant_of(status)))?
                        }
                        None => TypeRef::String,
                    };
                    (Some(TypeRef::EventStream(Box::new(item))), example_of(media), Encoding::EventStream, Some(media_type.clone()))
                }
                Some((media_type, _, Encoding::Multipart | Encoding::Xml | Encoding::Raw)) => {
                    (Some(TypeRef::Raw), None, Encoding::Raw, Some(media_type.clone()))
                }
                None => (None, None, Encoding::Json, None),
            };
            let mut header_names = Namespace::with_reserved(&["body", "status"]);
            let mut headers = Vec::new();
            for (name, header) in &response.headers {
                // Content-Type is the media type's; rate-limit headers are one API-wide concern.
                if name.eq_ignore_ascii_case("content-type") || self.rate_limit.as_ref().is_some_and(|r| r.covers(name)) {
                    continue;
                }
                let header_at = format!("{at}/headers/{}", escape_segment(name));
                let header = self.resolve_header(header, &header_at)?;
                let ty = match &header.format {
                    ParameterSchemaOrContent::Schema(schema) => {
                        self.space.lower(schema, &format!("{header_at}/schema"), &format!("{stem}{}", names::type_name(name)))?
                    }
                    // A text media type's schema is the header's, whose value is that text;
                    // any other encoding of the value is left to the caller.
                    ParameterSchemaOrContent::Content(content) => match content.iter().next() {
                        Some((media_type, MediaType { schema: Some(schema), .. }))
                            if content.len() == 1 && media_type.to_ascii_lowercase().starts_with("text/") =>
                        {
                            let schema_at = format!("{header_at}/content/{}/schema", escape_segment(media_type));
                            self.space.lower(schema, &schema_at, &format!("{stem}{}", names::type_name(name)))?
                        }
                        _ => {
                            let message = "a response header described by a `content` that is not one text media type is passed as text, \
                                           decoded by the caller";
                            self.space.warn(Code::PassedAsText, &header_at, message);
                            TypeRef::String
                        }
                    },
                };
                let ty = self.response_header_type(ty, &header_at);
                headers.push(ResponseHeader {
                    name: header_names.claim(names::field_name(name)),
                    wire_name: name.clone(),
                    ty,
                    required: header.required,
                    doc: header.description.clone(),
                });
            }
            let message_slot = body.as_ref().and_then(|b| sample::message_slot(&self.space.types, b));
            let declared_hint = self.retry_hint(&response, &at, body.as_ref().filter(|_| encoding == Encoding::Json))?;
            // The client reads the hint where the server writes its delay.
            let retry_hint = declared_hint.or_else(|| {
                let path = body.as_ref().and_then(|b| sample::retry_slot(&self.space.types, b))?;
                Some(RetryHint { path, unit: RetryUnit::Seconds })
            });
            let retry_slot = retry_hint.clone();
            let entry = Response {
                status,
                variant: variants.claim(variant_of(status)),
                doc: if response.description.trim().is_empty() { status_text(status) } else { response.description.clone() },
                body,
                encoding,
                media_type,
                headers,
                example,
                message_slot,
                retry_slot,
                retry_hint,
            };
            if status.is_success() { successes.push(entry) } else { errors.push(entry) }
        }
        Ok((successes, errors))
    }

    /// Reads a response's `x-clawgen-retry-after: {pointer, unit}`: where its
    /// JSON body says when to retry. The pointer must name a property of the body.
    fn retry_hint(&self, response: &openapiv3::Response, at: &str, body: Option<&TypeRef>) -> Result<Option<RetryHint>> {
        let Some(ext) = response.extensions.get("x-clawgen-retry-after") else { return Ok(None) };
        let ext_at = format!("{at}/x-clawgen-retry-after");
        let Some(body) = body else {
            return Err(self.space.invalid(&ext_at, "`x-clawgen-retry-after` needs a JSON body to point into"));
        };
        let pointer = ext.get("pointer").and_then(serde_json::Value::as_str).filter(|p| p.starts_with('/')).ok_or_else(|| {
            self.space.invalid(&ext_at, "`pointer` (a JSON pointer into the body, such as `/error/retry_after`) is required")
        })?;
        let unit_name = ext.get("unit").and_then(serde_json::Value::as_str).unwrap_or("seconds");
        let unit = RetryUnit::NAMES.iter().find(|(name, _)| *name == unit_name).map(|(_, unit)| *unit).ok_or_else(|| {
            let names: Vec<&str> = RetryUnit::NAMES.iter().map(|(name, _)| *name).collect();
            self.space.invalid(&format!("{ext_at}/unit"), format!("unit `{unit_name}` is not one of {}", names.join(", ")))
        })?;
        let path: Vec<String> = pointer[1..].split('/').map(|segment| segment.replace("~1", "/").replace("~0", "~")).collect();
        if !property_exists(&self.space.types, body, &path) {
            return Err(self.space.invalid(&format!("{ext_at}/pointer"), format!("`{pointer}` names no property of the response body")));
        }
        Ok(Some(RetryHint { path, unit }))
    }

    fn resolve_response(&self, response: &ReferenceOr<openapiv3::Response>, pointer: &str) -> Result<(openapiv3::Response, String)> {
        match response {
            ReferenceOr::Item(response) => Ok((response.clone(), pointer.to_owned())),
            ReferenceOr::Reference { reference } => self.space.resolve_as(reference, pointer, "response"),
        }
    }

    fn resolve_header(&mut self, header: &ReferenceOr<Header>, pointer: &str) -> Result<Header> {
        match header {
            ReferenceOr::Item(header) => Ok(header.clone()),
            ReferenceOr::Reference { reference } => {
                // A header has a parameter's shape without `name` and `in`: a `$ref` to a
                // header parameter reads as the header it describes.
                if let Some(name) = reference.strip_prefix("#/components/parameters/") {
                    let header = match self.space.doc.openapi.components.as_ref().and_then(|c| c.parameters.get(name)) {
                        Some(ReferenceOr::Item(Parameter::Header { parameter_data: data, .. })) => Header {
                            description: data.description.clone(),
                            style: openapiv3::HeaderStyle::Simple,
                            required: data.required,
                            deprecated: data.deprecated,
                            format: data.format.clone(),
                            example: data.example.clone(),
                            examples: data.examples.clone(),
                            extensions: data.extensions.clone(),
                        },
                        Some(_) => {
                            return Err(self
                                .space
                                .unsupported(pointer, format!("a header $ref to {reference}, which is not a header parameter")));
                        }
                        None => {
                            return Err(self.space.invalid_as(Code::UnresolvedRef, pointer, format!("$ref {reference} points at nothing")));
                        }
                    };
                    self.space.warn(
                        Code::Lenient,
                        &format!("{pointer}/$ref"),
                        format!(
                            "a header `$ref` must point into components.headers; the header parameter {reference} is read as the header"
                        ),
                    );
                    return Ok(header);
                }
                self.space.resolve_as(reference, pointer, "header").map(|(header, _)| header)
            }
        }
    }

    /// The requirement alternatives. An alternative naming a scheme that
    /// `components.securitySchemes` does not declare cannot be met with any credential
    /// the document describes: it is left out, with a warning. When every alternative is
    /// left out, the operation has no requirement clawgen can check, and is read as public.
    fn security(&mut self, requirements: Option<&Vec<SecurityRequirement>>, pointer: &str) -> Result<Vec<Vec<SchemeUse>>> {
        let Some(requirements) = requirements else { return Ok(Vec::new()) };
        let mut alternatives = Vec::new();
        let mut undeclared = Vec::new();
        for requirement in requirements {
            // `{}` inside a list makes the whole operation optionally public.
            if requirement.is_empty() {
                return Ok(Vec::new());
            }
            let mut all = Vec::new();
            for (key, scopes) in requirement {
                match self.schemes.iter().position(|s| &s.key == key) {
                    Some(scheme) => all.push(SchemeUse { scheme, scopes: scopes.clone() }),
                    None => undeclared.push(key.clone()),
                }
            }
            if all.len() == requirement.len() {
                alternatives.push(all);
            }
        }
        if let Some(first) = undeclared.first() {
            let at = if self.space.doc.json.pointer(&format!("{pointer}/security")).is_some() {
                format!("{pointer}/security")
            } else {
                "/security".to_owned()
            };
            let outcome = if alternatives.is_empty() {
                "no requirement is left, so the operation is read as public: the client sends no credentials \
                 (give them through `Client::with_http_client`) and the server does not check any"
            } else {
                "the requirements that name it are left out"
            };
            self.space.warn(
                Code::Lenient,
                &at,
                format!("security scheme `{first}` is not declared in components.securitySchemes; {outcome}"),
            );
        }
        Ok(alternatives)
    }
}

/// The item's operation of `method`, or why it does not read (QUERY's, which
/// normalisation kept as JSON beside `openapiv3`'s model, is read here).
fn operation_of(item: &PathItem, method: Method) -> std::result::Result<Option<Cow<'_, openapiv3::Operation>>, String> {
    let fixed = match method {
        Method::Get => item.get.as_ref(),
        Method::Put => item.put.as_ref(),
        Method::Post => item.post.as_ref(),
        Method::Delete => item.delete.as_ref(),
        Method::Options => item.options.as_ref(),
        Method::Head => item.head.as_ref(),
        Method::Patch => item.patch.as_ref(),
        Method::Trace => item.trace.as_ref(),
        Method::Query => {
            let Some(json) = kept::query_operation(item) else { return Ok(None) };
            return serde_json::from_value(json.clone()).map(|op| Some(Cow::Owned(op))).map_err(|err| err.to_string());
        }
    };
    Ok(fixed.map(Cow::Borrowed))
}

/// Whether `ty` reads from text with `FromStr` and writes with `Display`.
fn has_text_form(types: &[super::TypeDef], ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(id) => matches!(&types[id.0].kind, TypeKind::Alias(inner) if has_text_form(types, inner)),
        other => other.is_primitive(),
    }
}

/// Whether values of `ty` travel as one piece of text (parameters, headers).
fn is_scalar(space: &TypeSpace<'_>, ty: &TypeRef) -> bool {
    super::is_scalar(&space.types, ty)
}

/// The parts of a multipart body: one per property, and the entries of a map.
type MultipartLayout = (Vec<Part>, Option<Entries>);

/// How deep `allOf` members are followed for a multipart body's file properties:
/// past any real document's nesting, and short of a cycle's.
const ALL_OF_DEPTH: usize = 16;

/// A form of a request body while its media types are gathered.
struct Form {
    body: Body,
    /// The schema every media type of the form has.
    schema: Option<ReferenceOr<openapiv3::Schema>>,
    /// How the form travels as multipart, once one of its media types is.
    layout: Option<MultipartLayout>,
    /// Its variant in the body's [`super::BodyChoice`].
    variant: String,
}

impl Form {
    fn finish(self) -> Body {
        let (parts, entries) = self.layout.unwrap_or_default();
        Body { parts, entries, ..self.body }
    }
}

/// The variant name of the form a media type starts: its encoding's where it is
/// the usual media type of one, else its own (`application/merge-patch+json` is
/// `MergePatchJson`).
fn form_variant(media_type: &str) -> String {
    let essence = media_type.split(';').next().unwrap_or(media_type).trim().to_ascii_lowercase();
    let usual = match essence.as_str() {
        "application/json" => "Json",
        "application/x-www-form-urlencoded" => "Form",
        "multipart/form-data" => "Multipart",
        "text/plain" => "Text",
        "application/xml" | "text/xml" => "Xml",
        "application/octet-stream" => "Bytes",
        "*/*" => "Any",
        _ => "",
    };
    if !usual.is_empty() {
        return usual.to_owned();
    }
    let (kind, subtype) = essence.split_once('/').unwrap_or(("", &essence));
    if subtype == "*" {
        return names::variant_name(&format!("any {kind}"));
    }
    let subtype = subtype.strip_prefix("x-").or_else(|| subtype.strip_prefix("vnd.")).unwrap_or(subtype);
    // A structured suffix is part of the name, not a sum (`merge-patch+json`).
    names::variant_name(&subtype.replace('+', " "))
}

/// What a multipart part holding a value of `ty` holds.
fn part_kind(space: &TypeSpace<'_>, ty: &TypeRef) -> PartKind {
    match ty {
        TypeRef::File => PartKind::File,
        TypeRef::Array(item) if **item == TypeRef::File => PartKind::Files,
        TypeRef::Array(item) if is_scalar(space, item) => PartKind::Texts,
        ty if is_scalar(space, ty) => PartKind::Text,
        _ => PartKind::Json,
    }
}

/// The value type of `ty` where it is a map (through aliases).
fn map_value<'t>(types: &'t [super::TypeDef], ty: &'t TypeRef) -> Option<&'t TypeRef> {
    match ty {
        TypeRef::Map(value) => Some(value),
        TypeRef::Named(id) => match &types[id.0].kind {
            TypeKind::Alias(inner) => map_value(types, inner),
            _ => None,
        },
        _ => None,
    }
}

/// How a body of media type `m` travels, as the preferred one of its operation:
/// XML there is bytes (or text), since only a body also offered in JSON is read as XML.
fn encoding_of(m: &str) -> Encoding {
    let m = m.split(';').next().unwrap_or(m).trim().to_ascii_lowercase();
    if m == "application/json" || m.ends_with("+json") {
        Encoding::Json
    } else if m == "application/x-www-form-urlencoded" {
        Encoding::Form
    } else if m == "multipart/form-data" {
        Encoding::Multipart
    } else if m == "text/event-stream" {
        Encoding::EventStream
    } else if m.starts_with("text/") {
        Encoding::Text
    } else {
        Encoding::Raw
    }
}

/// Whether `m` (lower case, without parameters) is an XML media type.
fn is_xml(m: &str) -> bool {
    m == "application/xml" || m == "text/xml" || m.ends_with("+xml")
}

/// How a request body of media type `m` travels when it is not the preferred one.
fn request_encoding(m: &str) -> Encoding {
    let essence = m.split(';').next().unwrap_or(m).trim().to_ascii_lowercase();
    if is_xml(&essence) { Encoding::Xml } else { encoding_of(m) }
}

/// The entry of a content map to use, and how it travels: JSON first, then
/// a form, multipart, server-sent events, text, and anything else as raw bytes.
fn pick_media(content: &indexmap::IndexMap<String, MediaType>) -> Option<(&String, &MediaType, Encoding)> {
    [Encoding::Json, Encoding::Form, Encoding::Multipart, Encoding::EventStream, Encoding::Text, Encoding::Raw]
        .into_iter()
        .find_map(|wanted| content.iter().find(|(m, _)| encoding_of(m) == wanted).map(|(m, media)| (m, media, wanted)))
}

/// Whether a string schema holds bytes: `format: binary` (3.0), or a media type
/// without a text encoding (3.1's `contentMediaType` without `contentEncoding`).
fn is_binary(schema: &openapiv3::Schema) -> bool {
    let openapiv3::SchemaKind::Type(openapiv3::Type::String(string)) = &schema.schema_kind else { return false };
    let binary_format = matches!(string.format, openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary));
    binary_format || kept::is_media_without_encoding(schema)
}

/// A parameter's example: its own `example`, its first `examples` entry, or its schema's.
fn parameter_example(data: &openapiv3::ParameterData, schema: Option<&openapiv3::Schema>) -> Option<serde_json::Value> {
    data.example
        .clone()
        .or_else(|| {
            data.examples.values().find_map(|e| match e {
                ReferenceOr::Item(example) => example.value.clone(),
                ReferenceOr::Reference { .. } => None,
            })
        })
        .or_else(|| schema.and_then(|s| s.schema_data.example.clone()))
}

fn example_of(media: &MediaType) -> Option<serde_json::Value> {
    media
        .example
        .clone()
        .or_else(|| {
            media.examples.values().find_map(|e| match e {
                ReferenceOr::Item(example) => example.value.clone(),
                ReferenceOr::Reference { .. } => None,
            })
        })
        .or_else(|| match &media.schema {
            Some(ReferenceOr::Item(schema)) => schema.schema_data.example.clone(),
            _ => None,
        })
}

/// The variant name for a status, after the reason phrase.
fn variant_of(status: Status) -> String {
    match status {
        Status::Code(code) => match reason_phrase(code) {
            Some(reason) => names::variant_name(reason),
            None => format!("Status{code}"),
        },
        Status::Range(digit) => format!("Status{digit}xx"),
        Status::Default => "Default".into(),
    }
}

/// What a response says of itself where the document describes it with nothing.
fn status_text(status: Status) -> String {
    let reason = match status {
        Status::Code(code) => reason_phrase(code),
        Status::Range(_) | Status::Default => None,
    };
    reason.map_or_else(|| "No description in the document.".into(), |reason| format!("{reason}."))
}

fn reason_phrase(code: u16) -> Option<&'static str> {
    Some(match code {
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "Im A Teapot",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

/// Whether the JSON names of `path` lead through `ty`'s properties (through
/// aliases and nullables) to a property.
fn property_exists(types: &[TypeDef], ty: &TypeRef, path: &[String]) -> bool {
    let Some((first, rest)) = path.split_first() else { return true };
    // Bounded like an alias chain: a self-nesting type ends the walk.
    let mut ty = ty;
    for _ in 0..64 {
        match ty {
            TypeRef::Nullable(inner) => ty = inner,
            TypeRef::Named(id) => match &types[id.0].kind {
                TypeKind::Alias(inner) => ty = inner,
                TypeKind::Struct(st) => {
                    return st.fields.iter().find(|f| &f.wire_name == first).is_some_and(|f| property_exists(types, &f.ty, rest));
                }
                _ => return false,
            },
            _ => return false,
        }
    }
    false
}

/// How each property of a form body is spelled, from the media type's
/// `encoding` (normalisation wrote out each `explode` OpenAPI defaults).
fn form_styles(media: &MediaType) -> Vec<QueryStyle> {
    let styles = media.encoding.iter().map(|(name, encoding)| QueryStyle {
        wire_name: name.clone(),
        style: encoding.style.as_ref().map_or(QueryStyleKind::Form, QueryStyleKind::of),
        explode: encoding.explode,
    });
    styles.collect()
}
