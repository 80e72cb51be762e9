//! The OpenAPI document and an interactive viewer, served outside production only.

use axum::Router;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_scalar::{Scalar, Servable};

use super::health;
use crate::AppState;

use super::notes;
use super::projects;
use super::tasks;

#[derive(OpenApi)]
#[openapi(
    info(title = "my-api", description = "Projects, tasks and notes, each owned by one user."),
    paths(
        health::health,
        health::ready,
        projects::list,
        projects::create,
        projects::read,
        projects::replace,
        projects::update,
        projects::delete,
        tasks::list,
        tasks::create,
        tasks::read,
        tasks::replace,
        tasks::update,
        tasks::delete,
        notes::list,
        notes::create,
        notes::read,
        notes::replace,
        notes::update,
        notes::delete,
    ),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/openapi.json",
            get(|| async { axum::Json(ApiDoc::openapi()) }),
        )
        .merge(Scalar::with_url("/docs", ApiDoc::openapi()))
}
