//! The rule catalogue: every kind of change `clawgen diff` reports, and how
//! severe it is in a request or a response.
//!
//! Most schema rules are stated as what the change does to the set of values
//! a schema accepts ([`Effect`]). Which side that breaks depends on who
//! produces the values: in a request the client writes and the server reads,
//! in a response the other way round. Narrowing what a reader accepts breaks
//! the writers that still send the old values; widening what writers may send
//! breaks the readers that only know the old ones.

use serde::Serialize;

/// How severe a change is, and for whom.
///
/// "Clients" are programs written against the OLD document talking to a
/// server that implements the NEW one. "Servers" are implementations of the
/// OLD document answering clients written against the NEW one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Breaks both clients and servers (a type that changed, a renamed operation).
    BreakingClientsAndServers,
    /// Breaks clients written against the OLD document.
    BreakingClients,
    /// Breaks servers that implement the OLD document.
    BreakingServers,
    /// Breaks neither.
    Compatible,
}

impl Severity {
    /// Every severity, in report order.
    pub const ALL: [Severity; 4] =
        [Severity::BreakingClientsAndServers, Severity::BreakingClients, Severity::BreakingServers, Severity::Compatible];

    /// The stable identifier used in JSON output (`breaking-clients`).
    pub fn id(self) -> &'static str {
        match self {
            Severity::BreakingClientsAndServers => "breaking-clients-and-servers",
            Severity::BreakingClients => "breaking-clients",
            Severity::BreakingServers => "breaking-servers",
            Severity::Compatible => "compatible",
        }
    }

    /// The heading used in text output and changelogs.
    pub fn title(self) -> &'static str {
        match self {
            Severity::BreakingClientsAndServers => "breaking for clients and servers",
            Severity::BreakingClients => "breaking for clients",
            Severity::BreakingServers => "breaking for servers",
            Severity::Compatible => "compatible",
        }
    }

    /// Whether the change breaks anyone.
    pub fn is_breaking(self) -> bool {
        self != Severity::Compatible
    }
}

/// Which way the data whose schema changed travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Parameters and request bodies: written by clients, read by servers.
    Request,
    /// Responses and their headers: written by servers, read by clients.
    Response,
}

/// What a schema change does to the set of values the schema accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Fewer values are valid.
    Narrowed,
    /// More values are valid.
    Widened,
    /// Some values became invalid and others valid.
    Replaced,
}

impl Effect {
    /// The severity of this effect on data travelling in `direction`.
    pub fn severity(self, direction: Direction) -> Severity {
        match (self, direction) {
            (Effect::Replaced, _) => Severity::BreakingClientsAndServers,
            // Old clients may send what new servers reject.
            (Effect::Narrowed, Direction::Request) => Severity::BreakingClients,
            // Old servers may reject what new clients send.
            (Effect::Widened, Direction::Request) => Severity::BreakingServers,
            // Old servers may send what new clients reject.
            (Effect::Narrowed, Direction::Response) => Severity::BreakingServers,
            // Old clients may receive what they do not understand.
            (Effect::Widened, Direction::Response) => Severity::BreakingClients,
        }
    }
}

/// A constraint keyword that can be tightened or loosened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Constraint {
    /// `minimum` or `exclusiveMinimum`.
    Minimum,
    /// `maximum` or `exclusiveMaximum`.
    Maximum,
    /// `minLength`.
    MinLength,
    /// `maxLength`.
    MaxLength,
    /// `minItems`.
    MinItems,
    /// `maxItems`.
    MaxItems,
    /// `minProperties`.
    MinProperties,
    /// `maxProperties`.
    MaxProperties,
    /// `pattern`.
    Pattern,
    /// `uniqueItems`.
    UniqueItems,
    /// `multipleOf`.
    MultipleOf,
}

impl Constraint {
    /// The keyword as rule identifiers spell it (`max-length`).
    pub fn id(self) -> &'static str {
        match self {
            Constraint::Minimum => "minimum",
            Constraint::Maximum => "maximum",
            Constraint::MinLength => "min-length",
            Constraint::MaxLength => "max-length",
            Constraint::MinItems => "min-items",
            Constraint::MaxItems => "max-items",
            Constraint::MinProperties => "min-properties",
            Constraint::MaxProperties => "max-properties",
            Constraint::Pattern => "pattern",
            Constraint::UniqueItems => "unique-items",
            Constraint::MultipleOf => "multiple-of",
        }
    }

    /// The keyword as documents spell it (`maxLength`).
    pub fn keyword(self) -> &'static str {
        match self {
            Constraint::Minimum => "minimum",
            Constraint::Maximum => "maximum",
            Constraint::MinLength => "minLength",
            Constraint::MaxLength => "maxLength",
            Constraint::MinItems => "minItems",
            Constraint::MaxItems => "maxItems",
            Constraint::MinProperties => "minProperties",
            Constraint::MaxProperties => "maxProperties",
            Constraint::Pattern => "pattern",
            Constraint::UniqueItems => "uniqueItems",
            Constraint::MultipleOf => "multipleOf",
        }
    }
}

/// One kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// An operation (method and path) is gone.
    OperationRemoved,
    /// A new operation.
    OperationAdded,
    /// The `operationId`, from which generated method and trait names come, changed.
    OperationIdChanged,
    /// The operation became deprecated.
    OperationDeprecated,
    /// A parameter is gone.
    ParameterRemoved,
    /// A new required parameter.
    RequiredParameterAdded,
    /// A new optional parameter.
    OptionalParameterAdded,
    /// An optional parameter became required.
    ParameterBecameRequired,
    /// A required parameter became optional.
    ParameterBecameOptional,
    /// `style` or `explode` changed, so the parameter is serialised differently.
    ParameterStyleChanged,
    /// The request body is gone.
    RequestBodyRemoved,
    /// A new required request body.
    RequiredRequestBodyAdded,
    /// A new optional request body.
    OptionalRequestBodyAdded,
    /// An optional request body became required.
    RequestBodyBecameRequired,
    /// A required request body became optional.
    RequestBodyBecameOptional,
    /// A media type of a request body or response is gone.
    MediaTypeRemoved,
    /// A new media type of a request body or response.
    MediaTypeAdded,
    /// Media types a request body keeps are read into other forms than before (a
    /// schema now differs from, or now matches, another media type's).
    RequestBodyFormsChanged,
    /// A response status is gone.
    ResponseRemoved,
    /// A new response status.
    ResponseAdded,
    /// A response header is gone.
    ResponseHeaderRemoved,
    /// A new optional response header.
    ResponseHeaderAdded,
    /// A new required response header.
    RequiredResponseHeaderAdded,
    /// A required response header became optional.
    ResponseHeaderBecameOptional,
    /// An optional response header became required.
    ResponseHeaderBecameRequired,
    /// The schema accepts fewer types (`number` to `integer`, a type where there was none).
    TypeNarrowed,
    /// The schema accepts more types (`integer` to `number`, a second type).
    TypeWidened,
    /// The types were replaced (`string` to `integer`).
    TypeChanged,
    /// A format was added or narrowed (`int64` to `int32`).
    FormatNarrowed,
    /// A format was removed or widened (`int32` to `int64`).
    FormatWidened,
    /// A format was replaced (`date` to `date-time`).
    FormatChanged,
    /// `null` became valid.
    BecameNullable,
    /// `null` is no longer valid.
    BecameNonNullable,
    /// An enum gained values.
    EnumValuesAdded,
    /// An enum lost values.
    EnumValuesRemoved,
    /// An enum now restricts a schema that accepted any value of its type.
    EnumAdded,
    /// An enum no longer restricts the schema.
    EnumRemoved,
    /// A constraint was added or made stricter.
    ConstraintTightened(Constraint),
    /// A constraint was removed or relaxed.
    ConstraintLoosened(Constraint),
    /// A constraint changed in a way that is neither (a different `pattern`).
    ConstraintChanged(Constraint),
    /// An object property is gone.
    PropertyRemoved,
    /// A new required object property.
    RequiredPropertyAdded,
    /// A new optional object property.
    OptionalPropertyAdded,
    /// An optional property became required.
    PropertyBecameRequired,
    /// A required property became optional.
    PropertyBecameOptional,
    /// Properties not listed are no longer allowed.
    AdditionalPropertiesForbidden,
    /// Properties not listed became allowed.
    AdditionalPropertiesAllowed,
    /// A `oneOf`/`anyOf` alternative is gone.
    VariantRemoved,
    /// A new `oneOf`/`anyOf` alternative.
    VariantAdded,
    /// A way to authenticate that used to be accepted is not any more (or anonymous access ended).
    SecurityRequirementRemoved,
    /// A new way to authenticate that OLD servers do not accept (fewer schemes, or anonymous access).
    SecurityRequirementAdded,
    /// A requirement now needs more OAuth2/OpenID scopes.
    SecurityScopesAdded,
    /// A requirement needs fewer scopes.
    SecurityScopesRemoved,
    /// A security scheme is sent differently (type, header name, location, HTTP scheme).
    SecuritySchemeChanged,
}

impl Rule {
    /// The stable identifier used in JSON output and text (`enum-values-added`).
    pub fn id(self) -> String {
        let fixed = match self {
            Rule::OperationRemoved => "operation-removed",
            Rule::OperationAdded => "operation-added",
            Rule::OperationIdChanged => "operation-id-changed",
            Rule::OperationDeprecated => "operation-deprecated",
            Rule::ParameterRemoved => "parameter-removed",
            Rule::RequiredParameterAdded => "required-parameter-added",
            Rule::OptionalParameterAdded => "optional-parameter-added",
            Rule::ParameterBecameRequired => "parameter-became-required",
            Rule::ParameterBecameOptional => "parameter-became-optional",
            Rule::ParameterStyleChanged => "parameter-style-changed",
            Rule::RequestBodyRemoved => "request-body-removed",
            Rule::RequiredRequestBodyAdded => "required-request-body-added",
            Rule::OptionalRequestBodyAdded => "optional-request-body-added",
            Rule::RequestBodyBecameRequired => "request-body-became-required",
            Rule::RequestBodyBecameOptional => "request-body-became-optional",
            Rule::MediaTypeRemoved => "media-type-removed",
            Rule::MediaTypeAdded => "media-type-added",
            Rule::RequestBodyFormsChanged => "request-body-forms-changed",
            Rule::ResponseRemoved => "response-removed",
            Rule::ResponseAdded => "response-added",
            Rule::ResponseHeaderRemoved => "response-header-removed",
            Rule::ResponseHeaderAdded => "response-header-added",
            Rule::RequiredResponseHeaderAdded => "required-response-header-added",
            Rule::ResponseHeaderBecameOptional => "response-header-became-optional",
            Rule::ResponseHeaderBecameRequired => "response-header-became-required",
            Rule::TypeNarrowed => "type-narrowed",
            Rule::TypeWidened => "type-widened",
            Rule::TypeChanged => "type-changed",
            Rule::FormatNarrowed => "format-narrowed",
            Rule::FormatWidened => "format-widened",
            Rule::FormatChanged => "format-changed",
            Rule::BecameNullable => "became-nullable",
            Rule::BecameNonNullable => "became-non-nullable",
            Rule::EnumValuesAdded => "enum-values-added",
            Rule::EnumValuesRemoved => "enum-values-removed",
            Rule::EnumAdded => "enum-added",
            Rule::EnumRemoved => "enum-removed",
            Rule::ConstraintTightened(c) => return format!("{}-tightened", c.id()),
            Rule::ConstraintLoosened(c) => return format!("{}-loosened", c.id()),
            Rule::ConstraintChanged(c) => return format!("{}-changed", c.id()),
            Rule::PropertyRemoved => "property-removed",
            Rule::RequiredPropertyAdded => "required-property-added",
            Rule::OptionalPropertyAdded => "optional-property-added",
            Rule::PropertyBecameRequired => "property-became-required",
            Rule::PropertyBecameOptional => "property-became-optional",
            Rule::AdditionalPropertiesForbidden => "additional-properties-forbidden",
            Rule::AdditionalPropertiesAllowed => "additional-properties-allowed",
            Rule::VariantRemoved => "variant-removed",
            Rule::VariantAdded => "variant-added",
            Rule::SecurityRequirementRemoved => "security-requirement-removed",
            Rule::SecurityRequirementAdded => "security-requirement-added",
            Rule::SecurityScopesAdded => "security-scopes-added",
            Rule::SecurityScopesRemoved => "security-scopes-removed",
            Rule::SecuritySchemeChanged => "security-scheme-changed",
        };
        fixed.to_owned()
    }

    /// What a schema rule does to the accepted values; `None` for rules that are not about values.
    pub fn effect(self) -> Option<Effect> {
        Some(match self {
            Rule::TypeNarrowed
            | Rule::FormatNarrowed
            | Rule::BecameNonNullable
            | Rule::EnumValuesRemoved
            | Rule::EnumAdded
            | Rule::ConstraintTightened(_)
            | Rule::PropertyBecameRequired
            | Rule::AdditionalPropertiesForbidden
            | Rule::VariantRemoved => Effect::Narrowed,
            Rule::TypeWidened
            | Rule::FormatWidened
            | Rule::BecameNullable
            | Rule::EnumValuesAdded
            | Rule::EnumRemoved
            | Rule::ConstraintLoosened(_)
            | Rule::PropertyBecameOptional
            | Rule::AdditionalPropertiesAllowed
            | Rule::VariantAdded => Effect::Widened,
            Rule::TypeChanged | Rule::FormatChanged | Rule::ConstraintChanged(_) => Effect::Replaced,
            _ => return None,
        })
    }

    /// How severe the rule is for data travelling in `direction` (`None` outside schemas).
    ///
    /// This function is the classification; the README's rule table repeats it with reasons.
    pub fn severity(self, direction: Option<Direction>) -> Severity {
        if let (Some(effect), Some(direction)) = (self.effect(), direction) {
            return effect.severity(direction);
        }
        match self {
            // Calls that used to work fail, or typed clients lose a name they use.
            Rule::OperationRemoved
            | Rule::ParameterRemoved
            | Rule::RequiredParameterAdded
            | Rule::ParameterBecameRequired
            | Rule::RequestBodyRemoved
            | Rule::RequiredRequestBodyAdded
            | Rule::RequestBodyBecameRequired
            | Rule::MediaTypeRemoved
            | Rule::ResponseRemoved
            | Rule::ResponseHeaderRemoved
            | Rule::ResponseHeaderBecameOptional
            | Rule::PropertyRemoved
            | Rule::SecurityRequirementRemoved
            | Rule::SecurityScopesAdded => Severity::BreakingClients,
            // A new required property is a narrowing only for whoever must now write it.
            Rule::RequiredPropertyAdded => match direction {
                Some(Direction::Response) => Severity::BreakingServers,
                _ => Severity::BreakingClients,
            },
            // Old servers insist on what new clients may leave out.
            Rule::ParameterBecameOptional
            | Rule::RequestBodyBecameOptional
            | Rule::ResponseHeaderBecameRequired
            | Rule::RequiredResponseHeaderAdded
            | Rule::SecurityRequirementAdded
            | Rule::SecurityScopesRemoved => Severity::BreakingServers,
            // Generated names change, and the wire format of a parameter or credential changes.
            Rule::OperationIdChanged | Rule::ParameterStyleChanged | Rule::SecuritySchemeChanged => Severity::BreakingClientsAndServers,
            Rule::OperationAdded
            | Rule::OperationDeprecated
            | Rule::OptionalParameterAdded
            | Rule::OptionalRequestBodyAdded
            | Rule::MediaTypeAdded
            | Rule::RequestBodyFormsChanged
            | Rule::ResponseAdded
            | Rule::ResponseHeaderAdded
            | Rule::OptionalPropertyAdded => Severity::Compatible,
            // Schema rules without a direction cannot occur; treat them as the strictest.
            _ => Severity::BreakingClientsAndServers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_decides_who_a_narrowing_breaks() {
        assert_eq!(Rule::EnumValuesRemoved.severity(Some(Direction::Request)), Severity::BreakingClients);
        assert_eq!(Rule::EnumValuesRemoved.severity(Some(Direction::Response)), Severity::BreakingServers);
        assert_eq!(Rule::EnumValuesAdded.severity(Some(Direction::Request)), Severity::BreakingServers);
        assert_eq!(Rule::EnumValuesAdded.severity(Some(Direction::Response)), Severity::BreakingClients);
        assert_eq!(Rule::TypeChanged.severity(Some(Direction::Request)), Severity::BreakingClientsAndServers);
    }

    #[test]
    fn rule_ids_are_kebab_case() {
        assert_eq!(Rule::ConstraintTightened(Constraint::MaxLength).id(), "max-length-tightened");
        assert_eq!(Rule::SecurityScopesAdded.id(), "security-scopes-added");
    }
}
