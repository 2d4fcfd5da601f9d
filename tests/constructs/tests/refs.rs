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
