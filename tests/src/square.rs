//! shop-api on the Square test double instead of the built-in simulator.

use shop_square_double::{DoubleConfig, SquareDouble};

use crate::spawn::{AppBuilder, TestApp};

/// Starts a Square double that accepts `token`, then the app of `builder`
/// taking payments through it for `location`.
pub async fn spawn_with_square(
    builder: AppBuilder,
    token: &str,
    location: &str,
) -> (SquareDouble, TestApp) {
    spawn_with_double(builder, DoubleConfig::default(), token, location).await
}

/// [`spawn_with_square`] with a double configured as `config` (its token
/// becomes `token`).
pub async fn spawn_with_double(
    builder: AppBuilder,
    config: DoubleConfig,
    token: &str,
    location: &str,
) -> (SquareDouble, TestApp) {
    let double = SquareDouble::start_with(
        DoubleConfig {
            access_token: Some(token.into()),
            ..config
        },
        "127.0.0.1:0",
    )
    .await
    .expect("double starts");
    let app = builder
        .env("SHOP_PAYMENTS", "square")
        .env("SHOP_SQUARE_BASE_URL", double.base_url())
        .env("SHOP_SQUARE_ACCESS_TOKEN", token)
        .env("SHOP_SQUARE_LOCATION_ID", location)
        .spawn()
        .await;
    (double, app)
}
