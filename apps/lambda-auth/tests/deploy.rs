//! deploy/aws/template.yaml against the function: API Gateway sends it
//! every route it answers, and its environment carries what the mailed
//! links need. (cfn-lint checks the template's form, not this.)

// Test support: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use serde_yaml_ng::Value;

fn template() -> Value {
    let path = format!(
        "{}/../../deploy/aws/template.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn auth_function(template: &Value) -> &Value {
    let function = &template["Resources"]["AuthFunction"];
    assert_eq!(
        function["Type"].as_str(),
        Some("AWS::Serverless::Function"),
        "no AuthFunction in the template"
    );
    &function["Properties"]
}

#[test]
fn api_gateway_sends_the_function_every_route_it_answers_and_no_other() {
    let t = template();
    let events = auth_function(&t)["Events"].as_mapping().unwrap();
    let declared: BTreeSet<(String, String)> = events
        .values()
        .filter(|e| e["Type"].as_str() == Some("HttpApi"))
        .map(|e| {
            let p = &e["Properties"];
            (
                p["Method"].as_str().unwrap().to_uppercase(),
                p["Path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let served: BTreeSet<(String, String)> = shop_lambda_auth::routes()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    assert_eq!(declared, served);
}

#[test]
fn the_mailed_links_are_configured_and_their_routes_throttled() {
    let t = template();
    let variables = &auth_function(&t)["Environment"]["Variables"];
    for (variable, parameter) in [
        ("SHOP_PUBLIC_URL", "PublicUrl"),
        ("SHOP_MAIL_FROM", "MailFrom"),
        ("SHOP_NAME", "ShopName"),
        (
            "SHOP_REQUIRE_EMAIL_VERIFICATION",
            "RequireEmailVerification",
        ),
    ] {
        assert_eq!(
            variables[variable]["Ref"].as_str(),
            Some(parameter),
            "{variable}"
        );
        assert!(
            !t["Parameters"][parameter].is_null(),
            "no parameter {parameter}"
        );
    }
    let settings = &t["Resources"]["HttpApi"]["Properties"]["RouteSettings"];
    for route in [
        "POST /api/v1/auth/resend-verification",
        "POST /api/v1/auth/password-reset",
    ] {
        for limit in ["ThrottlingRateLimit", "ThrottlingBurstLimit"] {
            assert!(!settings[route][limit].is_null(), "{route}: {limit}");
        }
    }
}
