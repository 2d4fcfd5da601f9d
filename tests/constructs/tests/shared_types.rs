//! Inline schemas that repeat one another share one Rust type: each copy is an
//! alias of the first (or of the component it copies), keeps its name, and
//! travels as JSON, as a form and as multipart parts like the type it names.

mod common;

use std::any::TypeId;
use std::sync::{Arc, Mutex};

use constructs::shared_types::{
    client::{Client, ClientError},
    errors::{ErrorBody, ListAuditsError},
    server, types,
};

#[derive(Default, Clone)]
struct Reports {
    received: Arc<Mutex<Vec<types::ReportDraft>>>,
}

impl server::SharedTypesApi for Reports {
    async fn list_reports(
        &self,
        _cx: server::RequestContext,
    ) -> Result<types::ListReportsOk, constructs::shared_types::errors::ListReportsError> {
        Ok(types::ListReportsOk::new(vec![types::ListReportsOkItemsItem::new("r-1", types::ReportDraftFormat::Csv)]))
    }

    async fn list_audits(&self, _cx: server::RequestContext) -> Result<types::ListAuditsOk, ListAuditsError> {
        let message = types::ListAuditsBadRequestErrorsItem::new("no audits before noon");
        Err(ListAuditsError::BadRequest(ErrorBody::Decoded(types::ListAuditsBadRequest::new(vec![message]))))
    }

    async fn create_report(
        &self,
        _cx: server::RequestContext,
        body: types::CreateReportRequest,
    ) -> Result<types::ReportDraft, constructs::shared_types::errors::CreateReportError> {
        self.received.lock().expect("not poisoned").push(body.clone());
        Ok(body)
    }

    async fn upload_audit(
        &self,
        _cx: server::RequestContext,
        body: types::UploadAuditRequest,
    ) -> Result<types::UploadAuditCreated, constructs::shared_types::errors::UploadAuditError> {
        self.received.lock().expect("not poisoned").push(body.clone());
        Ok(types::UploadAuditCreated::new(body.title))
    }

    async fn archive_reports(
        &self,
        _cx: server::RequestContext,
        body: types::ArchiveReportsRequest,
    ) -> Result<(), constructs::shared_types::errors::ArchiveReportsError> {
        self.received.lock().expect("not poisoned").push(body.report);
        Ok(())
    }

    async fn archive_many_reports(
        &self,
        _cx: server::RequestContext,
        body: types::Drafts,
    ) -> Result<(), constructs::shared_types::errors::ArchiveManyReportsError> {
        self.received.lock().expect("not poisoned").extend(body);
        Ok(())
    }

    async fn archive_named_reports(
        &self,
        _cx: server::RequestContext,
        body: types::ArchiveNamedReportsRequest,
    ) -> Result<(), constructs::shared_types::errors::ArchiveNamedReportsError> {
        self.received.lock().expect("not poisoned").extend(body.named);
        Ok(())
    }
}

#[test]
fn copies_are_the_type_they_copy_and_components_stay_their_own() {
    assert_eq!(TypeId::of::<types::ListAuditsOk>(), TypeId::of::<types::ListReportsOk>());
    assert_eq!(TypeId::of::<types::ListAuditsOkItemsItemFormat>(), TypeId::of::<types::ReportDraftFormat>());
    assert_eq!(TypeId::of::<types::CreateReportRequest>(), TypeId::of::<types::ReportDraft>());
    assert_eq!(TypeId::of::<types::UploadAuditRequest>(), TypeId::of::<types::ReportDraft>());
    assert_eq!(TypeId::of::<types::ListReportsBadRequestErrorsItem>(), TypeId::of::<types::Message>());
    // Identical components are the document's distinct names.
    assert_ne!(TypeId::of::<types::Notice>(), TypeId::of::<types::Message>());
    // A property documented differently is a different type.
    assert_ne!(TypeId::of::<types::UploadAuditCreated>(), TypeId::of::<types::Titled>());
}

#[tokio::test]
async fn a_shared_type_travels_as_json_in_answers_and_errors() {
    let base = common::serve(server::router(Reports::default())).await;
    let client = Client::new(&base);
    let reports = client.list_reports().await.expect("listed");
    assert_eq!(reports.items[0].id, "r-1");
    assert_eq!(reports.items[0].format, types::ListReportsOkItemsItemFormat::Csv);
    match client.list_audits().await.expect_err("refused") {
        ClientError::Api { error: ListAuditsError::BadRequest(ErrorBody::Decoded(body)), .. } => {
            assert_eq!(body.errors[0].message, "no audits before noon")
        }
        other => panic!("expected the documented 400, got {other:?}"),
    }
}

#[tokio::test]
async fn a_shared_type_travels_as_a_form_and_as_multipart_parts_with_its_checks() {
    let reports = Reports::default();
    let base = common::serve(server::router(reports.clone())).await;
    let client = Client::new(&base);
    let draft = types::CreateReportRequest::new("weekly", types::ReportDraftFormat::Json).tags(vec!["a".into(), "b".into()]);
    assert_eq!(client.create_report(&draft).await.expect("created"), draft);
    let upload = types::UploadAuditRequest::new("audit", types::ReportDraftFormat::Csv);
    assert_eq!(client.upload_audit(&upload).await.expect("uploaded").title, "audit");
    assert_eq!(*reports.received.lock().expect("not poisoned"), vec![draft, upload]);

    // The copy's checks are the component's: a title over 20 characters is refused.
    let refused = reqwest::Client::new()
        .post(format!("{base}/reports"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("title={}&format=JSON", "x".repeat(21)))
        .send()
        .await
        .expect("answered");
    assert_eq!(refused.status(), 400);
    assert_eq!(reports.received.lock().expect("not poisoned").len(), 2);
}

#[tokio::test]
async fn a_property_typed_by_a_copy_or_an_alias_is_checked_as_what_it_names() {
    let reports = Reports::default();
    let base = common::serve(server::router(reports.clone())).await;
    let archive = |path: &str, body: serde_json::Value| {
        let url = format!("{base}{path}");
        async move { reqwest::Client::new().post(url).json(&body).send().await.expect("answered").status() }
    };
    let fits = serde_json::json!({"title": "short", "format": "CSV"});
    let too_long = serde_json::json!({"title": "x".repeat(21), "format": "CSV"});
    assert_eq!(archive("/archive", serde_json::json!({"report": fits})).await, 204);
    assert_eq!(archive("/archive/named", serde_json::json!({"named": fits})).await, 204);
    assert_eq!(archive("/archive", serde_json::json!({"report": too_long})).await, 400, "the inline copy's maxLength");
    assert_eq!(archive("/archive/named", serde_json::json!({"named": too_long})).await, 400, "the $ref alias's maxLength");
    assert_eq!(archive("/archive/many", serde_json::json!([fits, fits])).await, 204);
    assert_eq!(archive("/archive/many", serde_json::json!([fits, too_long])).await, 400, "an item of a named list");
    assert_eq!(reports.received.lock().expect("not poisoned").len(), 4);
}
