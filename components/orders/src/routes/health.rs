//! `GET /orders/healthz` and `GET /orders/readyz`.

use std::rc::Rc;

use service_kit::{ApiResult, RequestContext};
use spin_sdk::http::{Params, Request, Response};

pub async fn healthz(_: Request, _: Params, _: Rc<RequestContext>) -> ApiResult<Response> {
    Ok(service_kit::health::healthz())
}

pub async fn readyz(_: Request, _: Params, _: Rc<RequestContext>) -> ApiResult<Response> {
    Ok(service_kit::health::readyz())
}
