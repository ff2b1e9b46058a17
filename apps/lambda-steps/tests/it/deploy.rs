//! What cfn-lint does not check in deploy/aws: the Lambda runtimes, and the
//! state machine definition (state types, transitions, substitutions).

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use serde_json::Value;

fn deploy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/aws")
}

pub fn asl_text() -> String {
    std::fs::read_to_string(deploy_dir().join("statemachine.asl.json")).unwrap()
}

fn asl() -> Value {
    serde_json::from_str(&asl_text()).unwrap()
}

fn template() -> serde_yaml_ng::Value {
    let text = std::fs::read_to_string(deploy_dir().join("template.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

fn resources_of_type(
    template: &serde_yaml_ng::Value,
    kind: &str,
) -> Vec<(String, serde_yaml_ng::Value)> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(name, r)| (name.as_str().unwrap().to_string(), r.clone()))
        .collect()
}

/// `${Name}` placeholders of a text (pseudo-parameters like `${AWS::Region}`
/// are not substitutions).
pub fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let end = after.find('}').unwrap();
        found.insert(after[..end].to_string());
        rest = &after[end..];
    }
    found
}

/// The ASL with its substitutions made, as SAM would.
pub fn substituted_asl(values: &HashMap<&str, String>) -> String {
    let mut text = asl_text();
    for name in placeholders(&text) {
        let value = values
            .get(name.as_str())
            .unwrap_or_else(|| panic!("no value for ${{{name}}}"));
        text = text.replace(&format!("${{{name}}}"), value);
    }
    text
}

#[test]
fn every_function_runs_on_provided_al2023_arm64_from_cargo_lambda_output() {
    let t = template();
    let globals = &t["Globals"]["Function"];
    let functions = resources_of_type(&t, "AWS::Serverless::Function");
    assert!(functions.len() >= 2, "{functions:?}");
    for (name, f) in functions {
        let p = &f["Properties"];
        let runtime = p["Runtime"].as_str().or(globals["Runtime"].as_str());
        assert_eq!(runtime, Some("provided.al2023"), "{name}");
        let handler = p["Handler"].as_str().or(globals["Handler"].as_str());
        assert_eq!(handler, Some("bootstrap"), "{name}");
        let arch = if p["Architectures"].is_null() {
            &globals["Architectures"]
        } else {
            &p["Architectures"]
        };
        assert_eq!(
            arch.as_sequence()
                .map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>()),
            Some(vec!["arm64"]),
            "{name}"
        );
        let code = p["CodeUri"].as_str().unwrap();
        assert!(code.starts_with("../../target/lambda/"), "{name}: {code}");
    }
}

#[test]
fn every_state_has_a_valid_type_and_every_transition_an_existing_target() {
    const TYPES: [&str; 8] = [
        "Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
    ];
    let asl = asl();
    let states = asl["States"].as_object().unwrap();
    let start = asl["StartAt"].as_str().unwrap();
    assert!(states.contains_key(start), "StartAt {start}");
    let mut reached = BTreeSet::from([start.to_string()]);
    for (name, state) in states {
        let kind = state["Type"].as_str().unwrap_or_default();
        assert!(TYPES.contains(&kind), "{name}: Type {kind:?}");
        let mut targets: Vec<&str> = Vec::new();
        targets.extend(state["Next"].as_str());
        targets.extend(state["Default"].as_str());
        for list in ["Catch", "Choices"] {
            for entry in state[list].as_array().into_iter().flatten() {
                targets.extend(entry["Next"].as_str());
            }
        }
        for target in &targets {
            assert!(states.contains_key(*target), "{name} -> {target}");
            reached.insert((*target).to_string());
        }
        if kind == "Choice" {
            assert!(
                state["Default"].is_string(),
                "{name}: a Choice needs a Default"
            );
        } else {
            let terminal = matches!(kind, "Succeed" | "Fail") || state["End"] == true;
            assert!(
                terminal != state["Next"].is_string(),
                "{name}: exactly one of Next and End"
            );
        }
        if kind == "Task" {
            for retry in state["Retry"].as_array().into_iter().flatten() {
                assert!(
                    retry["ErrorEquals"]
                        .as_array()
                        .is_some_and(|e| !e.is_empty())
                );
                assert!(retry["IntervalSeconds"].as_u64().is_some_and(|s| s >= 1));
                assert!(retry["MaxAttempts"].as_u64().is_some());
                assert!(retry["BackoffRate"].as_f64().is_some_and(|r| r >= 1.0));
            }
        }
    }
    let all: BTreeSet<String> = states.keys().cloned().collect();
    assert_eq!(reached, all, "every state is reachable");
}

#[test]
fn the_workflow_retries_by_error_name_and_catches_into_fail_order() {
    let asl = asl();
    let finalize = &asl["States"]["Finalize"];
    let retried: Vec<&str> = finalize["Retry"][0]["ErrorEquals"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for name in ["Retryable", "States.Timeout", "Lambda.ServiceException"] {
        assert!(retried.contains(&name), "{name}");
    }
    assert!(!retried.contains(&"Fatal"), "a Fatal error is not retried");
    assert_eq!(finalize["Retry"][0]["BackoffRate"], 2);
    // Only what retrying cannot mend fails the order; anything else pauses
    // and loops, since the step itself gives up at the deadline.
    assert_eq!(
        finalize["Catch"][0]["ErrorEquals"],
        serde_json::json!(["Fatal"])
    );
    assert_eq!(finalize["Catch"][0]["Next"], "FailOrder");
    assert_eq!(finalize["Catch"][1]["ErrorEquals"][0], "States.ALL");
    assert_eq!(finalize["Catch"][1]["Next"], "PauseAfterError");
    assert_eq!(asl["States"]["PauseAfterError"]["Next"], "Finalize");
    // next=retry waits until the step's retry_at and runs it again with
    // the failures counted so far.
    assert_eq!(finalize["Next"], "CapturedOrRetry");
    let choice = &asl["States"]["CapturedOrRetry"];
    assert_eq!(choice["Choices"][0]["Variable"], "$.finalized.next");
    assert_eq!(choice["Choices"][0]["StringEquals"], "retry");
    assert_eq!(choice["Choices"][0]["Next"], "WaitToRetry");
    assert_eq!(choice["Default"], "DeliverMails");
    let wait = &asl["States"]["WaitToRetry"];
    assert_eq!(wait["TimestampPath"], "$.finalized.retry_at");
    assert_eq!(wait["Next"], "CarryFailures");
    let carry = &asl["States"]["CarryFailures"];
    assert_eq!(carry["Parameters"]["failures.$"], "$.finalized.failures");
    assert_eq!(carry["Next"], "Finalize");
    assert_eq!(
        finalize["Parameters"]["Payload"]["failures.$"], "$.failures",
        "each run gets the failures so far"
    );
    assert_eq!(asl["States"]["FailOrder"]["Next"], "DeliverMails");
    assert_eq!(asl["States"]["DeliverMails"]["Next"], "Done");
    assert_eq!(asl["States"]["Done"]["Type"], "Succeed");
    assert!(
        asl["States"]["DeliverMails"]["Catch"].is_null(),
        "a paid order is never failed for its mail"
    );
    for (state, step) in [
        ("Finalize", "finalize"),
        ("FailOrder", "fail"),
        ("DeliverMails", "deliver_mails"),
    ] {
        assert_eq!(
            asl["States"][state]["Parameters"]["Payload"]["step"], step,
            "{state}"
        );
    }
}

#[test]
fn substitutions_match_both_ways() {
    let t = template();
    let machines = resources_of_type(&t, "AWS::Serverless::StateMachine");
    assert_eq!(machines.len(), 1);
    let (name, machine) = &machines[0];
    let p = &machine["Properties"];
    assert_eq!(p["DefinitionUri"].as_str(), Some("statemachine.asl.json"));
    let provided: BTreeSet<String> = p["DefinitionSubstitutions"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    let used = placeholders(&asl_text());
    assert!(!used.is_empty());
    assert_eq!(
        used, provided,
        "{name}: ${{...}} in the ASL vs DefinitionSubstitutions"
    );
    // Each names a function of the template.
    let functions: BTreeSet<String> = resources_of_type(&t, "AWS::Serverless::Function")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for (key, value) in p["DefinitionSubstitutions"].as_mapping().unwrap() {
        let target = value["Fn::GetAtt"][0].as_str().unwrap_or_default();
        assert!(functions.contains(target), "{key:?} -> {target}");
    }
}

#[test]
fn the_state_machine_may_invoke_only_the_steps_function() {
    let t = template();
    let (_, machine) = &resources_of_type(&t, "AWS::Serverless::StateMachine")[0];
    let policies = machine["Properties"]["Policies"].as_sequence().unwrap();
    assert_eq!(policies.len(), 1);
    assert_eq!(
        policies[0]["LambdaInvokePolicy"]["FunctionName"]["Ref"].as_str(),
        Some("StepsFunction")
    );
}
