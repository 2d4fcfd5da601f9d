//! What every end-to-end test of this crate needs.

/// Serves `router` on a free port of 127.0.0.1; returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serves") });
    format!("http://{address}")
}
