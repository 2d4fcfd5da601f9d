//! One test per rule (small inline documents), the 3.0/3.1 equivalences, `$ref`s and cycles.

use std::path::Path;

use serde_json::{Value, json};

use super::*;

fn source(name: &str, document: &Value) -> Source {
    Source::parse(Path::new(name), serde_json::to_string_pretty(document).unwrap()).unwrap()
}

fn compare(old: &Value, new: &Value) -> Report {
    diff(&source("old.json", old), &source("new.json", new)).unwrap_or_else(|err| panic!("{err}"))
}

/// `(rule, severity, summary)` of every change.
fn changes(old: &Value, new: &Value) -> Vec<(String, Severity, String)> {
    compare(old, new).changes.into_iter().map(|c| (c.rule.id(), c.severity, c.summary())).collect()
}

/// Asserts the changes regardless of order (the report's order is covered by the CLI snapshots).
fn assert_changes(old: &Value, new: &Value, expected: &[(&str, Severity, &str)]) {
    let found = changes(old, new);
    let mut found_ref: Vec<(&str, Severity, &str)> = found.iter().map(|(r, s, m)| (r.as_str(), *s, m.as_str())).collect();
    let mut expected = expected.to_vec();
    found_ref.sort();
    expected.sort();
    let listing: Vec<String> = found.iter().map(|(r, s, m)| format!("(\"{r}\", {s:?}, \"{m}\"),")).collect();
    assert_eq!(found_ref, expected, "\nfound:\n{}", listing.join("\n"));
}

fn assert_no_changes(old: &Value, new: &Value) {
    let found = changes(old, new);
    assert!(found.is_empty(), "expected no changes, found {found:#?}");
}

/// `POST /things` with `request` as its JSON body and `response` as its 200 body.
fn api(openapi: &str, request: Value, response: Value, schemas: Value) -> Value {
    json!({
        "openapi": openapi,
        "info": {"title": "Things", "version": "1.0.0"},
        "paths": {"/things": {"post": {
            "operationId": "createThing",
            "requestBody": {"required": true, "content": {"application/json": {"schema": request}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": response}}}}
        }}},
        "components": {"schemas": schemas}
    })
}

/// The same `Thing` schema in the request and the response.
fn thing(thing: Value) -> Value {
    let reference = json!({"$ref": "#/components/schemas/Thing"});
    api("3.1.0", reference.clone(), reference, json!({"Thing": thing}))
}

const REQ: &str = "POST /things: request body (application/json)";
const RES: &str = "POST /things: response 200 (application/json)";

use Severity::{BreakingClients as Clients, BreakingClientsAndServers as Both, BreakingServers as Servers, Compatible};

fn at(prefix: &str, rest: &str) -> String {
    format!("{prefix}{rest}")
}

#[test]
fn operations_added_removed_renamed_and_deprecated() {
    let old = json!({"openapi": "3.1.0", "info": {"title": "T", "version": "1.0.0"}, "paths": {
        "/a": {"get": {"operationId": "getA", "responses": {"200": {"description": "ok"}}}},
        "/b": {"get": {"operationId": "getB", "responses": {"200": {"description": "ok"}}}}
    }});
    let new = json!({"openapi": "3.1.0", "info": {"title": "T", "version": "1.1.0"}, "paths": {
        "/a": {"get": {"operationId": "fetchA", "deprecated": true, "responses": {"200": {"description": "ok"}}}},
        "/c": {"post": {"responses": {"200": {"description": "ok"}}}}
    }});
    assert_changes(
        &old,
        &new,
        &[
            (
                "operation-id-changed",
                Both,
                "GET /a: operationId changed from `getA` to `fetchA` (generated method and trait names follow it)",
            ),
            ("operation-removed", Clients, "GET /b: operation removed"),
            ("operation-deprecated", Compatible, "GET /a: operation deprecated"),
            ("operation-added", Compatible, "POST /c: operation added"),
        ],
    );
}

fn with_parameters(parameters: Value) -> Value {
    json!({"openapi": "3.1.0", "info": {"title": "T", "version": "1.0.0"}, "paths": {
        "/things/{id}": {"get": {"parameters": parameters, "responses": {"200": {"description": "ok"}}}}
    }})
}

#[test]
fn parameters_added_removed_and_made_required_or_optional() {
    let old = with_parameters(json!([
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "gone", "in": "query", "schema": {"type": "string"}},
        {"name": "tighter", "in": "query", "schema": {"type": "string"}},
        {"name": "looser", "in": "query", "required": true, "schema": {"type": "string"}},
        {"name": "list", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}
    ]));
    let new = with_parameters(json!([
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "tighter", "in": "query", "required": true, "schema": {"type": "string"}},
        {"name": "looser", "in": "query", "schema": {"type": "string"}},
        {"name": "list", "in": "query", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}},
        {"name": "must", "in": "query", "required": true, "schema": {"type": "string"}},
        {"name": "X-Maybe", "in": "header", "schema": {"type": "string"}}
    ]));
    assert_changes(
        &old,
        &new,
        &[
            (
                "parameter-style-changed",
                Both,
                "GET /things/{id}: query parameter `list`: serialised differently: style form explode true became style form explode false",
            ),
            ("required-parameter-added", Clients, "GET /things/{id}: query parameter `must`: required parameter added"),
            ("parameter-removed", Clients, "GET /things/{id}: query parameter `gone`: parameter removed"),
            ("parameter-became-required", Clients, "GET /things/{id}: query parameter `tighter`: became required"),
            ("parameter-became-optional", Servers, "GET /things/{id}: query parameter `looser`: became optional"),
            ("optional-parameter-added", Compatible, "GET /things/{id}: header parameter `X-Maybe`: optional parameter added"),
        ],
    );
}

#[test]
fn renaming_a_path_parameter_is_not_a_change() {
    let old = with_parameters(json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]));
    let new = json!({"openapi": "3.1.0", "info": {"title": "T", "version": "1.0.0"}, "paths": {
        "/things/{thingId}": {"get": {
            "parameters": [{"name": "thingId", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}
        }}
    }});
    assert_no_changes(&old, &new);
}

#[test]
fn parameter_schemas_are_compared_as_requests() {
    let old = with_parameters(json!([
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
    ]));
    let new = with_parameters(json!([
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 50}}
    ]));
    assert_changes(
        &old,
        &new,
        &[
            ("maximum-tightened", Clients, "GET /things/{id}: query parameter `limit`: maximum tightened from <= 100 to <= 50"),
            ("minimum-loosened", Servers, "GET /things/{id}: query parameter `limit`: minimum loosened from >= 1 to >= 0"),
        ],
    );
}

#[test]
fn request_bodies_and_media_types() {
    let body = |required: bool, media: &[&str]| {
        let content: serde_json::Map<String, Value> =
            media.iter().map(|m| (m.to_string(), json!({"schema": {"type": "string"}}))).collect();
        json!({"openapi": "3.1.0", "info": {"title": "T", "version": "1.0.0"}, "paths": {
            "/a": {"post": {"requestBody": {"required": required, "content": content}, "responses": {"200": {"description": "ok"}}}}
        }})
    };
    assert_changes(
        &body(false, &["application/json"]),
        &body(true, &["application/json"]),
        &[("request-body-became-required", Clients, "POST /a: request body: became required")],
    );
    assert_changes(
        &body(true, &["application/json"]),
        &body(false, &["application/json"]),
        &[("request-body-became-optional", Servers, "POST /a: request body: became optional")],
    );
    assert_changes(
        &body(true, &["application/json", "text/plain"]),
        &body(true, &["application/json; charset=utf-8", "application/xml"]),
        &[
            ("media-type-removed", Clients, "POST /a: request body (text/plain): media type removed"),
            ("media-type-added", Compatible, "POST /a: request body (application/xml): media type added"),
        ],
    );
    let without = json!({"openapi": "3.1.0", "info": {"title": "T", "version": "1.0.0"}, "paths": {
        "/a": {"post": {"responses": {"200": {"description": "ok"}}}}
    }});
    assert_changes(
        &body(true, &["text/plain"]),
        &without,
        &[("request-body-removed", Clients, "POST /a: request body: request body removed")],
    );
    assert_changes(
        &without,
        &body(true, &["text/plain"]),
        &[("required-request-body-added", Clients, "POST /a: request body: required request body added")],
    );
    assert_changes(
        &without,
        &body(false, &["text/plain"]),
        &[("optional-request-body-added", Compatible, "POST /a: request body: optional request body added")],
    );
}

fn with_responses(responses: Value) -> Value {
    json!({"openapi": "3.1.0", "info": {"title": "T", "version": "1.0.0"}, "paths": {"/a": {"get": {"responses": responses}}}})
}

#[test]
fn responses_and_their_headers() {
    let header = |required: bool| json!({"required": required, "schema": {"type": "integer"}});
    let old = with_responses(json!({
        "200": {"description": "ok", "headers": {"X-Gone": header(true), "X-Loose": header(true), "X-Tight": header(false)}},
        "404": {"description": "missing"}
    }));
    let new = with_responses(json!({
        "200": {"description": "ok", "headers": {"x-loose": header(false), "X-Tight": header(true), "X-New": header(false), "X-Must": header(true)}},
        "429": {"description": "slow down"}
    }));
    assert_changes(
        &old,
        &new,
        &[
            ("response-header-became-optional", Clients, "GET /a: response 200 header `x-loose`: became optional"),
            ("response-header-removed", Clients, "GET /a: response 200 header `X-Gone`: header removed"),
            ("response-removed", Clients, "GET /a: response 404: response removed"),
            ("required-response-header-added", Servers, "GET /a: response 200 header `X-Must`: required header added"),
            ("response-header-became-required", Servers, "GET /a: response 200 header `X-Tight`: became required"),
            ("response-header-added", Compatible, "GET /a: response 200 header `X-New`: optional header added"),
            ("response-added", Compatible, "GET /a: response 429: response added"),
        ],
    );
}

#[test]
fn type_changes_by_direction() {
    assert_changes(
        &thing(json!({"type": "string"})),
        &thing(json!({"type": "integer"})),
        &[
            ("type-changed", Both, &at(REQ, ": type changed from string to integer")),
            ("type-changed", Both, &at(RES, ": type changed from string to integer")),
        ],
    );
    // An integer is a number: widening breaks readers, so servers for requests and clients for responses.
    assert_changes(
        &thing(json!({"type": "integer"})),
        &thing(json!({"type": "number"})),
        &[
            ("type-widened", Clients, &at(RES, ": type changed from integer to number")),
            ("type-widened", Servers, &at(REQ, ": type changed from integer to number")),
        ],
    );
}

#[test]
fn format_changes() {
    assert_changes(
        &thing(json!({"type": "integer", "format": "int32"})),
        &thing(json!({"type": "integer", "format": "int64"})),
        &[
            ("format-widened", Clients, &at(RES, ": format changed from `int32` to `int64`")),
            ("format-widened", Servers, &at(REQ, ": format changed from `int32` to `int64`")),
        ],
    );
    assert_changes(
        &thing(json!({"type": "string", "format": "date"})),
        &thing(json!({"type": "string", "format": "date-time"})),
        &[
            ("format-changed", Both, &at(REQ, ": format changed from `date` to `date-time`")),
            ("format-changed", Both, &at(RES, ": format changed from `date` to `date-time`")),
        ],
    );
}

#[test]
fn nullability_changes() {
    assert_changes(
        &thing(json!({"type": "string"})),
        &thing(json!({"type": ["string", "null"]})),
        &[("became-nullable", Clients, &at(RES, ": became nullable")), ("became-nullable", Servers, &at(REQ, ": became nullable"))],
    );
    let old = api(
        "3.0.3",
        json!({"$ref": "#/components/schemas/Thing"}),
        json!({"type": "string"}),
        json!({"Thing": {"type": "string", "nullable": true}}),
    );
    let new = api("3.0.3", json!({"$ref": "#/components/schemas/Thing"}), json!({"type": "string"}), json!({"Thing": {"type": "string"}}));
    assert_changes(&old, &new, &[("became-non-nullable", Clients, &at(REQ, ": no longer nullable"))]);
}

#[test]
fn enum_values_by_direction() {
    let old = thing(json!({"type": "string", "enum": ["a", "b"]}));
    let new = thing(json!({"type": "string", "enum": ["b", "c"]}));
    assert_changes(
        &old,
        &new,
        &[
            ("enum-values-removed", Clients, &at(REQ, ": enum values removed: `a`")),
            ("enum-values-added", Clients, &at(RES, ": enum values added: `c`")),
            ("enum-values-added", Servers, &at(REQ, ": enum values added: `c`")),
            ("enum-values-removed", Servers, &at(RES, ": enum values removed: `a`")),
        ],
    );
    assert_changes(
        &thing(json!({"type": "string"})),
        &thing(json!({"type": "string", "const": "a"})),
        &[
            ("enum-added", Clients, &at(REQ, ": restricted to the values `a`")),
            ("enum-added", Servers, &at(RES, ": restricted to the values `a`")),
        ],
    );
    assert_changes(
        &thing(json!({"type": "string", "enum": ["a"]})),
        &thing(json!({"type": "string"})),
        &[
            ("enum-removed", Clients, &at(RES, ": no longer restricted to the values `a`")),
            ("enum-removed", Servers, &at(REQ, ": no longer restricted to the values `a`")),
        ],
    );
}

#[test]
fn constraints_tightened_and_loosened() {
    let old = thing(json!({"type": "object", "properties": {
        "n": {"type": "number", "minimum": 0, "maximum": 10},
        "s": {"type": "string", "maxLength": 10, "pattern": "^a"},
        "l": {"type": "array", "items": {"type": "string"}, "minItems": 1}
    }}));
    let new = thing(json!({"type": "object", "properties": {
        "n": {"type": "number", "minimum": 0, "exclusiveMaximum": 10},
        "s": {"type": "string", "minLength": 1, "maxLength": 20, "pattern": "^b"},
        "l": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}
    }}));
    assert_changes(
        &old,
        &new,
        &[
            ("min-items-loosened", Clients, &at(RES, " property `l`: minItems loosened from 1 to 0")),
            ("unique-items-tightened", Servers, &at(RES, " property `l`: items must be unique")),
            ("maximum-tightened", Servers, &at(RES, " property `n`: maximum tightened from <= 10 to < 10")),
            ("pattern-changed", Both, &at(RES, " property `s`: pattern changed from `^a` to `^b`")),
            ("max-length-loosened", Clients, &at(RES, " property `s`: maxLength loosened from 10 to 20")),
            ("min-length-tightened", Servers, &at(RES, " property `s`: minLength tightened from 0 to 1")),
            ("min-items-loosened", Servers, &at(REQ, " property `l`: minItems loosened from 1 to 0")),
            ("unique-items-tightened", Clients, &at(REQ, " property `l`: items must be unique")),
            ("maximum-tightened", Clients, &at(REQ, " property `n`: maximum tightened from <= 10 to < 10")),
            ("pattern-changed", Both, &at(REQ, " property `s`: pattern changed from `^a` to `^b`")),
            ("max-length-loosened", Servers, &at(REQ, " property `s`: maxLength loosened from 10 to 20")),
            ("min-length-tightened", Clients, &at(REQ, " property `s`: minLength tightened from 0 to 1")),
        ],
    );
}

#[test]
fn properties_by_direction() {
    let old = thing(json!({"type": "object", "required": ["a", "b"], "properties": {
        "a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}, "gone": {"type": "string"}
    }}));
    let new = thing(json!({"type": "object", "required": ["a", "c", "must"], "properties": {
        "a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"},
        "must": {"type": "string"}, "maybe": {"type": "string"}
    }}));
    assert_changes(
        &old,
        &new,
        &[
            ("property-removed", Clients, &at(REQ, " property `gone`: property removed")),
            ("property-became-required", Clients, &at(REQ, " property `c`: became required")),
            ("required-property-added", Clients, &at(REQ, " property `must`: required property added")),
            ("property-removed", Clients, &at(RES, " property `gone`: property removed")),
            ("property-became-optional", Clients, &at(RES, " property `b`: became optional")),
            ("property-became-required", Servers, &at(RES, " property `c`: became required")),
            ("required-property-added", Servers, &at(RES, " property `must`: required property added")),
            ("property-became-optional", Servers, &at(REQ, " property `b`: became optional")),
            ("optional-property-added", Compatible, &at(REQ, " property `maybe`: optional property added")),
            ("optional-property-added", Compatible, &at(RES, " property `maybe`: optional property added")),
        ],
    );
}

#[test]
fn read_only_properties_are_not_part_of_requests() {
    let old = thing(json!({"type": "object", "properties": {"id": {"type": "string", "readOnly": true}}}));
    let new = thing(json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "readOnly": true}}}));
    assert_changes(&old, &new, &[("property-became-required", Servers, &at(RES, " property `id`: became required"))]);
}

#[test]
fn nested_items_and_additional_properties() {
    let old = thing(json!({"type": "object", "properties": {
        "list": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "string"}}}},
        "map": {"type": "object", "additionalProperties": {"type": "integer"}}
    }}));
    let new = thing(json!({"type": "object", "additionalProperties": false, "properties": {
        "list": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "integer"}}}},
        "map": {"type": "object", "additionalProperties": {"type": "string"}}
    }}));
    assert_changes(
        &old,
        &new,
        &[
            ("type-changed", Both, &at(REQ, " property `list[].x`: type changed from string to integer")),
            ("type-changed", Both, &at(REQ, " property `map.*`: type changed from integer to string")),
            ("type-changed", Both, &at(RES, " property `list[].x`: type changed from string to integer")),
            ("type-changed", Both, &at(RES, " property `map.*`: type changed from integer to string")),
            ("additional-properties-forbidden", Servers, &at(RES, ": properties not listed are no longer allowed")),
            ("additional-properties-forbidden", Clients, &at(REQ, ": properties not listed are no longer allowed")),
        ],
    );
}

#[test]
fn one_of_alternatives() {
    let schemas = |alternatives: Value| {
        json!({"Thing": {"oneOf": alternatives}, "Cat": {"type": "object", "properties": {"name": {"type": "string"}}},
               "Dog": {"type": "object"}, "Eel": {"type": "object"}})
    };
    let reference = json!({"$ref": "#/components/schemas/Thing"});
    let old = api(
        "3.1.0",
        reference.clone(),
        reference.clone(),
        schemas(json!([{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}])),
    );
    let mut new = schemas(json!([{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Eel"}]));
    new["Cat"]["properties"]["name"]["type"] = json!("integer");
    let new = api("3.1.0", reference.clone(), reference, new);
    assert_changes(
        &old,
        &new,
        &[
            ("type-changed", Both, &at(REQ, " property `(Cat).name`: type changed from string to integer")),
            ("variant-removed", Clients, &at(REQ, ": alternative `Dog` removed")),
            ("type-changed", Both, &at(RES, " property `(Cat).name`: type changed from string to integer")),
            ("variant-added", Clients, &at(RES, ": alternative `Eel` added")),
            ("variant-removed", Servers, &at(RES, ": alternative `Dog` removed")),
            ("variant-added", Servers, &at(REQ, ": alternative `Eel` added")),
        ],
    );
}

fn secured(global: Value, operation: Option<Value>, schemes: Value) -> Value {
    let mut op = json!({"responses": {"200": {"description": "ok"}}});
    if let Some(security) = operation {
        op["security"] = security;
    }
    json!({"openapi": "3.1.0", "info": {"title": "T", "version": "1.0.0"}, "security": global,
           "paths": {"/a": {"get": op}}, "components": {"securitySchemes": schemes}})
}

#[test]
fn security_requirements_and_scopes() {
    let schemes = json!({"key": {"type": "apiKey", "in": "header", "name": "X-Key"}, "oauth": {"type": "oauth2", "flows": {}}});
    // A scope more on the global requirement: reported once, not per operation.
    assert_changes(
        &secured(json!([{"oauth": ["read"]}]), None, schemes.clone()),
        &secured(json!([{"oauth": ["read", "write"]}]), None, schemes.clone()),
        &[("security-scopes-added", Clients, "global security: `oauth` now needs the scopes `write`")],
    );
    // A public operation that now needs credentials.
    assert_changes(
        &secured(json!([{"key": []}]), Some(json!([])), schemes.clone()),
        &secured(json!([{"key": []}]), None, schemes.clone()),
        &[("security-requirement-removed", Clients, "GET /a: security: anonymous access removed: credentials are now required")],
    );
    // And the reverse: old servers still demand a key that new clients may not send.
    assert_changes(
        &secured(json!([{"key": []}]), None, schemes.clone()),
        &secured(json!([{"key": []}]), Some(json!([])), schemes.clone()),
        &[("security-requirement-added", Servers, "GET /a: security: anonymous access added: credentials are no longer required")],
    );
    // A second way in, and a way in that went away.
    assert_changes(
        &secured(json!([{"key": []}, {"oauth": []}]), None, schemes.clone()),
        &secured(json!([{"key": []}, {"oauth": [], "key": []}]), None, schemes.clone()),
        &[("security-requirement-removed", Clients, "global security: `oauth` no longer accepted")],
    );
    assert_changes(
        &secured(json!([{"key": []}]), None, schemes.clone()),
        &secured(json!([{"key": []}, {"oauth": []}]), None, schemes),
        &[("security-requirement-added", Servers, "global security: `oauth` now accepted")],
    );
}

#[test]
fn security_schemes_sent_differently() {
    let old = secured(json!([{"key": []}]), None, json!({"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}));
    let same = secured(json!([{"key": []}]), None, json!({"key": {"type": "apiKey", "in": "header", "name": "x-key", "description": "d"}}));
    let new = secured(json!([{"key": []}]), None, json!({"key": {"type": "apiKey", "in": "query", "name": "key"}}));
    assert_no_changes(&old, &same);
    assert_changes(
        &old,
        &new,
        &[(
            "security-scheme-changed",
            Both,
            "security scheme `key`: credentials are sent differently: apiKey header x-key became apiKey query key",
        )],
    );
}

#[test]
fn openapi_30_and_31_spellings_of_the_same_schema_are_equal() {
    let old = api(
        "3.0.3",
        json!({"$ref": "#/components/schemas/Thing"}),
        json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "nullable": true}),
        json!({"Thing": {"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["only"]},
            "owner": {"allOf": [{"$ref": "#/components/schemas/Owner"}], "nullable": true, "description": "who"},
            "tags": {"type": "array", "items": {"type": "string"}, "nullable": true}
        }}, "Owner": {"type": "object", "properties": {"name": {"type": "string"}}}}),
    );
    let new = api(
        "3.1.0",
        json!({"$ref": "#/components/schemas/Thing"}),
        json!({"type": ["integer", "null"], "exclusiveMinimum": 0}),
        json!({"Thing": {"properties": {
            "kind": {"type": "string", "const": "only"},
            "owner": {"anyOf": [{"$ref": "#/components/schemas/Owner"}, {"type": "null"}], "description": "who owns it"},
            "tags": {"type": ["array", "null"], "items": {"type": "string"}}
        }}, "Owner": {"type": "object", "properties": {"name": {"type": "string"}}}}),
    );
    assert_no_changes(&old, &new);
    assert_no_changes(&new, &old);
}

#[test]
fn a_schema_moved_into_components_is_not_a_change() {
    let inline = json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}});
    let old = api("3.1.0", inline.clone(), inline.clone(), json!({}));
    let new = api(
        "3.1.0",
        json!({"$ref": "#/components/schemas/Thing"}),
        json!({"$ref": "#/components/schemas/Alias"}),
        json!({"Thing": inline, "Alias": {"$ref": "#/components/schemas/Thing"}}),
    );
    assert_no_changes(&old, &new);
    assert_no_changes(&new, &old);
}

#[test]
fn recursive_schemas_terminate_and_report_changes_inside() {
    let tree = |leaf: &str| {
        json!({"Node": {"type": "object", "properties": {
            "value": {"type": leaf},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            "parent": {"$ref": "#/components/schemas/Other"}
        }}, "Other": {"type": "object", "properties": {"back": {"$ref": "#/components/schemas/Node"}}}})
    };
    let reference = json!({"$ref": "#/components/schemas/Node"});
    let old = api("3.1.0", reference.clone(), reference.clone(), tree("string"));
    let new = api("3.1.0", reference.clone(), reference, tree("integer"));
    assert_no_changes(&old, &old);
    assert_changes(
        &old,
        &new,
        &[
            ("type-changed", Both, &at(REQ, " property `value`: type changed from string to integer")),
            ("type-changed", Both, &at(RES, " property `value`: type changed from string to integer")),
        ],
    );
}

#[test]
fn locations_point_into_the_new_document_or_the_old_one_for_removals() {
    let old = thing(json!({"type": "object", "properties": {"gone": {"type": "string"}, "n": {"type": "integer", "maximum": 5}}}));
    let new = thing(json!({"type": "object", "properties": {"n": {"type": "integer", "maximum": 3}}}));
    let report = compare(&old, &new);
    let removed = report.changes.iter().find(|c| c.rule == Rule::PropertyRemoved).unwrap();
    assert_eq!((removed.side, removed.location.pointer.as_str()), (Side::Old, "/components/schemas/Thing/properties/gone"));
    assert_eq!(removed.location.file, Path::new("old.json"));
    assert!(removed.location.line_col.is_some());
    let tightened = report.changes.iter().find(|c| c.rule == Rule::ConstraintTightened(Constraint::Maximum)).unwrap();
    assert_eq!((tightened.side, tightened.location.pointer.as_str()), (Side::New, "/components/schemas/Thing/properties/n/maximum"));
}

#[test]
fn dangling_references_and_non_openapi_documents_are_errors() {
    let ok = thing(json!({"type": "string"}));
    let dangling = api("3.1.0", json!({"$ref": "#/components/schemas/Missing"}), json!({}), json!({}));
    let err = diff(&source("old.json", &ok), &source("new.json", &dangling)).unwrap_err();
    assert!(err.to_string().contains("points at nothing") && err.is_input_error(), "{err}");
    let swagger = json!({"swagger": "2.0", "info": {"title": "T", "version": "1"}});
    let err = diff(&source("old.json", &swagger), &source("new.json", &ok)).unwrap_err();
    assert!(err.to_string().contains("not an OpenAPI 3 document"), "{err}");
}

#[test]
fn the_report_suggests_a_bump() {
    let mut new = thing(json!({"type": "integer"}));
    new["info"]["version"] = json!("1.0.1");
    let report = compare(&thing(json!({"type": "string"})), &new);
    assert!(report.is_breaking());
    assert_eq!((report.suggestion.bump, report.suggestion.version.as_deref()), (Bump::Major, Some("2.0.0")));
    assert_eq!(report.suggestion.sufficient, Some(false));
    let mut docs_only = thing(json!({"type": "string", "description": "now documented"}));
    docs_only["info"]["version"] = json!("1.0.1");
    let report = compare(&thing(json!({"type": "string"})), &docs_only);
    assert!(report.changes.is_empty() && !report.identical);
    assert_eq!((report.suggestion.bump, report.suggestion.sufficient), (Bump::Patch, Some(true)));
}

fn specs() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let mut specs: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    specs.sort();
    specs
}

#[test]
fn every_spec_compared_with_itself_has_no_changes() {
    for spec in specs() {
        let source = Source::read(&spec).unwrap();
        let report = diff(&source, &source).unwrap();
        assert!(report.changes.is_empty() && report.identical, "{}: {:#?}", spec.display(), report.changes);
    }
}

/// The normaliser rewrites each 3.1 spec into 3.0 spellings; the diff must see the same API.
#[test]
fn every_spec_compared_with_its_30_spelling_has_no_changes() {
    for spec in specs() {
        let source = Source::read(&spec).unwrap();
        let mut rewritten = crate::normalize::normalize(&source).unwrap().json;
        rewritten["openapi"] = json!("3.0.3");
        let rewritten = Source::parse(Path::new("rewritten.json"), rewritten.to_string()).unwrap();
        let report = diff(&source, &rewritten).unwrap();
        let found: Vec<String> = report.changes.iter().map(Change::summary).collect();
        assert!(found.is_empty(), "{}: {found:#?}", spec.display());
    }
}

/// `(rule, Rust effect)` of every change.
fn rust_effects(old: &Value, new: &Value) -> Vec<(String, RustEffect)> {
    compare(old, new).changes.into_iter().map(|c| (c.rule.id(), c.rust)).collect()
}

#[test]
fn an_optional_query_parameter_is_additive_only_beside_another() {
    let op = |parameters: Value| {
        json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"}, "paths": {"/things": {"get": {
            "operationId": "listThings", "parameters": parameters, "responses": {"200": {"description": "ok"}}
        }}}})
    };
    let limit = json!({"name": "limit", "in": "query", "schema": {"type": "integer"}});
    let page = json!({"name": "page", "in": "query", "schema": {"type": "integer"}});
    let trace = json!({"name": "X-Trace", "in": "header", "schema": {"type": "string"}});
    // A field of the existing `#[non_exhaustive]` query struct.
    let added = rust_effects(&op(json!([limit])), &op(json!([limit, page])));
    assert_eq!(added, [("optional-parameter-added".to_owned(), RustEffect::Additive)]);
    // The first query parameter, or a header, is a new argument of the client method.
    let first = rust_effects(&op(json!([])), &op(json!([page])));
    assert_eq!(first, [("optional-parameter-added".to_owned(), RustEffect::Breaking)]);
    let header = rust_effects(&op(json!([limit])), &op(json!([limit, trace])));
    assert_eq!(header, [("optional-parameter-added".to_owned(), RustEffect::Breaking)]);
}

#[test]
fn a_second_success_breaks_the_rust_api_and_an_error_adds_to_it() {
    let op = |responses: Value| {
        json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"}, "paths": {"/things": {"get": {
            "operationId": "listThings", "responses": responses
        }}}})
    };
    let ok = json!({"description": "ok"});
    let added = |old: Value, new: Value| rust_effects(&op(old), &op(new));
    assert_eq!(added(json!({"200": ok}), json!({"200": ok, "404": ok})), [("response-added".to_owned(), RustEffect::Additive)]);
    assert_eq!(added(json!({"200": ok}), json!({"200": ok, "202": ok})), [("response-added".to_owned(), RustEffect::Breaking)]);
    let third = added(json!({"200": ok, "202": ok}), json!({"200": ok, "202": ok, "203": ok}));
    assert_eq!(third, [("response-added".to_owned(), RustEffect::Additive)]);
}

#[test]
fn a_response_header_that_becomes_required_or_optional_leaves_the_rust_api() {
    let op = |required: bool| {
        json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"}, "paths": {"/things": {"get": {
            "operationId": "listThings", "responses": {"200": {"description": "ok"}, "429": {"description": "slow down",
                "headers": {"Retry-After": {"required": required, "schema": {"type": "integer"}}}}}
        }}}})
    };
    // The variant's field is `Option<i64>` either way: a client reads a missing header as `None`.
    assert_eq!(rust_effects(&op(false), &op(true)), [("response-header-became-required".to_owned(), RustEffect::Unchanged)]);
    assert_eq!(rust_effects(&op(true), &op(false)), [("response-header-became-optional".to_owned(), RustEffect::Unchanged)]);
}

#[test]
fn a_media_type_matters_to_the_rust_api_only_where_the_crate_reads_it() {
    let body = |types: &[&str]| {
        let content: serde_json::Map<String, Value> =
            types.iter().map(|t| ((*t).to_owned(), json!({"schema": {"type": "string"}}))).collect();
        json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"}, "paths": {"/things": {"post": {
            "operationId": "createThing", "requestBody": {"required": true, "content": content},
            "responses": {"200": {"description": "ok"}}
        }}}})
    };
    let xml = rust_effects(&body(&["application/json"]), &body(&["application/json", "application/xml"]));
    assert_eq!(xml, [("media-type-added".to_owned(), RustEffect::Unchanged)]);
    let json_first = rust_effects(&body(&["text/plain"]), &body(&["text/plain", "application/json"]));
    assert_eq!(json_first, [("media-type-added".to_owned(), RustEffect::Breaking)]);
    let gone = rust_effects(&body(&["application/json", "application/xml"]), &body(&["application/xml"]));
    assert_eq!(gone, [("media-type-removed".to_owned(), RustEffect::Breaking)]);
}

#[test]
fn a_media_type_that_starts_a_form_changes_the_body_type_once() {
    let body = |media: &[(&str, Value)]| {
        let content: serde_json::Map<String, Value> =
            media.iter().map(|(m, schema)| ((*m).to_owned(), json!({"schema": schema}))).collect();
        json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"}, "paths": {"/things": {"patch": {
            "operationId": "patchThing", "requestBody": {"required": true, "content": content},
            "responses": {"200": {"description": "ok"}}
        }}}})
    };
    let object = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    let list = json!({"type": "array", "items": {"type": "string"}});
    let json_only = body(&[("application/json", object.clone())]);
    // Another schema: the argument becomes an enum of the two forms.
    let two = body(&[("application/json", object.clone()), ("application/json-patch+json", list.clone())]);
    assert_eq!(rust_effects(&json_only, &two), [("media-type-added".to_owned(), RustEffect::Breaking)]);
    // The same schema, in an encoding the form lacks: read into the same type.
    let form = body(&[("application/json", object.clone()), ("application/x-www-form-urlencoded", object.clone())]);
    assert_eq!(rust_effects(&json_only, &form), [("media-type-added".to_owned(), RustEffect::Unchanged)]);
    // A third form is a new variant of a `#[non_exhaustive]` enum.
    let three = body(&[
        ("application/json", object.clone()),
        ("application/json-patch+json", list.clone()),
        ("application/merge-patch+json", object.clone()),
    ]);
    assert_eq!(rust_effects(&two, &three), [("media-type-added".to_owned(), RustEffect::Additive)]);
    // A form gone is a variant gone; a media type gone from a form that stays changes no type.
    assert_eq!(rust_effects(&three, &two), [("media-type-removed".to_owned(), RustEffect::Breaking)]);
    assert_eq!(rust_effects(&form, &json_only), [("media-type-removed".to_owned(), RustEffect::Unchanged)]);
    // No media type added or removed: the form's schema now differs, so one form becomes two.
    let split = body(&[("application/json", object.clone()), ("application/x-www-form-urlencoded", list.clone())]);
    let effects = rust_effects(&form, &split);
    assert!(effects.contains(&("request-body-forms-changed".to_owned(), RustEffect::Breaking)), "{effects:?}");
    assert_changes(
        &form,
        &split,
        &[
            (
                "request-body-forms-changed",
                Compatible,
                "PATCH /things: request body: forms changed from application/json, application/x-www-form-urlencoded to application/json | application/x-www-form-urlencoded",
            ),
            ("type-changed", Both, "PATCH /things: request body (application/x-www-form-urlencoded): type changed from object to array"),
        ],
    );
}

#[test]
fn the_crate_bump_can_exceed_the_http_one() {
    let op = |parameters: Value| {
        json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"}, "paths": {"/things": {"get": {
            "operationId": "listThings", "parameters": parameters, "responses": {"200": {"description": "ok"}}
        }}}})
    };
    let report = compare(&op(json!([])), &op(json!([{"name": "page", "in": "query", "schema": {"type": "integer"}}])));
    assert!(!report.is_breaking() && report.breaks_rust_api());
    assert_eq!((report.suggestion.bump, report.crate_suggestion.bump), (Bump::Minor, Bump::Major));
}
