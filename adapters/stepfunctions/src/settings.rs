//! The `SHOP_SFN_*` settings: which state machine to start, and where.

use shop_settings::{Setting, SettingError, Source};

const STATE_MACHINE_ARN: &str = "SHOP_SFN_STATE_MACHINE_ARN";
const ENDPOINT_URL: &str = "SHOP_SFN_ENDPOINT_URL";

/// The settings [`StepFunctionsSettings::from_settings`] reads, as the
/// README lists them.
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: STATE_MACHINE_ARN,
        default: "unset",
        meaning: "With `SHOP_WORKER=stepfunctions`: the ARN of the finalization state machine (`arn:aws:states:REGION:ACCOUNT:stateMachine:NAME`). Region and credentials come from the AWS default chain (`AWS_REGION`, `AWS_ACCESS_KEY_ID` ..., an instance or task role).",
    },
    Setting {
        name: ENDPOINT_URL,
        default: "unset",
        meaning: "With `SHOP_WORKER=stepfunctions`: a Step Functions endpoint other than AWS's (`http(s)://...`, an emulator such as moto).",
    },
];

/// The finalization state machine and the endpoint it is reached at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFunctionsSettings {
    pub state_machine_arn: String,
    /// `None`: AWS's own Step Functions endpoint.
    pub endpoint_url: Option<String>,
}

impl StepFunctionsSettings {
    /// Reads the `SHOP_SFN_*` settings of `src`; the ARN is required.
    pub fn from_settings(src: &Source<'_>) -> Result<Self, SettingError> {
        let state_machine_arn =
            src.required(STATE_MACHINE_ARN, "when SHOP_WORKER=stepfunctions")?;
        // Only the shape: a typo should stop start-up, while whether the
        // machine exists is for the first StartExecution to say.
        if !state_machine_arn.starts_with("arn:")
            || !state_machine_arn.contains(":states:")
            || !state_machine_arn.contains(":stateMachine:")
            || state_machine_arn.chars().any(char::is_whitespace)
        {
            return Err(SettingError::new(
                STATE_MACHINE_ARN,
                format!(
                    "{state_machine_arn:?} is not a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)"
                ),
            ));
        }
        Ok(Self {
            state_machine_arn,
            endpoint_url: src.http_url(ENDPOINT_URL)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const ARN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:shop-finalize";

    fn parse(vars: &[(&str, &str)]) -> Result<StepFunctionsSettings, SettingError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let lookup = |name: &str| map.get(name).cloned();
        StepFunctionsSettings::from_settings(&Source::new(&lookup))
    }

    #[test]
    fn the_table_lists_the_step_functions_settings() {
        let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            ["SHOP_SFN_STATE_MACHINE_ARN", "SHOP_SFN_ENDPOINT_URL"]
        );
    }

    #[test]
    fn the_arn_and_the_endpoint_are_read() {
        assert_eq!(
            parse(&[(STATE_MACHINE_ARN, ARN)]),
            Ok(StepFunctionsSettings {
                state_machine_arn: ARN.into(),
                endpoint_url: None,
            })
        );
        assert_eq!(
            parse(&[
                (STATE_MACHINE_ARN, &format!(" {ARN} ")),
                (ENDPOINT_URL, "http://127.0.0.1:5006"),
            ]),
            Ok(StepFunctionsSettings {
                state_machine_arn: ARN.into(),
                endpoint_url: Some("http://127.0.0.1:5006".into()),
            })
        );
    }

    #[test]
    fn a_missing_or_bad_value_is_named_on_one_line() {
        assert_eq!(
            parse(&[]).unwrap_err().to_string(),
            "SHOP_SFN_STATE_MACHINE_ARN: must be set when SHOP_WORKER=stepfunctions"
        );
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[(STATE_MACHINE_ARN, "  ")], STATE_MACHINE_ARN),
            (&[(STATE_MACHINE_ARN, "my-machine")], STATE_MACHINE_ARN),
            (
                &[(
                    STATE_MACHINE_ARN,
                    "arn:aws:lambda:us-east-1:123456789012:function:finalize",
                )],
                STATE_MACHINE_ARN,
            ),
            (
                &[(
                    STATE_MACHINE_ARN,
                    "arn:aws:states:us-east-1:1:stateMachine:a b",
                )],
                STATE_MACHINE_ARN,
            ),
            (
                &[(STATE_MACHINE_ARN, ARN), (ENDPOINT_URL, "localhost:5006")],
                ENDPOINT_URL,
            ),
        ];
        for (vars, setting) in cases {
            let e = parse(vars).unwrap_err();
            assert_eq!(e.setting, *setting, "{vars:?}: {e}");
            assert!(e.to_string().starts_with(&format!("{setting}: ")), "{e}");
            assert!(!e.to_string().contains('\n'), "one line: {e}");
        }
    }
}
