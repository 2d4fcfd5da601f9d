//! A security scheme that `$ref`s another is read as the one it names: its
//! credential travels in the named scheme's header, under its own field.

mod common;

use constructs::refs::{
    auth,
    client::{Client, ClientError},
    errors::CopyShelfError,
    server, types,
};

struct Shelves;

impl server::RefsApi for Shelves {
    type Identity = ();

    async fn authorize(
        &self,
        _operation: auth::Operation,
        credentials: &auth::Credentials,
        _request: &server::RequestContext,
    ) -> Result<(), auth::AuthError> {
        match credentials.staff_key.as_deref() {
            Some("staff") => Ok(()),
            _ => Err(auth::AuthError::Unauthenticated("not staff".into())),
        }
    }

    async fn copy_shelf(&self, _cx: server::RequestContext, shelf_id: i64, _body: types::CopyShelfRequest) -> Result<i64, CopyShelfError> {
        Ok(shelf_id + 100)
    }
}

#[tokio::test]
async fn a_referenced_security_scheme_is_the_scheme_it_names() {
    let base = common::serve(server::router(Shelves)).await;
    let copy = Client::new(&base).with_staff_key("staff").copy_shelf(&7, &types::CopyShelfRequest::new(1)).await.expect("copied");
    assert_eq!(copy, 107);
    let missing = Client::new(&base).copy_shelf(&7, &types::CopyShelfRequest::new(1)).await.expect_err("no key");
    assert!(matches!(missing, ClientError::MissingCredentials { operation: "copyShelf" }), "{missing:?}");
    // The header is the referenced scheme's.
    let raw = reqwest::Client::new()
        .post(format!("{base}/shelves/7/copy"))
        .header("X-Staff-Key", "staff")
        .json(&serde_json::json!({"count": 1}))
        .send()
        .await
        .expect("answered");
    assert_eq!(raw.status(), 200);
    assert_eq!(auth::Operation::CopyShelf.security(), &[&[("StaffKey", &[][..])][..]]);
}

/// `{$ref: Owner, required: [id]}` is an `Owner` whose `id` is required: a type of its own
/// that a server holds to it (3.1 applies a `$ref`'s siblings too).
#[tokio::test]
async fn a_required_list_beside_a_ref_requires_those_properties() {
    let owner = types::ThingOwner::new("o-1");
    assert_eq!(serde_json::to_value(&owner).expect("encodes"), serde_json::json!({"id": "o-1"}));
    let base = common::serve(server::router(Shelves)).await;
    let put = |owner: serde_json::Value| {
        let base = base.clone();
        async move {
            let body = serde_json::json!({"name": "thing", "owner": owner});
            reqwest::Client::new().put(format!("{base}/things/t")).json(&body).send().await.expect("answered").status().as_u16()
        }
    };
    assert_eq!(put(serde_json::json!({"id": "o-1"})).await, 501, "valid: left to the trait's default");
    assert_eq!(put(serde_json::json!({"name": "no id"})).await, 400, "the owner's id is required here");
}
