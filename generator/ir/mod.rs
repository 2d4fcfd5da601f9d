//! Stage 3: the intermediate representation, and its lowering from a normalised document.
//!
//! The IR is what every emitter reads and the only thing it reads: types with
//! final Rust names, operations with their parameters, bodies, responses
//! (already split into successes and the error enum) and security
//! requirements. It does no I/O. Names in it are already sanitised and unique
//! (see [`names`]), so emitters never invent or check identifiers.

mod all_of;
mod cycles;
mod depth;
mod external;
mod lower;
pub mod names;
mod operations;
mod pattern;
mod refusals;
mod routes;
pub mod sample;
mod schemas;
mod shared;
mod tags;
mod unions;
mod wire;

use serde_json::Value;

pub use lower::{Customisation, lower, lower_with, type_validates};
pub use refusals::RouterRefusal;
pub use tags::{Gate, TagFeature};
pub use wire::{PathPiece, segment_shape};

/// One API, ready to emit.
#[derive(Debug, Clone)]
pub struct Api {
    /// The spec's file name, for `@generated` headers.
    pub spec_file: String,
    /// How deeply the types nest, named types followed (at most `depth::MAX_DEPTH`):
    /// a crate deeper than rustc's default recursion limit allows raises it.
    pub type_depth: usize,
    /// The API's short name (`clawguru`).
    pub name: String,
    /// The output crate's name (`clawguru-v1`).
    pub crate_name: String,
    /// The output crate's semver version, from `info.version`.
    pub version: String,
    /// `info.version` as the document writes it.
    pub api_version: String,
    /// `info.title`.
    pub title: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The first server URL, the client's default base.
    pub base_url: Option<String>,
    /// The name of the server trait (`ClawguruApi`).
    pub trait_name: String,
    /// Every type, indexed by [`TypeId`].
    pub types: Vec<TypeDef>,
    /// Every operation, in document order.
    pub operations: Vec<Operation>,
    /// Every security scheme of `components.securitySchemes`, in document order.
    pub security_schemes: Vec<SecurityScheme>,
    /// The rate-limit headers the document declares, handled by the client and server as one concern.
    pub rate_limit: Option<RateLimitHeaders>,
    /// The webhooks (OpenAPI 3.1 `webhooks`): operations the API calls on its users' servers.
    pub webhooks: Vec<Operation>,
    /// How webhook deliveries are signed (`x-clawgen-webhook-signature`).
    pub webhook_signature: Option<WebhookSignature>,
    /// The document as JSON, when an operation serves it (`x-clawgen-serve-spec`).
    pub spec_json: Option<String>,
    /// Operations left out on purpose, with why; listed in the crate's docs.
    pub skipped: Vec<SkippedOperation>,
    /// The document's common error: the response whose JSON body schema most error
    /// responses share. Refusals no operation documents are answered with it.
    pub common_error: Option<Response>,
    /// The crate's per-tag Cargo features (`x-clawgen-tag-features`), sorted by name;
    /// empty when they are off. Each operation's and type's [`Gate`] says which of them compile it.
    pub tag_features: Vec<TagFeature>,
}

/// An operation left out of the API (`x-clawgen-skip` or the config file's `skip`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedOperation {
    /// The `operationId` (or `<method> <path>` when it has none).
    pub id: String,
    /// The method.
    pub method: Method,
    /// The path template.
    pub path: String,
    /// Why it is left out.
    pub reason: String,
}

/// The names of the rate-limit headers, as the document spells them.
///
/// These headers describe the caller's budget rather than one response, so
/// they are not typed per response: the server sets them on every answer from
/// one hook, and the client keeps the latest values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// The budget per window (`X-RateLimit-Limit`).
    pub limit: Option<String>,
    /// What is left of it (`X-RateLimit-Remaining`).
    pub remaining: Option<String>,
    /// When the window resets, in Unix seconds (`X-RateLimit-Reset`).
    pub reset: Option<String>,
}

impl RateLimitHeaders {
    /// Whether `header` is one of the rate-limit headers.
    pub fn covers(&self, header: &str) -> bool {
        [&self.limit, &self.remaining, &self.reset].into_iter().flatten().any(|h| h.eq_ignore_ascii_case(header))
    }
}

/// How the API signs webhook deliveries: a hex HMAC-SHA256 of the raw body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSignature {
    /// The header carrying the signature.
    pub header: String,
    /// The header carrying the delivery time.
    pub timestamp_header: Option<String>,
    /// Whether the timestamp counts milliseconds (else seconds) since the epoch.
    pub timestamp_millis: bool,
    /// How old a delivery may be before it is refused.
    pub tolerance_seconds: u64,
    /// How far in the future a delivery time may be (the sender's clock
    /// running ahead) before it is refused.
    pub future_skew_seconds: u64,
}

impl Api {
    /// The prelude names the generated modules may write short: those no
    /// type, error enum or trait of the crate takes (see [`names::Prelude`]).
    pub fn prelude(&self) -> names::Prelude {
        let operations = self.operations.iter().chain(&self.webhooks);
        names::Prelude::new(
            self.types
                .iter()
                .map(|t| t.name.as_str())
                .chain(operations.flat_map(|op| std::iter::once(op.error_enum.as_str()).chain(op.success_enum.as_deref())))
                .chain([self.trait_name.as_str()]),
        )
    }

    /// The type behind an id.
    pub fn ty(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }

    /// The definition a named type stands for: its own, or for an alias of
    /// another named type (`A: {$ref: B}`, an inline copy of `B`), `B`'s.
    pub fn definition(&self, id: TypeId) -> &TypeDef {
        definition(&self.types, id)
    }

    /// `ty` with named aliases (`type SnowflakeType = String`) followed to what they name.
    pub fn unaliased<'t>(&'t self, mut ty: &'t TypeRef) -> &'t TypeRef {
        // Bounded: an alias cycle has no Rust type anyway.
        for _ in 0..64 {
            match ty {
                TypeRef::Named(id) => match &self.ty(*id).kind {
                    TypeKind::Alias(inner) => ty = inner,
                    _ => break,
                },
                _ => break,
            }
        }
        ty
    }

    /// Every distinct place where a 429's body says when to retry, sorted:
    /// what the client's retry policy reads after `Retry-After`.
    pub fn retry_hints(&self) -> Vec<&RetryHint> {
        let mut hints: Vec<&RetryHint> = self
            .operations
            .iter()
            .flat_map(|op| &op.errors)
            .filter(|r| matches!(r.status, Status::Code(429) | Status::Range(4) | Status::Default))
            .filter(|r| r.encoding == Encoding::Json)
            .filter_map(|r| r.retry_hint.as_ref())
            .collect();
        hints.sort();
        hints.dedup();
        hints
    }

    /// Whether any check needs a regular expression (and so the `regex` crate).
    pub fn uses_patterns(&self) -> bool {
        self.uses_pattern_checks(false)
    }

    /// Whether any check needs a backtracking regular expression (`fancy-regex`).
    pub fn uses_backtracking_patterns(&self) -> bool {
        self.uses_pattern_checks(true)
    }

    fn uses_pattern_checks(&self, backtracking: bool) -> bool {
        let fields = self.types.iter().flat_map(|t| match &t.kind {
            TypeKind::Struct(st) => st.fields.iter().map(|f| &f.constraints).chain(st.additional_constraints.as_deref()).collect(),
            TypeKind::Union(u) => u.variants.iter().map(|v| &v.constraints).collect(),
            _ => Vec::new(),
        });
        let params = self.operations.iter().flat_map(|op| op.path_params.iter().chain(&op.header_params)).map(|p| &p.constraints);
        let bodies = self.request_forms().map(|b| &b.constraints);
        fields.chain(params).chain(bodies).any(|c| c.has_pattern(backtracking))
    }
}

/// A handle into [`Api::types`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

/// A named Rust type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// The Rust name, unique within the `types` module.
    pub name: String,
    /// Documentation from the schema's title and description.
    pub doc: Option<String>,
    /// What the type is.
    pub kind: TypeKind,
    /// Where the schema is, as a JSON pointer.
    pub pointer: String,
    /// The schema's example, if any.
    pub example: Option<Value>,
    /// The per-tag features under which the type is compiled (see [`tags`]).
    pub gate: Gate,
}

/// The shape of a named type.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// An object with known properties.
    Struct(Struct),
    /// A set of strings or integers, closed or open to values added later.
    Enum(Enumeration),
    /// Another name for a type.
    Alias(TypeRef),
    /// One of several types (`oneOf` / `anyOf`).
    Union(Union),
}

/// An object schema.
#[derive(Debug, Clone, Default)]
pub struct Struct {
    /// The properties, in document order.
    pub fields: Vec<Field>,
    /// The type of properties not listed, when the schema allows them and says their type.
    pub additional: Option<TypeRef>,
    /// The constraints of each property not listed (an inline `additionalProperties`
    /// schema's), boxed as a map's `values` are.
    pub additional_constraints: Option<Box<Constraints>>,
    /// Whether validation is needed anywhere inside (set after lowering).
    pub validates: bool,
    /// Bounds on the number of properties present (`minProperties`,
    /// `maxProperties`), checked by the server on the JSON it receives.
    pub property_count: (Option<usize>, Option<usize>),
}

/// One property of an object.
#[derive(Debug, Clone)]
pub struct Field {
    /// The Rust name, unique within the struct.
    pub name: String,
    /// The JSON name.
    pub wire_name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// The type, without the `Option` that presence or nullability adds.
    pub ty: TypeRef,
    /// Whether the property must be present.
    pub required: bool,
    /// Whether the schema lists it in `required`. Differs from `required` for a
    /// read-only property, which responses always carry though requests leave
    /// it out (and a write-only one, the other way round).
    pub schema_required: bool,
    /// The property's own example (`example`, or the first of `examples`).
    pub example: Option<Value>,
    /// Whether the property may be `null`.
    pub nullable: bool,
    /// The default when absent.
    pub default: Option<Value>,
    /// Checks the server applies.
    pub constraints: Constraints,
    /// Sent by the server only (`readOnly`) or by clients only (`writeOnly`).
    pub access: Access,
    /// Whether the field must be boxed to break a cycle of inline types.
    pub boxed: bool,
    /// How the property is spelled in XML, where its schema's `xml` object (or its
    /// items') says more than its name; `None` for the defaults (see [`Field::xml_name`]).
    pub xml: Option<XmlName>,
}

/// How a property travels in XML (OpenAPI's `xml` object, resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlName {
    /// The element's or attribute's name; for a wrapped list, the wrapper's; for
    /// a list that is not wrapped, the name each item's element repeats.
    pub name: String,
    /// Whether it is an attribute of the object's element (`xml.attribute`).
    pub attribute: bool,
    /// For a list: whether its items sit inside one element (`xml.wrapped`).
    pub wrapped: bool,
    /// For a list: the name of each item's element (`items.xml.name`, else `name`).
    pub item: String,
    /// Keywords of the `xml` objects that clawgen does not honour (`namespace`,
    /// `prefix`, `attribute` on a value that is not text), each with its pointer.
    pub unhonoured: Vec<(String, String)>,
}

/// Which side of an exchange a property travels in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// Both.
    #[default]
    Both,
    /// Responses only (`readOnly`): clients may leave it out of requests.
    ReadOnly,
    /// Requests only (`writeOnly`): servers may leave it out of responses.
    WriteOnly,
}

/// How a property's presence and `null` combine, which decides its Rust type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Always present, never null: `T`.
    Required,
    /// Present but possibly null: `Option<T>`.
    RequiredNullable,
    /// May be absent, never null: `Option<T>`.
    Optional,
    /// May be absent, has a default used then: `T`.
    Defaulted,
    /// May be absent and may be null, which mean different things
    /// (a PATCH that leaves a value alone, or clears it): `Option<Option<T>>`.
    OptionalNullable,
}

impl Field {
    /// How the property travels in XML: its `xml` object's reading, else an element of its JSON name.
    pub fn xml_name(&self) -> XmlName {
        self.xml.clone().unwrap_or_else(|| XmlName {
            name: self.wire_name.clone(),
            attribute: false,
            wrapped: false,
            item: self.wire_name.clone(),
            unhonoured: Vec::new(),
        })
    }

    /// How presence and nullability combine for this property.
    pub fn presence(&self) -> Presence {
        match (self.required, self.nullable, self.default.is_some()) {
            (true, false, _) => Presence::Required,
            (true, true, _) => Presence::RequiredNullable,
            (false, false, true) => Presence::Defaulted,
            (false, false, false) => Presence::Optional,
            (false, true, _) => Presence::OptionalNullable,
        }
    }
}

/// Value checks that types cannot express.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// Inclusive or exclusive lower bound of a number.
    pub minimum: Option<(f64, bool)>,
    /// Inclusive or exclusive upper bound of a number.
    pub maximum: Option<(f64, bool)>,
    /// A number the value must be a multiple of (`multipleOf`, positive).
    pub multiple_of: Option<f64>,
    /// Bounds on a string's length in characters.
    pub min_length: Option<usize>,
    /// See `min_length`.
    pub max_length: Option<usize>,
    /// Bounds on an array's length.
    pub min_items: Option<usize>,
    /// See `min_items`.
    pub max_items: Option<usize>,
    /// A regular expression a string must match somewhere (JSON Schema `pattern`,
    /// kept only when the `regex` or the `fancy-regex` crate compiles it).
    pub pattern: Option<String>,
    /// Whether `pattern` needs a backtracking engine (look-around, back-references),
    /// which the `regex` crate refuses: it is checked with `fancy-regex`. Set when the
    /// pattern is checked at generation time.
    pub backtracking_pattern: bool,
    /// A string format the server checks (`uri`, `email`, `hostname`, `ipv4`,
    /// `ipv6`): formats with a Rust type of their own (dates, UUIDs) are checked
    /// by decoding, and unknown formats by nothing, as the specification allows.
    pub format: Option<CheckedFormat>,
    /// Whether an array's items must differ from each other (`uniqueItems`).
    pub unique_items: bool,
    /// The constraints of an array's items.
    pub items: Option<Box<Constraints>>,
    /// The constraints of a map's values (`additionalProperties` of an object
    /// without named properties).
    pub values: Option<Box<Constraints>>,
    /// The constraints of a map's keys (`propertyNames` of an object without
    /// named properties: lengths, a pattern, a format).
    pub keys: Option<Box<Constraints>>,
    /// Bounds on a map's number of entries (`minProperties`, `maxProperties`
    /// of an object without named properties).
    pub min_properties: Option<usize>,
    /// See `min_properties`.
    pub max_properties: Option<usize>,
    /// The values a number or a boolean may take (`enum`, `const`): string and
    /// integer enums are Rust enums, but `f64` and `bool` stay what they are.
    pub listed: Option<Listed>,
}

/// The values an `enum` (or `const`) allows a type that is not a Rust enum.
#[derive(Debug, Clone, PartialEq)]
pub enum Listed {
    /// Numbers, read as `f64`.
    Numbers(Vec<f64>),
    /// One boolean: a list of both allows every boolean and is no constraint.
    Boolean(bool),
    /// Strings, where no Rust enum holds them: the keys a map's `propertyNames` lists.
    Texts(Vec<String>),
}

/// A string format whose values the server checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckedFormat {
    /// An absolute URI (RFC 3986): a scheme, `:`, and no spaces.
    Uri,
    /// An address `local@domain` (RFC 5321, simplified).
    Email,
    /// A DNS host name (RFC 1123).
    Hostname,
    /// A dotted-quad IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
}

impl CheckedFormat {
    /// The format named `name`, if it is one the server checks.
    pub fn named(name: &str) -> Option<CheckedFormat> {
        Some(match name {
            "uri" => CheckedFormat::Uri,
            "email" => CheckedFormat::Email,
            "hostname" => CheckedFormat::Hostname,
            "ipv4" => CheckedFormat::Ipv4,
            "ipv6" => CheckedFormat::Ipv6,
            _ => return None,
        })
    }

    /// The format's name in the document.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckedFormat::Uri => "uri",
            CheckedFormat::Email => "email",
            CheckedFormat::Hostname => "hostname",
            CheckedFormat::Ipv4 => "ipv4",
            CheckedFormat::Ipv6 => "ipv6",
        }
    }
}

impl Constraints {
    /// Whether a `pattern` (backtracking or not, as asked) is checked here, in an array's
    /// items, or in a map's values or keys.
    pub fn has_pattern(&self, backtracking: bool) -> bool {
        (self.pattern.is_some() && self.backtracking_pattern == backtracking)
            || [&self.items, &self.values, &self.keys].into_iter().flatten().any(|inner| inner.has_pattern(backtracking))
    }

    /// Whether there is anything to check.
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

/// An `enum` of strings or of integers.
#[derive(Debug, Clone)]
pub struct Enumeration {
    /// The variants, in document order.
    pub variants: Vec<EnumVariant>,
    /// Whether values the document does not list decode into an `Other`
    /// variant rather than failing. Every enum is open by default, so that a
    /// client built against this version reads answers that use a value added
    /// later; `x-clawgen-closed-enum: true` closes one, and so does being the
    /// only thing that tells apart the variants of an untagged union.
    pub open: bool,
    /// Whether the document itself says the list will grow (`x-extensible-enum`,
    /// `anyOf: [{enum}, {type: string}]`, `x-clawgen-open-enum`), so that a
    /// server accepts unlisted values in requests too. Otherwise an `Other`
    /// value in a request is refused by the server's validation.
    pub declared_open: bool,
}

impl Enumeration {
    /// Whether the server refuses an `Other` value in a request: open for readers, closed for the server.
    pub fn refuses_other(&self) -> bool {
        self.open && !self.declared_open
    }

    /// Whether the values are integers (else strings).
    pub fn is_integer(&self) -> bool {
        self.variants.first().is_some_and(|v| matches!(v.value, EnumValue::Int(_)))
    }
}

/// One value of an enum.
#[derive(Debug, Clone)]
pub struct EnumVariant {
    /// The Rust name, unique within the enum.
    pub name: String,
    /// The JSON value.
    pub value: EnumValue,
    /// What the value means, where the document says (the `description` of
    /// a `const` in a `oneOf`).
    pub doc: Option<String>,
}

/// A value an enum lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumValue {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
}

impl std::fmt::Display for EnumValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnumValue::Str(text) => f.write_str(text),
            EnumValue::Int(number) => write!(f, "{number}"),
        }
    }
}

impl EnumValue {
    /// The value as JSON.
    pub fn to_json(&self) -> Value {
        match self {
            EnumValue::Str(text) => Value::String(text.clone()),
            EnumValue::Int(number) => Value::from(*number),
        }
    }
}

/// A union of types (`oneOf` / `anyOf`).
#[derive(Debug, Clone)]
pub struct Union {
    /// The variants, in the order an untagged union tries them.
    pub variants: Vec<UnionVariant>,
    /// The property whose value picks the variant (`discriminator.propertyName`);
    /// `None` for unions decoded by trying each variant in turn.
    pub tag: Option<String>,
}

/// One branch of a union.
#[derive(Debug, Clone)]
pub struct UnionVariant {
    /// The Rust name, unique within the union.
    pub name: String,
    /// The branch's type.
    pub ty: TypeRef,
    /// The branch schema's own constraints where its type cannot hold them (a
    /// primitive, a list, an alias of one: `anyOf: [{type: number, minimum: 30},
    /// {enum: [1]}]`); empty for structs, unions and enums, which check themselves.
    pub constraints: Constraints,
    /// The discriminator values that select this branch; the first is written
    /// when encoding. Empty in untagged unions.
    pub tags: Vec<String>,
}

/// A reference to a type, as used in fields, parameters and bodies.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u32` (`format: uint32`, `uint16`, `uint8`).
    U32,
    /// `u64` (`format: uint64`, `uint`).
    U64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `String`.
    String,
    /// An RFC 3339 timestamp.
    DateTime,
    /// An RFC 3339 full date.
    Date,
    /// A UUID (`format: uuid`).
    Uuid,
    /// Bytes that travel as base64 text (`format: byte`, or `contentEncoding: base64`).
    Base64,
    /// Any JSON value, for schemas that have no better Rust type.
    Json,
    /// A named type.
    Named(TypeId),
    /// A list.
    Array(Box<TypeRef>),
    /// A fixed-length list of differently typed items (`prefixItems`).
    Tuple(Vec<TypeRef>),
    /// A map with string keys.
    Map(Box<TypeRef>),
    /// A value that may be `null`.
    Nullable(Box<TypeRef>),
    /// Bytes of some media type, with the type itself (`media::Raw`): images,
    /// multipart bodies that are not objects, anything that is neither JSON, a form nor text.
    Raw,
    /// A file part of a multipart body (`media::File`: bytes, file name, content type):
    /// a `format: binary` string, or a 3.1 string with `contentMediaType` and no `contentEncoding`.
    File,
    /// A `text/event-stream` response (`media::EventStream<T>`): server-sent events whose
    /// data are of the inner type.
    EventStream(Box<TypeRef>),
    /// A Rust type the user maps a schema to (`x-clawgen-rust-type`), by its path
    /// (`chrono::NaiveDate`), used as it is: the schema gets no type of its own.
    External(String),
}

/// The definition the named type `id` stands for, aliases of named types followed.
pub fn definition(types: &[TypeDef], mut id: TypeId) -> &TypeDef {
    // Bounded: an alias cycle has no Rust type anyway.
    for _ in 0..64 {
        match &types[id.0].kind {
            TypeKind::Alias(TypeRef::Named(next)) => id = *next,
            _ => break,
        }
    }
    &types[id.0]
}

/// Whether values of `ty` travel as one piece of text (parameters, headers):
/// strings, numbers, booleans, dates, string enums, and unions of those.
pub fn is_scalar(types: &[TypeDef], ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(id) => match &types[id.0].kind {
            TypeKind::Enum(_) => true,
            TypeKind::Alias(inner) => is_scalar(types, inner),
            TypeKind::Union(u) => u.variants.iter().all(|v| is_scalar(types, &v.ty)),
            TypeKind::Struct(_) => false,
        },
        other => other.is_primitive(),
    }
}

impl TypeRef {
    /// Whether this is a built-in scalar (a number, boolean, string, date or UUID), which
    /// reads from text with `FromStr` and writes with `Display`.
    pub fn is_primitive(&self) -> bool {
        matches!(
            self,
            TypeRef::Bool
                | TypeRef::I32
                | TypeRef::I64
                | TypeRef::U32
                | TypeRef::U64
                | TypeRef::F32
                | TypeRef::F64
                | TypeRef::String
                | TypeRef::DateTime
                | TypeRef::Date
                | TypeRef::Uuid
        )
    }
}

/// How a body travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// JSON (`application/json`, `*/*+json`).
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `text/*`, as a string.
    Text,
    /// `multipart/form-data` with an object schema: its struct, one part per property
    /// (see [`Body::parts`]). Request bodies only.
    Multipart,
    /// XML (`application/xml`, `text/xml`, `*/*+xml`), read into and written from the
    /// same value as JSON through the types' [`XmlName`]s. Request bodies that are also
    /// offered in another typed media type only.
    Xml,
    /// `text/event-stream`: a stream of server-sent events. Responses only, and only as
    /// an operation's one success; elsewhere the events are read as one text.
    EventStream,
    /// Anything else, as bytes with their content type.
    Raw,
}

impl Api {
    /// Whether any type, parameter, body or header mentions a type that `wanted` picks out.
    pub fn mentions(&self, wanted: impl Fn(&TypeRef) -> bool) -> bool {
        fn walk(ty: &TypeRef, wanted: &dyn Fn(&TypeRef) -> bool) -> bool {
            wanted(ty)
                || match ty {
                    TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) | TypeRef::EventStream(inner) => {
                        walk(inner, wanted)
                    }
                    TypeRef::Tuple(items) => items.iter().any(|item| walk(item, wanted)),
                    _ => false,
                }
        }
        let in_types = self.types.iter().any(|t| match &t.kind {
            TypeKind::Struct(st) => st.fields.iter().map(|f| &f.ty).chain(&st.additional).any(|ty| walk(ty, &wanted)),
            TypeKind::Alias(ty) => walk(ty, &wanted),
            TypeKind::Union(u) => u.variants.iter().any(|v| walk(&v.ty, &wanted)),
            TypeKind::Enum(_) => false,
        });
        let in_operations = self.operations.iter().chain(&self.webhooks).any(|op| {
            let responses = op.successes.iter().chain(&op.errors);
            op.path_params
                .iter()
                .chain(&op.header_params)
                .map(|p| &p.ty)
                .chain(op.body.iter().flat_map(Body::forms).map(|b| &b.ty))
                .chain(responses.flat_map(|r| r.body.iter().chain(r.headers.iter().map(|h| &h.ty))))
                .any(|ty| walk(ty, &wanted))
        });
        in_types || in_operations
    }

    /// The named types a value of `roots` may contain, through fields, items,
    /// union branches and aliases, in id order.
    pub fn reachable<'a>(&self, roots: impl IntoIterator<Item = &'a TypeRef>) -> std::collections::BTreeSet<TypeId> {
        tags::reachable(&self.types, roots)
    }

    /// The gate of what every operation needs and nothing else does (shared
    /// helpers of handlers and methods): any of the features of operations.
    pub fn operations_gate(&self) -> Gate {
        Gate::union(self.operations.iter().map(|op| &op.gate))
    }

    /// Every form of every operation's request body (webhooks' are not requests the
    /// client sends or the router reads).
    pub fn request_forms(&self) -> impl Iterator<Item = &Body> + '_ {
        self.operations.iter().filter_map(|op| op.body.as_ref()).flat_map(Body::forms)
    }

    /// Whether any body travels as raw bytes (and so the `media` module is needed).
    pub fn uses_raw(&self) -> bool {
        self.operations
            .iter()
            .chain(&self.webhooks)
            .flat_map(|op| {
                op.body.iter().flat_map(Body::forms).map(|b| b.encoding).chain(op.successes.iter().chain(&op.errors).map(|r| r.encoding))
            })
            .any(|e| e == Encoding::Raw)
    }

    /// Whether the client sends, and the router reads, a body as `multipart/form-data` parts
    /// (webhook receivers read JSON whatever the document says).
    pub fn uses_multipart(&self) -> bool {
        self.request_forms().any(|b| b.accepts(Encoding::Multipart))
    }

    /// Whether any request body is accepted as XML (and so the runtime's `xml` codec is needed).
    pub fn uses_xml(&self) -> bool {
        self.request_forms().any(|b| b.accepts(Encoding::Xml))
    }

    /// Whether any response is a stream of server-sent events.
    pub fn uses_event_streams(&self) -> bool {
        self.mentions(|ty| matches!(ty, TypeRef::EventStream(_)))
    }

    /// Whether any type is a file (and so `media::File` is needed).
    pub fn uses_files(&self) -> bool {
        self.mentions(|ty| *ty == TypeRef::File)
    }
}

/// HTTP methods that OpenAPI operations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
    /// QUERY (OpenAPI 3.2): a safe, idempotent request with a body.
    Query,
}

impl Method {
    /// Every method, in the order OpenAPI's Path Item Object lists them.
    pub const ALL: [Method; 9] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
        Method::Query,
    ];

    /// The key of the method in a Path Item Object (`get`).
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
            Method::Query => "query",
        }
    }

    /// The upper-case method name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
            Method::Query => "QUERY",
        }
    }
}

/// One operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The `operationId`, or the name derived from method and path.
    pub id: String,
    /// The Rust method name (client and server trait).
    pub fn_name: String,
    /// The `UpperCamelCase` stem of the operation's own types.
    pub type_stem: String,
    /// The method.
    pub method: Method,
    /// The path template, as the document writes it.
    pub path: String,
    /// One-line summary.
    pub summary: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// Whether the operation is deprecated.
    pub deprecated: bool,
    /// Path parameters, in template order.
    pub path_params: Vec<Param>,
    /// The struct holding the query parameters, if there are any.
    pub query: Option<TypeId>,
    /// How each query parameter is spelled (`style`, `explode`), by wire name.
    pub query_styles: Vec<QueryStyle>,
    /// Header parameters.
    pub header_params: Vec<Param>,
    /// Cookie parameters.
    pub cookie_params: Vec<Param>,
    /// The JSON request body.
    pub body: Option<Body>,
    /// Documented responses with a 2xx status, in status order.
    pub successes: Vec<Response>,
    /// Documented responses that are not 2xx (codes, ranges, `default`).
    pub errors: Vec<Response>,
    /// The name of the error enum in the `errors` module.
    pub error_enum: String,
    /// The name of the success enum, when there is more than one success or a success carries headers.
    pub success_enum: Option<String>,
    /// Alternatives of requirements; empty means public.
    pub security: Vec<Vec<SchemeUse>>,
    /// Where the operation is, as a JSON pointer.
    pub pointer: String,
    /// Whether the server answers it with the document itself (`x-clawgen-serve-spec`).
    pub serves_spec: bool,
    /// Whether its handler also gets the body's exact bytes, to check a signature over
    /// them: webhooks, callbacks, and operations marked `x-clawgen-raw-body: true`.
    pub raw_body: bool,
    /// The document's `tags`, in its order.
    pub tags: Vec<String>,
    /// The per-tag features under which the operation is compiled (see [`tags`]).
    pub gate: Gate,
    /// The id of the earlier operation whose method and route this one has (paths
    /// that differ only in parameter names): the server routes that one, and this
    /// one only has a client method.
    pub route_taken_by: Option<String>,
}

/// A parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The Rust name.
    pub name: String,
    /// The name on the wire.
    pub wire_name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// The type.
    pub ty: TypeRef,
    /// Whether it must be given.
    pub required: bool,
    /// Checks the server applies.
    pub constraints: Constraints,
    /// A path parameter that spans segments (`x-clawgen-wildcard`): its slashes are sent as they are.
    pub wildcard: bool,
    /// How a path parameter's value is marked in its segment.
    pub path_style: PathStyle,
    /// The document's example value (`example`, the first `examples`, or the schema's).
    pub example: Option<Value>,
}

/// How a path parameter appears in its segment (OpenAPI `style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathStyle {
    /// `simple`: the value alone.
    #[default]
    Simple,
    /// `label`: `.value`.
    Label,
    /// `matrix`: `;name=value`.
    Matrix,
}

/// How one query parameter is spelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryStyle {
    /// The parameter's name.
    pub wire_name: String,
    /// Its OpenAPI `style`.
    pub style: QueryStyleKind,
    /// Its `explode` (default: true for `form`, false otherwise).
    pub explode: bool,
}

impl QueryStyleKind {
    /// The kind of a document's `style`.
    pub fn of(style: &openapiv3::QueryStyle) -> Self {
        match style {
            openapiv3::QueryStyle::Form => QueryStyleKind::Form,
            openapiv3::QueryStyle::SpaceDelimited => QueryStyleKind::SpaceDelimited,
            openapiv3::QueryStyle::PipeDelimited => QueryStyleKind::PipeDelimited,
            openapiv3::QueryStyle::DeepObject => QueryStyleKind::DeepObject,
        }
    }
}

/// The `style`s a query parameter can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyleKind {
    /// `a=1&a=2` (exploded) or `a=1,2`; objects as `k=v` pairs or `a=k,v`.
    Form,
    /// `a=1%202`.
    SpaceDelimited,
    /// `a=1|2`.
    PipeDelimited,
    /// `a[k]=v` for every property of an object.
    DeepObject,
}

/// A request body.
#[derive(Debug, Clone)]
pub struct Body {
    /// The type.
    pub ty: TypeRef,
    /// Whether the body must be present.
    pub required: bool,
    /// The media type to send.
    pub media_type: String,
    /// How the body travels.
    pub encoding: Encoding,
    /// Documentation.
    pub doc: Option<String>,
    /// The document's example body, if any.
    pub example: Option<Value>,
    /// With [`Encoding::Multipart`] here or among the alternatives, one part per
    /// property of the body's struct, in its order.
    pub parts: Vec<Part>,
    /// With [`Encoding::Multipart`]: how the parts that name no property are read and
    /// written, each one entry of the body's map (or of its struct's additional
    /// properties), the part's name its key. `None` where the type holds no such
    /// entries, and such parts are left unread.
    pub entries: Option<Entries>,
    /// The other media types the operation accepts the same body in, in document order:
    /// the server reads each (dispatching on `Content-Type`), and the client sends one
    /// where it is told to prefer its encoding. Media types whose schema differs from
    /// the first's, or that cannot carry its type, are left out with a warning.
    pub alternatives: Vec<BodyMedia>,
    /// The name of the root element of an XML body: the schema's `xml.name`, else the
    /// name of the component it refers to, else `data` (as Schemathesis writes it).
    pub xml_root: String,
    /// Checks the server applies to the decoded body, whatever its media type, beyond
    /// its type's own `Validate` (a map's count and values, a string's length).
    pub constraints: Constraints,
    /// The body's other *forms*: media types whose schema differs from this one's, or
    /// that cannot be read into its type, each read into a type of its own, in
    /// document order. Their `required` and `doc` are this body's; their `others`
    /// are empty.
    pub others: Vec<Body>,
    /// With `others`: the enum the operation takes and gives, a variant per form.
    pub choice: Option<BodyChoice>,
    /// Where the body also travels as a form (`application/x-www-form-urlencoded`):
    /// how its properties are spelled, from the media type's `encoding`, as query
    /// parameters are (a property it does not name: `form`, exploded).
    pub form_styles: Vec<QueryStyle>,
}

/// The enum of a body offered in several forms: which form a value is decides
/// the media type it travels in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyChoice {
    /// The Rust name, unique within the `types` module.
    pub name: String,
    /// The variants' Rust names, one per form, the body's own first.
    pub variants: Vec<String>,
}

/// A media type a request body is also accepted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyMedia {
    /// The media type, as the document writes it.
    pub media_type: String,
    /// How the body travels in it.
    pub encoding: Encoding,
}

impl Body {
    /// The body's forms: this one, then [`Body::others`].
    pub fn forms(&self) -> impl Iterator<Item = &Body> + '_ {
        std::iter::once(self).chain(&self.others)
    }

    /// Whether any form of the body is accepted in `encoding`.
    pub fn any_accepts(&self, encoding: Encoding) -> bool {
        self.forms().any(|form| form.accepts(encoding))
    }

    /// Every media type the body is accepted in, the preferred one first.
    pub fn accepted(&self) -> impl Iterator<Item = BodyMedia> + '_ {
        std::iter::once(BodyMedia { media_type: self.media_type.clone(), encoding: self.encoding }).chain(self.alternatives.iter().cloned())
    }

    /// Whether the body is accepted in `encoding`.
    pub fn accepts(&self, encoding: Encoding) -> bool {
        self.encoding == encoding || self.alternatives.iter().any(|m| m.encoding == encoding)
    }
}

/// How one property of a multipart body travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The index of the property in the body struct's fields.
    pub field: usize,
    /// What the part holds.
    pub kind: PartKind,
    /// The part's `Content-Type`: the `encoding` map's `contentType` where it names one
    /// type, else the default of its kind (none for text).
    pub content_type: Option<String>,
}

/// The parts of a multipart body that are the entries of a map: a map body
/// (`additionalProperties` without `properties`), or a struct's additional properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Entries {
    /// What each part decodes into: the map's value type, or, for
    /// [`PartKind::Texts`], the item type of its lists.
    pub item: TypeRef,
    /// What each part holds: [`PartKind::Text`], [`PartKind::Texts`] (a list of
    /// scalars, one part per item under the key) or [`PartKind::Json`].
    pub kind: PartKind,
    /// The parts' `Content-Type`: `application/json` for JSON, none for text.
    pub content_type: Option<String>,
}

/// What a multipart part holds, which decides how it is written and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// One file ([`TypeRef::File`]).
    File,
    /// A list of files: one part per file, all under the property's name.
    Files,
    /// A scalar, as its text.
    Text,
    /// A list of scalars: one text part per item.
    Texts,
    /// Anything else (objects, lists of objects), as JSON.
    Json,
}

/// Which statuses a response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// One status code.
    Code(u16),
    /// `4XX` and the like: the first digit.
    Range(u16),
    /// `default`: every status not otherwise documented.
    Default,
}

impl Status {
    /// Whether the response is a success.
    pub fn is_success(self) -> bool {
        match self {
            Status::Code(code) => (200..300).contains(&code),
            Status::Range(digit) => digit == 2,
            Status::Default => false,
        }
    }
}

/// One documented response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The statuses it covers.
    pub status: Status,
    /// The variant name in the operation's success or error enum.
    pub variant: String,
    /// The response's description.
    pub doc: String,
    /// The body.
    pub body: Option<TypeRef>,
    /// How the body travels.
    pub encoding: Encoding,
    /// The body's media type.
    pub media_type: Option<String>,
    /// Typed response headers.
    pub headers: Vec<ResponseHeader>,
    /// The body's example, from the media type or the schema.
    pub example: Option<Value>,
    /// For bodies that carry a human-readable message, the JSON names leading to it.
    pub message_slot: Option<Vec<String>>,
    /// Where the server writes its retry delay in the body (a generated struct's field).
    pub retry_slot: Option<RetryHint>,
    /// Where the body says when to retry, should the answer be a 429: the
    /// response's `x-clawgen-retry-after`, else the `retry_slot` in seconds.
    pub retry_hint: Option<RetryHint>,
}

/// A place in a 429's JSON body that says when a retry may succeed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RetryHint {
    /// The JSON names leading to the value (`["error", "retry_after"]`).
    pub path: Vec<String>,
    /// What the value counts.
    pub unit: RetryUnit,
}

impl RetryHint {
    /// The path as a JSON pointer (`/error/retry_after`).
    pub fn pointer(&self) -> String {
        self.path.iter().map(|name| format!("/{}", name.replace('~', "~0").replace('/', "~1"))).collect()
    }
}

/// How a [`RetryHint`]'s value says when to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RetryUnit {
    /// A delay in seconds (a number, or a numeric string).
    Seconds,
    /// A delay in milliseconds.
    Milliseconds,
    /// An instant in Unix seconds.
    UnixSeconds,
    /// An RFC 3339 instant (`2025-02-03T15:00:00Z`).
    DateTime,
}

impl RetryUnit {
    /// The unit's name in `x-clawgen-retry-after`.
    pub const NAMES: [(&'static str, RetryUnit); 4] = [
        ("seconds", RetryUnit::Seconds),
        ("milliseconds", RetryUnit::Milliseconds),
        ("unix-seconds", RetryUnit::UnixSeconds),
        ("date-time", RetryUnit::DateTime),
    ];
}

/// A typed response header.
#[derive(Debug, Clone)]
pub struct ResponseHeader {
    /// The Rust field name.
    pub name: String,
    /// The header name.
    pub wire_name: String,
    /// The type.
    pub ty: TypeRef,
    /// Whether the server must send it.
    pub required: bool,
    /// Documentation.
    pub doc: Option<String>,
}

/// A security scheme.
#[derive(Debug, Clone)]
pub struct SecurityScheme {
    /// The name in `components.securitySchemes`.
    pub key: String,
    /// The Rust field name in `Credentials`.
    pub field: String,
    /// Documentation.
    pub doc: Option<String>,
    /// How credentials travel.
    pub kind: SchemeKind,
}

/// How a security scheme's credentials travel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeKind {
    /// An API key in a header.
    ApiKeyHeader {
        /// The header name.
        name: String,
    },
    /// An API key in a query parameter.
    ApiKeyQuery {
        /// The parameter name.
        name: String,
    },
    /// An API key in a cookie.
    ApiKeyCookie {
        /// The cookie name.
        name: String,
    },
    /// `Authorization: Bearer <token>` (http bearer, OAuth 2 and OpenID Connect).
    Bearer,
    /// `Authorization: Basic <base64>`: a user name and a password.
    Basic,
    /// Another HTTP authentication scheme (`Authorization: <scheme> <credentials>`),
    /// with the credentials passed through as they are.
    Http {
        /// The scheme's name as the document writes it (`DSN`, `Digest`…).
        scheme: String,
    },
    /// OpenAPI 3.1's `mutualTLS`: a client certificate presented in the TLS
    /// handshake. Nothing goes into the request: the client's certificate is
    /// its HTTP client's, and the server's TLS layer passes what it verified
    /// on in each request's extensions (the runtime's `ClientCertificate`).
    MutualTls,
}

impl SchemeKind {
    /// How the credentials travel, in a few words.
    pub fn describe(&self) -> String {
        match self {
            SchemeKind::ApiKeyHeader { name } => format!("an API key in the `{name}` header"),
            SchemeKind::ApiKeyQuery { name } => format!("an API key in the `{name}` query parameter"),
            SchemeKind::ApiKeyCookie { name } => format!("an API key in the `{name}` cookie"),
            SchemeKind::Bearer => "a token as `Authorization: Bearer <token>`".to_owned(),
            SchemeKind::Basic => "a user name and password as `Authorization: Basic`".to_owned(),
            SchemeKind::Http { scheme } => format!("credentials as `Authorization: {scheme} <credentials>`"),
            SchemeKind::MutualTls => "a client certificate in the TLS handshake (mutual TLS)".to_owned(),
        }
    }
}

/// One scheme of a requirement, with the scopes it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeUse {
    /// Index into [`Api::security_schemes`].
    pub scheme: usize,
    /// Required scopes (OAuth 2) or roles.
    pub scopes: Vec<String>,
}
