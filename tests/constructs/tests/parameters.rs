//! The generated client calls the generated server with parameters in every
//! location and style; the server echoes what it read.

mod common;

use constructs::parameters::{
    client::Client,
    errors::{
        GetExportError, GetGuildError, GetReportError, LeaveGuildError, PickGuildsError, SearchError, ShadowLocalsError, WhoamiError,
    },
    server, types,
};

struct Echoing;

impl server::ParametersApi for Echoing {
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        _cx: server::RequestContext,
        id: i64,
        label: String,
        matrix: String,
        query: types::SearchQuery,
        x_request_id: String,
        x_trace: Option<i64>,
        session: String,
        theme: Option<types::SearchTheme>,
    ) -> Result<types::Echo, SearchError> {
        let text = format!("{id}|{label}|{matrix}|{query:?}|{x_request_id}|{x_trace:?}|{session}|{theme:?}");
        Ok(types::Echo::new(text))
    }

    async fn whoami(&self, _cx: server::RequestContext, authorization: String) -> Result<types::Echo, WhoamiError> {
        Ok(types::Echo::new(authorization))
    }

    async fn get_guild(&self, _cx: server::RequestContext, guild_id: types::Snowflake) -> Result<types::Echo, GetGuildError> {
        Ok(types::Echo::new(guild_id))
    }

    async fn get_export(&self, _cx: server::RequestContext, version: i64, id: String) -> Result<types::Echo, GetExportError> {
        Ok(types::Echo::new(format!("{version}|{id}")))
    }

    async fn leave_guild(&self, _cx: server::RequestContext, name: String) -> Result<types::Echo, LeaveGuildError> {
        Ok(types::Echo::new(name))
    }

    async fn get_report(
        &self,
        _cx: server::RequestContext,
        id: String,
        year: i64,
        format: types::GetReportFormat,
    ) -> Result<types::Echo, GetReportError> {
        Ok(types::Echo::new(format!("{id}|{year}|{format}")))
    }

    async fn pick_guilds(&self, _cx: server::RequestContext, body: types::PickGuildsRequest) -> Result<types::Echo, PickGuildsError> {
        Ok(types::Echo::new(format!("{:?} {:?}", body.ids, body.owners)))
    }

    #[allow(clippy::too_many_arguments)]
    async fn shadow_locals(
        &self,
        _cx: server::RequestContext,
        segments: String,
        cx: String,
        api: String,
        served: String,
        identity: String,
        path: String,
        request: String,
        url: String,
        client: String,
        token: String,
        response: Option<String>,
        bytes: Option<String>,
    ) -> Result<types::Echo, ShadowLocalsError> {
        let read = [segments, cx, api, served, identity, path, request, url, client, token];
        Ok(types::Echo::new(format!("{}|{response:?}|{bytes:?}", read.join("/"))))
    }
}

async fn serve() -> String {
    common::serve(server::router(Echoing)).await
}

fn full_query() -> types::SearchQuery {
    types::SearchQuery::new(5)
        .tags(vec!["a b".into(), "c,d".into()])
        .ids(vec![1, 2, 3])
        .words(vec!["x".into(), "y".into()])
        .flags(vec![true, false])
        .filter(types::SearchFilter::default().color("red").size(7))
        .window(types::SearchWindow::default().from(10).to(20))
        .sort(types::SearchSort::Desc)
}

#[tokio::test]
async fn every_style_round_trips_between_client_and_server() {
    let client = Client::new(serve().await);
    let query = full_query();
    let echo = client
        .search(&42, "lab el", "mat", &query, "req-1", Some(&9), "s=1;x", Some(&types::SearchTheme::Dark))
        .await
        .expect("the server reads every parameter");
    let expected = format!("42|lab el|mat|{query:?}|req-1|Some(9)|s=1;x|Some(Dark)");
    assert_eq!(echo.text, expected);
}

#[tokio::test]
async fn optional_parameters_may_be_left_out() {
    let client = Client::new(serve().await);
    let query = {
        let mut value = full_query_without_optionals();
        value.limit = 1;
        value
    };
    let echo = client.search(&1, "l", "m", &query, "r", None, "s", None).await.expect("answers");
    assert_eq!(echo.text, format!("1|l|m|{query:?}|r|None|s|None"));
}

fn full_query_without_optionals() -> types::SearchQuery {
    types::SearchQuery::new(1)
}

/// Raw requests, to pin the wire format the server accepts (as another client would send it).
async fn raw(path_and_query: &str, cookie: &str) -> (u16, String) {
    let base = serve().await;
    let response = reqwest::Client::new()
        .get(format!("{base}{path_and_query}"))
        .header("X-Request-Id", "r")
        .header("Cookie", cookie)
        .send()
        .await
        .expect("sends");
    (response.status().as_u16(), response.text().await.expect("reads"))
}

#[tokio::test]
async fn the_server_reads_each_style_as_openapi_spells_it() {
    let (status, body) = raw(
        "/items/5/.l/;matrix=m?tags=a&tags=b&ids=1,2&words=x%20y&flags=true|false&filter[color]=blue&filter[size]=3&window=from,1,to,2&limit=9",
        "session=abc; theme=light",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let text: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let text = text["text"].as_str().expect("text");
    for wanted in [
        "5|l|m|",
        r#"tags: Some(["a", "b"])"#,
        "ids: Some([1, 2])",
        r#"words: Some(["x", "y"])"#,
        "flags: Some([true, false])",
        r#"color: Some("blue"), size: Some(3)"#,
        "from: Some(1), to: Some(2)",
        "limit: 9",
        "|abc|Some(Light)",
    ] {
        assert!(text.contains(wanted), "{wanted:?} not in {text}");
    }
}

#[tokio::test]
async fn unreadable_parameters_get_the_documented_400() {
    for (path, cookie, why) in [
        ("/items/5/.l/;matrix=m?limit=0", "session=s", "limit below its minimum"),
        ("/items/5/.l/;matrix=m?limit=x", "session=s", "limit is not an integer"),
        ("/items/5/.l/;matrix=m", "session=s", "limit is required"),
        ("/items/5/.l/;matrix=m?limit=1&ids=1,x", "session=s", "an id is not an integer"),
        ("/items/5/l/;matrix=m?limit=1", "session=s", "a label without its dot"),
        ("/items/5/.l/m?limit=1", "session=s", "a matrix value without its name"),
        ("/items/5/.l/;matrix=m?limit=1", "", "the session cookie is required"),
        ("/items/5/.l/;matrix=m?limit=1", "session=s; theme=blue", "theme is not a listed value"),
    ] {
        let (status, body) = raw(path, cookie).await;
        assert_eq!(status, 400, "{why}: {body}");
        let problem: types::Problem = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{why}: {e}: {body}"));
        assert!(!problem.message.is_empty(), "{why}");
    }
}

#[tokio::test]
async fn a_missing_authorization_header_parameter_gets_the_documented_401() {
    let base = serve().await;
    let response = reqwest::Client::new().get(format!("{base}/session")).send().await.expect("sends");
    assert_eq!(response.status().as_u16(), 401);
    let problem: types::Problem = response.json().await.expect("the documented body");
    assert!(problem.message.contains("Authorization"), "{}", problem.message);
    let echo = Client::new(&base).whoami("Bearer t").await.expect("accepted with the header");
    assert_eq!(echo.text, "Bearer t");
}

#[tokio::test]
async fn a_path_parameter_keeps_the_pattern_of_the_schema_it_names() {
    let base = serve().await;
    for (id, status) in [("1234", 200), ("0", 200), ("01", 400), ("abc", 400)] {
        let response = reqwest::Client::new().get(format!("{base}/guilds/{id}")).send().await.expect("sends");
        assert_eq!(response.status().as_u16(), status, "guild id {id:?}");
    }
}

#[tokio::test]
async fn parameters_named_like_generated_locals_arrive_as_sent() {
    let client = Client::new(serve().await);
    let echo = client.shadow_locals("s", "c", "a", "v", "i", "p", "r", "u", "k", "t", Some("resp"), Some("b")).await.expect("echoes");
    assert_eq!(echo.text, r#"s/c/a/v/i/p/r/u/k/t|Some("resp")|Some("b")"#);
}

#[tokio::test]
async fn items_and_map_values_naming_a_constrained_primitive_are_checked() {
    let base = serve().await;
    let post = |body: serde_json::Value| {
        let url = format!("{base}/guilds");
        async move {
            let response = reqwest::Client::new().post(url).json(&body).send().await.expect("answered");
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    let (status, body) = post(serde_json::json!({"ids": ["1", "20"], "owners": {"a": "3"}})).await;
    assert_eq!((status, body["text"].as_str()), (200, Some(r#"["1", "20"] Some({"a": "3"})"#)));
    let (status, body) = post(serde_json::json!({"ids": ["1", "x"]})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.starts_with("ids/1:")), "{body}");
    let (status, body) = post(serde_json::json!({"ids": [], "owners": {"a": "01"}})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.starts_with("owners/a:")), "{body}");
}

/// Several parameters in one path segment: the router captures the segment
/// whole and the handler splits it, earlier parameters taking the most.
#[tokio::test]
async fn parameters_sharing_a_segment_are_taken_apart() {
    let base = common::serve(server::router(Echoing)).await;
    let client = Client::new(&base);
    let echo = client.get_report("q4-final", &2024, &types::GetReportFormat::Json).await.expect("a report");
    assert_eq!(echo.text, "q4-final|2024|json");
    let get = |path: &'static str| {
        let url = format!("{base}{path}");
        async move { reqwest::get(url).await.expect("answered") }
    };
    assert_eq!(get("/reports/r7-1999.csv").await.status(), 200);
    // One parameter beside literal text in its segment.
    assert_eq!(client.get_export(&3, "q.4").await.expect("an export").text, "3|q.4");
    assert_eq!(get("/exports/v3/q4.csv").await.status(), 200);
    assert_eq!(get("/exports/3/q4.csv").await.status(), 400, "no `v` before the version");
    assert_eq!(get("/exports/v3/q4.json").await.status(), 400, "not `.csv`");
    for (path, why) in [
        ("/reports/7-1999.csv", "no `r` before the id"),
        ("/reports/r7.csv", "no year"),
        ("/reports/r-1999.csv", "an empty id"),
        ("/reports/r7-1899.csv", "a year below the minimum"),
        ("/reports/r7-1999.pdf", "a format the document does not list"),
    ] {
        let answer = get(path).await;
        assert_eq!(answer.status(), 400, "{path}: {why}");
        let body: serde_json::Value = answer.json().await.expect("the documented error body");
        assert!(body["message"].is_string(), "{path}: {body}");
    }
}

/// Two paths that give one place different parameter names (`/guilds/{guild_id}`
/// and `/guilds/{name}`): axum alone panics when the router is built; each
/// handler still reads its own parameter.
#[tokio::test]
async fn one_place_under_two_parameter_names_routes_both() {
    let base = common::serve(server::router(Echoing)).await;
    let client = Client::new(&base);
    assert_eq!(client.leave_guild("my guild").await.expect("left").text, "my guild");
    assert_eq!(client.get_guild(&"80351110224678912".to_owned()).await.expect("a guild").text, "80351110224678912");
}

/// Paths that differ only in their parameters' names (invalid, yet in real
/// documents) are one route: the router builds, serving the first operation
/// of each method there, and the client calls every operation, the others
/// reaching the first one's handler.
#[tokio::test]
async fn identical_templated_paths_are_served_once_and_called_all() {
    use constructs::lenient::identical_templated_paths::{client, errors, server, types};
    struct Phones;
    impl server::IdenticalTemplatedPathsApi for Phones {
        async fn get_phone(
            &self,
            _cx: server::RequestContext,
            version: String,
            phone_id: String,
        ) -> Result<types::Named, errors::GetPhoneError> {
            Ok(types::Named::new(format!("phone {version} {phone_id}")))
        }
        async fn delete_phone(
            &self,
            _cx: server::RequestContext,
            _version: String,
            _phone_id: String,
        ) -> Result<(), errors::DeletePhoneError> {
            Ok(())
        }
        async fn list_members(
            &self,
            _cx: server::RequestContext,
            _version: String,
            _group_id: String,
        ) -> Result<(), errors::ListMembersError> {
            Ok(())
        }
        async fn rename_group(
            &self,
            _cx: server::RequestContext,
            _version: String,
            group_id: String,
            body: types::Named,
        ) -> Result<(), errors::RenameGroupError> {
            assert_eq!((group_id.as_str(), body.name.as_str()), ("g1", "team"));
            Ok(())
        }
    }
    let base = common::serve(server::router(Phones)).await;
    let client = client::Client::new(&base);
    assert_eq!(client.get_phone("v2", "p1").await.expect("served").name, "phone v2 p1");
    // The group's GET has the phone's route: the phone's handler answers it.
    assert_eq!(client.get_group("v2", "g1").await.expect("served").name, "phone v2 g1");
    client.delete_group("v2", "g1").await.expect("served as deletePhone");
    client.rename_group("v2", "g1", &types::Named::new("team")).await.expect("routed: the only POST there");
    client.list_members("v2", "g1").await.expect("a route of its own");
}
